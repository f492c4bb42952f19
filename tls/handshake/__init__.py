"""Client and server handshake state machines (one class per state)."""

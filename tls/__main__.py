"""``python -m tls`` runs the tls12 command line (same as the ``tls12`` script)."""

from .cli import main

raise SystemExit(main())

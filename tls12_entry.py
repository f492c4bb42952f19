"""Entry point of the ``tls12`` console script.

tlslite-ng (a test and benchmark dependency) installs a script named ``tls.py`` into the same
``bin/`` directory as ``tls12``; Python puts a script's directory first on ``sys.path``, so a plain
``from tls.cli import main`` would import tlslite-ng's script instead of this package. Drop the
script's own directory from ``sys.path`` before importing.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    script_dir = os.path.dirname(os.path.abspath(sys.argv[0])) if sys.argv and sys.argv[0] else ""
    if script_dir:
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != script_dir]
    from tls.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())

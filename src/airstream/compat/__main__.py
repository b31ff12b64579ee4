"""``python -m airstream.compat DAG_FILE [ARGS...]``: run a DAG file as a script.

The Airflow names are mapped first, so a file ending in ``if __name__ == "__main__":
dag.test()`` runs as it would under ``python DAG_FILE`` with Airflow installed.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Sequence

from airstream.compat import install


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m airstream.compat DAG_FILE [ARGS...]", file=sys.stderr)
        return 2
    if not install():
        print("a real apache-airflow is installed; not mapping its names", file=sys.stderr)
    sys.argv = args
    runpy.run_path(args[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m airstream`` is the ``airstream`` command."""

from airstream.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

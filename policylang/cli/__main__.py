"""Run the ``policylang`` command: ``python -m policylang.cli``."""

from policylang.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())

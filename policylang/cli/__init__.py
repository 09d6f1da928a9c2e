"""The ``policylang`` command: one module per subcommand over the library."""

from policylang.cli.main import main

__all__ = ["main"]

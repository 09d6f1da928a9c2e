"""``policylang lsp``: the language server for editors (Language Server Protocol on stdin and stdout).

It needs the optional ``lsp`` extra (pygls and lsprotocol), which is imported only here,
when the server runs; without it the command says how to install it and exits 1.
"""

from __future__ import annotations

import argparse
from typing import Any

from policylang.base.extras import require
from policylang.cli.common import EXIT_OK, subcommand


def register(sub: Any) -> None:
    """Add ``lsp`` to the subcommands."""
    ls = subcommand(
        sub,
        "lsp",
        "run the language server for editors (LSP on standard input and output)",
        "example:\n  policylang lsp --check    say whether the server can start here\n"
        "(an editor starts `policylang lsp` itself: see the documentation's page on editors)",
    )
    ls.add_argument("--stdio", action="store_true", help="talk on standard input and output (the default)")
    ls.add_argument("--check", action="store_true", help="check that the server can start (its extra is installed)")
    ls.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve one editor until it says exit (with ``--check``: say whether it could, and exit)."""
    for module in ("pygls", "lsprotocol"):
        require(module, "lsp", "the language server (policylang lsp)")
    if args.check:
        import importlib.metadata

        versions = ", ".join(f"{m} {importlib.metadata.version(m)}" for m in ("pygls", "lsprotocol"))
        print(f"the language server can start: policylang lsp ({versions})")
        return EXIT_OK
    from policylang.editor.server import serve

    serve()
    return EXIT_OK

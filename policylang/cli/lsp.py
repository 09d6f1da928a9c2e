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
        "example (an editor starts it; see the docs' page on editors):\n  policylang lsp",
    )
    ls.add_argument("--stdio", action="store_true", help="talk on standard input and output (the default)")
    ls.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve one editor until it says exit."""
    for module in ("pygls", "lsprotocol"):
        require(module, "lsp", "the language server (policylang lsp)")
    from policylang.editor.server import serve

    serve()
    return EXIT_OK

"""``policylang serve``: the HTTP service, under uvicorn (the ``serve`` extra)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from policylang.base.errors import PolicyError
from policylang.cli.common import EXIT_OK, subcommand


def register(sub: Any) -> None:
    """Add ``serve`` to the subcommands."""
    sv = subcommand(
        sub,
        "serve",
        "answer evaluations, explanations and questions over HTTP as JSON, with an interview page at /",
        "examples:\n"
        "  policylang serve                                  the bundled policies on http://127.0.0.1:8000/\n"
        "  policylang serve --host 0.0.0.0 --port 8080 --workers 2 --policies our_rules/\n"
        "  curl -s -X POST localhost:8000/v1/evaluate/examples/benefit -d '{\"facts\": {}}'",
    )
    sv.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="the port (default: 8000)")
    sv.add_argument(
        "--policies",
        nargs="+",
        action="extend",
        default=[],
        metavar="PATH",
        help="also serve these .pol files, or every policy in these folders",
    )
    sv.add_argument("--no-bundled", action="store_true", help="serve only the --policies, not the bundled ones")
    sv.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default: 1)")
    sv.add_argument(
        "--max-body", type=int, default=1_000_000, metavar="BYTES", help="the largest request body (default: 1000000)"
    )
    sv.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long reading a body, and answering it, may take (default: 10)",
    )
    sv.add_argument(
        "--inline-bytes",
        type=int,
        default=16_384,
        metavar="BYTES",
        help="evaluate bodies up to this size on the event loop, not in a thread, where the policy's work "
        "grows no faster than its facts; 0: never (default: 16384)",
    )
    sv.add_argument(
        "--log-level", choices=("critical", "error", "warning", "info"), default="info", help="(default: info)"
    )
    sv.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load the policies (an error stops here, before listening), then serve until interrupted."""
    from policylang.base.extras import require

    require("uvicorn", "serve", "policylang serve")
    require("starlette", "serve", "policylang serve")
    import uvicorn

    from policylang.serve.app import create_app
    from policylang.serve.catalogue import Catalogue
    from policylang.serve.settings import Settings

    if args.workers < 1:
        raise PolicyError(f"--workers {args.workers}: there must be at least one worker")
    if args.no_bundled and not args.policies:
        raise PolicyError("--no-bundled: name the policies to serve with --policies")
    settings = Settings(
        policies=tuple(args.policies),
        bundled=not args.no_bundled,
        body_bytes=args.max_body,
        request_seconds=args.timeout,
        inline_bytes=args.inline_bytes,
    )
    catalogue = Catalogue.of(settings.policies, bundled=settings.bundled)
    options: dict[str, Any] = {"host": args.host, "port": args.port, "log_level": args.log_level}
    if args.workers == 1:
        uvicorn.run(create_app(settings, catalogue), **options)
    else:  # each worker builds its application from the environment
        os.environ.update(settings.to_environment())
        uvicorn.run("policylang.serve.app:app_from_environment", factory=True, workers=args.workers, **options)
    return EXIT_OK

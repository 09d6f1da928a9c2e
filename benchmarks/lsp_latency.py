"""How soon the language server publishes diagnostics after an edit (issue 22: within 300 ms).

Run from the repository root, with policylang and its ``lsp`` extra installed
(``pip install -e ".[lsp]"``)::

    python benchmarks/lsp_latency.py              # writes its section of benchmarks/RESULTS.md
    python benchmarks/lsp_latency.py --rounds 3   # fewer edits
    python benchmarks/lsp_latency.py --no-write   # print only

Measured: ``policylang lsp`` runs in its own process, as an editor starts it, and a real
LSP client (pygls) talks to it over a pipe. The client opens
``policies/residence/help_and_repatriation.pol`` (the largest bundled policy, about 1,300
lines), then makes edits one after the other, each as an editor sends it (a
``textDocument/didChange`` with the whole text), and times each edit from the moment it is
sent to the moment the ``textDocument/publishDiagnostics`` for that version arrives. Five
kinds of edit follow each other in each round: a typo in a name (an error appears), the
typo fixed (it goes), a word typed in a rule's quote, a new line at the top of the file
(every declaration moves down), and an unclosed bracket (a syntax error). No text is sent
twice, so that no edit is answered from the server's cache of checked texts.

The baseline, measured in the same run and process as the client: the checker alone on
the already parsed file and its imports (``check_modules``), and what a server without the
incremental parse would do, parse the whole file again and check it.
This script is run on demand, never by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.metadata
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "residence" / "help_and_repatriation.pol"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START = "<!-- lsp-benchmark: start (written by benchmarks/lsp_latency.py) -->"
END = "<!-- lsp-benchmark: end -->"
TARGET_MS = 300.0


def edits(text: str) -> list[tuple[str, str]]:
    """One round of edits, each as the whole text after it; every text differs from every other round's."""
    quote = "Denne gælder fra 1. juli 1998"
    use = "let in_scope = not before_guideline"
    assert use in text and quote in text
    typo = text.replace(use, "let in_scope = not before_guidelin")
    fixed = text.replace(use, "let in_scope = not danish_citizen")
    typed = fixed.replace(quote, quote.replace("gælder", "gælder nu"))
    moved = "# a new first line\n" + typed
    broken = moved.replace("let inclusive_shift = if", "let inclusive_shift = (if")
    return [
        ("a typo in a name (an error appears)", typo),
        ("the typo fixed (the error goes)", fixed),
        ("a word typed in a rule's quote", typed),
        ("a new line at the top (every declaration moves)", moved),
        ("an unclosed bracket (a syntax error)", broken),
    ]


async def measure(rounds: int) -> dict[str, Any]:
    from lsprotocol import types as lsp
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("benchmark", "1")
    arrived: dict[int, float] = {}
    waiting: dict[int, asyncio.Event] = {}
    counts: dict[int, int] = {}

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: lsp.PublishDiagnosticsParams) -> None:
        if params.version is not None and params.version not in arrived:
            arrived[params.version] = time.perf_counter()
            counts[params.version] = len(params.diagnostics)
            if params.version in waiting:
                waiting[params.version].set()

    started = time.perf_counter()
    await client.start_io(sys.executable, "-m", "policylang.cli", "lsp")
    await client.initialize_async(
        lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri=(ROOT / "policies").as_uri())
    )
    client.initialized(lsp.InitializedParams())
    initialized = time.perf_counter() - started

    text = POLICY.read_text(encoding="utf-8")
    uri = POLICY.as_uri()

    async def send(version: int, body: str, first: bool = False) -> float:
        waiting[version] = asyncio.Event()
        sent = time.perf_counter()
        if first:
            client.text_document_did_open(
                lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "pol", version, body))
            )
        else:
            client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    [lsp.TextDocumentContentChangeWholeDocument(text=body)],
                )
            )
        await asyncio.wait_for(waiting[version].wait(), 60)
        return (arrived[version] - sent) * 1000

    opened = await send(1, text, first=True)
    version = 1
    timings: dict[str, list[float]] = {}
    for r in range(rounds):
        start = "# a line\n" * r + text  # each round's texts are new to the server: nothing is cached
        for name, body in edits(start):
            version += 1
            timings.setdefault(name, []).append(await send(version, body))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {"initialize_s": initialized, "open_ms": opened, "timings": timings}


def baseline(runs: int) -> dict[str, float]:
    """The checker alone, and a whole parse and check, in this process (medians in ms)."""
    from policylang.check.declarations import check_modules
    from policylang.policy.loader import read_modules
    from policylang.syntax.parser import parse_module

    modules = read_modules(POLICY)
    text = POLICY.read_text(encoding="utf-8")
    check, whole = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        check_modules(modules)
        t1 = time.perf_counter()
        check_modules([*modules[:-1], parse_module(text, modules[-1].path)])
        t2 = time.perf_counter()
        check.append((t1 - t0) * 1000)
        whole.append((t2 - t1) * 1000)
    return {"check_ms": statistics.median(check), "parse_and_check_ms": statistics.median(whole)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def section(result: dict[str, Any], base: dict[str, float], rounds: int, load: tuple[str, str]) -> str:
    every = [t for ts in result["timings"].values() for t in ts]
    median, p90, worst = statistics.median(every), percentile(every, 0.9), max(every)
    met = "met" if worst < TARGET_MS else "**not met**"
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    lines = [
        START,
        "## Language server: diagnostics after an edit (`benchmarks/lsp_latency.py`)",
        "",
        "`policylang lsp` in its own process, a pygls client over a pipe, "
        f"`{POLICY.relative_to(ROOT)}` open ({len(POLICY.read_text(encoding='utf-8').splitlines())} lines). "
        "Each edit is timed from the `didChange` sent to its `publishDiagnostics` received.",
        "",
        f"- Command: `python benchmarks/lsp_latency.py --rounds {rounds}`",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; policylang revision: {revision.stdout.strip()}",
        f"- Machine: `{' '.join(platform.uname())}`; `nproc`: {os.cpu_count()}",
        f"- Load average (1, 5, 15 min) before and after: {load[0]} / {load[1]}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}; "
        f"pygls {importlib.metadata.version('pygls')}, lark {importlib.metadata.version('lark')}",
        "",
        "### Target",
        "",
        f"- Diagnostics within {TARGET_MS:.0f} ms of an edit: {met}. Median {median:.0f} ms, 90th percentile "
        f"{p90:.0f} ms, slowest {worst:.0f} ms over {len(every)} edits; the slowest is "
        f"{worst / base['check_ms']:.1f}x the checker alone on the parsed file (baseline below).",
        "",
        "### Per kind of edit (ms)",
        "",
        "| edit | median | slowest | median x `check_modules` |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, ts in result["timings"].items():
        m = statistics.median(ts)
        lines.append(f"| {name} | {m:.0f} | {max(ts):.0f} | {m / base['check_ms']:.1f}x |")
    lines += [
        "",
        "### Baseline, same run (ms, median)",
        "",
        "| what | ms |",
        "| --- | ---: |",
        f"| `check_modules` on the parsed file and its import (the checker alone) | {base['check_ms']:.0f} |",
        f"| the whole file parsed again, then checked (a server without the incremental parse) | "
        f"{base['parse_and_check_ms']:.0f} |",
        f"| the server's first diagnostics after `didOpen` (the whole file parsed) | {result['open_ms']:.0f} |",
        f"| starting the server until `initialize` answers | {result['initialize_s'] * 1000:.0f} |",
        "",
        "An edit costs the checker's time plus parsing the one changed declaration (a line added at",
        "the top moves the others' spans instead of parsing them again) and the protocol's round trip.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path) -> None:
    """Replace this script's section of RESULTS.md, or append it; the rest is left as it is."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in current and END in current:
        before, rest = current.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        updated = before + text + ("\n" + after if after else "")
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated, encoding="utf-8")


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="edits of each kind (default 10)")
    parser.add_argument("--no-write", action="store_true", help="print the results only")
    options = parser.parse_args(argv)
    before = loadavg()
    base = baseline(max(5, options.rounds))
    result = asyncio.run(measure(options.rounds))
    text = section(result, base, options.rounds, (before, loadavg()))
    print(text)
    if not options.no_write:
        write_section(text, RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())

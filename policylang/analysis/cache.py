"""A cache of analysis results on disk, so that checking an unchanged policy again is instant.

The logic analyses of a policy depend only on the text of its files and on policylang
itself. :func:`key` hashes both (every ``.py`` file of the installed package, the z3
version, and each module's path and text); a cached result is used only when the key is
the same, so editing a policy or upgrading policylang recomputes it. The results are small
JSON files in the ``analysis`` folder of policylang's cache
(:func:`~policylang.base.cachedir.cache_directory`: ``$POLICYLANG_CACHE_DIR``, else the
per-user cache folder). A cache that cannot be read or written is skipped silently: it
only ever saves time, it never changes what is reported.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
from pathlib import Path
from typing import Any

from policylang.base.cachedir import cache_directory, prune, read_trusted, write_atomic
from policylang.base.errors import Diagnostic
from policylang.base.span import Source, Span
from policylang.ir import program as ir

FORMAT = "policylang.analysis-cache/1"
KEEP = 1000  # results kept; the oldest go first
LIMIT = 16 * 1024 * 1024  # a larger file is not one of ours


def directory() -> Path:
    """Where the cached results are kept."""
    return cache_directory("analysis")


@functools.cache
def _code_version() -> str:
    """A hash of policylang's own code and the solver's version."""
    digest = hashlib.sha256(FORMAT.encode())
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        digest.update(importlib.metadata.version("z3-solver").encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key(program: ir.Program, main_file: str | None, options: str) -> str | None:
    """The cache key of an analysis of ``program``, or ``None`` if a file cannot be read."""
    digest = hashlib.sha256(_code_version().encode())
    digest.update(f"{main_file}\0{options}\0".encode())
    for name in program.files:
        try:
            text = Path(name).read_bytes()
        except OSError:
            return None
        digest.update(f"{name}\0{len(text)}\0".encode())
        digest.update(text)
    return digest.hexdigest()


def load(cache_key: str, program: ir.Program) -> list[Diagnostic] | None:
    """The cached diagnostics for ``cache_key``, or ``None``."""
    raw = read_trusted(directory() / f"{cache_key}.json", LIMIT)
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != FORMAT:
            return None
        sources = _sources(program)
        return [_diagnostic(d, sources) for d in data["diagnostics"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def store(cache_key: str, diagnostics: list[Diagnostic]) -> None:
    """Keep ``diagnostics`` under ``cache_key`` (silently skipped if the cache cannot be written)."""
    data = {"format": FORMAT, "diagnostics": [d.to_dict() for d in diagnostics]}
    folder = directory()
    if write_atomic(folder / f"{cache_key}.json", json.dumps(data, ensure_ascii=False).encode("utf-8")):
        prune(folder, ".json", KEEP)


def _sources(program: ir.Program) -> dict[str, Source]:
    """The source of each file of the program, taken from the spans it carries."""
    spans: list[Span] = [d.span for d in program.decisions.values()]
    spans += [r.span for r in program.rules.values()] + [c.span for c in program.constraints]
    spans += [w.span for w in program.warnings] + [f.span for f in program.facts.values()]
    if program.header.span is not None:
        spans.append(program.header.span)
    return {s.file: s.source for s in spans}


def _diagnostic(data: dict[str, Any], sources: dict[str, Source]) -> Diagnostic:
    span = None
    where = data["span"]
    if where is not None:
        source = sources.get(where["file"])
        if source is None:
            source = Source(where["file"], Path(where["file"]).read_text(encoding="utf-8"))
        span = Span(source, where["line"], where["column"], where["end_line"], where["end_column"])
    return Diagnostic(data["code"], data["message"], span, data["severity"], data["hint"])

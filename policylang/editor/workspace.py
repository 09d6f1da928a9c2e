"""The policy files an editor works on: their text, their parse and their check, kept between edits.

A :class:`Workspace` holds the text of the documents open in the editor (the rest is read
from disk) and an :class:`~policylang.syntax.incremental.IncrementalParser` per file, so
that re-checking a policy after a keystroke parses only the declaration that changed.
:meth:`Workspace.analyse` checks a file with everything it imports and gives an
:class:`Analysis`: the checker's diagnostics, the program (even where it has errors) and,
when first asked for, the index of every name's declaration and uses
(:mod:`policylang.editor.symbols`). Nothing here knows the Language Server Protocol.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

from policylang.base.errors import Diagnostic, PolicyError, PolicyNotFoundError, PolicySyntaxError
from policylang.base.limits import DEFAULT
from policylang.base.span import Source, Span, point, whole_file
from policylang.check.declarations import check_program
from policylang.editor.symbols import SymbolIndex, build_index
from policylang.ir import program as ir
from policylang.policy.checking import allowed
from policylang.policy.loader import import_roots, import_target, with_parameter_files
from policylang.syntax import ast
from policylang.syntax.incremental import IncrementalParser

_IMPORT = re.compile(r'^[ \t]*import[ \t]+"([^"\n]*)"', re.MULTILINE)
_SKIPPED = frozenset({".git", ".venv", "venv", "node_modules", "_build", "__pycache__", ".tox", ".mypy_cache"})


def canonical(path: str | os.PathLike[str]) -> str:
    """The name a file has in the workspace: its absolute, resolved path."""
    return str(Path(path).resolve())


@attrs.define
class Analysis:
    """One policy file checked with its imports, as it read when it was checked."""

    path: str
    files: tuple[str, ...]  # every file of the policy, imports first, this one last
    modules: tuple[ast.Module, ...]  # their syntax trees (only those that parsed)
    program: ir.Program | None  # None where a file did not parse
    diagnostics: tuple[Diagnostic, ...]  # the checker's, with `# policylang: allow` applied
    texts: dict[str, str]  # the text of each file as it was checked
    _index: SymbolIndex | None = None

    @property
    def parsed(self) -> bool:
        """Whether every file of the policy parsed (so that the program is there)."""
        return self.program is not None

    @property
    def index(self) -> SymbolIndex:
        """Where every name of the policy is declared and used (built when first asked for)."""
        if self._index is None:
            self._index = build_index(self.modules, self.program)
        return self._index

    @property
    def module(self) -> ast.Module | None:
        """The syntax tree of the file itself."""
        return next((m for m in self.modules if m.path == self.path), None)

    def text(self, path: str) -> str:
        """The text a file of the policy had when it was checked."""
        return self.texts.get(path, "")

    def for_file(self, path: str) -> list[Diagnostic]:
        """The diagnostics to show in ``path``: its own, and those of files it imports at the import.

        >>> w = Workspace()
        >>> w.open("/tmp/demo.pol", 'import "nowhere.pol"\\nfact a: bool')
        >>> [d.code for d in w.analyse("/tmp/demo.pol").for_file("/tmp/demo.pol")]
        ['pol-import-not-found']
        """
        own = [d for d in self.diagnostics if d.span is not None and d.span.file == path]
        elsewhere = [d for d in self.diagnostics if d not in own]
        if not elsewhere:
            return own
        module = next((m for m in self.modules if m.path == path), None)
        imports = [d for d in module.declarations if isinstance(d, ast.ImportDecl)] if module else []
        anchor = imports[0].span if imports else point(Source(path, self.text(path)), 1, 1)
        moved = []
        for d in elsewhere:
            where = f"{Path(d.span.file).name}:{d.span.line}:{d.span.column}: " if d.span is not None else ""
            moved.append(attrs.evolve(d, message=f"in {where}{d.message}", span=anchor, fix=None))
        return [*own, *moved]


class Workspace:
    """The documents an editor has open and the policy files around them."""

    def __init__(self, roots: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.roots = [Path(r) for r in roots]
        self._open: dict[str, str] = {}
        self._disk: dict[str, tuple[float, int, str]] = {}
        self._parsers: dict[str, IncrementalParser] = {}
        self._parsed: dict[str, tuple[str, ast.Module | PolicyError]] = {}
        self._analyses: dict[str, Analysis] = {}
        self._good: dict[str, Analysis] = {}

    # -- documents -------------------------------------------------------------

    def open(self, path: str, text: str) -> None:
        """The editor opened ``path`` (or changed it) and it now reads ``text``."""
        self._open[canonical(path)] = text

    change = open

    def close(self, path: str) -> None:
        """The editor closed ``path``: it reads as it does on disk again."""
        self._open.pop(canonical(path), None)

    def is_open(self, path: str) -> bool:
        return canonical(path) in self._open

    def text(self, path: str) -> str | None:
        """The text of ``path``: as the editor has it, else as it is on disk; ``None`` if it cannot be read."""
        path = canonical(path)
        if path in self._open:
            return self._open[path]
        try:
            stat = os.stat(path)
            cached = self._disk.get(path)
            if cached is not None and cached[:2] == (stat.st_mtime, stat.st_size):
                return cached[2]
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        self._disk[path] = (stat.st_mtime, stat.st_size, text)
        return text

    def module(self, path: str) -> ast.Module:
        """The syntax tree of ``path`` as it reads now; a :class:`PolicyError` where it does not parse."""
        path = canonical(path)
        text = self.text(path)
        if text is None:
            raise PolicyNotFoundError(f"{path}: cannot read the file")
        cached = self._parsed.get(path)
        if cached is None or cached[0] != text:
            parser = self._parsers.setdefault(path, IncrementalParser(path))
            try:
                outcome: ast.Module | PolicyError = parser.parse(text)
            except PolicyError as e:
                outcome = e
            cached = (text, outcome)
            self._parsed[path] = cached
        if isinstance(cached[1], PolicyError):
            raise cached[1]
        return cached[1]

    # -- checking --------------------------------------------------------------

    def analyse(self, path: str) -> Analysis:
        """Check ``path`` with its imports as they read now (kept until one of them changes)."""
        path = canonical(path)
        previous = self._analyses.get(path)
        if previous is not None and all(self.text(f) == previous.texts.get(f) for f in previous.files):
            return previous
        analysis = self._check(path)
        self._analyses[path] = analysis
        if analysis.parsed:
            self._good[path] = analysis
        return analysis

    def last_good(self, path: str) -> Analysis | None:
        """The latest analysis of ``path`` in which every file parsed: what navigation reads while a file is broken."""
        path = canonical(path)
        current = self.analyse(path)
        return current if current.parsed else self._good.get(path)

    def _check(self, path: str) -> Analysis:
        modules: list[ast.Module] = []
        files: list[str] = []
        texts: dict[str, str] = {}
        problems: list[Diagnostic] = []
        visiting: set[str] = set()
        broken = False

        def visit(p: str) -> None:
            nonlocal broken
            if p in visiting or p in files:
                return
            visiting.add(p)
            text = self.text(p)
            if text is not None:
                texts[p] = text
            try:
                module = self.module(p)
            except PolicySyntaxError as e:
                problems.extend(e.diagnostics)
                broken = True
                files.append(p)
                return
            except PolicyError as e:
                problems.append(
                    Diagnostic(e.code, e.message, e.diagnostics[0].span if e.diagnostics else whole_file(p))
                )
                broken = True
                files.append(p)
                return
            module = with_parameter_files(module, Path(p), import_roots(Path(p)), DEFAULT, problems, set())
            for d in module.declarations:
                if isinstance(d, ast.ImportDecl):
                    target = import_target(Path(p), d.path)
                    if target is None:
                        problems.append(
                            Diagnostic(
                                "pol-import-not-found",
                                f'cannot find the imported file "{d.path}"',
                                d.span,
                                hint="paths are relative to this file or to the policies folder",
                            )
                        )
                    else:
                        visit(canonical(target))
            visiting.discard(p)
            files.append(p)
            modules.append(module)

        visit(path)
        program = None
        diagnostics = list(problems)
        if not broken and modules:
            program, checked = check_program(modules, require_header=False)
            diagnostics.extend(checked)
        kept = tuple(d for d in diagnostics if not allowed(d))
        return Analysis(path, tuple(files), tuple(modules), program, kept, texts)

    # -- the files around ------------------------------------------------------

    def policy_files(self) -> list[str]:
        """Every ``.pol`` file under the workspace's folders, and every open one."""
        found = set(self._open)
        for root in self.roots:
            found.update(canonical(p) for p in _walk(root))
        return sorted(found)

    def importers(self, path: str) -> list[str]:
        """The files that import ``path``, directly or through others, and ``path`` itself."""
        path = canonical(path)
        graph: dict[str, list[str]] = {}
        for f in self.policy_files():
            text = self.text(f) or ""
            for name in _IMPORT.findall(text):
                target = import_target(Path(f), name)
                if target is not None:
                    graph.setdefault(canonical(target), []).append(f)
        seen = [path]
        for f in seen:
            seen.extend(g for g in graph.get(f, []) if g not in seen)
        return seen


def _walk(root: Path) -> Iterator[Path]:
    if root.is_file():
        if root.suffix == ".pol":
            yield root
        return
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and entry.name not in _SKIPPED and not entry.name.startswith("."):
            yield from _walk(Path(entry.path))
        elif entry.is_file() and entry.name.endswith(".pol"):
            yield Path(entry.path)


def span_contains(span: Span, line: int, column: int) -> bool:
    """Whether the 1-based ``line``:``column`` is within ``span`` (its end included, as a cursor after a word is)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)

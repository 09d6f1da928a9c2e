"""Go to a declaration, find every use, rename across files, apply a "did you mean", outline a file.

Uses are looked for in every policy file of the workspace that imports the file where the
name is declared (directly or through other files), so that renaming a fact of a shared
``common.pol`` renames it in every policy that uses it.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from policylang.base.errors import PolicyError
from policylang.base.span import Source, Span
from policylang.check.declarations import RESERVED
from policylang.editor.symbols import Key, declaration
from policylang.editor.workspace import Analysis, Workspace
from policylang.ir.builtins import BUILTINS
from policylang.policy.loader import import_target
from policylang.syntax import ast, keywords

_NAME = re.compile(r"(?!\d)\w+\Z")
_RULE_ID = re.compile(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)+\Z")
RENAMABLE = frozenset({"value", "rule", "type", "source", "factor", "function"})


class RenameError(PolicyError):
    """A rename that cannot be done: the new name is not a name, is taken, or a file to change does not parse."""

    code = "pol-rename"


def definition(workspace: Workspace, analysis: Analysis, path: str, line: int, column: int) -> list[Span]:
    """Where the name at ``line``:``column`` is declared; for an ``import``, the imported file."""
    found = analysis.index.at(path, line, column)
    if found is not None:
        declared = analysis.index.declared.get(found.key)
        return [declared.name_span] if declared is not None else []
    module = analysis.module
    if module is None:
        return []
    for d in module.declarations:
        if isinstance(d, ast.ImportDecl) and (d.span.line, d.span.column) <= (line, column) <= (
            d.span.end_line,
            d.span.end_column,
        ):
            target = import_target(Path(path), d.path)
            if target is not None:
                return [Span(Source(str(target.resolve()), ""), 1, 1, 1, 1)]
    return []


def references(
    workspace: Workspace, analysis: Analysis, path: str, line: int, column: int, *, declaration: bool = True
) -> list[Span]:
    """Every use of the name at ``line``:``column`` in the files that can see its declaration."""
    found = analysis.index.at(path, line, column)
    if found is None:
        return []
    return [s for s, is_declaration in _uses(workspace, analysis, found.key) if declaration or not is_declaration]


def _uses(workspace: Workspace, analysis: Analysis, key: Key, *, strict: bool = False) -> list[tuple[Span, bool]]:
    declared = analysis.index.declared.get(key)
    if declared is None:
        return [(o.span, o.definition) for o in analysis.index.uses(key)]
    home = declared.name_span
    spans: dict[tuple[str, int, int], tuple[Span, bool]] = {}
    for f in workspace.importers(home.file):
        other = workspace.analyse(f)
        if not other.parsed:
            if strict:
                raise RenameError(f"{f} does not parse: fix its syntax errors first")
            other = workspace.last_good(f) or other
        there = other.index.declared.get(key)
        if there is None or (there.name_span.file, there.name_span.line, there.name_span.column) != (
            home.file,
            home.line,
            home.column,
        ):
            continue
        for o in other.index.uses(key):
            spans[(o.span.file, o.span.line, o.span.column)] = (o.span, o.definition)
    return sorted(spans.values(), key=lambda s: (s[0].file, s[0].line, s[0].column))


def prepare_rename(analysis: Analysis, path: str, line: int, column: int) -> Span | None:
    """The span of the name at ``line``:``column`` where it can be renamed, else ``None``."""
    found = analysis.index.at(path, line, column)
    if found is None or found.key[0] not in RENAMABLE or found.key not in analysis.index.declared:
        return None
    return found.span


def rename(
    workspace: Workspace, analysis: Analysis, path: str, line: int, column: int, new_name: str
) -> dict[str, list[tuple[Span, str]]]:
    """The edits, file by file, that rename the name at ``line``:``column`` to ``new_name`` everywhere it is used."""
    found = analysis.index.at(path, line, column)
    if found is None or found.key[0] not in RENAMABLE or found.key not in analysis.index.declared:
        raise RenameError("there is no fact, decision, rule or other declared name here to rename")
    namespace, old = found.key
    if namespace == "rule":
        if not _RULE_ID.match(new_name):
            raise RenameError(f"`{new_name}` is not a rule ID: write capital letters and digits joined by `-`")
    elif not _NAME.match(new_name) or new_name in keywords.KEYWORDS or new_name in RESERVED:
        raise RenameError(f"`{new_name}` cannot be a name: use letters, digits and `_`, and no keyword")
    elif namespace == "function" and (new_name in BUILTINS or new_name in keywords.QUANTIFIERS):
        raise RenameError(f"`{new_name}` is a built-in function: a function of the policy cannot take its name")
    if new_name != old and (namespace, new_name) in analysis.index.declared:
        other = analysis.index.declared[(namespace, new_name)]
        raise RenameError(f"`{new_name}` is already declared, at {other.name_span}")
    edits: dict[str, list[tuple[Span, str]]] = {}
    for span, _ in _uses(workspace, analysis, found.key, strict=True):
        edits.setdefault(span.file, []).append((span, new_name))
    return edits


def fix_span(text: str, span: Span, written: str) -> Span | None:
    """Where the misspelt ``written`` is, for a quick fix: the first time within ``span`` of ``text``,
    else the last time before it on its line (a record's field name, before the value a diagnostic marks)."""
    lines = text.split("\n")
    if not 1 <= span.line <= len(lines):
        return None
    source = Source(span.file, text)
    inside = Span(source, span.line, span.column, span.end_line, span.end_column).text
    word = re.match(r"[\w-]+\Z", written) is not None
    pattern = re.compile((r"(?<![\w-])" + re.escape(written) + r"(?![\w-])") if word else re.escape(written))
    m = pattern.search(inside)
    if m is None:
        found = list(pattern.finditer(lines[span.line - 1][: span.column - 1]))
        if not found:
            return None
        column = found[-1].start() + 1
        return Span(source, span.line, column, span.line, column + len(written))
    before = inside[: m.start()]
    line = span.line + before.count("\n")
    column = (span.column if "\n" not in before else 1) + len(before.rsplit("\n", 1)[-1])
    return Span(source, line, column, line, column + len(written))


@attrs.frozen
class OutlineItem:
    """One entry of a file's outline: a declaration, its kind, its name and a word on what it is."""

    kind: str
    name: str
    span: Span
    name_span: Span
    detail: str | None


def outline(module: ast.Module) -> list[OutlineItem]:
    """The declarations of a file, in order, for the editor's outline."""
    items = []
    for d in module.declarations:
        declared = declaration(d)
        if declared is not None:
            detail = None
            if isinstance(d, ast.RuleDecl):
                detail = d.title
            elif isinstance(d, ast.FactDecl | ast.DecisionDecl | ast.TypeDecl | ast.ParameterDecl):
                detail = d.labels.get("da") if d.labels is not None else None
            items.append(OutlineItem(declared.kind, declared.key[1], d.span, declared.name_span, detail))
        elif isinstance(d, ast.PolicyDecl):
            items.append(OutlineItem("policy", d.name, d.span, d.span, d.title.get("da") if d.title else None))
    return items

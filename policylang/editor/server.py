"""The language server: the editor's requests, over the Language Server Protocol, answered by the editor phase.

Only this module knows pygls and lsprotocol (the optional ``lsp`` extra); ``policylang
lsp`` imports it when it runs. It turns the protocol's positions (0-based, in the units the
client chose, UTF-16 by default) into the 1-based lines and columns of the policy's spans
and back, and each request into a call of :mod:`policylang.editor.workspace`,
:mod:`~policylang.editor.hover`, :mod:`~policylang.editor.complete` or
:mod:`~policylang.editor.navigate`:

* diagnostics as you type (the checker's, after every change, for the changed document and
  for the open documents that import it) and, on save, the logic analyses of
  :mod:`policylang.analysis` too (shown until the document is edited again);
* hover, go to definition, find references, completion, document symbols, rename,
  a quick fix for every "did you mean", and formatting (:mod:`policylang.syntax.format`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from policylang.base.errors import Diagnostic, PolicyError
from policylang.base.span import Source, Span
from policylang.base.version import __version__
from policylang.editor.complete import Candidate, complete
from policylang.editor.hover import hover
from policylang.editor.navigate import (
    OutlineItem,
    RenameError,
    definition,
    fix_span,
    outline,
    prepare_rename,
    references,
    rename,
)
from policylang.editor.workspace import Analysis, Workspace, canonical
from policylang.syntax.format import format_text

SEVERITIES = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning}
COMPLETION_KINDS = {
    "fact": lsp.CompletionItemKind.Variable,
    "parameter": lsp.CompletionItemKind.Constant,
    "let": lsp.CompletionItemKind.Variable,
    "decision": lsp.CompletionItemKind.Function,
    "rule": lsp.CompletionItemKind.Reference,
    "type": lsp.CompletionItemKind.Class,
    "source": lsp.CompletionItemKind.Module,
    "factor": lsp.CompletionItemKind.Property,
    "value": lsp.CompletionItemKind.EnumMember,
    "function": lsp.CompletionItemKind.Function,
    "keyword": lsp.CompletionItemKind.Keyword,
}
SYMBOL_KINDS = {
    "policy": lsp.SymbolKind.Namespace,
    "fact": lsp.SymbolKind.Field,
    "parameter": lsp.SymbolKind.Constant,
    "let": lsp.SymbolKind.Variable,
    "decision": lsp.SymbolKind.Function,
    "rule": lsp.SymbolKind.Key,
    "type": lsp.SymbolKind.Enum,
    "source": lsp.SymbolKind.File,
    "factor": lsp.SymbolKind.Property,
    "constraint": lsp.SymbolKind.Interface,
    "warning": lsp.SymbolKind.Event,
}


class PolicyLanguageServer(LanguageServer):
    """The pygls server, with the policy workspace it answers from."""

    def __init__(self) -> None:
        super().__init__("policylang", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.policies = Workspace()
        self.findings: dict[str, tuple[str, list[Diagnostic]]] = {}  # path: (text when saved, the analyses' warnings)
        self.analyses = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="policylang-analyses")
        self._lines: dict[str, tuple[str, list[str]]] = {}

    # -- positions -------------------------------------------------------------

    def lines(self, path: str) -> Sequence[str]:
        """The lines of a file as it reads now (kept while its text is the same)."""
        text = self.policies.text(path) or ""
        cached = self._lines.get(path)
        if cached is None or cached[0] is not text:
            cached = (text, text.splitlines(True))
            self._lines[path] = cached
        return cached[1]

    def range(self, span: Span, path: str | None = None) -> lsp.Range:
        """A span as the client counts: 0-based, in its units."""
        start = ServerTextPosition(max(span.line - 1, 0), max(span.column - 1, 0))
        end = ServerTextPosition(max(span.end_line - 1, 0), max(span.end_column - 1, 0))
        return self.workspace.position_codec.range_to_client_units(
            self.lines(path or span.file), ServerTextRange(start, end)
        )

    def location(self, span: Span) -> lsp.Location:
        return lsp.Location(uri=from_fs_path(span.file) or span.file, range=self.range(span))

    def place(self, document: TextDocument, position: lsp.Position) -> tuple[int, int]:
        """A client's position as the policy's 1-based line and column."""
        server = document.position_from_client_units(position)
        return server.line + 1, server.character + 1

    # -- diagnostics -----------------------------------------------------------

    def diagnostics(self, path: str, analysis: Analysis) -> list[lsp.Diagnostic]:
        shown = analysis.for_file(path)
        saved = self.findings.get(path)
        if saved is not None and saved[0] == self.policies.text(path):
            shown = [*shown, *(d for d in saved[1] if d.span is not None and d.span.file == path)]
        return [self.diagnostic(d, path) for d in shown]

    def diagnostic(self, d: Diagnostic, path: str) -> lsp.Diagnostic:
        message = d.message + (f"\nhelp: {d.hint}" if d.hint else "")
        span = d.span or Span(Source(path, ""), 1, 1, 1, 1)
        data = {"written": d.fix.written, "suggested": d.fix.suggested} if d.fix else None
        return lsp.Diagnostic(
            range=self.range(span, path),
            message=message,
            severity=SEVERITIES.get(d.severity, lsp.DiagnosticSeverity.Error),
            code=d.code,
            source="policylang",
            data=data,
        )

    def publish(self, path: str) -> None:
        """Check ``path`` as it reads now and send its diagnostics."""
        analysis = self.policies.analyse(path)
        uri = from_fs_path(path) or path
        version = self.workspace.get_text_document(uri).version if self.policies.is_open(path) else None
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=self.diagnostics(path, analysis))
        )

    def publish_affected(self, path: str) -> None:
        """Send the diagnostics of ``path`` and of the other open documents that import it."""
        self.publish(path)
        for document in list(self.workspace.text_documents.values()):
            other = to_fs_path(document.uri)
            if other is None or canonical(other) == path or not self.policies.is_open(other):
                continue
            if path in self.policies.analyse(other).files:
                self.publish(canonical(other))


def build_server() -> PolicyLanguageServer:
    """A language server with every feature registered."""
    server = PolicyLanguageServer()

    def document(ls: PolicyLanguageServer, uri: str) -> tuple[str, TextDocument]:
        doc = ls.workspace.get_text_document(uri)
        path = canonical(to_fs_path(uri) or uri)
        if not ls.policies.is_open(path) or ls.policies.text(path) != doc.source:
            ls.policies.open(path, doc.source)
        return path, doc

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: PolicyLanguageServer, params: lsp.InitializedParams) -> None:
        folders = ls.workspace.folders.values()
        roots = [to_fs_path(f.uri) for f in folders] or [ls.workspace.root_path]
        ls.policies.roots = [Path(r) for r in roots if r]

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PolicyLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        path, _ = document(ls, params.text_document.uri)
        ls.publish_affected(path)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: PolicyLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        await asyncio.sleep(0)  # let edits already sent arrive: check only the latest version
        doc = ls.workspace.get_text_document(params.text_document.uri)
        if doc.version is not None and params.text_document.version < doc.version:
            return
        path, _ = document(ls, params.text_document.uri)
        ls.publish_affected(path)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: PolicyLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        path, doc = document(ls, params.text_document.uri)
        ls.publish_affected(path)
        analysis = ls.policies.analyse(path)
        program = analysis.program
        if program is None or any(d.severity == "error" for d in analysis.diagnostics):
            return
        text = doc.source
        loop = asyncio.get_running_loop()
        try:
            found = await loop.run_in_executor(ls.analyses, logic_analyses, program, path)
        except Exception as e:  # an analysis that fails must not stop the server
            ls.window_log_message(lsp.LogMessageParams(lsp.MessageType.Warning, f"logic analyses failed: {e}"))
            return
        ls.findings[path] = (text, found)
        if ls.policies.text(path) == text:
            ls.publish(path)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PolicyLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        path = canonical(to_fs_path(params.text_document.uri) or params.text_document.uri)
        ls.policies.close(path)
        ls.findings.pop(path, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: PolicyLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
        path, doc = document(ls, params.text_document.uri)
        analysis = ls.policies.last_good(path)
        if analysis is None:
            return None
        found = hover(analysis, path, *ls.place(doc, params.position))
        if found is None:
            return None
        text, span = found
        contents = lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text)
        return lsp.Hover(contents=contents, range=ls.range(span) if span is not None else None)

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: PolicyLanguageServer, params: lsp.DefinitionParams) -> list[lsp.Location]:
        path, doc = document(ls, params.text_document.uri)
        analysis = ls.policies.last_good(path)
        if analysis is None:
            return []
        return [ls.location(s) for s in definition(ls.policies, analysis, path, *ls.place(doc, params.position))]

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def on_references(ls: PolicyLanguageServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
        path, doc = document(ls, params.text_document.uri)
        analysis = ls.policies.last_good(path)
        if analysis is None:
            return []
        line, column = ls.place(doc, params.position)
        found = references(ls.policies, analysis, path, line, column, declaration=params.context.include_declaration)
        return [ls.location(s) for s in found]

    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["{", ",", " "], resolve_provider=False)
    )
    def on_completion(ls: PolicyLanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        path, doc = document(ls, params.text_document.uri)
        line, column = ls.place(doc, params.position)
        start, candidates = complete(doc.source, line, column, ls.policies.last_good(path))
        begin = doc.position_to_client_units(ServerTextPosition(line - 1, start - 1))
        replaced = lsp.Range(start=begin, end=params.position)
        return lsp.CompletionList(is_incomplete=False, items=[completion_item(c, replaced) for c in candidates])

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_symbols(ls: PolicyLanguageServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        path, _ = document(ls, params.text_document.uri)
        try:
            module = ls.policies.module(path)
        except PolicyError:
            analysis = ls.policies.last_good(path)
            if analysis is None or analysis.module is None:
                return []
            module = analysis.module
        return [symbol(ls, item, path) for item in outline(module)]

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    def on_prepare_rename(ls: PolicyLanguageServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
        path, doc = document(ls, params.text_document.uri)
        analysis = ls.policies.analyse(path)
        if not analysis.parsed:
            return None
        span = prepare_rename(analysis, path, *ls.place(doc, params.position))
        return ls.range(span) if span is not None else None

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    def on_rename(ls: PolicyLanguageServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit:
        path, doc = document(ls, params.text_document.uri)
        analysis = ls.policies.analyse(path)
        if not analysis.parsed:
            raise request_failed(f"{path} does not parse: fix its syntax errors before renaming")
        try:
            edits = rename(ls.policies, analysis, path, *ls.place(doc, params.position), params.new_name)
        except RenameError as e:
            raise request_failed(e.message) from None
        changes = {
            from_fs_path(f) or f: [lsp.TextEdit(range=ls.range(span), new_text=new) for span, new in found]
            for f, found in edits.items()
        }
        return lsp.WorkspaceEdit(changes=changes)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])
    )
    def on_code_action(ls: PolicyLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        path, doc = document(ls, params.text_document.uri)
        actions = []
        for d in params.context.diagnostics:
            data = d.data if isinstance(d.data, dict) else None
            if d.source != "policylang" or not data or "written" not in data or "suggested" not in data:
                continue
            start = doc.position_from_client_units(d.range.start)
            end = doc.position_from_client_units(d.range.end)
            span = Span(Source(path, ""), start.line + 1, start.character + 1, end.line + 1, end.character + 1)
            where = fix_span(doc.source, span, str(data["written"]))
            if where is None:
                continue
            edit = lsp.TextEdit(range=ls.range(where, path), new_text=str(data["suggested"]))
            actions.append(
                lsp.CodeAction(
                    title=f"Change `{data['written']}` to `{data['suggested']}`",
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[d],
                    is_preferred=True,
                    edit=lsp.WorkspaceEdit(changes={params.text_document.uri: [edit]}),
                )
            )
        return actions

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def on_formatting(ls: PolicyLanguageServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        path, doc = document(ls, params.text_document.uri)
        try:
            formatted = format_text(doc.source, path)
        except PolicyError:
            return None  # a file that does not parse is left as it is; its diagnostics say why
        if formatted == doc.source:
            return []
        lines = doc.source.split("\n")
        end = doc.position_to_client_units(ServerTextPosition(len(lines) - 1, len(lines[-1])))
        return [lsp.TextEdit(range=lsp.Range(start=lsp.Position(0, 0), end=end), new_text=formatted)]

    return server


def logic_analyses(program: Any, path: str) -> list[Diagnostic]:
    """The logic analyses of ``policylang check`` for a policy that checks (run on save, off the event loop)."""
    from policylang.analysis import analyse
    from policylang.policy.checking import allowed

    return [d for d in analyse(program, main_file=path, cache=True) if not allowed(d)]


def request_failed(message: str) -> JsonRpcException:
    """The protocol's "request failed" error (code -32803), whose message the editor shows."""
    return JsonRpcException(message, code=-32803)


def completion_item(c: Candidate, replaced: lsp.Range) -> lsp.CompletionItem:
    """A completion candidate as the protocol's item, replacing what was typed of it."""
    documentation = lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=c.documentation) if c.documentation else None
    return lsp.CompletionItem(
        label=c.label,
        kind=COMPLETION_KINDS.get(c.kind, lsp.CompletionItemKind.Text),
        detail=c.detail,
        documentation=documentation,
        text_edit=lsp.TextEdit(range=replaced, new_text=c.insert or c.label),
    )


def symbol(ls: PolicyLanguageServer, item: OutlineItem, path: str) -> lsp.DocumentSymbol:
    """An outline entry as the protocol's document symbol."""
    return lsp.DocumentSymbol(
        name=item.name,
        kind=SYMBOL_KINDS.get(item.kind, lsp.SymbolKind.Object),
        range=ls.range(item.span, path),
        selection_range=ls.range(item.name_span, path),
        detail=item.detail or item.kind,
    )


def serve() -> None:
    """Serve one editor on standard input and output until it says exit."""
    build_server().start_io()

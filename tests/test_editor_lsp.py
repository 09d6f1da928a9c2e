"""The language server end to end: a real LSP client talks to ``policylang lsp`` over a pipe.

The client is pygls's own (``pygls.lsp.client``), speaking JSON-RPC to the server process
over its standard input and output. One server runs for the whole module (starting it is
the slow part), on one event loop; each test opens its own document, so that no test reads
another's diagnostics.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

lsp = pytest.importorskip("lsprotocol.types")
client_module = pytest.importorskip("pygls.lsp.client")

from policylang.syntax.format import format_text  # noqa: E402

ROOT = Path(__file__).parent.parent
HELP = ROOT / "policies" / "residence" / "help_and_repatriation.pol"
T = TypeVar("T")

SHARED = """\
source S "Testloven"
fact income: int "Indkomst" / "Income"
decision low_income: bool "Lav indkomst" / "Low income" = income < 100 by SH-1
rule SH-1 "Low income" cites S "§ 1" quote "Indkomsten er lav."
"""
MAIN = """\
policy test/main
import "shared.pol"
decision eligible: bool = low_income and income > 0 by MAIN-1
rule MAIN-1 "Eligible" cites S "§ 2" quote "Den, der har lav indkomst, er berettiget."
"""


class Client:
    """A pygls client connected to ``policylang lsp``, with the diagnostics it has been sent."""

    def __init__(self, loop: asyncio.AbstractEventLoop, folder: Path) -> None:
        self.loop = loop
        self.lsp = client_module.LanguageClient("policylang-tests", "1")
        self.diagnostics: dict[str, list[Any]] = {}
        self.arrived = asyncio.Condition()

        @self.lsp.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        async def published(params: Any) -> None:
            async with self.arrived:
                self.diagnostics[params.uri] = list(params.diagnostics)
                self.arrived.notify_all()

        self.run(self.lsp.start_io(sys.executable, "-m", "policylang.cli", "lsp"))
        capabilities = lsp.ClientCapabilities(
            text_document=lsp.TextDocumentClientCapabilities(
                hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown]),
            )
        )
        folders = [lsp.WorkspaceFolder(uri=folder.as_uri(), name="policies")]
        self.run(self.lsp.initialize_async(lsp.InitializeParams(capabilities=capabilities, workspace_folders=folders)))
        self.lsp.initialized(lsp.InitializedParams())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, 60))

    def close(self) -> None:
        self.run(self.lsp.shutdown_async(None))
        self.lsp.exit(None)
        self.run(self.lsp.stop())

    def wait(self, uri: str) -> list[Any]:
        """The next diagnostics published for ``uri``."""

        async def next_one() -> list[Any]:
            async with self.arrived:
                self.diagnostics.pop(uri, None)
                await self.arrived.wait_for(lambda: uri in self.diagnostics)
                return self.diagnostics[uri]

        return self.run(next_one())

    def open(self, path: Path, text: str) -> list[Any]:
        """Open ``path`` with ``text`` and wait for its diagnostics."""
        item = lsp.TextDocumentItem(uri=path.as_uri(), language_id="pol", version=1, text=text)

        async def opened() -> list[Any]:
            async with self.arrived:
                self.diagnostics.pop(item.uri, None)
                self.lsp.text_document_did_open(lsp.DidOpenTextDocumentParams(item))
                await self.arrived.wait_for(lambda: item.uri in self.diagnostics)
                return self.diagnostics[item.uri]

        return self.run(opened())

    def change(self, path: Path, text: str, version: int) -> list[Any]:
        """Replace the text of ``path`` and wait for its diagnostics."""
        identifier = lsp.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version)
        change = lsp.DidChangeTextDocumentParams(identifier, [lsp.TextDocumentContentChangeWholeDocument(text=text)])

        async def changed() -> list[Any]:
            async with self.arrived:
                self.diagnostics.pop(identifier.uri, None)
                self.lsp.text_document_did_change(change)
                await self.arrived.wait_for(lambda: identifier.uri in self.diagnostics)
                return self.diagnostics[identifier.uri]

        return self.run(changed())


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace: the bundled policy the issue names, and two small files that import each other."""
    root = tmp_path_factory.mktemp("workspace")
    (root / "common.pol").write_text((HELP.parent / "common.pol").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "shared.pol").write_text(SHARED, encoding="utf-8")
    (root / "main.pol").write_text(MAIN, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[Client]:
    loop = asyncio.new_event_loop()
    connected = Client(loop, folder)
    yield connected
    connected.close()
    loop.close()


def place(text: str, needle: str, offset: int = 0) -> Any:
    """The position of ``needle`` (plus ``offset`` characters) in ``text``: 0-based, as the protocol counts."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return lsp.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


def apply(text: str, edits: list[Any]) -> str:
    """``text`` with the edits applied (positions in characters; the texts here are in the BMP)."""
    lines = text.split("\n")

    def offset(p: Any) -> int:
        return sum(len(line) + 1 for line in lines[: p.line]) + p.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def document(path: Path) -> Any:
    return lsp.TextDocumentIdentifier(uri=path.as_uri())


def test_a_typo_is_reported_where_it_is_with_a_quick_fix(client: Client, folder: Path) -> None:
    text = HELP.read_text(encoding="utf-8").replace(
        "let in_scope = not before_guideline", "let in_scope = not before_guidelin"
    )
    path = folder / "typo.pol"
    diagnostics = client.open(path, text)
    [typo] = [d for d in diagnostics if d.code == "pol-unknown-name"]
    start = place(text, "before_guidelin and")
    assert typo.range == lsp.Range(start=start, end=lsp.Position(start.line, start.character + len("before_guidelin")))
    assert typo.severity == lsp.DiagnosticSeverity.Error and typo.source == "policylang"
    assert "did you mean `before_guideline`?" in typo.message

    context = lsp.CodeActionContext(diagnostics=[typo])
    actions = client.run(
        client.lsp.text_document_code_action_async(lsp.CodeActionParams(document(path), typo.range, context))
    )
    assert actions is not None
    [fix] = [a for a in actions if isinstance(a, lsp.CodeAction)]
    assert fix.kind == lsp.CodeActionKind.QuickFix and fix.edit is not None and fix.edit.changes is not None
    fixed = apply(text, list(fix.edit.changes[path.as_uri()]))
    assert fixed == HELP.read_text(encoding="utf-8")
    assert [d for d in client.change(path, fixed, 2) if d.severity == lsp.DiagnosticSeverity.Error] == []


def test_hover_on_a_rule_id_shows_its_title_citation_force_and_quote(client: Client, folder: Path) -> None:
    text = HELP.read_text(encoding="utf-8")
    path = folder / "hover.pol"
    client.open(path, text)
    result = client.run(
        client.lsp.text_document_hover_async(lsp.HoverParams(document(path), place(text, "by RES-HELP-02", 5)))
    )
    assert result is not None and isinstance(result.contents, lsp.MarkupContent)
    shown = result.contents.value
    assert "RES-HELP-02" in shown and "Unlawful or doubtful stay: acute help only" in shown
    assert "aktivloven § 81" in shown and "pkt. 6" in shown and "`kan`" in shown
    assert "kan der ydes akut hjælp" in shown  # the Danish quote


def test_go_to_a_facts_declaration(client: Client, folder: Path) -> None:
    text = HELP.read_text(encoding="utf-8")
    path = folder / "definition.pol"
    client.open(path, text)
    params = lsp.DefinitionParams(document(path), place(text, "residence_status = permit_valid"))
    found = client.run(client.lsp.text_document_definition_async(params))
    assert isinstance(found, list)
    [location] = found
    assert isinstance(location, lsp.Location) and location.uri == path.as_uri()
    assert location.range.start == place(text, "fact residence_status", len("fact "))


def test_an_imported_names_declaration_is_in_the_other_file(client: Client, folder: Path) -> None:
    path = folder / "main.pol"
    client.open(path, MAIN)
    params = lsp.DefinitionParams(document(path), place(MAIN, "low_income and"))
    found = client.run(client.lsp.text_document_definition_async(params))
    assert isinstance(found, list)
    [location] = found
    assert location.uri == (folder / "shared.pol").as_uri()
    assert location.range.start == place(SHARED, "low_income")


def test_complete_an_enum_value(client: Client, folder: Path) -> None:
    text = HELP.read_text(encoding="utf-8")
    path = folder / "complete.pol"
    client.open(path, text)
    edited = text.replace("let eu_s6 = residence_status = eu_certificate_valid", "let eu_s6 = residence_status = eu_c")
    client.change(path, edited, 2)
    params = lsp.CompletionParams(document(path), place(edited, "= eu_c and", 6))
    result = client.run(client.lsp.text_document_completion_async(params))
    assert isinstance(result, lsp.CompletionList)
    labels = {item.label: item for item in result.items}
    assert set(labels) == {"eu_certificate_valid"}  # the only value of stay_status that begins `eu_c`
    item = labels["eu_certificate_valid"]
    assert item.kind == lsp.CompletionItemKind.EnumMember
    assert isinstance(item.text_edit, lsp.TextEdit) and item.text_edit.range.start == place(edited, "eu_c and")


def test_rename_a_decision_across_files(client: Client, folder: Path) -> None:
    path = folder / "main.pol"
    client.open(path, MAIN)
    params = lsp.RenameParams(document(path), place(MAIN, "low_income and"), "small_income")
    edit = client.run(client.lsp.text_document_rename_async(params))
    assert edit is not None and edit.changes is not None
    shared_uri, main_uri = (folder / "shared.pol").as_uri(), path.as_uri()
    assert set(edit.changes) == {shared_uri, main_uri}
    assert apply(SHARED, list(edit.changes[shared_uri])) == SHARED.replace("low_income", "small_income")
    assert apply(MAIN, list(edit.changes[main_uri])) == MAIN.replace("low_income", "small_income")


def test_document_symbols_outline_facts_decisions_and_rules(client: Client, folder: Path) -> None:
    path = folder / "shared.pol"
    client.open(path, SHARED)
    symbols = client.run(client.lsp.text_document_document_symbol_async(lsp.DocumentSymbolParams(document(path))))
    assert symbols is not None
    assert [(s.name, s.kind) for s in symbols] == [
        ("S", lsp.SymbolKind.File),
        ("income", lsp.SymbolKind.Field),
        ("low_income", lsp.SymbolKind.Function),
        ("SH-1", lsp.SymbolKind.Key),
    ]


def test_format_a_document(client: Client, folder: Path) -> None:
    messy = "policy test/fmt\nfact   age:int\n\n\n\ndecision adult:bool=age>=18   # grown up\n"
    path = folder / "format.pol"
    client.open(path, messy)
    options = lsp.FormattingOptions(tab_size=2, insert_spaces=True)
    edits = client.run(client.lsp.text_document_formatting_async(lsp.DocumentFormattingParams(document(path), options)))
    assert edits is not None
    assert (
        apply(messy, list(edits))
        == format_text(messy)
        == ("policy test/fmt\nfact age: int\n\ndecision adult: bool = age >= 18  # grown up\n")
    )


def test_the_logic_analyses_run_on_save(client: Client, folder: Path) -> None:
    text = (ROOT / "tests" / "cases" / "pol-always-false" / "bad" / "row.pol").read_text(encoding="utf-8")
    path = folder / "saved.pol"
    path.write_text(text, encoding="utf-8")
    assert "pol-always-false" not in {d.code for d in client.open(path, text)}

    async def saved() -> list[Any]:
        async with client.arrived:
            client.diagnostics.pop(path.as_uri(), None)
            client.lsp.text_document_did_save(lsp.DidSaveTextDocumentParams(document(path)))

            def found() -> bool:
                return "pol-always-false" in {d.code for d in client.diagnostics.get(path.as_uri(), [])}

            await client.arrived.wait_for(found)  # the checker's diagnostics come first, then the analyses'
            return client.diagnostics[path.as_uri()]

    [finding] = [d for d in client.run(saved()) if d.code == "pol-always-false"]
    assert finding.severity == lsp.DiagnosticSeverity.Warning
    assert finding.range.start.line == text.split("\n").index("    invalid when age_now < 0")

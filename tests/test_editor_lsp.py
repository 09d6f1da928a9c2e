"""The language server end to end: a real LSP client talks to ``policylang lsp`` over a pipe.

One server runs for the whole module (starting it is the slow part); each test opens its
own document, so that no test reads another's diagnostics.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
lsp = pytest.importorskip("lsprotocol.types")

from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

from policylang.syntax.format import format_text  # noqa: E402

ROOT = Path(__file__).parent.parent
HELP = ROOT / "policies" / "residence" / "help_and_repatriation.pol"
pytestmark = pytest.mark.asyncio(loop_scope="module")

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


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace: the bundled policy the issue names, and two small files that import each other."""
    root = tmp_path_factory.mktemp("workspace")
    (root / "common.pol").write_text((HELP.parent / "common.pol").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "shared.pol").write_text(SHARED, encoding="utf-8")
    (root / "main.pol").write_text(MAIN, encoding="utf-8")
    return root


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "policylang.cli", "lsp"]),
)
async def client(lsp_client: LanguageClient, folder: Path) -> AsyncIterator[None]:
    params = lsp.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        workspace_folders=[lsp.WorkspaceFolder(uri=folder.as_uri(), name="policies")],
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def open_document(client: LanguageClient, path: Path, text: str) -> list[lsp.Diagnostic]:
    """Open ``path`` with ``text`` and wait for its diagnostics."""
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri=uri, language_id="pol", version=1, text=text))
    )
    return await diagnostics_for(client, uri)


async def diagnostics_for(client: LanguageClient, uri: str) -> list[lsp.Diagnostic]:
    client.diagnostics.pop(uri, None)
    while uri not in client.diagnostics:
        await asyncio.wait_for(client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
    return list(client.diagnostics[uri])


def place(text: str, needle: str, offset: int = 0) -> lsp.Position:
    """The position of ``needle`` (plus ``offset`` characters) in ``text``: 0-based, as the protocol counts."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return lsp.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """``text`` with the edits applied (positions in characters; the texts here are in the BMP)."""
    lines = text.split("\n")

    def offset(p: lsp.Position) -> int:
        return sum(len(line) + 1 for line in lines[: p.line]) + p.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


async def test_a_typo_is_reported_where_it_is_with_a_quick_fix(client: LanguageClient, folder: Path) -> None:
    text = HELP.read_text(encoding="utf-8").replace(
        "let in_scope = not before_guideline", "let in_scope = not before_guidelin"
    )
    path = folder / "typo.pol"
    diagnostics = await open_document(client, path, text)
    [typo] = [d for d in diagnostics if d.code == "pol-unknown-name"]
    start = place(text, "before_guidelin and")
    assert typo.range == lsp.Range(start=start, end=lsp.Position(start.line, start.character + len("before_guidelin")))
    assert typo.severity == lsp.DiagnosticSeverity.Error and typo.source == "policylang"
    assert "did you mean `before_guideline`?" in typo.message

    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=path.as_uri()),
            range=typo.range,
            context=lsp.CodeActionContext(diagnostics=[typo]),
        )
    )
    assert actions is not None
    [fix] = [a for a in actions if isinstance(a, lsp.CodeAction)]
    assert fix.kind == lsp.CodeActionKind.QuickFix and fix.edit is not None and fix.edit.changes is not None
    fixed = apply(text, list(fix.edit.changes[path.as_uri()]))
    assert fixed == HELP.read_text(encoding="utf-8")

    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=2),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    assert [d for d in await diagnostics_for(client, path.as_uri()) if d.severity == lsp.DiagnosticSeverity.Error] == []


async def test_hover_on_a_rule_id_shows_its_title_citation_force_and_quote(
    client: LanguageClient, folder: Path
) -> None:
    text = HELP.read_text(encoding="utf-8")
    path = folder / "hover.pol"
    await open_document(client, path, text)
    result = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(path.as_uri()), place(text, "by RES-HELP-02", 5))
    )
    assert result is not None and isinstance(result.contents, lsp.MarkupContent)
    shown = result.contents.value
    assert "RES-HELP-02" in shown and "Unlawful or doubtful stay: acute help only" in shown
    assert "aktivloven § 81" in shown and "pkt. 6" in shown and "`kan`" in shown
    assert "kan der ydes akut hjælp" in shown  # the Danish quote


async def test_go_to_a_facts_declaration(client: LanguageClient, folder: Path) -> None:
    text = HELP.read_text(encoding="utf-8")
    path = folder / "definition.pol"
    await open_document(client, path, text)
    found = await client.text_document_definition_async(
        lsp.DefinitionParams(lsp.TextDocumentIdentifier(path.as_uri()), place(text, "residence_status = permit_valid"))
    )
    assert isinstance(found, list)
    [location] = found
    assert isinstance(location, lsp.Location) and location.uri == path.as_uri()
    declared = place(text, "fact residence_status", len("fact "))
    assert location.range.start == declared


async def test_an_imported_names_declaration_is_in_the_other_file(client: LanguageClient, folder: Path) -> None:
    text = MAIN
    path = folder / "main.pol"
    await open_document(client, path, text)
    found = await client.text_document_definition_async(
        lsp.DefinitionParams(lsp.TextDocumentIdentifier(path.as_uri()), place(text, "low_income and"))
    )
    assert isinstance(found, list)
    [location] = found
    assert isinstance(location, lsp.Location)
    assert location.uri == (folder / "shared.pol").as_uri()
    assert location.range.start == place(SHARED, "low_income")


async def test_complete_an_enum_value(client: LanguageClient, folder: Path) -> None:
    text = HELP.read_text(encoding="utf-8")
    path = folder / "complete.pol"
    await open_document(client, path, text)
    edited = text.replace("let eu_s6 = residence_status = eu_certificate_valid", "let eu_s6 = residence_status = eu_c")
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=2),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=edited)],
        )
    )
    await diagnostics_for(client, path.as_uri())
    result = await client.text_document_completion_async(
        lsp.CompletionParams(lsp.TextDocumentIdentifier(path.as_uri()), place(edited, "= eu_c and", 6))
    )
    assert isinstance(result, lsp.CompletionList)
    labels = {item.label: item for item in result.items}
    assert set(labels) == {"eu_certificate_valid"}  # the only value of stay_status that begins `eu_c`
    item = labels["eu_certificate_valid"]
    assert item.kind == lsp.CompletionItemKind.EnumMember
    assert isinstance(item.text_edit, lsp.TextEdit) and item.text_edit.range.start == place(edited, "eu_c and")


async def test_rename_a_decision_across_files(client: LanguageClient, folder: Path) -> None:
    path = folder / "main.pol"
    await open_document(client, path, MAIN)
    edit = await client.text_document_rename_async(
        lsp.RenameParams(lsp.TextDocumentIdentifier(path.as_uri()), place(MAIN, "low_income and"), "small_income")
    )
    assert edit is not None and edit.changes is not None
    shared_uri, main_uri = (folder / "shared.pol").as_uri(), path.as_uri()
    assert set(edit.changes) == {shared_uri, main_uri}
    assert apply(SHARED, list(edit.changes[shared_uri])) == SHARED.replace("low_income", "small_income")
    assert apply(MAIN, list(edit.changes[main_uri])) == MAIN.replace("low_income", "small_income")


async def test_document_symbols_outline_facts_decisions_and_rules(client: LanguageClient, folder: Path) -> None:
    path = folder / "shared.pol"
    await open_document(client, path, SHARED)
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(path.as_uri()))
    )
    assert symbols is not None
    assert [(s.name, s.kind) for s in symbols if isinstance(s, lsp.DocumentSymbol)] == [
        ("S", lsp.SymbolKind.File),
        ("income", lsp.SymbolKind.Field),
        ("low_income", lsp.SymbolKind.Function),
        ("SH-1", lsp.SymbolKind.Key),
    ]


async def test_format_a_document(client: LanguageClient, folder: Path) -> None:
    messy = "policy test/fmt\nfact   age:int\n\n\n\ndecision adult:bool=age>=18   # grown up\n"
    path = folder / "format.pol"
    await open_document(client, path, messy)
    edits = await client.text_document_formatting_async(
        lsp.DocumentFormattingParams(
            lsp.TextDocumentIdentifier(path.as_uri()), lsp.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert edits is not None
    assert (
        apply(messy, list(edits))
        == format_text(messy)
        == ("policy test/fmt\nfact age: int\n\ndecision adult: bool = age >= 18  # grown up\n")
    )


async def test_the_logic_analyses_run_on_save(client: LanguageClient, folder: Path) -> None:
    text = (ROOT / "tests" / "cases" / "pol-always-false" / "bad" / "row.pol").read_text(encoding="utf-8")
    path = folder / "saved.pol"
    path.write_text(text, encoding="utf-8")
    before = await open_document(client, path, text)
    assert "pol-always-false" not in {d.code for d in before}
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(path.as_uri())))
    after = await diagnostics_for(client, path.as_uri())
    while "pol-always-false" not in {d.code for d in after}:  # the checker's diagnostics come first
        after = await diagnostics_for(client, path.as_uri())
    [finding] = [d for d in after if d.code == "pol-always-false"]
    assert finding.severity == lsp.DiagnosticSeverity.Warning
    assert finding.range.start.line == text.split("\n").index("    invalid when age_now < 0")

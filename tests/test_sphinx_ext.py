"""The ``policylang.sphinx.directive`` extension: policies rendered as readable law, with their coverage."""

from __future__ import annotations

import html.parser
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
TUTORIAL = ROOT / "docs" / "tutorial"

CONF = 'extensions = ["policylang.sphinx.directive"]\nexclude_patterns = ["_build"]\n'


def _project(tmp_path: Path, index: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    (src / "index.rst").write_text(index, encoding="utf-8")
    shutil.copytree(TUTORIAL, src / "leave")
    return src


class _Text(html.parser.HTMLParser):
    """The text of a page's body, as a reader sees it, with whitespace normalised."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or ("class", "body") in attrs:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def _page(out: Path) -> str:
    parser = _Text()
    parser.feed((out / "index.html").read_text(encoding="utf-8"))
    text = re.sub(r"\s+", " ", " ".join(parser.parts))
    return re.sub(r" ([,.:;])", r"\1", text)


def _build(src: Path, builder: str = "html") -> tuple[int, str, Path]:
    out = src.parent / f"out-{builder}"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E", "-b", builder, str(src), str(out)],
        capture_output=True,
        text=True,
        cwd=src.parent,
    )
    return proc.returncode, proc.stderr + proc.stdout, out


def test_a_policy_is_rendered_with_its_rules_labels_and_coverage(tmp_path: Path) -> None:
    src = _project(
        tmp_path, "Care leave\n==========\n\n.. policylang:policy:: leave/care_leave.pol\n   :cases: leave\n"
    )
    code, log, out = _build(src)
    assert code == 0, log
    text = _page(out)
    # sources and validity, and what a citizen is told
    assert "Title: Plejeorlov (eksempel) / Care leave (example)" in text
    assert "Valid: from 2024-07-01, no end date" in text
    assert "Next steps: Kommunen kontakter dig, hvis den har brug for flere oplysninger." in text
    assert (
        "CLA Plejeorlovsloven for citizens: lov om plejeorlov / the Care Leave Act "
        "Lov om plejeorlov (opdigtet eksempel)"
    ) in text
    # facts, value sets with their labels, the assessment and sensitivity marks
    assert "parent — forælder / parent" in text
    assert "Forhold til den syge / Relation to the person who is ill" in text
    assert "seriously_ill bool Alvorligt syg / Seriously ill assessment (a caseworker’s documented judgement), " in text
    assert "sensitive (never shown to a citizen, nor what would reveal it) born" in text
    assert "NEXT_STEPS bilingual text the policy’s header Hvad der sker nu / What happens next" in text
    # decisions with their labels, audience, rows, conditions, factors and rules
    assert "entitled — Ret til plejeorlov / Entitled to care leave" in text
    assert "For: the person concerned Value When Rules yes conditions_met and close_relative CL-CLOSE" in text
    assert "requires_individual_assessment conditions_met and relation = other weigh: attachment CL-OTHER" in text
    assert "For: staff only, never shown to a citizen" in text
    # each rule: ID, titles, citation, force, the Danish quote, the rows that cite it, its coverage
    assert (
        "CL-OTHER — Andre / Others Cites: Plejeorlovsloven § 2 Force: kan "
        "Quote: »Kommunen kan efter en konkret vurdering give plejeorlov til pleje af en anden person, "
        "som lønmodtageren har en særlig tilknytning til.«"
    ) in text
    assert "When entitled = requires_individual_assessment: weeks_granted = 0 Coverage: 1 case: someone-else" in text
    # the coverage of the cases, run when the page was built
    assert "15 cases from leave ran when this page was built: 15 passed, 0 failed." in text
    assert "Rules exercised: 11 of 11 (100.0%)." in text
    assert "Every rule was exercised by at least one case." in text


def test_a_bundled_policy_is_rendered_by_name(tmp_path: Path) -> None:
    src = _project(tmp_path, "Benefit\n=======\n\n.. policylang:policy:: examples/benefit\n")
    code, log, out = _build(src)
    assert code == 0, log
    text = _page(out)
    assert "File: policies/examples/benefit.pol" in text
    assert "Imports: common.pol" in text
    assert "EX-FRAUD — Svig" in text
    assert "Exception to: EX-MAIN, EX-HARDSHIP When: fraud_found Then: eligible = no" in text
    assert "Applies when: moved_in is not null and as_of < add_months(moved_in, 3)" in text
    assert "Test coverage" not in text  # the example has no case folder


def test_rules_and_policies_can_be_linked_to(tmp_path: Path) -> None:
    src = _project(
        tmp_path,
        "Links\n=====\n\nSee :policylang:rule:`CL-CLOSE` in :policylang:policy:`tutorial/care_leave`.\n\n"
        "Care leave\n----------\n\n.. policylang:policy:: leave/care_leave.pol\n   :no-cases:\n",
    )
    code, log, out = _build(src)
    assert code == 0, log
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="policy-tutorial-care-leave-rule-cl-close"' in page
    assert 'href="#policy-tutorial-care-leave-rule-cl-close"' in page
    assert 'href="#policy-tutorial-care-leave"' in page
    assert "Test coverage" not in _page(out)


def _headings(html: str) -> list[str]:
    """The page's section headings (those with a link to themselves), as text."""
    found = re.findall(r"<h[1-6][^>]*>([^<]*)<a class=\"headerlink\"", html)
    return [h.strip() for h in found]


def test_no_toc_keeps_the_policys_headings_out_of_the_pages_contents(tmp_path: Path) -> None:
    page = "Tutorial\n========\n\nStep\n----\n\nSee :policylang:rule:`CL-CLOSE`.\n\n"
    src = _project(tmp_path, page + ".. policylang:policy:: leave/care_leave.pol\n   :no-cases:\n   :no-toc:\n")
    code, log, out = _build(src)
    assert code == 0, log
    html = (out / "index.html").read_text(encoding="utf-8")
    assert _headings(html) == ["Tutorial", "Step"]
    assert '<p class="rubric">Sources and validity</p>' in html and '<p class="rubric">Rules</p>' in html
    assert 'href="#policy-tutorial-care-leave-rule-cl-close"' in html  # links still reach the rules
    # without the option, the parts are sections of the page (as the bundled policies' pages want)
    (src / "index.rst").write_text(page + ".. policylang:policy:: leave/care_leave.pol\n   :no-cases:\n")
    code, log, out = _build(src)
    assert code == 0, log
    html = (out / "index.html").read_text(encoding="utf-8")
    assert _headings(html)[:4] == ["Tutorial", "Step", "Sources and validity", "Facts"]


def test_a_link_to_an_unknown_rule_fails_the_build(tmp_path: Path) -> None:
    src = _project(tmp_path, "Links\n=====\n\nSee :policylang:rule:`CL-NOPE`.\n")
    code, log, _ = _build(src)
    assert code != 0
    assert "policylang:rule reference target not found: CL-NOPE" in log


def test_a_failing_case_fails_the_build(tmp_path: Path) -> None:
    src = _project(
        tmp_path, "Care leave\n==========\n\n.. policylang:policy:: leave/care_leave.pol\n   :cases: leave\n"
    )
    cases = src / "leave" / "care_leave.cases.yaml"
    text = cases.read_text(encoding="utf-8")
    cases.write_text(text.replace("expected: {weeks_granted: 26}", "expected: {weeks_granted: 25}"), encoding="utf-8")
    code, log, out = _build(src)
    assert code != 0
    assert "case at-most-26-weeks" in log
    assert "decision `weeks_granted`: expected 25, got 26" in log
    assert "14 passed, 1 failed" in _page(out)


def test_an_unknown_policy_is_a_warning_not_a_traceback(tmp_path: Path) -> None:
    src = _project(tmp_path, "Nothing\n=======\n\n.. policylang:policy:: residence/help_and_repatriaton\n")
    code, log, _ = _build(src)
    assert code != 0
    assert "no bundled policy named `residence/help_and_repatriaton`" in log
    assert "did you mean `residence/help_and_repatriation`?" in log
    assert "Traceback" not in log


def test_the_coverage_table_sums_the_policies_it_lists(tmp_path: Path) -> None:
    src = _project(
        tmp_path,
        "Coverage\n========\n\n.. policylang:coverage::\n\n"
        "   residence/igu_and_danskbonus\n   residence/repatriation_and_return\n",
    )
    code, log, out = _build(src)
    assert code == 0, log  # links to policies this project does not render are plain text
    text = _page(out)
    row = r"(\d+)/(\d+) (\d+) (\d+) 100\.0%"
    igu = re.search(rf"residence/igu_and_danskbonus {row}", text)
    ret = re.search(rf"residence/repatriation_and_return {row}", text)
    total = re.search(rf"All {row}", text)
    assert igu and ret and total, text
    sums = [int(a) + int(b) for a, b in zip(igu.groups(), ret.groups(), strict=True)]
    assert [int(x) for x in total.groups()] == sums
    assert igu.group(3) == "9" and ret.group(3) == "15"  # the rules of each policy


def test_a_facts_default_is_rendered(tmp_path: Path) -> None:
    src = _project(tmp_path, "Defaults\n========\n\n.. policylang:policy:: defaults.pol\n")
    shutil.copy(ROOT / "tests" / "explain_policies" / "defaults.pol", src / "defaults.pol")
    code, log, out = _build(src)
    assert code == 0, log
    text = _page(out)
    assert "An absent fact is unknown, unless it has a default, which is then assumed" in text
    assert "default: 0 (assumed when not given)" in text and "default: null (assumed when not given)" in text


def test_a_policys_functions_are_rendered(tmp_path: Path) -> None:
    src = _project(tmp_path, "Functions\n=========\n\n.. policylang:policy:: functions.pol\n")
    shutil.copy(ROOT / "tests" / "batch_policies" / "functions.pol", src / "functions.pol")
    code, log, out = _build(src)
    assert code == 0, log
    text = _page(out)
    assert "points(age: int, bonus: int): int" in text and "if age >= 65 then 2 * bonus else bonus" in text
    assert "cites Loven § 2" in text

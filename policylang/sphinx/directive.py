"""A Sphinx extension that renders a policy as readable law, with its test coverage.

Add ``"policylang.sphinx"`` to ``extensions`` in ``conf.py`` and write::

    .. policylang:policy:: residence/help_and_repatriation

The directive renders a policy from its declarations: the header (title, version,
validity, notes), the sources it cites, its warnings, value sets, facts, parameters,
``let`` values and constraints, every decision with its labels and rows, and every rule
with its ID, citations, normative force, provenance, the Danish quote, its own condition
and conclusion and the decision rows that cite it. At build time it runs the policy's
cases (``policies/cases/<name>/`` for a bundled policy, or the folder given with
``:cases:``) and shows which rules they exercised, per rule and per section of the
source. A case that fails is a build warning, so ``sphinx-build -W`` fails on it.

``.. policylang:coverage::`` renders one table of the rule coverage of several policies
(the names as its content, one a line; all bundled policies with cases by default).
``:policylang:rule:`RES-HELP-02``` and ``:policylang:policy:`residence/help_and_repatriation```
link to a rendered rule or policy.

Everything is built from docutils nodes (sections, tables, field and definition lists,
literal text) with no raw HTML, so the output suits every builder. This module owns the
directives, the roles and the domain; :mod:`policylang.sphinx.render` builds the nodes and
:mod:`policylang.sphinx.cases` runs the cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes  # type: ignore[import-untyped]
from docutils.parsers.rst import directives  # type: ignore[import-untyped]
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains import Domain, ObjType
from sphinx.roles import XRefRole
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

from policylang.base.errors import PolicyError
from policylang.base.version import __version__
from policylang.policy.loader import bundled_names, load, policies_root, resolve
from policylang.sphinx.cases import CaseRun, case_folder, policy_files, run_cases
from policylang.sphinx.render import PolicyRenderer, paragraph, table
from policylang.testing.cases import discover

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------- directives


class PolicyDirective(SphinxDirective):
    """``.. policylang:policy:: NAME-OR-PATH``: render a policy and its test coverage.

    ``NAME-OR-PATH`` is a bundled name, or a ``.pol`` path relative to the document.
    Options: ``:cases: FOLDER`` (relative to the document) to take the cases from
    elsewhere; ``:no-cases:`` not to run any; ``:no-toc:`` to keep the rendering's
    headings out of the page's table of contents (they become rubrics).
    """

    required_arguments = 1
    has_content = False
    option_spec = {"cases": directives.unchanged_required, "no-cases": directives.flag, "no-toc": directives.flag}

    def run(self) -> list[Any]:
        """Render the policy; a policy that cannot be loaded or a failing case is a warning."""
        ref = self.arguments[0]
        try:
            policy_ref, display = self._resolve(ref)
            policy = load(policy_ref)
            folder = self._cases_folder(ref, policy_ref)
            run = run_cases(policy_ref, folder) if folder is not None else None
        except PolicyError as e:
            logger.warning("policylang:policy %s: %s", ref, e.message, location=self.get_location())
            return []
        for path in policy_files(policy):
            self.env.note_dependency(str(path))
        if run is not None:
            for outcome in run.failed:
                differences = "; ".join(d.describe() for d in outcome.differences) or (
                    outcome.error.message if outcome.error else "failed"
                )
                logger.warning(
                    "policylang:policy %s: case %s (%s) failed: %s",
                    ref,
                    outcome.case.id,
                    outcome.case.file,
                    differences,
                    location=self.get_location(),
                )
            for problem in run.problems:
                logger.warning("policylang:policy %s: %s", ref, problem, location=self.get_location())
            for path in sorted(discover([folder])) if folder else []:
                self.env.note_dependency(str(path.resolve()))
        anchor = nodes.make_id("policy-" + policy.name)
        renderer = PolicyRenderer(policy, anchor, run, display, toc="no-toc" not in self.options)
        target = nodes.target("", "", ids=[anchor])
        domain = self.env.get_domain("policylang")
        assert isinstance(domain, PolicylangDomain)
        domain.note_policy(policy.name, self.env.docname, anchor, self.get_location())
        for rule_id in policy.rules:
            domain.note_rule(rule_id, self.env.docname, renderer.rule_id(rule_id), self.get_location())
        return [target, *renderer.render()]

    def _resolve(self, ref: str) -> tuple[str, str]:
        """The reference ``load`` understands, and how the file is shown."""
        if ref.endswith(".pol"):
            _, path = self.env.relfn2path(ref, self.env.docname)
            return path, ref
        file = resolve(ref).resolve()
        root = policies_root().resolve()
        return ref, ("policies/" + file.relative_to(root).as_posix()) if file.is_relative_to(root) else str(file)

    def _cases_folder(self, ref: str, policy_ref: str) -> Path | None:
        if "no-cases" in self.options:
            return None
        if "cases" in self.options:
            _, path = self.env.relfn2path(self.options["cases"], self.env.docname)
            folder = Path(path)
            if not folder.is_dir():
                raise PolicyError(f"no case folder at {self.options['cases']}")
            return folder
        return None if ref.endswith(".pol") else case_folder(ref)


class CoverageDirective(SphinxDirective):
    """``.. policylang:coverage::``: one table of the rule coverage of several policies.

    The content lists the policy names, one a line; without content, every bundled policy
    that has a case folder.
    """

    has_content = True

    def run(self) -> list[Any]:
        """Run each policy's cases and render one table of their coverage."""
        names = [line.strip() for line in self.content if line.strip()]
        if not names:
            names = [n for n in bundled_names() if case_folder(n) is not None]
        rows: list[tuple[Any, ...]] = []
        totals = [0, 0, 0, 0]
        for name in names:
            folder = case_folder(name)
            try:
                run = run_cases(name, folder)
            except PolicyError as e:
                logger.warning("policylang:coverage %s: %s", name, e.message, location=self.get_location())
                continue
            row = run.row or {"rules": len(run.policy.rules), "exercised": 0, "percent": 0.0}
            passed = len(run.outcomes) - len(run.failed)
            totals = [
                totals[0] + len(run.outcomes),
                totals[1] + passed,
                totals[2] + row["rules"],
                totals[3] + row["exercised"],
            ]
            ref = addnodes.pending_xref(
                "", refdomain="policylang", reftype="policy", reftarget=name, refexplicit=False, refwarn=False
            )
            ref += nodes.literal(text=name)
            rows.append(
                (
                    [paragraph(ref)],
                    f"{passed}/{len(run.outcomes)}",
                    str(row["rules"]),
                    str(row["exercised"]),
                    f"{row['percent']}%",
                )
            )
        percent = round(100.0 * totals[3] / totals[2], 1) if totals[2] else 100.0
        rows.append(("All", f"{totals[1]}/{totals[0]}", str(totals[2]), str(totals[3]), f"{percent}%"))
        return [table(["Policy", "Cases passed", "Rules", "Exercised", "Coverage"], rows, [48, 13, 13, 13, 13])]


# ----------------------------------------------------------------- the domain: cross-references


class PolicylangDomain(Domain):
    """The ``policylang`` domain: the directives, and roles that link to policies and rules."""

    name = "policylang"
    label = "policylang"
    object_types = {"policy": ObjType("policy", "policy"), "rule": ObjType("rule", "rule")}
    directives = {"policy": PolicyDirective, "coverage": CoverageDirective}
    roles = {"policy": XRefRole(warn_dangling=True), "rule": XRefRole(warn_dangling=True)}
    initial_data: ClassVar[dict[str, Any]] = {"policy": {}, "rule": {}}
    data_version = 1

    def _note(self, kind: str, name: str, docname: str, anchor: str, location: Any) -> None:
        table: dict[str, tuple[str, str]] = self.data[kind]
        if name in table and table[name] != (docname, anchor):
            logger.warning("policylang: the %s %s is rendered twice", kind, name, location=location)
        table[name] = (docname, anchor)

    def note_policy(self, name: str, docname: str, anchor: str, location: Any = None) -> None:
        """Record where a policy is rendered."""
        self._note("policy", name, docname, anchor, location)

    def note_rule(self, rule_id: str, docname: str, anchor: str, location: Any = None) -> None:
        """Record where a rule is rendered."""
        self._note("rule", rule_id, docname, anchor, location)

    def clear_doc(self, docname: str) -> None:
        """Forget the policies and rules rendered in ``docname``."""
        for entries in self.data.values():
            if isinstance(entries, dict):
                for key in [k for k, (doc, _) in entries.items() if doc == docname]:
                    del entries[key]

    def merge_domaindata(self, docnames: Any, otherdata: dict[str, Any]) -> None:
        """Take over what a parallel reader recorded for ``docnames``."""
        for kind in ("policy", "rule"):
            for key, (doc, anchor) in otherdata[kind].items():
                if doc in docnames:
                    self.data[kind][key] = (doc, anchor)

    def resolve_xref(
        self, env: Any, fromdocname: str, builder: Any, typ: str, target: str, node: Any, contnode: Any
    ) -> Any:
        """Resolve ``:policylang:rule:`` and ``:policylang:policy:`` to where they are rendered."""
        entry = self.data.get(typ, {}).get(target)
        if entry is None:
            return None
        docname, anchor = entry
        return make_refnode(builder, fromdocname, docname, anchor, contnode, f"{typ} {target}")

    def resolve_any_xref(
        self, env: Any, fromdocname: str, builder: Any, target: str, node: Any, contnode: Any
    ) -> list[tuple[str, Any]]:
        """Resolve an ``:any:`` reference to a rendered policy or rule."""
        found = []
        for typ in ("policy", "rule"):
            ref = self.resolve_xref(env, fromdocname, builder, typ, target, node, contnode)
            if ref is not None:
                found.append((f"policylang:{typ}", ref))
        return found

    def get_objects(self) -> Iterator[tuple[str, str, str, str, str, int]]:
        """The rendered policies and rules, for the search index and inventories."""
        for kind in ("policy", "rule"):
            for name, (docname, anchor) in self.data[kind].items():
                yield name, name, kind, docname, anchor, 1


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``policylang`` domain with Sphinx."""
    app.add_domain(PolicylangDomain)
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


__all__ = [
    "CaseRun",
    "CoverageDirective",
    "PolicyDirective",
    "PolicyRenderer",
    "PolicylangDomain",
    "case_folder",
    "run_cases",
    "setup",
]

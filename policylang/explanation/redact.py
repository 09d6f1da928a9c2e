"""Which values of a policy carry personal data, or reveal sensitive data, for the citizen view.

Two marks on facts decide it. A ``personal`` fact's *value* is withheld from citizens
(:func:`personal_values`); a ``sensitive`` fact must not reach a citizen at all, not by
its value, its name or any test of it (:func:`revealing_values`).

A fact marked ``personal`` carries personal data. A ``let`` value, condition parameter or
decision carries it too when its value is computed from a carrying value in a way that
can give it away: arithmetic, functions (``age(date_of_birth, as_of)``), records, lists,
``if``, ``not`` and ``and``/``or`` over a personal truth value, or a decision row whose
value is such an expression (``add case_note when ...``).

A *test* does not carry the value it tests: a comparison (``age_years < 18``), a
membership test, ``is null``/``is empty`` and ``any``/``all`` give a truth value about
the personal value, not the value itself. A decision decided by such tests is the
decision the citizen receives and is shown; the personal values it was decided from are
not.

>>> import policylang
>>> carried = personal_values(policylang.load("examples/benefit").program)
>>> sorted(name for kind, name in carried)
['age_now', 'case_note', 'date_of_birth', 'reminders']
"""

from __future__ import annotations

from policylang.ir import program as ir

Name = tuple[str, str]  # (kind, name): ("fact", "date_of_birth"), ("let", "age_now"), ...

_TESTS = (ir.Const, ir.CompareIR, ir.MemberIR, ir.IsTestIR)


def carries(e: ir.Expr | None, carried: frozenset[Name] | set[Name]) -> bool:
    """Whether the value of ``e`` can give away a value in ``carried``."""
    if e is None:
        return False
    if isinstance(e, ir.Ref):
        return (e.kind, e.name) in carried
    if isinstance(e, _TESTS):
        return False
    if isinstance(e, ir.QuantIR):
        return e.kind == "count" and carries(e.collection, carried)
    if isinstance(e, ir.MatchIR):  # the arm taken is a test of the member; a bound field gives the value away
        bodies = (*e.bodies, *((e.otherwise,) if e.otherwise is not None else ()))
        if any(carries(b, carried) for b in bodies):
            return True
        return any(b is not None for b in e.bindings) and carries(e.subject, carried)
    return any(carries(c, carried) for c in ir.children(e))


def personal_values(program: ir.Program) -> frozenset[Name]:
    """The facts marked ``personal`` and every value that carries one (see the module)."""
    carried: set[Name] = {("fact", f.name) for f in program.facts.values() if f.personal}
    if not carried:
        return frozenset()
    changed = True
    while changed:
        changed = False
        for p in program.parameters.values():
            if ("parameter", p.name) not in carried and p.is_condition and carries(p.default, carried):
                carried.add(("parameter", p.name))
                changed = True
        for let in program.lets.values():
            if ("let", let.name) not in carried and carries(let.expr, carried):
                carried.add(("let", let.name))
                changed = True
        for d in program.decisions.values():
            if ("decision", d.name) in carried:
                continue
            rows = (*d.rows, d.default) if d.default is not None else d.rows
            if any(carries(r.value, carried) for r in rows):
                carried.add(("decision", d.name))
                changed = True
    return frozenset(carried)


def revealing_values(program: ir.Program) -> frozenset[Name]:
    """The facts marked ``sensitive`` and every value computed from one in any way, tests included.

    A sensitive fact must not reach a citizen even as a truth value about it (``fled_home``
    tested by a condition tells what it is), so everything that reads one, directly or
    through ``let`` values, parameters and other decisions, reveals it.

    >>> import policylang
    >>> revealing_values(policylang.load("examples/benefit").program)
    frozenset()
    """
    found: set[Name] = {("fact", f.name) for f in program.facts.values() if f.sensitive}
    if not found:
        return frozenset()

    def reads(e: ir.Expr | None) -> bool:
        return any((r.kind, r.name) in found for r in ir.refs(e))

    changed = True
    while changed:
        changed = False
        for p in program.parameters.values():
            if ("parameter", p.name) not in found and p.is_condition and reads(p.default):
                found.add(("parameter", p.name))
                changed = True
        for let in program.lets.values():
            if ("let", let.name) not in found and reads(let.expr):
                found.add(("let", let.name))
                changed = True
        for d in program.decisions.values():
            if ("decision", d.name) in found:
                continue
            rows = (*d.rows, d.default) if d.default is not None else d.rows
            if any(reads(r.value) or reads(r.condition) for r in rows):
                found.add(("decision", d.name))
                changed = True
    return frozenset(found)

"""Static logic analyses of a checked policy: what the type checker cannot see.

:func:`analyse` takes a :class:`policylang.ir.program.Program` that checked without errors and
returns warnings about its logic: conditions that are always true or always false, rows
of a ``first match`` table that earlier rows shadow, rules that can both apply and
disagree, and fact sets for which no row or rule of a decision applies. The questions are
decided with the z3 solver over an exact encoding of booleans, enums, numbers, dates and
the calendar (:mod:`~policylang.analysis.encode`); findings that need an example come
with one the engine has confirmed (:mod:`~policylang.analysis.witness`).

The analyses run in ``policylang check`` (:func:`policylang.policy.checking.check_file`), never
when a policy is loaded for evaluation. There, results are cached on disk by the text of
the policy's files and policylang's own code (:mod:`~policylang.analysis.cache`).
"""

from __future__ import annotations

from policylang.base.errors import Diagnostic
from policylang.ir import program as ir


def analyse(
    program: ir.Program,
    *,
    main_file: str | None = None,
    timeout_ms: int = 2000,
    cache: bool = False,
    budget_s: float = 10.0,
) -> list[Diagnostic]:
    """The logic warnings for ``program``, for declarations in ``main_file`` (default: its own file).

    Everything runs within ``budget_s`` seconds; where that is not enough, the analyses
    stop and a ``pol-analysis-stopped`` warning says so. With ``cache``, a result computed
    before for the same files (and the same policylang) is reused, and a new complete one
    is kept.
    """
    from policylang.analysis import cache as disk
    from policylang.analysis.checks import Analyses

    cache_key = disk.key(program, main_file, f"timeout={timeout_ms}") if cache else None
    if cache_key is not None:
        cached = disk.load(cache_key, program)
        if cached is not None:
            return cached
    analyses = Analyses(program, main_file=main_file, timeout_ms=timeout_ms, budget_s=budget_s)
    found = analyses.run()
    if cache_key is not None and not analyses.stopped:
        disk.store(cache_key, found)
    return found


__all__ = ["analyse"]

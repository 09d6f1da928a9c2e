"""Check policy files: every diagnostic of the checker and of the logic analyses, in parallel.

:func:`check_file` is what ``policylang check`` reports for one file: the checker's
diagnostics and, for a file that checks, the logic analyses of :mod:`policylang.analysis`.
:func:`check_files` checks many at once, one process per core. The logic analyses need
the z3 solver, which ``pip install "policylang[check]"`` installs; where it is missing
they are skipped and :func:`analyses_missing` says why.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence

from policylang.base.errors import Diagnostic, PolicyError, sort_diagnostics
from policylang.check.declarations import check_modules
from policylang.policy.loader import read_modules, resolve


def check_file(path: str | os.PathLike[str], *, require_header: bool = True, cache: bool = True) -> list[Diagnostic]:
    """Every problem in one policy file and its imports; ``[]`` when it is clean.

    With ``require_header=False`` a file without a ``policy`` header is checked as a
    module of shared definitions. A file that checks without errors also gets the logic
    analyses of :mod:`policylang.analysis` (shadowed rows, gaps, overlapping rules,
    constant conditions), whose results are kept on disk by the files' text unless
    ``cache=False`` (:mod:`policylang.analysis.cache`); :func:`load` never runs them.
    Without the z3 solver the analyses are skipped (:func:`analyses_missing`).
    """
    try:
        modules = read_modules(resolve(path))
    except PolicyError as e:
        if e.diagnostics:
            return e.diagnostics
        return [Diagnostic(e.code, e.message, None)]
    program, diagnostics = check_modules(modules, require_header=require_header)
    if program is not None and analyses_missing() is None:
        from policylang.analysis import analyse

        diagnostics = sort_diagnostics([*diagnostics, *analyse(program, cache=cache)])
    return [d for d in diagnostics if not allowed(d)]


MISSING_SOLVER = (
    "the logic analyses (gaps, overlapping rules, shadowed rows, constant conditions) were not run: "
    'they need the z3 solver, which is not installed; install it with: pip install "policylang[check]"'
)


def analyses_missing() -> str | None:
    """Why the logic analyses cannot run here (the z3 solver is not installed), or ``None`` when they can."""
    import importlib.util

    try:
        found = importlib.util.find_spec("z3") is not None
    except (ImportError, ValueError):
        found = False
    return None if found else MISSING_SOLVER


def check_files(
    paths: Sequence[str | os.PathLike[str]], *, require_header: bool = True, cache: bool = True, jobs: int = 0
) -> list[list[Diagnostic]]:
    """:func:`check_file` on each of ``paths``, in ``jobs`` processes at once; the results in order.

    ``jobs=0`` uses one process per core (at most one per file); ``jobs=1`` checks the
    files one after the other in this process, as it also does where processes cannot be
    forked safely (no ``fork``, or threads already running).
    """
    files = list(paths)
    jobs = min(jobs or os.cpu_count() or 1, len(files))
    check = functools.partial(check_file, require_header=require_header, cache=cache)
    if jobs > 1 and can_fork():
        from concurrent.futures.process import BrokenProcessPool

        try:
            return check_in_processes(files, check, jobs)
        except (OSError, BrokenProcessPool):  # no semaphores (a container without /dev/shm), a worker killed
            pass
    return [check(f) for f in files]


def check_in_processes(
    files: list[str | os.PathLike[str]], check: Callable[[str | os.PathLike[str]], list[Diagnostic]], jobs: int
) -> list[list[Diagnostic]]:
    """``check`` on each file in ``jobs`` forked worker processes; the results in the files' order."""
    import concurrent.futures
    import multiprocessing

    if analyses_missing() is None:
        import policylang.analysis.checks  # noqa: F401  (imported once, before the fork, not in every worker)

    # the biggest files first, so that no worker is left with one at the end
    order = sorted(range(len(files)), key=lambda i: _size(files[i]), reverse=True)
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {i: pool.submit(check, files[i]) for i in order}
        return [futures[i].result() for i in range(len(files))]


def can_fork() -> bool:
    """Whether worker processes can be forked safely here: ``fork`` exists and no other thread runs."""
    import multiprocessing
    import threading

    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _size(path: str | os.PathLike[str]) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


_ALLOW = re.compile(r"#\s*policylang:\s*allow\s+([\w\-, ]+)")


def allowed(d: Diagnostic) -> bool:
    r"""Whether a warning is accepted by a ``# policylang: allow CODE`` comment on its line or the line above.

    The comment should say why, e.g. ``# policylang: allow pol-unused-fact (recorded only)``;
    errors cannot be allowed.

    >>> from policylang.base.span import Source, Span
    >>> src = Source("p.pol", "# policylang: allow pol-unused-fact (recorded only)\nfact a: bool")
    >>> allowed(Diagnostic("pol-unused-fact", "unused", Span(src, 2, 1, 2, 13), "warning"))
    True
    """
    if d.severity != "warning" or d.span is None:
        return False
    for number in (d.span.line, d.span.line - 1):
        m = _ALLOW.search(d.span.source.line(number))
        if m and d.code in {c.strip() for c in m.group(1).replace(",", " ").split()}:
            return True
    return False

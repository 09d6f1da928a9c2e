"""Find, read, parse, check and compile policies by bundled name or by path.

Bundled policies are looked up under the installed ``policylang/policies`` folder, or the
repository's ``policies/`` folder in a source checkout. ``import "x.pol"`` is resolved
relative to the importing file, then relative to the policies folder. Loaded policies are
cached by path and file modification times, so loading twice is cheap.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from policylang.base.errors import Diagnostic, PolicyCheckError, PolicyError, PolicyNotFoundError, sort_diagnostics
from policylang.base.suggest import closest
from policylang.check.declarations import check_modules
from policylang.policy.policy import Policy
from policylang.syntax import ast
from policylang.syntax.parser import parse_module


def policies_root() -> Path:
    """The folder that holds the bundled policies."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "policies"
    if installed.is_dir():
        return installed
    return package.parent / "policies"


def bundled_names() -> list[str]:
    """The names of all bundled policies (files with a ``policy`` header)."""
    root = policies_root()
    names = []
    for path in sorted(root.rglob("*.pol")):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        if any(line.startswith("policy ") for line in text.splitlines()):
            names.append(path.relative_to(root).with_suffix("").as_posix())
    return names


def resolve(name_or_path: str | os.PathLike[str]) -> Path:
    """The file a bundled name or a path refers to."""
    text = os.fspath(name_or_path)
    path = Path(text)
    if (
        text.endswith(".pol")
        or path.exists()
        or (os.sep in text and path.parent.exists() and not (policies_root() / f"{text}.pol").exists())
    ):
        if not path.is_file():
            close = closest(text.removesuffix(".pol"), bundled_names())
            hint = f" (did you mean the bundled policy `{close}`?)" if close else ""
            raise PolicyNotFoundError(f"no policy file at {text}{hint}")
        return path
    candidate = policies_root() / f"{text}.pol"
    if candidate.is_file():
        return candidate
    names = bundled_names()
    close = closest(text, names)
    hint = f" (did you mean `{close}`?)" if close else f"; bundled policies: {', '.join(names)}"
    raise PolicyNotFoundError(f"no bundled policy named `{text}`{hint}")


def read_source(path: Path) -> str:
    """The text of a policy file, with a :class:`PolicyError` for an unreadable or non-UTF-8 file."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: the file is not UTF-8 text") from None
    except OSError as e:
        raise PolicyNotFoundError(f"{path}: cannot read the file ({e.strerror})") from None


def display_path(path: Path) -> str:
    """How a file is named in messages and traces.

    A bundled policy is named ``policies/<name>.pol`` wherever it is installed, so that
    traces do not depend on the machine; other files relative to the working directory.
    """
    resolved = path.resolve()
    root = policies_root().resolve()
    if resolved.is_relative_to(root):
        return "policies/" + resolved.relative_to(root).as_posix()
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def read_modules(path: Path) -> list[ast.Module]:
    """Parse ``path`` and everything it imports, imports first."""
    ordered: list[ast.Module] = []
    visiting: set[Path] = set()
    done: set[Path] = set()
    problems: list[Diagnostic] = []

    def visit(p: Path) -> None:
        real = p.resolve()
        if real in done or real in visiting:
            return
        visiting.add(real)
        module = parse_module(read_source(p), display_path(p))
        for d in module.declarations:
            if isinstance(d, ast.ImportDecl):
                target = _import_target(p, d.path)
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
                    visit(target)
        visiting.discard(real)
        done.add(real)
        ordered.append(module)

    visit(path)
    if problems:
        raise PolicyCheckError(problems[0].message, problems)
    _imports[str(path.resolve())] = tuple(str(p) for p in done)
    return ordered


def _import_target(importer: Path, name: str) -> Path | None:
    for base in (importer.parent, policies_root()):
        candidate = base / name
        if candidate.is_file():
            return candidate
    return None


def _mtimes(paths: tuple[str, ...]) -> tuple[float, ...]:
    result = []
    for p in paths:
        try:
            result.append(os.stat(p).st_mtime)
        except OSError:
            result.append(-1.0)
    return tuple(result)


def _compile(path: str) -> tuple[Policy, tuple[str, ...]]:
    """Read, check and compile a policy; also the real paths of its files."""
    modules, files = read_modules(Path(path)), _imports[path]
    program, diagnostics = check_modules(modules)
    if program is None:
        errors = [d for d in diagnostics if d.severity == "error"]
        raise PolicyCheckError(f"{len(errors)} error(s) in {path}: {errors[0].message}", diagnostics)
    return Policy(program, diagnostics), files


_imports: dict[str, tuple[str, ...]] = {}  # a policy file's real path -> the real paths of it and its imports
_loaded: dict[str, tuple[tuple[float, ...], Policy]] = {}  # a policy file's real path -> (its files' times, policy)


def load(name_or_path: str | os.PathLike[str], *, parameters: Mapping[str, Any] | None = None) -> Policy:
    """Load a policy by bundled name (``"residence/help_and_repatriation"``) or by path.

    A policy is compiled once and kept until one of its files (it or an import) changes.
    Raises :class:`~policylang.base.errors.PolicyError` subclasses for a missing file,
    a syntax error or a policy that does not check.
    """
    path = str(resolve(name_or_path).resolve())
    cached = _loaded.get(path)
    if cached is not None and cached[0] == _mtimes(_imports[path]):
        policy = cached[1]
    else:
        policy, files = _compile(path)
        if len(_loaded) >= 64:
            _loaded.pop(next(iter(_loaded)))
        _loaded[path] = (_mtimes(files), policy)
    if parameters:
        return policy.with_parameters(parameters)
    return policy


def check_file(path: str | os.PathLike[str], *, require_header: bool = True, cache: bool = True) -> list[Diagnostic]:
    """Every problem in one policy file and its imports; ``[]`` when it is clean.

    With ``require_header=False`` a file without a ``policy`` header is checked as a
    module of shared definitions. A file that checks without errors also gets the logic
    analyses of :mod:`policylang.analysis` (shadowed rows, gaps, overlapping rules,
    constant conditions), whose results are kept on disk by the files' text unless
    ``cache=False`` (:mod:`policylang.analysis.cache`); :func:`load` never runs them.
    """
    try:
        modules = read_modules(resolve(path))
    except PolicyError as e:
        if e.diagnostics:
            return e.diagnostics
        return [Diagnostic(e.code, e.message, None)]
    program, diagnostics = check_modules(modules, require_header=require_header)
    if program is not None:
        from policylang.analysis import analyse

        diagnostics = sort_diagnostics([*diagnostics, *analyse(program, cache=cache)])
    return [d for d in diagnostics if not allowed(d)]


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
    if jobs > 1 and _can_fork():
        from concurrent.futures.process import BrokenProcessPool

        try:
            return _in_processes(files, check, jobs)
        except (OSError, BrokenProcessPool):  # no semaphores (a container without /dev/shm), a worker killed
            pass
    return [check(f) for f in files]


def _in_processes(
    files: list[str | os.PathLike[str]], check: Callable[[str | os.PathLike[str]], list[Diagnostic]], jobs: int
) -> list[list[Diagnostic]]:
    import concurrent.futures
    import multiprocessing

    import policylang.analysis.checks  # noqa: F401  (imported once, before the fork, not in every worker)

    # the biggest files first, so that no worker is left with one at the end
    order = sorted(range(len(files)), key=lambda i: _size(files[i]), reverse=True)
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {i: pool.submit(check, files[i]) for i in order}
        return [futures[i].result() for i in range(len(files))]


def _can_fork() -> bool:
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

"""Find, read, parse, check and compile policies by bundled name or by path.

Bundled policies are looked up under the installed ``policylang/policies`` folder, or the
repository's ``policies/`` folder in a source checkout. ``import "x.pol"`` is resolved
relative to the importing file, then relative to the policies folder. Loaded policies are
kept (:data:`CACHE`) by path and the files' modification times, so loading twice is cheap;
compiled policies are also kept on disk (:mod:`policylang.policy.store`), so that a new
process loads an unchanged policy without parsing or checking it, and without importing
the parser or the checker at all. Checking files with every analysis is
:mod:`policylang.policy.checking`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policylang.base.errors import Diagnostic, PolicyCheckError, PolicyError, PolicyNotFoundError
from policylang.base.suggest import closest
from policylang.policy import store
from policylang.policy.policy import Policy

if TYPE_CHECKING:
    from policylang.syntax import ast
else:

    class _SyntaxTree:
        """:mod:`policylang.syntax.ast`, imported when a file is first parsed (a policy read compiled needs none)."""

        def __getattr__(self, name: str) -> Any:
            from policylang.syntax import ast

            return getattr(ast, name)

    ast = _SyntaxTree()


def parse_module(text: str, path: str) -> ast.Module:
    """Parse one file with :func:`policylang.syntax.parser.parse_module`, imported (with Lark) on first use."""
    from policylang.syntax.parser import parse_module as parse

    return parse(text, path)


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
    return [path.relative_to(root).with_suffix("").as_posix() for path in policy_files_in(root)]


def policy_files_in(folder: Path) -> list[Path]:
    """The policies in ``folder`` and below: ``.pol`` files with a ``policy`` header (not bare imports)."""
    found = []
    for path in sorted(folder.rglob("*.pol")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if any(line.startswith("policy ") for line in text.splitlines()):
            found.append(path)
    return found


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
    return read_modules_and_files(path)[0]


def read_modules_and_files(path: Path) -> tuple[list[ast.Module], tuple[str, ...]]:
    """Parse ``path`` and everything it imports, imports first; also the real paths of the files."""
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
                target = import_target(p, d.path)
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
    return ordered, tuple(str(p) for p in done)


def import_target(importer: Path, name: str) -> Path | None:
    """The file ``import "name"`` in ``importer`` refers to: relative to it, then to the policies folder."""
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


class PolicyCache:
    """Compiled policies by the real path of their file, kept until one of their files changes.

    Safe to share between threads: a policy compiled twice at once is kept once. With
    ``disk`` (the default), a policy not kept here is first looked for compiled on disk
    (:func:`compile_file`).
    """

    def __init__(self, size: int = 64, *, disk: bool = True) -> None:
        self.size = size
        self.disk = disk
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[tuple[str, ...], tuple[float, ...], Policy]] = {}

    def get(self, path: str) -> Policy:
        """The policy in the file ``path`` (a real path), compiled now or earlier."""
        with self._lock:
            entry = self._entries.get(path)
        if entry is not None and entry[1] == _mtimes(entry[0]):
            return entry[2]
        policy, files = compile_file(path, disk=self.disk)
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[path] = (files, _mtimes(files), policy)
        return policy

    def clear(self) -> None:
        """Forget every compiled policy."""
        with self._lock:
            self._entries.clear()


FILES = store.Files(read=read_source, display=display_path, import_target=import_target)  # how the store reads


def compile_file(path: str, *, disk: bool = True) -> tuple[Policy, tuple[str, ...]]:
    """Read, check and compile the policy in ``path`` (a real path); also the real paths of its files.

    With ``disk``, a policy compiled before from the same files is read from the disk cache
    (:mod:`policylang.policy.store`) instead, and one compiled now is written there.
    """
    main = Path(path)
    where = store.places(_bundled_root(main))
    if disk:
        found = store.read(main, FILES, where)
        if found is not None:
            try:
                return Policy(found.program, list(found.diagnostics)), found.files
            except Exception:  # a cached program the engine cannot compile: compile the policy's text instead
                pass
    from policylang.check.declarations import check_modules

    modules, files = read_modules_and_files(main)
    program, diagnostics = check_modules(modules)
    if program is None:
        errors = [d for d in diagnostics if d.severity == "error"]
        raise PolicyCheckError(f"{len(errors)} error(s) in {path}: {errors[0].message}", diagnostics)
    policy = Policy(program, diagnostics)
    if disk:
        store.write(main, modules, program, diagnostics, FILES, where[-1])
    return policy, files


def _bundled_root(path: Path) -> Path | None:
    """The bundled policies' folder if ``path`` is in it (compiled copies of them may be shipped there)."""
    root = policies_root()
    return root if path.resolve().is_relative_to(root.resolve()) else None


CACHE = PolicyCache()  # what load() keeps


def load(name_or_path: str | os.PathLike[str], *, parameters: Mapping[str, Any] | None = None) -> Policy:
    """Load a policy by bundled name (``"residence/help_and_repatriation"``) or by path.

    A policy is compiled once and kept until one of its files (it or an import) changes.
    Raises :class:`~policylang.base.errors.PolicyError` subclasses for a missing file,
    a syntax error or a policy that does not check.
    """
    policy = CACHE.get(str(resolve(name_or_path).resolve()))
    if parameters:
        return policy.with_parameters(parameters)
    return policy

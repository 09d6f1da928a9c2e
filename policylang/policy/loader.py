"""Find, read, parse, check and compile policies by bundled name or by path.

Bundled policies are looked up under the installed ``policylang/policies`` folder, or the
repository's ``policies/`` folder in a source checkout; a bundled name is a plain path of
names (no ``..``, nothing absolute) and never leaves that folder. ``import "x.pol"`` is
resolved relative to the importing file, then relative to the policies folder (and the
:attr:`~policylang.base.limits.Limits.import_folders`), and may only read ``.pol`` files
inside the loaded policy's own folder tree, the policies folder and those folders: policy
text cannot make policylang read (and print) any other file. Loaded policies are kept
(:data:`CACHE`) by path, limits and the files' modification times, so loading twice is
cheap; compiled policies are also kept on disk (:mod:`policylang.policy.store`), so that a
new process loads an unchanged policy without parsing or checking it, and without
importing the parser or the checker at all. Checking files with every analysis is
:mod:`policylang.policy.checking`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policylang.base.errors import Diagnostic, PolicyCheckError, PolicyError, PolicyNotFoundError
from policylang.base.limits import DEFAULT, LimitError, Limits
from policylang.base.suggest import closest
from policylang.ir import serial
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


def parse_module(text: str, path: str, *, limits: Limits = DEFAULT) -> ast.Module:
    """Parse one file with :func:`policylang.syntax.parser.parse_module`, imported (with Lark) on first use."""
    from policylang.syntax.parser import parse_module as parse

    return parse(text, path, limits=limits)


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
    """The file a bundled name or a path refers to.

    A bundled name is names joined by ``/``: ``..``, ``.``, an empty part or an absolute
    path are refused, and the file found is inside the policies folder.
    """
    text = os.fspath(name_or_path)
    if "\x00" in text:
        raise PolicyNotFoundError(f"no policy file at {text!r}")
    path = Path(text)
    if (
        text.endswith(".pol")
        or path.exists()
        or (os.sep in text and path.parent.exists() and not _bundled_exists(text))
    ):
        if not path.is_file():
            close = closest(text.removesuffix(".pol"), bundled_names())
            hint = f" (did you mean the bundled policy `{close}`?)" if close else ""
            raise PolicyNotFoundError(f"no policy file at {text}{hint}")
        return path
    candidate = _bundled(text)
    if candidate is not None and candidate.is_file():
        return candidate
    names = bundled_names()
    close = closest(text, names)
    hint = f" (did you mean `{close}`?)" if close else f"; bundled policies: {', '.join(names)}"
    raise PolicyNotFoundError(f"no bundled policy named `{text}`{hint}")


def _bundled(name: str) -> Path | None:
    """The file of the bundled policy ``name``, or ``None`` for a name that is no plain path of names."""
    parts = name.split("/")
    if any(part in ("", ".", "..") or "\\" in part or ":" in part for part in parts):
        return None
    root = policies_root()
    candidate = root / f"{name}.pol"
    try:
        inside = candidate.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return None
    return candidate if inside else None


def _bundled_exists(name: str) -> bool:
    candidate = _bundled(name)
    return candidate is not None and candidate.exists()


def read_source(path: Path, limits: Limits = DEFAULT) -> str:
    """The text of a policy file, with a :class:`PolicyError` for an unreadable, too large or non-UTF-8 file."""
    try:
        with path.open("rb") as f:
            data = f.read(limits.source_bytes + 1)
    except OSError as e:
        raise PolicyNotFoundError(f"{path}: cannot read the file ({e.strerror})") from None
    if len(data) > limits.source_bytes:
        raise LimitError(
            f"{path}: the file is larger than {limits.source_bytes:,} bytes, "
            "the limit `source_bytes` (policylang.Limits)"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: the file is not UTF-8 text") from None


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


def read_modules(path: Path, limits: Limits = DEFAULT) -> list[ast.Module]:
    """Parse ``path`` and everything it imports, imports first."""
    return read_modules_and_files(path, limits)[0]


def read_modules_and_files(path: Path, limits: Limits = DEFAULT) -> tuple[list[ast.Module], tuple[str, ...]]:
    """Parse ``path`` and everything it imports, imports first; also the real paths of the files.

    Imports are read only from :func:`import_roots`, at most ``limits.imports`` files.
    """
    ordered: list[ast.Module] = []
    visiting: set[Path] = set()
    done: set[Path] = set()
    problems: list[Diagnostic] = []
    data_files: set[Path] = set()  # the parameter files read
    roots = import_roots(path, limits)
    bases = tuple(dict.fromkeys([policies_root(), *(Path(f) for f in limits.import_folders)]))

    def visit(p: Path) -> None:
        real = p.resolve()
        if real in done or real in visiting:
            return
        if len(done) + len(visiting) > limits.imports:
            raise LimitError(
                f"{display_path(path)}: the policy imports more than {limits.imports} files, "
                "the limit `imports` (policylang.Limits)"
            )
        visiting.add(real)
        module = parse_module(read_source(p, limits), display_path(p), limits=limits)
        module = with_parameter_files(module, p, roots, limits, problems, data_files)
        for d in module.declarations:
            if isinstance(d, ast.ImportDecl):
                target, problem = _import_target(p, d.path, bases, roots)
                if problem is not None:
                    code, message, hint = problem
                    problems.append(Diagnostic(code, message, d.span, hint=hint))
                elif target is not None:
                    visit(target)
        visiting.discard(real)
        done.add(real)
        ordered.append(module)

    visit(path)
    if problems:
        raise PolicyCheckError(problems[0].message, problems)
    return ordered, tuple(str(p) for p in (*done, *sorted(data_files)))


def with_parameter_files(
    module: ast.Module, file: Path, roots: tuple[Path, ...], limits: Limits, problems: list[Diagnostic], read: set[Path]
) -> ast.Module:
    """``module`` with the parameter files of its ``from file`` parameters read (as imports are: inside ``roots``).

    What cannot be read is added to ``problems``; the files read to ``read``.
    """
    declarations = list(module.declarations)
    if not any(isinstance(d, ast.ParameterDecl) and d.file is not None for d in declarations):
        return module  # no parameter files: the reader of them is not imported
    import attrs

    from policylang.syntax.paramfile import read_parameter_file

    for i, d in enumerate(declarations):
        if not isinstance(d, ast.ParameterDecl) or d.file is None:
            continue
        name, _, key = d.file.partition("#")
        target, problem = parameter_target(file, name, roots)
        if problem is not None:
            code, message, hint = problem
            problems.append(Diagnostic(code, message, d.file_span or d.span, hint=hint))
            continue
        assert target is not None
        read.add(target.resolve())
        try:
            data = read_parameter_file(read_source(target, limits), display_path(target), key or None)
        except PolicyError as e:  # located in the file where it can be, else at the path in the policy
            problems.extend(e.diagnostics or [Diagnostic(e.code, e.message, d.file_span or d.span)])
            continue
        declarations[i] = attrs.evolve(d, file_data=data)
    return attrs.evolve(module, declarations=tuple(declarations))


def parameter_target(importer: Path, name: str, roots: tuple[Path, ...]) -> tuple[Path | None, Problem | None]:
    """The file ``from file "name"`` in ``importer`` reads (relative to it), or why there is none.

    A parameter file is a ``.yaml``, ``.yml`` or ``.toml`` file inside one of ``roots``, as an import is.
    """
    from policylang.syntax.paramfile import SUFFIXES

    if not name.endswith(SUFFIXES) or "\x00" in name:
        return None, (
            "pol-parameter-file",
            f'"{_short(name)}" is not a parameter file',
            "a parameter file is YAML (`.yaml`, `.yml`) or TOML (`.toml`) in OpenFisca's parameter format",
        )
    candidate = importer.parent / name
    try:
        real = candidate.resolve()
        found = real.is_file()
    except (OSError, RuntimeError):
        found = False
    if not found:
        return None, (
            "pol-parameter-file",
            f'cannot find the parameter file "{_short(name)}"',
            "the path is relative to this file",
        )
    if not any(real.is_relative_to(root) for root in roots):
        return None, (
            "pol-import-forbidden",
            f'the parameter file "{_short(name)}" is outside the folders a policy may read from',
            "a policy reads files in its own folder (and those below it) and the policies folder; "
            "policylang.Limits(import_folders=...) (POLICYLANG_IMPORT_PATH) adds others",
        )
    return candidate, None


def import_roots(path: Path, limits: Limits = DEFAULT) -> tuple[Path, ...]:
    """The folders the imports of the policy in ``path`` may read: its own, the policies folder, ``import_folders``."""
    folders = [path.resolve().parent, policies_root(), *map(Path, limits.import_folders)]
    return tuple(dict.fromkeys(f.resolve() for f in folders))


def _import_target(
    importer: Path, name: str, bases: tuple[Path, ...], roots: tuple[Path, ...]
) -> tuple[Path | None, Problem | None]:
    """The file ``import "name"`` in ``importer`` reads (relative to it, then to ``bases``), or why there is none.

    The file must be inside one of ``roots``.
    """
    where = "paths are relative to this file or to the policies folder"
    if not name.endswith(".pol") or "\x00" in name:
        return None, (
            "pol-import-forbidden",
            f'"{_short(name)}" is not a policy file',
            "only `.pol` files are imported",
        )
    outside = False
    for base in (importer.parent, *bases):
        candidate = base / name
        try:
            real = candidate.resolve()
            if not real.is_file():
                continue
        except (OSError, RuntimeError):
            continue
        if any(real.is_relative_to(root) for root in roots):
            return candidate, None
        outside = True
    if outside:
        return None, (
            "pol-import-forbidden",
            f'the imported file "{_short(name)}" is outside the folders a policy may import from',
            "a policy imports from its own folder (and those below it) and the policies folder; "
            "policylang.Limits(import_folders=...) (POLICYLANG_IMPORT_PATH) adds others",
        )
    return None, ("pol-import-not-found", f'cannot find the imported file "{_short(name)}"', where)


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


Problem = tuple[str, str, str]


def _mtimes(paths: tuple[str, ...]) -> tuple[float, ...]:
    result = []
    for p in paths:
        try:
            result.append(os.stat(p).st_mtime)
        except OSError:
            result.append(-1.0)
    return tuple(result)


class PolicyCache:
    """Compiled policies by the real path of their file and the limits they were read with.

    A policy is kept until one of its files changes. Safe to share between threads: a
    policy compiled twice at once is kept once. With ``disk`` (the default), a policy not
    kept here is first looked for compiled on disk (:func:`compile_file`).
    """

    def __init__(self, size: int = 64, *, disk: bool = True) -> None:
        self.size = size
        self.disk = disk
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, Limits], tuple[tuple[str, ...], tuple[float, ...], Policy]] = {}

    def get(self, path: str, limits: Limits = DEFAULT) -> Policy:
        """The policy in the file ``path`` (a real path), compiled now or earlier."""
        key = (path, limits)
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[1] == _mtimes(entry[0]):
            return entry[2]
        policy, files = compile_file(path, limits, disk=self.disk)
        with self._lock:
            while len(self._entries) >= self.size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (files, _mtimes(files), policy)
        return policy

    def clear(self) -> None:
        """Forget every compiled policy."""
        with self._lock:
            self._entries.clear()


def store_files(main: Path) -> store.Files:
    """How the store reads the files of the policy in ``main``: imports only where :func:`read_modules` may."""
    roots = import_roots(main)
    bases = (policies_root(),)
    return store.Files(
        read=read_source,
        display=display_path,
        import_target=lambda importer, name: _import_target(importer, name, bases, roots)[0],
        parameter_target=lambda importer, name: parameter_target(importer, name.partition("#")[0], roots)[0],
    )


def import_target(importer: Path, name: str) -> Path | None:
    """The file ``import "name"`` in ``importer`` refers to (as :func:`read_modules` finds it), or ``None``."""
    return _import_target(importer, name, (policies_root(),), import_roots(importer))[0]


def compile_file(path: str, limits: Limits = DEFAULT, *, disk: bool = True) -> tuple[Policy, tuple[str, ...]]:
    """Read, check and compile the policy in ``path`` (a real path); also the real paths of its files.

    With ``disk``, a policy compiled before from the same files is read from the disk cache
    (:mod:`policylang.policy.store`) instead, and one compiled now is written there; only
    under the default limits, since other limits may refuse what the cache holds.
    """
    main = Path(path)
    disk = disk and limits == DEFAULT
    where = store.places(_bundled_root(main))
    if disk:
        files_read = store_files(main)
        found = store.read(main, files_read, where)
        if found is not None:
            try:
                return Policy(found.program, list(found.diagnostics), limits=limits), found.files
            except Exception:  # a cached program the engine cannot compile: compile the policy's text instead
                pass
    # Parsing, checking and compiling make ~100,000 objects and free few: the cyclic garbage
    # collector, set off by the allocations, would walk them all again and again for nothing
    # (a tenth of a first load's time). Paused, the garbage of these steps is freed by
    # reference counting as before; anything in a cycle waits for the next collection.
    with serial.no_collection():
        from policylang.check.declarations import check_modules

        modules, files = read_modules_and_files(main, limits)
        program, diagnostics = check_modules(modules)
        if program is None:
            errors = [d for d in diagnostics if d.severity == "error"]
            raise PolicyCheckError(f"{len(errors)} error(s) in {path}: {errors[0].message}", diagnostics)
        policy = Policy(program, diagnostics, limits=limits)
        if disk:
            store.write(main, modules, program, diagnostics, store_files(main), where[-1])
    return policy, files


def _bundled_root(path: Path) -> Path | None:
    """The bundled policies' folder if ``path`` is in it (compiled copies of them may be shipped there)."""
    root = policies_root()
    return root if path.resolve().is_relative_to(root.resolve()) else None


CACHE = PolicyCache()  # what load() keeps


def load(
    name_or_path: str | os.PathLike[str],
    *,
    parameters: Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> Policy:
    """Load a policy by bundled name (``"residence/help_and_repatriation"``) or by path.

    A policy is compiled once and kept until one of its files (it or an import) changes.
    ``limits`` bounds the policy's text and imports, and the facts and parameters it will
    read (default: :class:`~policylang.base.limits.Limits` ()). Raises
    :class:`~policylang.base.errors.PolicyError` subclasses for a missing file, a syntax
    error, a policy that does not check, or input over the limits.
    """
    policy = CACHE.get(str(resolve(name_or_path).resolve()), limits or DEFAULT)
    if parameters:
        return policy.with_parameters(parameters)
    return policy

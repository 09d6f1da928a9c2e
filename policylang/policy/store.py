"""Compiled policies on disk: an unchanged policy loads without being parsed or checked again.

When :func:`~policylang.policy.loader.load` compiles a policy, :func:`write` keeps its
checked program and diagnostics as a JSON file (:mod:`policylang.ir.serial`) in the
``compiled`` folder of policylang's cache (:func:`~policylang.base.cachedir.cache_directory`:
``$POLICYLANG_CACHE_DIR``, else the per-user cache folder). The next process that loads
it finds the file by :func:`key` (a hash of the policy's text and name, policylang's
version and the code that checks policies) and :func:`read` checks that it still
describes the files on disk: every file it was built from, imports included, must still
be found by the same import and have the same text (by SHA-256). Then the program is
built from the file; else the policy is compiled as before and the file written anew.

A cache file is only ever a way to save time. One that policylang did not write for this
key is ignored: it must be ours or root's and writable by no one else, begin with a
header that names this format and key and the SHA-256 and length of the rest, and hold
only what :func:`policylang.ir.serial.restore` accepts; nothing in it is executed or
unpickled. A folder that cannot be written (read-only, shared, full) is not an error, and
two processes that write the same file at once leave one whole file
(:func:`~policylang.base.cachedir.write_atomic`). A wheel of policylang ships the
bundled policies compiled (:data:`SHIPPED`, made when the wheel is built by
``hatch_build.py``), so that they load fast from the first run.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from policylang.base.cachedir import cache_directory, prune, read_trusted, write_atomic
from policylang.base.errors import Diagnostic, PolicyError
from policylang.base.span import Source
from policylang.base.version import __version__
from policylang.ir import program as ir
from policylang.ir import serial

if TYPE_CHECKING:
    from policylang.syntax import ast

FORMAT = "policylang.compiled/1"
SHIPPED = "_compiled"  # the folder of compiled bundled policies, beside them in a wheel
KEEP = 128  # compiled policies kept in the cache; the oldest go first
LIMIT = 64 * 1024 * 1024  # a larger file is not one of ours

# The code that turns policy text into a checked program: a change to it is a new key.
COMPILER = ("base", "syntax", "ir", "check", "policy/loader.py", "policy/store.py")


# Named tuples, not attrs classes: this module is imported by every process that loads a
# policy, and attrs compiles code for each class it makes.


class Files(NamedTuple):
    """How the loader finds and reads policy files, so that a cached policy is checked the same way."""

    read: Callable[[Path], str]  # the text of a file (a PolicyError if it cannot be read)
    display: Callable[[Path], str]  # the name a file is shown under in messages and traces
    import_target: Callable[[Path, str], Path | None]  # the file an ``import`` in a file refers to
    parameter_target: Callable[[Path, str], Path | None] | None = None  # the file of a ``from file`` parameter


class CachedPolicy(NamedTuple):
    """A policy read from the cache: its checked program, diagnostics and the real paths of its files."""

    program: ir.Program
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[str, ...]


@functools.cache
def compiler_version() -> str:
    """A hash of the file format, policylang's version and the code of :data:`COMPILER`."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode())
    for part in COMPILER:
        path = os.path.join(package, *part.split("/"))
        if os.path.isfile(path):
            files = [path]
        else:  # os.walk, not Path.rglob: this runs in every process that loads a policy, and is 3x faster
            files = sorted(
                os.path.join(folder, name)
                for folder, _, names in os.walk(path)
                for name in names
                if name.endswith((".py", ".lark"))
            )
        for file in files:
            # the path below the package (as os.path.relpath gives it, without its cost for each file)
            digest.update(f"{file[len(package) + 1 :]}\0".replace(os.sep, "/").encode())
            with open(file, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()


def key(display: str, text: str, options: str = "") -> str:
    """The name of the cache file of the policy shown as ``display`` with this text.

    The text of its imports is checked when the file is read (:func:`read`).
    """
    return _key(display, _text_hash(text), options)


def _key(display: str, text_hash: str, options: str) -> str:
    return hashlib.sha256(f"{compiler_version()}\0{options}\0{display}\0{text_hash}".encode()).hexdigest()


def places(bundled: Path | None) -> list[Path]:
    """Where compiled policies are looked for: beside the bundled policies (for one of them), then the cache."""
    found = [bundled / SHIPPED] if bundled is not None else []
    return [*found, cache_directory("compiled")]


def read(main: Path, files: Files, where: Sequence[Path], options: str = "") -> CachedPolicy | None:
    """The policy in ``main`` (a real path), from the first folder of ``where`` that holds it compiled and current."""
    try:
        text = files.read(main)
        display = files.display(main)
    except PolicyError:
        return None
    name = f"{key(display, text, options)}.json"
    for folder in where:
        raw = read_trusted(folder / name, LIMIT, owner=folder.name != SHIPPED)
        if raw is None:
            continue
        try:
            found = _decode(raw, name[:-5], main, display, text, files)
        except Exception:  # whatever is wrong with a cache file, the policy is compiled instead
            found = None
        if found is not None:
            return found
    return None


def write(
    main: Path,
    modules: Sequence[ast.Module],
    program: ir.Program,
    diagnostics: Sequence[Diagnostic],
    files: Files,
    folder: Path,
    options: str = "",
) -> bool:
    """Keep the compiled policy in ``main`` (parsed as ``modules``) in ``folder``; whether it was written.

    Not written, silently, where the folder cannot be written or the program holds a value
    the file format cannot express.
    """
    from policylang.syntax import ast

    by_display = {module.path: module for module in modules}
    order = [main]  # each file as the import found it: its own imports are relative to that
    shown = [files.display(main)]
    seen = {main.resolve(): 0}
    edges: list[list[Any]] = []
    try:
        texts: dict[str, str] = {}  # the parameter files' texts, by how they are shown
        for index, file in enumerate(order):  # breadth first; the reader follows the same edges
            module = by_display.get(shown[index])
            for d in module.declarations if module is not None else ():
                if isinstance(d, ast.ParameterDecl) and d.file is not None:
                    target = files.parameter_target(file, d.file) if files.parameter_target else None
                    label, is_data = "file:" + d.file, True
                elif isinstance(d, ast.ImportDecl):
                    target = files.import_target(file, d.path)
                    label, is_data = d.path, False
                else:
                    continue
                if target is None:
                    return False
                real = target.resolve()
                if real not in seen:
                    seen[real] = len(order)
                    order.append(target)
                    shown.append(files.display(target))
                    if is_data:  # a parameter file's text is hashed as read; a module's, as parsed
                        texts[shown[-1]] = files.read(target)
                edges.append([index, label, seen[real]])
        sources = {id(module.span.source): module.path for module in modules}
        for module in modules:
            for d in module.declarations:
                if isinstance(d, ast.ParameterDecl) and d.file_data is not None:
                    from policylang.syntax.paramfile import ParameterFile  # only for a policy with parameter files

                    if isinstance(d.file_data, ParameterFile):
                        sources[id(d.file_data.source)] = d.file_data.source.path
        hashes = [_text_hash(texts[name] if name in texts else by_display[name].span.source.text) for name in shown]
        data = {
            "format": FORMAT,
            "policylang": __version__,
            "files": [list(pair) for pair in zip(shown, hashes, strict=True)],
            "imports": edges,
            "program": serial.dump([program, list(diagnostics)], external=sources),
        }
        # A flat table, in ASCII (``\u00e6`` for ``æ``): a few percent larger than UTF-8, but
        # json writes and reads it in half the time, and it is encoded as bytes by a copy.
        payload = json.dumps(data, separators=(",", ":"), check_circular=False).encode("ascii")
    except (serial.Unserialisable, KeyError, ValueError, OSError, RecursionError):
        return False
    name = _key(shown[0], hashes[0], options)
    header = {"format": FORMAT, "key": name, "sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}
    if not write_atomic(folder / f"{name}.json", json.dumps(header).encode("utf-8") + b"\n" + payload):
        return False
    prune(folder, ".json", KEEP)
    return True


def _decode(raw: bytes, name: str, main: Path, display: str, text: str, files: Files) -> CachedPolicy | None:
    """The compiled policy in ``raw``, or ``None`` where it is not ours for this key or no longer current."""
    head, _, payload = raw.partition(b"\n")
    header = json.loads(head)
    if header != {
        "format": FORMAT,
        "key": name,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size": len(payload),
    }:
        return None
    data = json.loads(payload)
    if data.keys() != {"format", "policylang", "files", "imports", "program"} or data["format"] != FORMAT:
        return None
    listed = data["files"]
    if listed[0] != [display, _text_hash(text)]:
        return None
    found = [main]  # each file as the import finds it, as the loader reads it
    real = [main.resolve()]
    sources = {display: Source(display, text)}
    data_files: set[str] = set()
    for importer, path, target in data["imports"]:
        if type(importer) is not int or type(target) is not int or not 0 <= importer < len(found):
            return None
        if not isinstance(path, str):
            return None
        if path.startswith("file:"):  # a parameter file
            if files.parameter_target is None:
                return None
            file = files.parameter_target(found[importer], path.removeprefix("file:"))
            if file is not None:
                data_files.add(files.display(file))
        else:
            file = files.import_target(found[importer], path)
        if file is None:
            return None
        if target < len(found):
            if real[target] != file.resolve():
                return None
            continue
        if target != len(found) or target >= len(listed):
            return None
        shown = files.display(file)
        imported = files.read(file)
        if listed[target] != [shown, _text_hash(imported)]:
            return None
        found.append(file)
        real.append(file.resolve())
        sources[shown] = Source(shown, imported)
    if len(found) != len(listed):
        return None
    program, diagnostics = serial.restore(data["program"], external=sources)
    if not isinstance(program, ir.Program) or not isinstance(diagnostics, list):
        return None
    if not all(isinstance(d, Diagnostic) for d in diagnostics) or set(program.files) != set(sources) - data_files:
        return None
    return CachedPolicy(program, tuple(diagnostics), tuple(str(p) for p in real))


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

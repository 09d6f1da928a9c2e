"""The house by phase: imports point one way, and nothing reaches into another phase's privates.

These tests read the package's source (every ``import``, at module level, inside functions
and under ``TYPE_CHECKING``) and hold it to the layout that ``docs/architecture.rst``
describes: no import cycle between modules; each phase imports only the phases below it;
no code outside the engine touches a private attribute of another object; one name per
class across the package, and no aliases of classes (``U = Unknown``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "policylang"

# The phases from the bottom up: a module may import its own phase and the phases below it.
LAYERS: list[set[str]] = [
    {"base"},
    {"ir", "syntax"},
    {"check"},
    {"trace"},
    {"engine"},
    {"analysis", "batch"},
    {"policy"},
    {"explanation"},
    {"testing"},
    {"sphinx"},
    {"serve"},
    {"editor"},
    {"cli"},
    {""},  # policylang/__init__.py: the public API
]
RANK = {phase: i for i, layer in enumerate(LAYERS) for phase in layer}


def module_name(path: Path) -> str:
    parts = ["policylang", *path.relative_to(PACKAGE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def phase(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports(module: str) -> Iterator[tuple[str, int]]:
    """Every policylang module ``module`` imports, with the line, wherever the import is."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    yield sub, node.lineno
                elif base in MODULES:
                    yield base, node.lineno


GRAPH = {m: sorted({target for target, _ in imports(m) if target != m}) for m in MODULES}


def test_the_package_has_no_import_cycle() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def connect(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for m in GRAPH:
        if m not in index:
            connect(m)
    assert not cycles, f"modules that import each other: {cycles}"


# Imports up the pipeline that are there on purpose, each with its reason.
UPWARD = {
    # evaluate_dask("residence/...", frame): each Dask worker loads a policy named by the
    # caller itself, once per process, rather than being sent it.
    ("policylang.batch.dask", "policylang.policy.loader"),
}


def test_every_phase_imports_only_itself_and_the_phases_below() -> None:
    assert set(RANK) >= {phase(m) for m in MODULES}, "a new phase: add it to LAYERS and docs/architecture.rst"
    upward = [
        f"{MODULES[m].relative_to(PACKAGE.parent)}:{line}: {m} imports {target}"
        for m in MODULES
        for target, line in imports(m)
        if RANK[phase(target)] > RANK[phase(m)] and (m, target) not in UPWARD
    ]
    assert not upward, "imports that point up the pipeline:\n" + "\n".join(upward)


def private_reaches(module: str) -> Iterator[str]:
    """``thing._private`` where ``thing`` is not ``self`` or ``cls``: another object's private attribute."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            yield f"{MODULES[module].relative_to(PACKAGE.parent)}:{node.lineno}: .{node.attr}"


# Private attributes of other libraries' objects that their documentation tells us to use.
FOREIGN = {".\u005fmeta"}  # a Dask DataFrame's empty frame of its columns (dask.dataframe's documented `_meta`)


def test_no_module_reaches_into_another_objects_private_attributes() -> None:
    found = [r for m in MODULES for r in private_reaches(m) if r.rpartition(": ")[2] not in FOREIGN]
    assert not found, "private attributes read from outside their object:\n" + "\n".join(found)


def classes() -> Iterator[tuple[str, str]]:
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                yield node.name, module


def test_no_two_classes_share_a_name() -> None:
    seen: dict[str, list[str]] = {}
    for name, module in classes():
        seen.setdefault(name, []).append(module)
    shared = {name: modules for name, modules in seen.items() if len(modules) > 1}
    assert not shared, f"classes with the same name: {shared}"


def test_no_module_aliases_a_class() -> None:
    defined = {name for name, _ in classes()}
    aliases = []
    for module, path in MODULES.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Name)
                and node.value.id in defined
            ):
                aliases.append(f"{module}: {node.targets[0].id} = {node.value.id}")
    assert not aliases, f"aliases of classes (write the class's name): {aliases}"


@pytest.mark.parametrize("module", ["policylang.engine.steps", "policylang.trace.build"])
def test_the_graph_reads_imports_inside_functions_and_type_checking(module: str) -> None:
    """The walk sees every kind of import, so that a cycle cannot hide in a function or a type hint."""
    source = MODULES[module].read_text(encoding="utf-8")
    tree = ast.parse(source)
    nested = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom | ast.Import)
        and n not in tree.body
        and (getattr(n, "module", "") or "").startswith("policylang")
    ]
    for n in nested:
        assert any(line == n.lineno for _, line in imports(module))


def test_the_architecture_page_draws_every_phase_in_its_layer() -> None:
    """docs/architecture.rst names every folder in the house, and its layer table is LAYERS."""
    text = (PACKAGE.parent / "docs" / "architecture.rst").read_text(encoding="utf-8")
    house = text[text.index("The house\n") : text.index("The pipeline, drawn")]
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {f for f in folders if f"  {f}/" not in house} == set()
    table = text[text.index("How dependencies run") : text.index("The engine boundary")]
    column = [line[7:35] for line in table.splitlines() if line[:1].isdigit() or line.startswith("       ``")]
    named = [name for cell in column for name in re.findall(r"``(\w+)``", cell)]
    assert set(named) == set(RANK) - {""}, "the layer table and LAYERS name other phases"
    ranks = [RANK[name] for name in named]
    assert ranks == sorted(ranks), "the layer table lists the phases in another order than LAYERS"

"""What a fresh process imports: ``import policylang`` next to nothing, evaluating only the engine.

Timing is measured in ``benchmarks/startup.py``, never here; these tests hold the imports
that make the time, in a fresh interpreter each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
FACTS = ROOT / "policies" / "examples" / "help_and_repatriation.facts.json"

# Loaded on first use only: the logic analyses and z3, YAML, Polars (and the other batch
# libraries), the explanations and their renderers, Sphinx, Hypothesis, the CLI.
HEAVY = (
    "z3",
    "yaml",
    "polars",
    "pandas",
    "pyarrow",
    "dask",
    "sphinx",
    "docutils",
    "hypothesis",
    "jsonschema",
    "policylang.analysis",
    "policylang.batch",
    "policylang.explanation",
    "policylang.sphinx",
    "policylang.testing",
    "policylang.cli",
)
# ... and, for a policy read from the compiled cache, the parser and the checker too.
COMPILER = ("lark", "policylang.syntax", "policylang.check")


def imported_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter has imported after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    return set(json.loads(run.stdout.splitlines()[-1]))


def among(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_import_policylang_imports_next_to_nothing() -> None:
    modules = imported_after("import policylang")
    assert among(modules, HEAVY + COMPILER) == []
    assert sorted(m for m in modules if m.startswith("policylang")) == [
        "policylang",
        "policylang.base",
        "policylang.base.version",
    ]


def test_every_public_name_is_there_when_asked_for() -> None:
    import policylang

    for name in policylang.__all__:
        assert getattr(policylang, name) is not None, name
    assert set(policylang.__all__) <= set(dir(policylang))
    with pytest.raises(AttributeError):
        policylang.no_such_name  # noqa: B018


EVALUATE = f"""
import json, policylang
policy = policylang.load("residence/help_and_repatriation")
result = policy.evaluate(json.load(open({str(FACTS)!r})))
result.to_dict()
"""


def test_evaluating_a_cached_policy_imports_only_the_engine(tmp_path: Path) -> None:
    env = {**os.environ, "POLICYLANG_CACHE_DIR": str(tmp_path)}
    first = imported_after(EVALUATE, env)  # compiles and writes the cache
    assert among(first, HEAVY) == []
    assert among(first, COMPILER) != []
    again = imported_after(EVALUATE, env)
    assert among(again, HEAVY + COMPILER) == []


def test_the_command_line_imports_only_its_subcommand(tmp_path: Path) -> None:
    env = {**os.environ, "POLICYLANG_CACHE_DIR": str(tmp_path)}
    command = "from policylang.cli.main import main; main(['eval', 'residence/help_and_repatriation', '--facts', {!r}])"
    imported_after(command.format(str(FACTS)), env)
    modules = imported_after(command.format(str(FACTS)), env)
    text_output = ("policylang.explanation", "policylang.cli")  # `eval` prints the explained result
    assert among(modules, tuple(n for n in HEAVY if n not in text_output)) == []
    # the explanations fill in `explain` templates with the syntax the checker defines (a few regexes)
    assert among(modules, COMPILER) == ["policylang.check", "policylang.check.templates"]

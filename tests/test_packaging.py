"""A plain (not editable) install ships the bundled policies, which load by name, and their cases."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_wheel_ships_the_policies_and_loads_them_by_name(tmp_path: Path) -> None:
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("policylang-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    bundled = sorted(n for n in names if n.startswith("policylang/policies/") and n.endswith(".pol"))
    assert "policylang/policies/examples/benefit.pol" in bundled
    assert "policylang/syntax/grammar.lark" in names
    assert "policylang/syntax/policylang.tmLanguage.json" in names  # for editors (docs/editors.rst)
    script = (
        "import sys\n"
        "sys.modules['lark'] = None  # the bundled policies are shipped compiled: nothing is parsed\n"
        "import policylang, pathlib\n"
        "names = policylang.bundled_names()\n"
        "for name in names:\n"
        "    policy = policylang.load(name)\n"
        "    assert pathlib.Path(policy.program.files[-1]).resolve().is_relative_to(pathlib.Path.cwd()), policy\n"
        "print(' '.join(names))\n"
    )
    cache = tmp_path / "cache"
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path / "site",
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin", "POLICYLANG_CACHE_DIR": str(cache)},
    )
    assert run.returncode == 0, run.stderr
    loaded = run.stdout.split()
    assert "examples/benefit" in loaded
    assert len(loaded) == len([n for n in bundled if "/cases/" not in n]) - _libraries(tmp_path / "site")
    compiled = [n for n in names if n.startswith("policylang/policies/_compiled/") and n.endswith(".json")]
    assert len(compiled) == len(loaded), "one compiled file for each bundled policy"
    assert not cache.exists(), "nothing needed compiling, so nothing was written to the user's cache"
    # the command's own examples work without a checkout: the bundled policies and their cases by name
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}
    for args, words in (
        (["--version"], ["policylang "]),
        (["list"], ["residence/igu_and_danskbonus", "examples/benefit"]),
        (["test", "residence/igu_and_danskbonus", "--coverage"], ["passed, 0 failed", "Rule coverage"]),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "policylang.cli", *args], cwd=elsewhere, capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, (args, done.stderr)
        assert all(w in done.stdout for w in words), (args, done.stdout)


def _libraries(site: Path) -> int:
    """Bundled files without a ``policy`` header (shared definitions) are not policies."""
    count = 0
    for path in (site / "policylang" / "policies").rglob("*.pol"):
        if not any(line.startswith("policy ") for line in path.read_text(encoding="utf-8").splitlines()):
            count += 1
    return count

"""How fast ``policylang check policies/`` is: the static checker with its logic analyses.

Run from the repository root, with policylang installed (``pip install -e .``)::

    python benchmarks/check_speed.py              # writes benchmarks/CHECK_RESULTS.md
    python benchmarks/check_speed.py --runs 3     # fewer runs
    python benchmarks/check_speed.py --no-write   # print only

Measured:

(a) the whole command, as an editor or CI runs it: ``policylang check policies/`` in a
    fresh Python process, wall-clock and CPU time (the median of ``--runs`` runs), cold
    (the analysis cache empty: a first check, or CI) and warm (every file checked before
    and unchanged: what saving one file in an editor costs for the others); with the
    files checked in parallel (the default, one process per core) and one after the
    other (``--jobs 1``);
(b) in one process, per bundled file: reading, parsing and checking (names and types)
    apart from the logic analyses (:mod:`policylang.analysis`, no cache), CPU and
    wall-clock time, the median over the runs; and how many questions went to the solver.

The target (issue 7): all bundled policies checked in under a second on this machine, in
wall-clock time (what an author waits for). On a loaded machine wall-clock time includes
the time the processes wait for a core: the load average before and after is recorded,
and CPU time is shown beside it.
This script is run on demand, never by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "CHECK_RESULTS.md"
TARGET_S = 1.0


WITHOUT_ANALYSES = (
    "import sys, policylang.analysis as a; a.analyse = lambda program, **options: []; "
    "from policylang.cli import main; sys.exit(main(['check', 'policies/']))"
)


def whole_command(
    runs: int, cache: Path, warm: bool, analyses: bool = True, jobs: int = 0
) -> tuple[list[float], list[float], str]:
    """Wall-clock and CPU seconds of ``policylang check policies/`` in fresh processes, and its summary line.

    Cold: the analysis cache is emptied before each run; warm: it holds every file's result.
    Without ``analyses``, the logic analyses are switched off (for comparison). CPU time
    counts the worker processes too.
    """
    walls, cpus = [], []
    summary = ""
    env = {**os.environ, "POLICYLANG_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "policylang.cli", "check", "--jobs", str(jobs), "policies/"]
    if not analyses:
        command = [sys.executable, "-c", WITHOUT_ANALYSES.replace("'policies/'", f"'--jobs', '{jobs}', 'policies/'")]
    shutil.rmtree(cache, ignore_errors=True)
    if warm:
        subprocess.run(command, cwd=ROOT, capture_output=True, env=env, check=False)
    for _ in range(runs):
        if not warm:
            shutil.rmtree(cache, ignore_errors=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        if proc.returncode != 0:
            raise SystemExit(f"policylang check policies/ exited with {proc.returncode}:\n{proc.stderr}")
        summary = proc.stdout.strip().splitlines()[-1]
    return walls, cpus, summary


def per_file(runs: int) -> list[dict[str, object]]:
    """Per bundled file: check and analysis times (median of ``runs``), solver questions, findings."""
    from policylang.analysis.checks import Analyses
    from policylang.check.declarations import check_modules
    from policylang.policy.loader import read_modules

    rows = []
    for path in sorted((ROOT / "policies").rglob("*.pol")):
        check_cpu, check_wall, analysis_cpu, analysis_wall = [], [], [], []
        questions = findings = 0
        for _ in range(runs):
            c0, w0 = time.process_time(), time.perf_counter()
            program, _ = check_modules(read_modules(path), require_header=False)
            c1, w1 = time.process_time(), time.perf_counter()
            assert program is not None, path
            analyses = Analyses(program)
            found = analyses.run()
            c2, w2 = time.process_time(), time.perf_counter()
            check_cpu.append(c1 - c0)
            check_wall.append(w1 - w0)
            analysis_cpu.append(c2 - c1)
            analysis_wall.append(w2 - w1)
            questions = sum(level.session.questions for level in analyses.levels)
            findings = len(found)
        rows.append(
            {
                "file": path.relative_to(ROOT).as_posix(),
                "lines": len(path.read_text(encoding="utf-8").splitlines()),
                "check_cpu": statistics.median(check_cpu),
                "check_wall": statistics.median(check_wall),
                "analysis_cpu": statistics.median(analysis_cpu),
                "analysis_wall": statistics.median(analysis_wall),
                "questions": questions,
                "findings": findings,
            }
        )
    return rows


def report(runs: int) -> str:
    load_before = os.getloadavg()
    measured: dict[str, tuple[list[float], list[float]]] = {}
    summary = ""
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "cache"
        for jobs, how in ((0, "in parallel"), (1, "one process")):
            walls, cpus, summary = whole_command(runs, cache, warm=False, jobs=jobs)
            measured[f"cold, {how}"] = walls, cpus
            measured[f"warm, {how}"] = whole_command(runs, cache, warm=True, jobs=jobs)[:2]
            bare = whole_command(runs, cache, warm=False, analyses=False, jobs=jobs)
            measured[f"without the analyses, {how}"] = bare[:2]
    rows = per_file(runs)
    load_after = os.getloadavg()
    median = {k: (statistics.median(w), statistics.median(c)) for k, (w, c) in measured.items()}
    cold_wall, cold_cpu = median["cold, in parallel"]
    warm_wall, warm_cpu = median["warm, in parallel"]
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    lines = [
        "# Speed of `policylang check`",
        "",
        "The static checker, with its logic analyses, on every bundled policy. Produced by",
        "`benchmarks/check_speed.py` (run on demand: `python benchmarks/check_speed.py`).",
        "",
        "## Run",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- policylang revision: {revision.stdout.strip() or 'unknown'} (with uncommitted changes, if any)",
        f"- Machine: `{' '.join(platform.uname())}`; `nproc`: {os.cpu_count()}",
        f"- Load average (1, 5, 15 min) before and after: {' '.join(f'{x:.2f}' for x in load_before)}"
        f" / {' '.join(f'{x:.2f}' for x in load_after)}",
        f"- Python {platform.python_version()}, z3-solver {importlib.metadata.version('z3-solver')}, "
        f"lark {importlib.metadata.version('lark')}",
        f"- Runs: {runs}; times are medians",
        "",
        "## Target",
        "",
        f"All bundled policies checked in under {TARGET_S:.0f} second by `policylang check policies/`, "
        "wall-clock (CPU time in brackets):",
        "",
        f"- cold, nothing cached (a first check, CI): **{_met(cold_wall)}** at {cold_wall:.2f} s ({cold_cpu:.2f} s)",
        f"- warm, unchanged files cached (checking on save): **{_met(warm_wall)}** at {warm_wall:.2f} s"
        f" ({warm_cpu:.2f} s)",
        "",
        "## (a) The whole command",
        "",
        "`policylang check policies/` in a fresh process: interpreter start, imports, parsing,",
        "checking and the logic analyses of every file; cold with an empty analysis cache, warm",
        "with every file's analysis cached (`POLICYLANG_CACHE_DIR` points at a fresh folder).",
        f"*In parallel* is the default: the files are checked in {os.cpu_count()} forked processes at once",
        "(one per core), the biggest first; *one process* is `--jobs 1`. CPU time is user + system",
        "time of the command and its worker processes.",
        "",
        "| | wall-clock | CPU | wall-clock runs |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, (walls, _) in measured.items():
        wall, cpu = median[name]
        lines.append(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {', '.join(f'{x:.2f}' for x in walls)} |")
    bare_cpu = median["without the analyses, one process"][1]
    one_cold_cpu, one_warm_cpu = median["cold, one process"][1], median["warm, one process"][1]
    lines += [
        "",
        f"In one process the logic analyses add {one_cold_cpu - bare_cpu:.2f} s of CPU time cold and "
        f"{one_warm_cpu - bare_cpu:.2f} s warm; the rest is the interpreter, imports, parsing and the name and "
        "type checks. In parallel the CPU time is a little higher (the worker processes start, and each parses "
        "the shared files its policies import) and the wall-clock time lower.",
        "",
        f"Output: `{summary}`",
        "",
        "## (b) Per file, in one process",
        "",
        "Check = read, parse, names and types (as `policylang.load` does); analyses = the logic",
        "analyses of `policylang check` (runs of the engine, then the solver for what no run",
        "showed). Questions = how many went to the solver.",
        "",
        "| file | lines | check CPU | check wall | analyses CPU | analyses wall | questions | findings |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| `{r['file']}` | {r['lines']} | {r['check_cpu']:.3f} s | {r['check_wall']:.3f} s "
            f"| {r['analysis_cpu']:.3f} s | {r['analysis_wall']:.3f} s | {r['questions']} | {r['findings']} |"
        )
    total = {k: sum(float(r[k]) for r in rows) for k in ("check_cpu", "check_wall", "analysis_cpu", "analysis_wall")}  # type: ignore[arg-type]
    lines.append(
        f"| total | | {total['check_cpu']:.3f} s | {total['check_wall']:.3f} s "
        f"| {total['analysis_cpu']:.3f} s | {total['analysis_wall']:.3f} s | | |"
    )
    lines += [
        "",
        "## Notes",
        "",
        "- The first file of (b) also pays for building the parser (Lark) once.",
        "- On a loaded machine (load average above the number of cores) wall-clock time can be",
        "  two or three times what it is on an idle one; rerun on an idle machine.",
        "",
    ]
    return "\n".join(lines)


def _met(seconds: float) -> str:
    return "met" if seconds < TARGET_S else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement (default 5)")
    parser.add_argument("--no-write", action="store_true", help="print the results, do not write CHECK_RESULTS.md")
    args = parser.parse_args()
    text = report(args.runs)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

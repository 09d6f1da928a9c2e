"""How fast policylang starts: whole processes, timed from outside, next to ``python -c pass``.

Run from the repository root, with policylang installed (``pip install -e .``)::

    python benchmarks/startup.py                          # writes its section of benchmarks/RESULTS.md
    python benchmarks/startup.py --runs 11 --no-write     # fewer runs, print only
    python benchmarks/startup.py --baseline-rev bb53a5f   # also time an earlier revision ("today")

Each workload is a fresh Python process, timed from its start to its exit (interpreter
start-up included), in turn with the yardstick ``python -c pass`` (A B A B ...), so that
the ratio of each pair is taken on the same state of the machine; the medians are
reported. Before the timed runs, warm-up runs compile the bytecode (``PYTHONDONTWRITEBYTECODE``
is unset for the children) and fill the compiled-policy cache where a workload uses it:

- ``import``: ``import policylang``;
- ``load + evaluate``: import, ``load("residence/help_and_repatriation")`` (read from the
  compiled-policy cache) and one traced evaluation of the README's fact set, with
  ``to_dict()``;
- ``policylang eval``: the README's example on the command line (the console script),
  printing the explained result as text;
- ``first load after an edit``: the policy copied to a temporary folder, a comment added
  to it before every run (so that no cache has it), then load + evaluate as above; with
  ``--baseline-rev``, the same for that revision of policylang, unpacked with
  ``git archive`` and put first on ``PYTHONPATH``, and this revision loading that
  revision's policy text (the same text both loaders read: the fair comparison when the
  policy has grown since).

Targets (issue 19): import at most 60 ms; load + evaluate at most 150 ms; ``policylang
eval`` at most 250 ms; the first load after an edit no slower than before. The machine
should be otherwise idle: the load average before and after is recorded.
This script is run on demand, never by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
FACTS = ROOT / "policies" / "examples" / "help_and_repatriation.facts.json"
POLICY = "residence/help_and_repatriation"
START, END = "<!-- startup-benchmark: start (written by benchmarks/startup.py) -->", "<!-- startup-benchmark: end -->"

LOAD_AND_EVALUATE = (
    "import json, policylang; policy = policylang.load({policy!r}); "
    "policy.evaluate(json.load(open({facts!r}))).to_dict()"
)
LOAD = "import policylang; policylang.load({policy!r})"
PHASES = """
import time
start = time.perf_counter()
import json, policylang
imported = time.perf_counter()
policy = policylang.load({policy!r})
loaded = time.perf_counter()
result = policy.evaluate(json.load(open({facts!r})))
evaluated = time.perf_counter()
result.to_dict()
done = time.perf_counter()
print(json.dumps([imported - start, loaded - imported, evaluated - loaded, done - evaluated]))
"""


class Workload:
    """A command to time, with what to do before each run (an edit) and its environment."""

    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        target_ms: float | None,
        before: Callable[[], None] | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self.name, self.command, self.env, self.target_ms = name, command, env, target_ms
        self.before, self.cwd = before, cwd
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.ratio: list[float] = []


def run_once(command: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one process, start to exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{proc.stderr.decode()}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(workloads: list[Workload], yardstick: Workload, runs: int, warmup: int) -> None:
    """Run every workload ``runs`` times, each run paired with a run of the yardstick."""
    for w in [yardstick, *workloads]:
        for _ in range(warmup):
            if w.before:
                w.before()
            run_once(w.command, w.env, w.cwd)
    for _ in range(runs):
        for w in workloads:
            if w.before:
                w.before()
            wall, cpu = run_once(w.command, w.env, w.cwd)
            base_wall, base_cpu = run_once(yardstick.command, yardstick.env, yardstick.cwd)
            w.wall.append(wall)
            w.cpu.append(cpu)
            w.ratio.append(wall / base_wall)
            yardstick.wall.append(base_wall)
            yardstick.cpu.append(base_cpu)


def phases(env: dict[str, str], runs: int) -> list[float]:
    """Median seconds inside one process: import, load, evaluate, to_dict (the cache warm)."""
    code = PHASES.format(policy=POLICY, facts=str(FACTS))
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
        )
        samples.append(json.loads(out.stdout))
    return [statistics.median(s[i] for s in samples) for i in range(4)]


def baseline_tree(revision: str, folder: Path) -> Path:
    """The policylang of ``revision``, unpacked from git into ``folder``."""
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    folder.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def edited_copy(source_root: Path, folder: Path) -> tuple[Path, Callable[[], None]]:
    """A copy of the policy and its folder, and a function that edits the copy before each run."""
    shutil.copytree(source_root / "policies" / "residence", folder)
    path = folder / "help_and_repatriation.pol"
    original = path.read_text(encoding="utf-8")
    count = [0]

    def edit() -> None:
        count[0] += 1
        path.write_text(original + f"\n# edit {count[0]}\n", encoding="utf-8")

    return path, edit


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs of each workload (default 21)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    parser.add_argument("--baseline-rev", help="also time the first load after an edit with this git revision")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write RESULTS.md")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="policylang-startup-"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["POLICYLANG_CACHE_DIR"] = str(work / "cache")
    python = sys.executable
    console = Path(python).with_name("policylang")
    if not console.exists():
        raise SystemExit(f"no console script at {console}: pip install -e . first")
    load_and_evaluate = LOAD_AND_EVALUATE.format(policy=POLICY, facts=str(FACTS))

    yardstick = Workload("python -c pass", [python, "-c", "pass"], env, None)
    edited, edit = edited_copy(ROOT, work / "edited")
    only, edit_only = edited_copy(ROOT, work / "edited-only")
    workloads = [
        Workload("import", [python, "-c", "import policylang"], env, 60),
        Workload("load + evaluate", [python, "-c", load_and_evaluate], env, 150),
        Workload("policylang eval", [str(console), "eval", POLICY, "--facts", str(FACTS)], env, 250),
        Workload(
            "first load after an edit",
            [python, "-c", LOAD_AND_EVALUATE.format(policy=str(edited), facts=str(FACTS))],
            env,
            None,
            before=edit,
        ),
        Workload(
            "first load after an edit, load only", [python, "-c", LOAD.format(policy=str(only))], env, None, edit_only
        ),
    ]
    if args.baseline_rev:
        tree = baseline_tree(args.baseline_rev, work / "baseline")
        old_edited, old_edit = edited_copy(tree, work / "baseline-edited")
        old_only, old_edit_only = edited_copy(tree, work / "baseline-edited-only")
        old_env = {**env, "PYTHONPATH": str(tree)}
        same, same_edit = edited_copy(tree, work / "same-text")
        same_only, same_edit_only = edited_copy(tree, work / "same-text-only")
        workloads += [
            Workload(
                f"first load after an edit, {args.baseline_rev}'s policy text",
                [python, "-c", LOAD_AND_EVALUATE.format(policy=str(same), facts=str(FACTS))],
                env,
                None,
                before=same_edit,
            ),
            Workload(
                f"first load after an edit, load only, {args.baseline_rev}'s policy text",
                [python, "-c", LOAD.format(policy=str(same_only))],
                env,
                None,
                before=same_edit_only,
            ),
            Workload(
                f"first load after an edit, {args.baseline_rev}",
                [python, "-c", LOAD_AND_EVALUATE.format(policy=str(old_edited), facts=str(FACTS))],
                old_env,
                None,
                before=old_edit,
                cwd=tree,
            ),
            Workload(
                f"first load after an edit, load only, {args.baseline_rev}",
                [python, "-c", LOAD.format(policy=str(old_only))],
                old_env,
                None,
                before=old_edit_only,
                cwd=tree,
            ),
        ]
    load_before = os.getloadavg()
    measure(workloads, yardstick, args.runs, args.warmup)
    inside = phases(env, max(5, args.runs // 2))
    load_after = os.getloadavg()
    shutil.rmtree(work, ignore_errors=True)

    section = report(workloads, yardstick, inside, args, load_before, load_after)
    print(section)
    if not args.no_write:
        write_section(section)
    return 0


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def report(
    workloads: list[Workload],
    yardstick: Workload,
    inside: list[float],
    args: argparse.Namespace,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> str:
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    command = "python benchmarks/startup.py" + "".join(
        f" --{k.replace('_', '-')} {v}" for k, v in (("runs", args.runs), ("baseline_rev", args.baseline_rev)) if v
    )
    lines = [
        START,
        "## Start-up: a fresh process (`benchmarks/startup.py`)",
        "",
        "Whole processes timed from outside, interpreter start-up included, each run paired with a run",
        "of `python -c pass` (the yardstick); medians of the runs, and the median of the pairs' ratios.",
        "The compiled-policy cache is warm where a workload reads it; bytecode is compiled.",
        "",
        f"- Command: `{command}`",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; policylang revision {revision.stdout.strip()}",
        f"- Machine: `{platform.platform()}`, CPU {cpu_model()}, `nproc` {os.cpu_count()}; "
        f"Python {platform.python_version()}",
        f"- Load average (1, 5, 15 min) before and after: {' '.join(f'{x:.2f}' for x in load_before)} / "
        f"{' '.join(f'{x:.2f}' for x in load_after)}",
        f"- Runs: {args.runs} of each workload after {args.warmup} warm-up runs",
        "",
        "| workload | wall ms (median) | CPU ms (median) | x `python -c pass` (wall) | target | met (wall) "
        "| met (CPU) |",
        "| --- | ---: | ---: | ---: | --- | --- | --- |",
        f"| {yardstick.name} | {ms(statistics.median(yardstick.wall))} | {ms(statistics.median(yardstick.cpu))} "
        "| 1.0x | | | |",
    ]
    by_name = {w.name: w for w in workloads}

    def verdict(value: float, bound: float) -> str:
        return "**met**" if value <= bound else "**NOT met**"

    for w in workloads:
        wall, cpu = statistics.median(w.wall), statistics.median(w.cpu)
        earlier = by_name.get(f"{w.name}, {args.baseline_rev}") or by_name.get(
            w.name.replace(f", {args.baseline_rev}'s policy text", f", {args.baseline_rev}")
        )
        if earlier is w:
            earlier = None
        if w.target_ms is not None:
            target = f"≤ {w.target_ms:.0f} ms"
            met = f"{verdict(wall * 1000, w.target_ms)} | {verdict(cpu * 1000, w.target_ms)}"
        elif earlier is not None:
            before, before_cpu = statistics.median(earlier.wall), statistics.median(earlier.cpu)
            target = f"≤ {args.baseline_rev} ({ms(before)} ms wall, {ms(before_cpu)} ms CPU)"
            met = f"{verdict(wall, before)} ({100 * (wall / before - 1):+.0f}%) | {verdict(cpu, before_cpu)} "
            met += f"({100 * (cpu / before_cpu - 1):+.0f}%)"
        else:
            target, met = "", " |"
        lines.append(f"| {w.name} | {ms(wall)} | {ms(cpu)} | {statistics.median(w.ratio):.1f}x | {target} | {met} |")
    if args.baseline_rev:
        lines += [
            "",
            f"The policy text has changed since {args.baseline_rev} (the law v2 of issue 17 made "
            "`help_and_repatriation.pol` and its import longer), so a first load of today's text and of "
            f"{args.baseline_rev}'s text parse and check different amounts of policy. The rows \"{args.baseline_rev}'s "
            f'policy text" load the same text as the {args.baseline_rev} rows with this revision: they compare the '
            'loaders, and they decide the target "no slower after an edit".',
        ]
    if load_before[0] > (os.cpu_count() or 1):
        lines += [
            "",
            f"The machine was shared (load average {load_before[0]:.1f} on {os.cpu_count()} cores): each process "
            "waited for a core, so wall-clock times are inflated by about the load over the cores, and CPU time "
            "(user + system of the process) is the better guide; rerun on an idle machine for the wall-clock "
            "targets.",
        ]
    lines += [
        "",
        "Inside one process (load + evaluate, the cache warm; medians, ms): "
        f"import {ms(inside[0])}, load {ms(inside[1])}, evaluate {ms(inside[2])}, "
        f"`to_dict()` with the trace {ms(inside[3])}.",
        END,
    ]
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_section(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

"""Explanations at the size of the decision: what one decision's result and explanation cost.

On the README's own example (``residence/help_and_repatriation`` on
``policies/examples/help_and_repatriation.facts.json``) this measures

* the result's JSON (``json.dumps(result.to_dict())``), with and without the trace and
  with the manifest embedded, and the manifest alone;
* the explanations a person reads: the lines ``policylang eval`` prints (the summary),
  with ``--detail``, ``policylang explain`` and ``explain --why-not``; the HTML fragment;
* the cost of ``json.dumps(evaluate(facts).to_dict())`` as a ratio to
  ``evaluate(facts, trace=False)``, both measured in this run, in this process's CPU time
  (``time.thread_time``: the other processes on the machine count less than in wall
  time) and in wall time; the best of several passes.

Run from the repository root, with policylang installed: ``python benchmarks/explain_size.py``.
It rewrites the section "Explanations at the size of the decision" of ``benchmarks/RESULTS.md``
(``--print`` prints it instead).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from results import write_section  # benchmarks/results.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Explanations at the size of the decision"
POLICY = "residence/help_and_repatriation"
FACTS = "policies/examples/help_and_repatriation.facts.json"


def kib(data: Any, **options: Any) -> float:
    return len(json.dumps(data, **options).encode("utf-8")) / 1024


def best(work: Callable[[], Any], clock: Callable[[], float], n: int, passes: int) -> float:
    """The fastest pass's time per call, in microseconds."""
    found = float("inf")
    for _ in range(passes):
        start = clock()
        for _ in range(n):
            work()
        found = min(found, (clock() - start) / n)
    return found * 1e6


def lines(*args: str) -> int:
    out = subprocess.run(
        [sys.executable, "-m", "policylang.cli", *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return len(out.stdout.splitlines())


def measure(passes: int) -> str:
    import policylang

    policy = policylang.load(POLICY)
    facts = json.loads((ROOT / FACTS).read_text(encoding="utf-8"))
    result = policy.evaluate(facts)
    data = result.to_dict()
    manifest = policy.manifest()
    html = policylang.render_html(result)
    html_why = policylang.render_html(result, why_not=True)
    n = 300
    costs = {}
    for name, clock in (("CPU", time.thread_time), ("wall", time.perf_counter)):
        plain = best(lambda: policy.evaluate(facts, trace=False), clock, n, passes)
        traced = best(lambda: policy.evaluate(facts), clock, n, passes)
        dumped = best(lambda: json.dumps(policy.evaluate(facts).to_dict()), clock, n, passes)
        ready = best(lambda: json.dumps(data), clock, n, passes)  # the JSON alone, of a dict made before
        costs[name] = (plain, traced, dumped, ready)
    plain, traced, dumped, _ = costs["CPU"]
    ratio = dumped / plain
    uname = platform.uname()
    load = os.getloadavg()
    text = [
        HEADING,
        "",
        f"`python benchmarks/explain_size.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{uname.system} {uname.machine}, {os.cpu_count()} cores, CPython {platform.python_version()}, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; the README example, `{POLICY}` on `{FACTS}`.",
        "",
        "| what | size | target |",
        "| --- | ---: | --- |",
        f"| `json.dumps(result.to_dict())` | {kib(data):.1f} KB | ≤ 25 KB: {'met' if kib(data) <= 25 else 'not met'} |",
        f"| the same, UTF-8 (`ensure_ascii=False`) | {kib(data, ensure_ascii=False):.1f} KB | |",
        f"| of which the trace | {kib(data['trace']):.1f} KB | |",
        f"| `to_dict(manifest=True)` (self-contained: the manifest's part it refers to) "
        f"| {kib(result.to_dict(manifest=True)):.1f} KB | ≤ 120 KB: "
        f"{'met' if kib(result.to_dict(manifest=True)) <= 120 else 'not met'} |",
        f"| of which the embedded part of the manifest | {kib(result.to_dict(manifest=True)['policy_manifest']):.1f} KB"
        " | |",
        f'| `to_dict(manifest="full")` (the whole manifest embedded) '
        f"| {kib(result.to_dict(manifest='full')):.1f} KB | |",
        f"| the manifest alone (`policylang manifest`) | {kib(manifest):.1f} KB | |",
        f"| caseworker HTML fragment (`explain --format html`) | {len(html.encode()) / 1024:.1f} KB | ≤ 40 KB: "
        f"{'met' if len(html.encode()) <= 40 * 1024 else 'not met'} |",
        f"| the same with `--why-not` | {len(html_why.encode()) / 1024:.1f} KB | |",
        f"| `policylang eval` (the summary), lines | {lines('eval', POLICY, '--facts', FACTS)} | ≤ 60 |",
        f"| `policylang eval --detail`, lines | {lines('eval', POLICY, '--facts', FACTS, '--detail')} | |",
        f"| `policylang explain`, lines | {lines('explain', POLICY, '--facts', FACTS)} | |",
        f"| `policylang explain --why-not`, lines | {lines('explain', POLICY, '--facts', FACTS, '--why-not')} | |",
        "",
        f"Cost, µs per call, the best of {passes} passes of {n} calls, in CPU time (and wall time):",
        "",
        "| call | µs | × `evaluate(facts, trace=False)` |",
        "| --- | ---: | ---: |",
    ]
    for label, index in (
        ("`evaluate(facts, trace=False)`", 0),
        ("`evaluate(facts)` (the trace is made when read)", 1),
        ("`json.dumps(evaluate(facts).to_dict())`", 2),
        ("of which `json.dumps` of the dict alone (made before)", 3),
    ):
        cpu, wall = costs["CPU"][index], costs["wall"][index]
        text.append(f"| {label} | {cpu:.0f} ({wall:.0f}) | {cpu / plain:.2f}× ({wall / costs['wall'][0]:.2f}×) |")
    verdict = "met" if ratio <= 3 else "not met"
    text += [
        "",
        f"Target: `json.dumps(evaluate(facts).to_dict())` at most 3× `evaluate(facts, trace=False)`: **{verdict}** "
        f"({ratio:.2f}×). Before `policylang.result/2` it was about 25× (and 350 KB). The evaluation and "
        f"`json.dumps` of the finished dict alone take {1 + costs['CPU'][3] / plain:.2f}×, which leaves "
        f"{3 - 1 - costs['CPU'][3] / plain:.2f}× ({(2 * plain - costs['CPU'][3]):.0f} µs) for making the trace "
        f"and the dict; they take {costs['CPU'][2] - plain - costs['CPU'][3]:.0f} µs.",
        "",
    ]
    return "\n".join(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true", help="print the section instead of writing RESULTS.md")
    parser.add_argument("--passes", type=int, default=9)
    args = parser.parse_args()
    section = measure(args.passes)
    if args.print:
        print(section)
        return
    write_section(HEADING, section)
    print(section)


if __name__ == "__main__":
    main()

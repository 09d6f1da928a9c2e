"""Speed of policylang next to rule-engine, json-logic-qubit and cel-python, on one decision.

Run from the repository root, after ``pip install -r benchmarks/requirements.txt``::

    python benchmarks/run.py                  # everything; writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick          # fewer repeats and cold starts, for a smoke test
    python benchmarks/run.py --profile        # cProfile of policylang's evaluate loop only

The decision (``must_report``, vejl. 91/1998 pkt. 23-26) is written once in policylang
(``benchmarks/must_report.pol``) and once in each peer's own language (below). Every engine
must agree with a plain-Python reference on all generated fact sets before anything is
timed; a single disagreement stops the run.

Measured, per evaluation (median over the fact sets, several repeats):

(a) the decision only;
(b) the decision plus the list of exemptions that fired;
(c) policylang with the full explanation trace, and ``Result.to_dict()`` on its own;
(d) cold start: a fresh Python process imports the library, loads or compiles the rule
    and evaluates one fact set.

This script is run on demand, never by the test suite.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import importlib.metadata
import io
import json
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
POLICY_PATH = HERE / "must_report.pol"
RESULTS_PATH = HERE / "RESULTS.md"

SEED = 19980609  # the date of vejl. 91/1998
N_FACT_SETS = 1000

# ------------------------------------------------------------------ the decision, in words
#
# must_report is true iff (help_months >= 12 or help_expected_continuous)
#   and (temporary_purpose or lawful_permanent_years <= 3)
#   and none of the exemptions below holds.

EXEMPTION_IDS = (
    "RES-EXEMPT-26A",  # formerly_danish_citizen
    "RES-EXEMPT-26B",  # has_custody_of_danish_child_in_dk
    "RES-EXEMPT-26C",  # married_and_cohabiting and (spouse_is_danish or spouse_lawful_permanent_years > 3)
    "RES-EXEMPT-26D",  # refugee_107 and not guarantee_family_reunified
    "RES-EXEMPT-26E",  # parent_over_60_pre_1992
    "RES-EXEMPT-26F",  # procedural_stay
    "RES-EXEMPT-26G",  # eu_permanently_incapacitated
    "RES-SCOPE-02",  # citizenship == "danish"
)

CITIZENSHIPS = ("danish", "nordic", "eu_eea", "third_country")
BOOL_FACTS = (
    "help_expected_continuous",
    "temporary_purpose",
    "formerly_danish_citizen",
    "has_custody_of_danish_child_in_dk",
    "married_and_cohabiting",
    "spouse_is_danish",
    "refugee_107",
    "guarantee_family_reunified",
    "parent_over_60_pre_1992",
    "procedural_stay",
    "eu_permanently_incapacitated",
)
# int facts: (lowest, highest) generated, and the threshold the rule compares with
INT_FACTS = {
    "help_months": (0, 24, 12),
    "lawful_permanent_years": (0, 7, 3),
    "spouse_lawful_permanent_years": (0, 7, 3),
}


def reference_exemptions(f: dict[str, Any]) -> list[str]:
    """The exemptions that hold, in declaration order: plain Python."""
    holds = (
        f["formerly_danish_citizen"],
        f["has_custody_of_danish_child_in_dk"],
        f["married_and_cohabiting"] and (f["spouse_is_danish"] or f["spouse_lawful_permanent_years"] > 3),
        f["refugee_107"] and not f["guarantee_family_reunified"],
        f["parent_over_60_pre_1992"],
        f["procedural_stay"],
        f["eu_permanently_incapacitated"],
        f["citizenship"] == "danish",
    )
    return [rid for rid, h in zip(EXEMPTION_IDS, holds, strict=True) if h]


def reference_must_report(f: dict[str, Any]) -> bool:
    """The decision, written straight from its definition: plain Python."""
    return bool(
        (f["help_months"] >= 12 or f["help_expected_continuous"])
        and (f["temporary_purpose"] or f["lawful_permanent_years"] <= 3)
        and not (
            f["formerly_danish_citizen"]
            or f["has_custody_of_danish_child_in_dk"]
            or (f["married_and_cohabiting"] and (f["spouse_is_danish"] or f["spouse_lawful_permanent_years"] > 3))
            or (f["refugee_107"] and not f["guarantee_family_reunified"])
            or f["parent_over_60_pre_1992"]
            or f["procedural_stay"]
            or f["eu_permanently_incapacitated"]
            or f["citizenship"] == "danish"
        )
    )


# ------------------------------------------------------------------ the rule in each peer's language

RULE_ENGINE = {
    "must_report": (
        "(help_months >= 12 or help_expected_continuous)"
        " and (temporary_purpose or lawful_permanent_years <= 3)"
        " and not (formerly_danish_citizen"
        " or has_custody_of_danish_child_in_dk"
        " or (married_and_cohabiting and (spouse_is_danish or spouse_lawful_permanent_years > 3))"
        " or (refugee_107 and not guarantee_family_reunified)"
        " or parent_over_60_pre_1992"
        " or procedural_stay"
        " or eu_permanently_incapacitated"
        ' or citizenship == "danish")'
    ),
    "exemptions": {
        "RES-EXEMPT-26A": "formerly_danish_citizen",
        "RES-EXEMPT-26B": "has_custody_of_danish_child_in_dk",
        "RES-EXEMPT-26C": "married_and_cohabiting and (spouse_is_danish or spouse_lawful_permanent_years > 3)",
        "RES-EXEMPT-26D": "refugee_107 and not guarantee_family_reunified",
        "RES-EXEMPT-26E": "parent_over_60_pre_1992",
        "RES-EXEMPT-26F": "procedural_stay",
        "RES-EXEMPT-26G": "eu_permanently_incapacitated",
        "RES-SCOPE-02": 'citizenship == "danish"',
    },
}

CEL = {
    "must_report": (
        "(help_months >= 12 || help_expected_continuous)"
        " && (temporary_purpose || lawful_permanent_years <= 3)"
        " && !(formerly_danish_citizen"
        " || has_custody_of_danish_child_in_dk"
        " || (married_and_cohabiting && (spouse_is_danish || spouse_lawful_permanent_years > 3))"
        " || (refugee_107 && !guarantee_family_reunified)"
        " || parent_over_60_pre_1992"
        " || procedural_stay"
        " || eu_permanently_incapacitated"
        ' || citizenship == "danish")'
    ),
    "exemptions": {
        "RES-EXEMPT-26A": "formerly_danish_citizen",
        "RES-EXEMPT-26B": "has_custody_of_danish_child_in_dk",
        "RES-EXEMPT-26C": "married_and_cohabiting && (spouse_is_danish || spouse_lawful_permanent_years > 3)",
        "RES-EXEMPT-26D": "refugee_107 && !guarantee_family_reunified",
        "RES-EXEMPT-26E": "parent_over_60_pre_1992",
        "RES-EXEMPT-26F": "procedural_stay",
        "RES-EXEMPT-26G": "eu_permanently_incapacitated",
        "RES-SCOPE-02": 'citizenship == "danish"',
    },
}

# JsonLogic rules are JSON documents: kept as text here and parsed once with json.loads.
JSONLOGIC_TEXT = """{
  "must_report": {"and": [
    {"or": [{">=": [{"var": "help_months"}, 12]}, {"var": "help_expected_continuous"}]},
    {"or": [{"var": "temporary_purpose"}, {"<=": [{"var": "lawful_permanent_years"}, 3]}]},
    {"!": {"or": [
      {"var": "formerly_danish_citizen"},
      {"var": "has_custody_of_danish_child_in_dk"},
      {"and": [{"var": "married_and_cohabiting"},
               {"or": [{"var": "spouse_is_danish"}, {">": [{"var": "spouse_lawful_permanent_years"}, 3]}]}]},
      {"and": [{"var": "refugee_107"}, {"!": {"var": "guarantee_family_reunified"}}]},
      {"var": "parent_over_60_pre_1992"},
      {"var": "procedural_stay"},
      {"var": "eu_permanently_incapacitated"},
      {"===": [{"var": "citizenship"}, "danish"]}
    ]}}
  ]},
  "exemptions": {
    "RES-EXEMPT-26A": {"var": "formerly_danish_citizen"},
    "RES-EXEMPT-26B": {"var": "has_custody_of_danish_child_in_dk"},
    "RES-EXEMPT-26C": {"and": [{"var": "married_and_cohabiting"},
                               {"or": [{"var": "spouse_is_danish"},
                                       {">": [{"var": "spouse_lawful_permanent_years"}, 3]}]}]},
    "RES-EXEMPT-26D": {"and": [{"var": "refugee_107"}, {"!": {"var": "guarantee_family_reunified"}}]},
    "RES-EXEMPT-26E": {"var": "parent_over_60_pre_1992"},
    "RES-EXEMPT-26F": {"var": "procedural_stay"},
    "RES-EXEMPT-26G": {"var": "eu_permanently_incapacitated"},
    "RES-SCOPE-02": {"===": [{"var": "citizenship"}, "danish"]}
  }
}"""

# ------------------------------------------------------------------ fact sets


def generate_fact_sets(n: int = N_FACT_SETS, seed: int = SEED) -> list[dict[str, Any]]:
    """``n`` varied, complete fact sets, the same for every run with the same seed.

    Exemptions are drawn rarely enough (about 8-15 % each) that roughly a quarter of the
    fact sets must be reported; ints are spread across their thresholds.
    """
    rng = random.Random(seed)
    sets = []
    for _ in range(n):
        f: dict[str, Any] = {
            "citizenship": rng.choices(CITIZENSHIPS, weights=(1, 2, 3, 4))[0],
            "help_months": rng.randint(*INT_FACTS["help_months"][:2]),
            "help_expected_continuous": rng.random() < 0.5,
            "temporary_purpose": rng.random() < 0.5,
            "lawful_permanent_years": rng.randint(*INT_FACTS["lawful_permanent_years"][:2]),
            "formerly_danish_citizen": rng.random() < 0.08,
            "has_custody_of_danish_child_in_dk": rng.random() < 0.08,
            "married_and_cohabiting": rng.random() < 0.4,
            "spouse_is_danish": rng.random() < 0.3,
            "spouse_lawful_permanent_years": rng.randint(*INT_FACTS["spouse_lawful_permanent_years"][:2]),
            "refugee_107": rng.random() < 0.15,
            "guarantee_family_reunified": rng.random() < 0.5,
            "parent_over_60_pre_1992": rng.random() < 0.08,
            "procedural_stay": rng.random() < 0.08,
            "eu_permanently_incapacitated": rng.random() < 0.08,
        }
        sets.append(f)
    return sets


def coverage(fact_sets: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Check the fact sets cover every value that matters; fail loudly if not."""
    problems = []
    for name in BOOL_FACTS:
        seen = {f[name] for f in fact_sets}
        if seen != {True, False}:
            problems.append(f"{name} only takes {sorted(seen)}")
    for name, (_, _, threshold) in INT_FACTS.items():
        seen = {f[name] for f in fact_sets}
        for needed in (threshold - 1, threshold, threshold + 1):
            if needed not in seen:
                problems.append(f"{name} never equals {needed}")
    if {f["citizenship"] for f in fact_sets} != set(CITIZENSHIPS):
        problems.append("not every citizenship occurs")
    decisions = [reference_must_report(f) for f in fact_sets]
    fired = [reference_exemptions(f) for f in fact_sets]
    for rid in EXEMPTION_IDS:
        if not any(rid in x for x in fired):
            problems.append(f"{rid} never fires")
    if all(decisions) or not any(decisions):
        problems.append("must_report is always the same")
    if problems:
        raise SystemExit("the generated fact sets do not cover the rule:\n  " + "\n  ".join(problems))
    return {
        "must_report_true": sum(decisions),
        "no_exemption": sum(1 for x in fired if not x),
        "several_exemptions": sum(1 for x in fired if len(x) >= 2),
        "max_exemptions": max(len(x) for x in fired),
    }


# ------------------------------------------------------------------ the engines


class Engine:
    """One library set up for the benchmark: the rule compiled once, two entry points."""

    def __init__(
        self,
        name: str,
        package: str,
        note: str,
        decide: Callable[[dict[str, Any]], bool],
        decide_with_exemptions: Callable[[dict[str, Any]], tuple[bool, list[str]]],
        cold_body: str,
        peer: bool = True,
    ) -> None:
        self.name = name
        self.package = package
        self.note = note
        self.decide = decide
        self.decide_with_exemptions = decide_with_exemptions
        self.cold_body = cold_body
        self.peer = peer


def policylang_engine() -> tuple[Engine, Any]:
    import policylang

    policy = policylang.load(POLICY_PATH)
    evaluate = policy.evaluate

    def decide(f: dict[str, Any]) -> bool:
        return evaluate(f, trace=False).decisions["must_report"]  # type: ignore[no-any-return]

    def both(f: dict[str, Any]) -> tuple[bool, list[str]]:
        d = evaluate(f, trace=False).decisions
        return d["must_report"], d["exemptions"]

    cold = (
        "import policylang\n"
        "policy = policylang.load(args['policy'])\n"
        "value = policy.evaluate(facts, trace=False).decisions['must_report']\n"
    )
    return Engine(
        "policylang",
        "policylang",
        "`evaluate(facts, trace=False)`; validates every fact",
        decide,
        both,
        cold,
        peer=False,
    ), policy


def rule_engine_engines() -> list[Engine]:
    import rule_engine

    engines = []
    for typed in (False, True):
        if typed:
            dt_ = rule_engine.DataType
            types = {name: dt_.BOOLEAN for name in BOOL_FACTS}
            types.update({name: dt_.FLOAT for name in INT_FACTS})
            types["citizenship"] = dt_.STRING
            context = rule_engine.Context(type_resolver=rule_engine.type_resolver_from_dict(types))
        else:
            context = rule_engine.Context()
        rule = rule_engine.Rule(RULE_ENGINE["must_report"], context=context)
        exemptions = [
            (rid, rule_engine.Rule(text, context=context).matches) for rid, text in RULE_ENGINE["exemptions"].items()
        ]
        matches = rule.matches

        def both(f: dict[str, Any], matches: Any = matches, exemptions: Any = exemptions) -> tuple[bool, list[str]]:
            return matches(f), [rid for rid, m in exemptions if m(f)]

        if typed:
            cold = (
                "import rule_engine\n"
                "D = rule_engine.DataType\n"
                "types = {k: D.BOOLEAN if isinstance(v, bool) else D.FLOAT if isinstance(v, int) else D.STRING\n"
                "         for k, v in facts.items()}\n"
                "context = rule_engine.Context(type_resolver=rule_engine.type_resolver_from_dict(types))\n"
                "rule = rule_engine.Rule(args['rule_engine'], context=context)\n"
                "value = rule.matches(facts)\n"
            )
            engines.append(
                Engine(
                    "rule-engine, typed context",
                    "rule-engine",
                    "`Rule(text, context=Context(type_resolver=...))`, `rule.matches(facts)`",
                    matches,
                    both,
                    cold,
                )
            )
        else:
            cold = "import rule_engine\nrule = rule_engine.Rule(args['rule_engine'])\nvalue = rule.matches(facts)\n"
            engines.append(
                Engine("rule-engine", "rule-engine", "`Rule(text)` once, `rule.matches(facts)`", matches, both, cold)
            )
    return engines


def jsonlogic_engine() -> Engine:
    from json_logic import jsonLogic

    rules = json.loads(JSONLOGIC_TEXT)
    main = rules["must_report"]
    exemptions = list(rules["exemptions"].items())

    def decide(f: dict[str, Any]) -> bool:
        return bool(jsonLogic(main, f))

    def both(f: dict[str, Any]) -> tuple[bool, list[str]]:
        return bool(jsonLogic(main, f)), [rid for rid, logic in exemptions if jsonLogic(logic, f)]

    cold = (
        "from json_logic import jsonLogic\n"
        "rule = json.loads(args['jsonlogic'])['must_report']\n"
        "value = jsonLogic(rule, facts)\n"
    )
    return Engine(
        "json-logic-qubit", "json-logic-qubit", "`json.loads` once, `jsonLogic(rule, facts)`", decide, both, cold
    )


def cel_engines() -> list[Engine]:
    import celpy
    import celpy.celparser

    to_cel = celpy.json_to_cel
    engines = []
    for runner in (celpy.CompiledRunner, celpy.InterpretedRunner):
        # celpy keeps one Lark parser per process, built with the tree class of the first
        # Environment; CompiledRunner needs its own tree class, so reset it between the two.
        celpy.celparser.CELParser.CEL_PARSER = None
        env = celpy.Environment(runner_class=runner)
        main = env.program(env.compile(CEL["must_report"])).evaluate
        exemptions = [(rid, env.program(env.compile(text)).evaluate) for rid, text in CEL["exemptions"].items()]

        def decide(f: dict[str, Any], main: Any = main) -> bool:
            return bool(main(to_cel(f)))

        def both(f: dict[str, Any], main: Any = main, exemptions: Any = exemptions) -> tuple[bool, list[str]]:
            activation = to_cel(f)
            return bool(main(activation)), [rid for rid, ev in exemptions if ev(activation)]

        cold = (
            "import celpy\n"
            f"env = celpy.Environment(runner_class=celpy.{runner.__name__})\n"
            "program = env.program(env.compile(args['cel']))\n"
            "value = program.evaluate(celpy.json_to_cel(facts))\n"
        )
        default = " (the default)" if runner is celpy.InterpretedRunner else ""
        engines.append(
            Engine(
                f"cel-python, {runner.__name__}{default}",
                "cel-python",
                f"`Environment(runner_class={runner.__name__})`, compile and program once; "
                "`program.evaluate(json_to_cel(facts))`",
                decide,
                both,
                cold,
            )
        )
    return engines


# ------------------------------------------------------------------ verification


def verify(engines: Sequence[Engine], policy: Any, fact_sets: Sequence[dict[str, Any]]) -> None:
    """Every engine agrees with the reference on every fact set, or the run stops."""
    failures = []
    for i, f in enumerate(fact_sets):
        expected = reference_must_report(f)
        expected_ex = reference_exemptions(f)
        for e in engines:
            got = e.decide(f)
            got_both = e.decide_with_exemptions(f)
            if got is not expected or got_both[0] is not expected or list(got_both[1]) != expected_ex:
                failures.append(
                    f"fact set {i}: {e.name} gives {got!r} / {got_both!r}, "
                    f"expected {expected!r} / {expected_ex!r}\n    {json.dumps(f)}"
                )
        traced = policy.evaluate(f, trace=True)
        if traced.decisions != {"must_report": expected, "exemptions": expected_ex} or traced.undetermined:
            failures.append(f"fact set {i}: policylang with trace gives {traced.decisions!r}")
        if traced.reasons["exemptions"] != expected_ex:
            failures.append(f"fact set {i}: policylang cites {traced.reasons['exemptions']!r} for the exemptions")
        json.dumps(traced.to_dict())
    if failures:
        shown = "\n  ".join(failures[:20])
        raise SystemExit(
            f"ENGINES DISAGREE WITH THE REFERENCE ({len(failures)} failure(s)); nothing was timed:\n  {shown}"
        )


# ------------------------------------------------------------------ timing


class Timing:
    """One timed workload: ``fn`` called on every item of ``items``, once per pass."""

    def __init__(self, key: str, fn: Callable[[Any], Any], items: Sequence[Any]) -> None:
        self.key = key
        self.fn = fn
        self.items = items
        self.medians: list[float] = []
        self.means: list[float] = []

    def one_pass(self) -> list[int]:
        fn = self.fn
        clock = time.perf_counter_ns
        samples = []
        append = samples.append
        for x in self.items:
            t0 = clock()
            fn(x)
            t1 = clock()
            append(t1 - t0)
        return samples

    @property
    def median(self) -> float:
        """Median over the passes of the per-pass median, in nanoseconds."""
        return statistics.median(self.medians)

    @property
    def mean(self) -> float:
        return statistics.median(self.means)


def run_timings(timings: Sequence[Timing], repeats: int) -> None:
    """Time every workload ``repeats`` times, round robin, so that a change in the machine's
    load during the run touches every engine alike.

    Each call is timed on its own with ``time.perf_counter_ns``; one untimed pass per workload
    first warms caches. The garbage collector stays on, as it would in an application.
    """
    for t in timings:
        t.one_pass()
    n = len(timings)
    for r in range(repeats):
        print(f"  pass {r + 1}/{repeats}", flush=True)
        for t in [*timings[r % n :], *timings[: r % n]]:
            samples = t.one_pass()
            t.medians.append(statistics.median(samples))
            t.means.append(statistics.fmean(samples))


def timer_overhead_ns(n: int = 20000) -> float:
    clock = time.perf_counter_ns
    samples = []
    for _ in range(n):
        t0 = clock()
        t1 = clock()
        samples.append(t1 - t0)
    return statistics.median(samples)


CHILD_TEMPLATE = """\
import json, sys, time
args = json.loads(sys.argv[1])
facts = args['facts']
t0 = time.perf_counter_ns()
{body}
t1 = time.perf_counter_ns()
print(json.dumps({{"ns": t1 - t0, "value": bool(value)}}))
"""


class ColdStart:
    """Fresh processes for one library: import, load or compile the rule, evaluate once."""

    def __init__(self, key: str, body: str) -> None:
        self.key = key
        self.code = CHILD_TEMPLATE.format(body=body)
        self.first_wall = 0.0
        self.first_inside = 0.0
        self.walls: list[float] = []
        self.inside: list[float] = []

    def run(self, args: str, expected: bool, env: dict[str, str]) -> tuple[float, float]:
        """One process: (whole-process wall time, time inside from import to result), in ms."""
        argv = [sys.executable, "-c", self.code, args]
        t0 = time.perf_counter_ns()
        done = subprocess.run(argv, capture_output=True, text=True, cwd=HERE.parent, env=env, check=False)
        t1 = time.perf_counter_ns()
        if done.returncode != 0:
            raise SystemExit(f"cold start of {self.key} failed:\n{self.code}\n{done.stderr}")
        out = json.loads(done.stdout.strip().splitlines()[-1])
        if out["value"] is not expected:
            raise SystemExit(f"cold start of {self.key} gave {out['value']!r}, expected {expected!r}")
        return (t1 - t0) / 1e6, out["ns"] / 1e6


def run_cold_starts(starts: Sequence[ColdStart], args: dict[str, Any], expected: bool, runs: int) -> None:
    """First a process with empty caches for each library, then ``runs`` rounds with warm ones.

    Bytecode goes to a private ``PYTHONPYCACHEPREFIX`` and temporary files (Lark's grammar
    cache) to a private ``TMPDIR``, both deleted afterwards: nothing is written into the
    repository or the installed packages, and every library is treated alike.
    """
    text = json.dumps(args)
    with tempfile.TemporaryDirectory(prefix="policylang-bench-") as root:
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

        def env_in(folder: Path) -> dict[str, str]:
            (folder / "tmp").mkdir(parents=True, exist_ok=True)
            return {**base, "PYTHONPYCACHEPREFIX": str(folder / "pycache"), "TMPDIR": str(folder / "tmp")}

        for i, s in enumerate(starts):
            s.first_wall, s.first_inside = s.run(text, expected, env_in(Path(root) / f"first-{i}"))
        warm = env_in(Path(root) / "warm")
        for s in starts:
            s.run(text, expected, warm)  # fills the shared caches; not counted
        n = len(starts)
        for r in range(runs):
            for s in [*starts[r % n :], *starts[: r % n]]:
                wall, inside = s.run(text, expected, warm)
                s.walls.append(wall)
                s.inside.append(inside)


# ------------------------------------------------------------------ report


def machine() -> dict[str, str]:
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=False).stdout.strip()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "uname": uname or platform.platform(),
        "nproc": nproc or str(os.cpu_count()),
        "cpu": cpu or platform.processor() or "unknown",
        "python": sys.version.replace("\n", " "),
        "implementation": platform.python_implementation(),
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def versions() -> dict[str, str]:
    result = {}
    for dist in ("policylang", "rule-engine", "json-logic-qubit", "cel-python", "lark"):
        try:
            result[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            result[dist] = "not installed"
    return result


def git_revision() -> str:
    done = subprocess.run(
        ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    rev = done.stdout.strip() or "unknown"
    dirty = subprocess.run(
        ["git", "-C", str(HERE.parent), "status", "--porcelain", "--", "policylang"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return rev + (" (with uncommitted changes in policylang/)" if dirty else "")


def us(ns: float) -> str:
    return f"{ns / 1000:.1f}"


def spread(t: Timing) -> str:
    return f"{min(t.medians) / 1000:.1f}-{max(t.medians) / 1000:.1f}"


# ------------------------------------------------------------------ profile


def phases(policy: Any, fact_sets: Sequence[dict[str, Any]], repeats: int) -> str:
    """Where one untraced evaluation spends its time, phase by phase (through the engine's interface)."""
    try:
        from policylang.trace import Recorder

        engine = policy.engine()  # the engine's documented, read-only interface
        slots = [engine.load_facts(f, False) for f in fact_sets]
        work = [
            Timing("Policy.evaluate(trace=False), whole", lambda f: policy.evaluate(f, trace=False), fact_sets),
            Timing("  Engine.load_facts (decode and validate)", lambda f: engine.load_facts(f, False), fact_sets),
            Timing("  Engine.check_constraints", engine.check_constraints, slots),
            Timing("  Engine.run, no tracer", lambda v: engine.run(v, None), slots),
            Timing(
                "  Result.decisions (summarise and encode)",
                lambda f: policy.evaluate(f, trace=False).decisions,
                fact_sets,
            ),
            Timing("Engine.run with a Recorder", lambda v: engine.run(v, Recorder()), slots),
        ]
        for step in engine.steps:
            work.append(
                Timing(
                    f"  step {type(step).__name__} {step.name}",
                    lambda v, step=step: step.run(v),
                    slots,
                )
            )
    except (AttributeError, TypeError, RuntimeError) as e:  # the engine's internals changed
        return f"(phase breakdown unavailable: {e})\n"
    run_timings(work, repeats)
    width = max(len(t.key) for t in work)
    return "\n".join(f"{t.key:<{width}}  {us(t.median):>7} µs" for t in work) + "\n"


def profile(policy: Any, fact_sets: Sequence[dict[str, Any]], rounds: int = 20, top: int = 25) -> str:
    """cProfile of ``evaluate`` over the fact sets, without and with the trace."""
    out = io.StringIO()
    for trace in (False, True):
        evaluate = policy.evaluate
        for f in fact_sets:
            evaluate(f, trace=trace)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(rounds):
            for f in fact_sets:
                evaluate(f, trace=trace)
        profiler.disable()
        runs = f"{rounds} x {len(fact_sets)} evaluations"
        out.write(f"\n==== cProfile: policylang evaluate(trace={trace}), {runs} ====\n")
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# ------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed passes over the fact sets (default 7)")
    parser.add_argument("--cold-runs", type=int, default=10, help="fresh processes per library (default 10)")
    parser.add_argument("--quick", action="store_true", help="2 passes, 3 cold starts; RESULTS.md is not written")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="only profile policylang's evaluate loop (phases and cProfile); writes nothing",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="where to write the results")
    options = parser.parse_args(argv)
    if options.quick:
        options.repeats, options.cold_runs = 2, 3

    fact_sets = generate_fact_sets()
    cover = coverage(fact_sets)
    pl, policy = policylang_engine()

    if options.profile:
        print("phases of one evaluation (median µs):")
        print(phases(policy, fact_sets, options.repeats))
        print(profile(policy, fact_sets))
        return 0

    load_before = load_average()
    engines = [pl, *rule_engine_engines(), jsonlogic_engine(), *cel_engines()]
    print(f"verifying {len(engines)} engines on {len(fact_sets)} fact sets ...", flush=True)
    verify(engines, policy, fact_sets)
    print("all engines agree with the reference", flush=True)

    overhead = timer_overhead_ns()
    evaluate = policy.evaluate
    traced = [evaluate(f, trace=True) for f in fact_sets]
    timings: dict[str, Timing] = {}
    for e in engines:
        timings["a " + e.name] = Timing("a " + e.name, e.decide, fact_sets)
        timings["b " + e.name] = Timing("b " + e.name, e.decide_with_exemptions, fact_sets)
    timings["c plain"] = Timing("c plain", lambda f: evaluate(f, trace=False), fact_sets)
    timings["c trace"] = Timing("c trace", lambda f: evaluate(f, trace=True), fact_sets)
    timings["c dict"] = Timing("c dict", lambda r: r.to_dict(), traced)
    timings["c both"] = Timing("c both", lambda f: evaluate(f, trace=True).to_dict(), fact_sets)
    print(f"timing {len(timings)} workloads, {options.repeats} passes each ...", flush=True)
    run_timings(list(timings.values()), options.repeats)
    trace_nodes = statistics.median(sum(1 for root in r.trace for _ in root.walk()) for r in traced)
    print("timing the phases of policylang's evaluation ...", flush=True)
    breakdown = phases(policy, fact_sets, options.repeats)

    print("cold starts ...", flush=True)
    first = fact_sets[0]
    child_args = {
        "facts": first,
        "policy": str(POLICY_PATH),
        "rule_engine": RULE_ENGINE["must_report"],
        "jsonlogic": JSONLOGIC_TEXT,
        "cel": CEL["must_report"],
    }
    expected = reference_must_report(first)
    starts = {e.name: ColdStart(e.name, e.cold_body) for e in engines}
    starts["bare"] = ColdStart("bare", f"value = {expected!r}")
    run_cold_starts(list(starts.values()), child_args, expected, options.cold_runs)
    load_after = load_average()

    # ---- targets
    med = statistics.median
    pl_a = timings["a policylang"].median
    pl_b = timings["b policylang"].median
    peers = [e for e in engines if e.peer]
    fastest = min(peers, key=lambda e: timings["a " + e.name].median)
    fastest_a = timings["a " + fastest.name].median
    speedup = fastest_a / pl_a
    plain, trace = timings["c plain"].median, timings["c trace"].median
    trace_ratio = trace / plain
    target_speed = speedup >= 2.0
    target_trace = trace_ratio <= 3.0

    vers = versions()
    mach = machine()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        "policylang next to three Python rule/expression libraries on one statutory decision,",
        "`must_report` (report a foreigner on continuous help to Sikringsstyrelsen; vejl. 91/1998",
        "pkt. 23-26). Produced by `benchmarks/run.py`; `benchmarks/README.md` says how to rerun it.",
        "",
        "## Run",
        "",
        f"- Date: {now}",
        f"- policylang revision: {git_revision()}",
        f"- Machine: `{mach['uname']}`",
        f"- CPU: {mach['cpu']}; `nproc`: {mach['nproc']}",
        f"- Load average (1, 5, 15 min) before and after: {load_before} / {load_after}",
        f"- Python: {mach['implementation']} {mach['python']}",
        "- Libraries: " + ", ".join(f"{k} {v}" for k, v in vers.items()),
        f"- Fact sets: {len(fact_sets)}, seed {SEED}; `must_report` is true for {cover['must_report_true']}; "
        f"{cover['no_exemption']} have no exemption, {cover['several_exemptions']} have two or more "
        f"(up to {cover['max_exemptions']})",
        f"- Passes: {options.repeats} timed passes over all fact sets per workload; cold start: "
        f"{options.cold_runs} warm processes per library, plus one with empty caches",
        "",
        "## Targets",
        "",
        f"- policylang, decision only (fact validation, no trace), at least 2x faster than the fastest peer: "
        f"**{'met' if target_speed else 'NOT met'}**. policylang {us(pl_a)} µs; fastest peer "
        f"{fastest.name} {us(fastest_a)} µs; ratio {speedup:.2f}x (needs 2.00x, i.e. policylang at most "
        f"{us(fastest_a / 2)} µs).",
        f"- Full trace at most 3x the no-trace cost: **{'met' if target_trace else 'NOT met'}**. "
        f"`trace=True` {us(trace)} µs / `trace=False` {us(plain)} µs = {trace_ratio:.2f}x.",
        "",
        "## (a) decision only and (b) decision plus the exemptions that fired",
        "",
        "µs per evaluation: median over the 1,000 fact sets within a pass, then the median over the",
        "passes (the range of the pass medians in brackets). The mean is given too, because engines",
        'that short-circuit have very uneven times across fact sets. "x policylang" is the engine\'s',
        "median divided by policylang's: above 1.00x, policylang is faster.",
        "",
        "| Engine | (a) median µs | (a) mean µs | (a) x policylang | (b) median µs | (b) mean µs | (b) x policylang |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in engines:
        a, b = timings["a " + e.name], timings["b " + e.name]
        lines.append(
            f"| {e.name} {vers[e.package]} | {us(a.median)} [{spread(a)}] | {us(a.mean)} | {a.median / pl_a:.2f}x "
            f"| {us(b.median)} [{spread(b)}] | {us(b.mean)} | {b.median / pl_b:.2f}x |"
        )
    c_plain, c_trace, c_dict, c_both = (timings[k] for k in ("c plain", "c trace", "c dict", "c both"))
    lines += [
        "",
        "## (c) policylang with the explanation trace",
        "",
        "| policylang | median µs | mean µs | x `trace=False` |",
        "| --- | ---: | ---: | ---: |",
        f"| `evaluate(facts, trace=False)` | {us(plain)} [{spread(c_plain)}] | {us(c_plain.mean)} | 1.00x |",
        f"| `evaluate(facts, trace=True)` | {us(trace)} [{spread(c_trace)}] | {us(c_trace.mean)} "
        f"| {trace_ratio:.2f}x |",
        f"| `result.to_dict()` of a traced result, alone | {us(c_dict.median)} [{spread(c_dict)}] "
        f"| {us(c_dict.mean)} | {c_dict.median / plain:.2f}x |",
        f"| `evaluate(facts, trace=True).to_dict()` | {us(c_both.median)} [{spread(c_both)}] | {us(c_both.mean)} "
        f"| {c_both.median / plain:.2f}x |",
        "",
        f"A traced result of this policy has a median of {trace_nodes:.0f} trace nodes.",
        "",
        "Where an untraced evaluation spends its time (median µs per call of each internal phase,",
        "timed on its own; `python benchmarks/run.py --profile` adds cProfile listings):",
        "",
        "```",
        breakdown.rstrip(),
        "```",
        "",
        "## (d) cold start",
        "",
        "A fresh `python -c` process imports the library, loads or compiles the rule and evaluates one",
        'fact set. "Inside" is timed in the process from the import to the result; "whole process"',
        "from outside, interpreter start-up included. Warm: median of the runs with the bytecode and",
        "temp-file caches filled; empty caches: one process that had to compile every module (and, for",
        "policylang, build Lark's grammar cache).",
        "",
        "| Engine | inside, warm, ms | whole process, warm, ms | whole process, empty caches, ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for e in engines:
        s = starts[e.name]
        lines.append(f"| {e.name} {vers[e.package]} | {med(s.inside):.1f} | {med(s.walls):.0f} | {s.first_wall:.0f} |")
    bare = starts["bare"]
    lines += [
        f"| bare interpreter (nothing imported) | {med(bare.inside):.1f} | {med(bare.walls):.0f} "
        f"| {bare.first_wall:.0f} |",
        "",
        "## Method",
        "",
        "- One process runs every library; each rule is parsed or compiled once, outside the timed loops,",
        "  as each library recommends for repeated evaluation:",
    ]
    for e in engines:
        lines.append(f"  - {e.name}: {e.note}.")
    lines += [
        "- Before anything is timed, every engine's decision and exemption list is checked against a",
        "  plain-Python reference on all 1,000 fact sets (and policylang's traced result, the rules it",
        "  cites and `to_dict()`); one disagreement stops the run.",
        '- (a) policylang: `evaluate(facts, trace=False).decisions["must_report"]`. `evaluate` always',
        "  validates every fact against its declared type and checks the policy's three constraints",
        "  (the ints are not negative), and computes both decisions. Peers evaluate the single",
        "  `must_report` expression and validate nothing (the typed rule-engine context checks the type",
        "  of each value it reads).",
        '- (b) policylang: the same call, reading `decisions["exemptions"]` too. Peers: the `must_report`',
        "  expression plus one expression per exemption (8), collecting the IDs of those that hold;",
        "  cel-python converts the fact set with `json_to_cel` once per fact set, inside the timing.",
        "- (c) `trace=True` records the full explanation tree (decisions, rows, rules with citations and",
        "  quotes, inputs); `to_dict()` is timed on its own on already traced results.",
        "- Every call is timed on its own with `time.perf_counter_ns`, after one untimed warm-up pass;",
        f"  the timer's own overhead ({overhead:.0f} ns) is not subtracted; the garbage collector is on.",
        "  All workloads are timed round robin, one pass each in turn, so that other load on the",
        "  machine falls on every engine alike.",
        "- The rule texts of the peers are in `benchmarks/run.py` (`RULE_ENGINE`, `JSONLOGIC_TEXT`, `CEL`);",
        "  the policylang policy is `benchmarks/must_report.pol`.",
        "- `python benchmarks/run.py --profile` prints where policylang's evaluation spends its time.",
        "",
    ]
    report = "\n".join(lines)
    print()
    print(report)
    if not options.quick:
        # keep the batch benchmark's section (benchmarks/batch_run.py writes it between its markers)
        existing = options.output.read_text(encoding="utf-8") if options.output.exists() else ""
        marker = "<!-- batch-benchmark: start"
        kept = existing[existing.index(marker) :] if marker in existing else ""
        options.output.write_text(report.rstrip("\n") + "\n\n" + kept if kept else report, encoding="utf-8")
        print(f"written to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

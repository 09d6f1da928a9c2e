"""The HTTP service under load: evaluations per second and latency, next to the same evaluations in-process.

``POST /v1/evaluate/residence/help_and_repatriation`` with the fact sets of that policy's
bundled cases, in turn, from 1, 8 and 32 concurrent clients with keep-alive connections,
with the trace on and off; then, trace off, with two workers; and ``GET /healthz``, what
the HTTP stack costs with no policy. The service is ``policylang serve`` (one worker, uvicorn, with
httptools and uvloop where the ``serve`` extra installed them) in its own process; the
clients are asyncio connections in another process, so each has a core of the two. The
baseline is one in-process loop over the same fact sets in this run: ``evaluate(facts,
trace=False)``, and ``evaluate(facts).to_dict()`` for the trace (made when it is read).
Where ``wrk`` (a load generator written in C) is installed, the trace-off load is run from it
too, with one worker and two: a Python client takes a good part of a core, wrk a small one.
Last, 50,000 requests from 8 clients, the service's resident memory read from ``/proc``
after the first 5,000 and at the end, and every answer's status counted.

Run from the repository root with the serve extra installed (``pip install -e ".[serve]"``):
``python benchmarks/serve_load.py`` (about three minutes; ``--quick`` for a short run that
prints and writes nothing). It rewrites the section "The HTTP service under load" of
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from results import machine, write_section  # benchmarks/results.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## The HTTP service under load"
POLICY = "residence/help_and_repatriation"
PATH = f"/v1/evaluate/{POLICY}"


def fact_sets() -> list[dict[str, Any]]:
    """The fact sets of the policy's bundled cases (not those that test an invalid fact set)."""
    import policylang
    from policylang.testing.cases import discover, read_cases

    policy = policylang.load(POLICY)
    folder = ROOT / "policies" / "cases" / POLICY
    found = []
    for case in (case for path in discover([folder]) for case in read_cases(path) if case.policy == POLICY):
        try:
            policy.evaluate(case.facts, trace=False)
        except policylang.PolicyError:
            continue
        found.append(dict(case.facts))
    return found


# -- the clients (run in their own process: `--client`) --------------------------------------


async def _client(port: int, bodies: list[bytes], count: int, start: int, latencies: list[float]) -> int:
    """``count`` requests on one keep-alive connection; the number of answers that were not 200.

    With no bodies, ``GET /healthz``: what the HTTP stack itself costs.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    errors = 0
    for i in range(count):
        body = bodies[(start + i) % len(bodies)] if bodies else b""
        head = (
            (
                f"POST {PATH} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            if bodies
            else "GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"
        ).encode()
        began = time.perf_counter()
        writer.write(head + body)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - began)
        errors += status != 200
    writer.close()
    return errors


async def _clients(port: int, bodies: list[bytes], clients: int, total: int) -> dict[str, Any]:
    latencies: list[float] = []
    each = total // clients
    began = time.perf_counter()
    errors = await asyncio.gather(*(_client(port, bodies, each, k * 7, latencies) for k in range(clients)))
    seconds = time.perf_counter() - began
    return {"latencies": latencies, "seconds": seconds, "errors": sum(errors), "requests": each * clients}


def client_main(args: argparse.Namespace) -> None:
    """The ``--client`` process: read the bodies from stdin, run the load, print the measures as JSON."""
    bodies = [line.encode() for line in sys.stdin.read().splitlines()]
    print(json.dumps(asyncio.run(_clients(args.port, bodies, args.clients, args.requests))))


# -- the measurement ---------------------------------------------------------------------------


def in_process(facts: list[dict[str, Any]], trace: bool, seconds: float, *, as_json: bool = False) -> float:
    """Evaluations per second of one loop over ``facts`` in this process.

    With ``as_json``, the work the service does for each request besides HTTP: the body read
    from JSON (as the service reads it), the evaluation, the result written as JSON.
    """
    import policylang
    from policylang.base.inputs import loads
    from policylang.serve.routes import json_bytes

    policy = policylang.load(POLICY)
    inputs: list[Any] = [json.dumps(f, default=str) for f in facts] if as_json else list(facts)

    def once(given: Any) -> Any:
        if as_json:
            return json_bytes(policy.evaluate(loads(given), trace=trace).to_dict())
        return policy.evaluate(given).to_dict() if trace else policy.evaluate(given, trace=False)

    for given in inputs:
        once(given)
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for given in inputs:
            once(given)
        done += len(inputs)
    return done / (time.perf_counter() - began)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "policylang.cli", "serve", "--port", str(port), "--log-level", "warning"]
    command += ["--workers", str(workers)]
    service = subprocess.Popen(command, cwd=ROOT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return service
        except OSError:
            if service.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the service did not start") from None
            time.sleep(0.2)


def load(port: int, bodies: list[bytes], clients: int, requests: int) -> dict[str, Any]:
    """Run ``requests`` requests from ``clients`` clients in a client process."""
    command = [
        sys.executable,
        __file__,
        "--client",
        "--port",
        str(port),
        "--clients",
        str(clients),
        "--requests",
        str(requests),
    ]
    done = subprocess.run(command, input=b"\n".join(bodies), capture_output=True, check=True)
    measured: dict[str, Any] = json.loads(done.stdout)
    return measured


# -- the same load from wrk, a client written in C, where it is installed -----------------------

WRK_SCRIPT = """
bodies = {}
for line in io.lines(%s) do bodies[#bodies + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "%s", {["Content-Type"] = "application/json"}, bodies[(counter %% #bodies) + 1])
end
"""
WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk_load(port: int, bodies: list[bytes], clients: int, seconds: float) -> dict[str, float] | None:
    """Requests per second, p50 and p99 in ms and the answers that were not 2xx, from ``wrk``; ``None`` without it.

    wrk keeps ``clients`` keep-alive connections busy from one thread, at a small part of a
    core, so that the service has most of the machine. With no bodies, ``GET /healthz``.
    """
    exe = shutil.which("wrk")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        target = f"http://127.0.0.1:{port}/healthz"
        command = [exe, "-t1", f"-c{clients}", f"-d{seconds:g}s", "--latency"]
        if bodies:
            lines, script = Path(folder) / "bodies.txt", Path(folder) / "post.lua"
            lines.write_bytes(b"\n".join(bodies))
            script.write_text(WRK_SCRIPT % (json.dumps(str(lines)), PATH), encoding="utf-8")
            command += ["-s", str(script)]
            target = f"http://127.0.0.1:{port}{PATH}"
        out = subprocess.run([*command, target], capture_output=True, text=True, check=True).stdout
    latency = {
        p: float(n) * WRK_UNITS[unit] for p, n, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)$", out, re.M)
    }
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None or set(latency) != {"50", "99"}:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return {"rate": float(rate.group(1)), "p50": latency["50"], "p99": latency["99"], "errors": errors}


def rss_kib(pid: int) -> int:
    """A process's resident memory in KiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def rate_of(port: int, bodies: list[bytes], clients: int, requests: int) -> tuple[float, dict[str, Any]]:
    m = load(port, bodies, clients, requests)
    return m["requests"] / m["seconds"], m


def measure(quick: bool) -> str:
    facts = fact_sets()
    bodies = {
        trace: [json.dumps({"facts": f, "trace": trace}, separators=(",", ":"), default=str).encode() for f in facts]
        for trace in (False, True)
    }
    baseline = {trace: in_process(facts, trace, 1.0 if quick else 4.0) for trace in (False, True)}
    same_work = in_process(facts, False, 1.0 if quick else 4.0, as_json=True)
    requests_of = {clients: (300 if quick else 3000) // clients * clients for clients in (1, 8, 32)}
    port = free_port()
    service = start_service(port)
    rows = []
    wrk_rows: list[tuple[int, int, dict[str, float]]] = []
    try:
        load(port, [], 8, 400)  # warm up
        floor, _ = rate_of(port, [], 8, requests_of[8])
        for trace in (False, True):
            load(port, bodies[trace], 8, 400)  # warm up
            for clients in (1, 8, 32):
                rate, m = rate_of(port, bodies[trace], clients, requests_of[clients])
                rows.append(
                    (
                        1,
                        trace,
                        clients,
                        rate,
                        rate / baseline[trace],
                        statistics.median(m["latencies"]) * 1000,
                        percentile(m["latencies"], 99) * 1000,
                        m["errors"],
                    )
                )
        seconds = 2.0 if quick else 8.0
        wrk_floor = wrk_load(port, [], 8, seconds)
        for clients in (8, 32) if wrk_floor else ():
            found = wrk_load(port, bodies[False], clients, seconds)
            assert found is not None
            wrk_rows.append((1, clients, found))
        total = 2_000 if quick else 50_000
        first = load(port, bodies[False], 8, total // 10)
        before = rss_kib(service.pid)
        rest = load(port, bodies[False], 8, total - total // 10)
        after = rss_kib(service.pid)
        errors = first["errors"] + rest["errors"]
    finally:
        service.terminate()
        service.wait(30)
    service = start_service(port, workers=2)
    try:
        load(port, bodies[False], 8, 400)  # warm up both workers
        floor2, _ = rate_of(port, [], 8, requests_of[8])
        for clients in (8, 32):
            rate, m = rate_of(port, bodies[False], clients, requests_of[clients])
            p50, p99 = statistics.median(m["latencies"]) * 1000, percentile(m["latencies"], 99) * 1000
            rows.append((2, False, clients, rate, rate / baseline[False], p50, p99, m["errors"]))
        wrk_floor2 = wrk_load(port, [], 8, seconds)
        for clients in (8, 32) if wrk_floor2 else ():
            found = wrk_load(port, bodies[False], clients, seconds)
            assert found is not None
            wrk_rows.append((2, clients, found))
    finally:
        service.terminate()
        service.wait(30)
    off = {(w, clients): (ratio, p99) for w, trace, clients, _, ratio, _, p99, _ in rows if not trace}
    text = [
        HEADING,
        "",
        f"`python benchmarks/serve_load.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. {machine()}",
        f"`policylang serve` with one worker, then two; `POST {PATH}` with the {len(facts)} fact sets of the "
        "policy's bundled cases in turn; the clients in a second process (Python, asyncio), on keep-alive "
        "connections, sharing the machine's two cores with the service.",
        "",
        f"In-process baseline, one loop over the same fact sets in this run: "
        f"`evaluate(facts, trace=False)` {baseline[False]:,.0f}/s; `evaluate(facts).to_dict()` "
        f"{baseline[True]:,.0f}/s. The HTTP stack alone, `GET /healthz` from 8 clients (no policy, no body): "
        f"{floor:,.0f}/s with one worker ({floor / baseline[False]:.2f}× the in-process evaluations), "
        f"{floor2:,.0f}/s with two ({floor2 / baseline[False]:.2f}×). The same work as a request in process, "
        f"the facts read from JSON and the result written as JSON, trace off: {same_work:,.0f}/s "
        f"({same_work / baseline[False]:.2f}×).",
        "",
        "| workers | trace | clients | served/s | × in-process | p50 ms | p99 ms | errors |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for workers, trace, clients, rate, ratio, p50, p99, errs in rows:
        text.append(
            f"| {workers} | {'on' if trace else 'off'} | {clients} | {rate:,.0f} | {ratio:.2f}× | {p50:.1f} | "
            f"{p99:.1f} | {errs} |"
        )
    best = max(ratio for ratio, _ in off.values())
    if wrk_rows and wrk_floor and wrk_floor2:
        text += [
            "",
            f"The same load from `wrk` (a client written in C, `wrk -t1 -c N -d {seconds:g}s --latency` with a Lua "
            "script that posts the same bodies in turn), which leaves the service most of the two cores. "
            f"`GET /healthz`, 8 connections: {wrk_floor['rate']:,.0f}/s with one worker "
            f"({wrk_floor['rate'] / baseline[False]:.2f}×), {wrk_floor2['rate']:,.0f}/s with two "
            f"({wrk_floor2['rate'] / baseline[False]:.2f}×).",
            "",
            "| workers | trace | connections | served/s | × in-process | p50 ms | p99 ms | errors |",
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for workers, clients, found in wrk_rows:
            text.append(
                f"| {workers} | off | {clients} | {found['rate']:,.0f} | {found['rate'] / baseline[False]:.2f}× | "
                f"{found['p50']:.1f} | {found['p99']:.1f} | {found['errors']:.0f} |"
            )
        best = max(best, *(found["rate"] / baseline[False] for _, _, found in wrk_rows))
    text += [
        "",
        f"{total:,} requests from 8 clients, trace off, one worker: {errors} errors; the service's resident memory "
        f"{before / 1024:.1f} MiB after the first {total // 10:,}, {after / 1024:.1f} MiB at the end "
        f"({(after - before) / 1024:+.1f} MiB).",
        "",
        "Throughput is the rate the service sustains when clients keep it busy: the best row. One client "
        "waits for each answer before it sends the next request, so its row measures latency (the round "
        "trip through both processes), not what the service can serve.",
        "",
        "Targets (trace off): served evaluations per second at least half of the in-process loop's: "
        f"**{'met' if best >= 0.5 else 'not met'}** (the best, {best:.2f}×, of either client; the HTTP stack "
        f"alone serves {max(floor, floor2) / baseline[False]:.2f}× (Python client), and reading and writing "
        "JSON in process "
        f"{same_work / baseline[False]:.2f}×); p99 under 25 ms at 8 clients: "
        f"**{'met' if off[1, 8][1] < 25 else 'not met'}** ({off[1, 8][1]:.1f} ms, one worker); no error and no "
        f"memory growth over {total:,} requests: "
        f"**{'met' if errors == 0 and after - before < 5 * 1024 else 'not met'}**.",
        "",
    ]
    return "\n".join(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run: print, write nothing")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args)
        return
    os.chdir(ROOT)
    section = measure(args.quick)
    if not args.quick:
        write_section(HEADING, section)
    print(section)


if __name__ == "__main__":
    main()

"""``policylang serve``: the HTTP contract answers what the library answers, and every bad request its status.

In-process through Starlette's test client for the contract and the errors; over a real
socket (uvicorn in a thread) for what only a socket shows: a body that never arrives,
concurrent clients, the command itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import uvicorn
from openapi_spec_validator import validate
from starlette.routing import Route
from starlette.testclient import TestClient

import policylang
from policylang.explanation.render.html import format_html
from policylang.explanation.render.markdown import format_markdown
from policylang.explanation.render.text import format_text
from policylang.serve import routes
from policylang.serve.app import create_app
from policylang.serve.catalogue import Catalogue
from policylang.serve.settings import Settings
from policylang.testing.cases import discover, read_cases

ROOT = Path(__file__).parent.parent
HELP = "residence/help_and_repatriation"
FACTS = json.loads((ROOT / "policies" / "examples" / "help_and_repatriation.facts.json").read_text(encoding="utf-8"))


def plain(data: Any) -> Any:
    """``data`` as JSON reads it back: what a client receives."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def case_facts(limit_per_policy: int = 6) -> list[tuple[str, dict[str, Any]]]:
    """Fact sets of the bundled policies' own cases, a few of each policy."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in discover([ROOT / "policies" / "cases"]):
        for case in read_cases(path):
            kept = found.setdefault(case.policy, [])
            if len(kept) < limit_per_policy:
                kept.append(dict(case.facts))
    return [(name, facts) for name, sets in sorted(found.items()) for facts in sets]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.of()


@pytest.fixture(scope="module")
def client(catalogue: Catalogue) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), catalogue), raise_server_exceptions=False) as c:
        yield c


# -- the contract -----------------------------------------------------------------------------


def test_the_policies_are_the_bundled_ones_with_their_manifest_hash(client: TestClient) -> None:
    listed = client.get("/v1/policies").json()["policies"]
    assert [p["name"] for p in listed] == sorted(policylang.bundled_names())
    for p in listed:
        manifest = policylang.load(p["name"]).manifest()
        assert p["manifest"] == manifest["hash"]
        assert (p["version"], p["valid_from"], p["valid_until"]) == (
            manifest["version"],
            manifest["valid_from"],
            manifest["valid_until"],
        )
        assert set(p["title"]) == {"da", "en"}


def test_a_policy_s_answer_is_its_manifest(client: TestClient) -> None:
    answer = client.get(f"/v1/policies/{HELP}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == plain(policylang.load(HELP).manifest())


@pytest.mark.parametrize(("name", "facts"), case_facts())
def test_evaluate_answers_result_to_dict(client: TestClient, name: str, facts: dict[str, Any]) -> None:
    policy = policylang.load(name)
    for trace in (True, False):
        answer = client.post(f"/v1/evaluate/{name}", json={"facts": facts, "trace": trace})
        assert answer.status_code == 200, answer.text
        assert answer.json() == plain(policy.evaluate(facts, trace=trace).to_dict())


def test_options_reach_the_evaluation(client: TestClient) -> None:
    policy = policylang.load(HELP)
    partial = {"as_of": FACTS["as_of"], "nationality_group": "third_country"}
    body = {"facts": {**partial, "not_a_fact": 1}, "ignore_unknown_facts": True, "exhaustive": True}
    answer = client.post(f"/v1/evaluate/{HELP}", json=body)
    assert answer.json() == plain(policy.evaluate(partial, exhaustive=True).to_dict())


def test_the_slash_in_a_name_may_be_percent_encoded(client: TestClient) -> None:
    encoded = client.post(f"/v1/evaluate/{HELP.replace('/', '%2F')}", json={"facts": FACTS, "trace": False})
    assert encoded.json() == client.post(f"/v1/evaluate/{HELP}", json={"facts": FACTS, "trace": False}).json()


@pytest.mark.parametrize("audience", ["caseworker", "citizen", "auditor"])
@pytest.mark.parametrize("lang", ["da", "en"])
def test_explain_answers_the_library_s_explanation(client: TestClient, lang: str, audience: str) -> None:
    policy = policylang.load(HELP)
    explanation = policylang.explain(policy.evaluate(FACTS), policy, lang=lang, audience=audience)
    expected = {
        "json": (json.dumps(plain(explanation.to_dict())), "application/json"),
        "html": (format_html(explanation), "text/html; charset=utf-8"),
        "text": (format_text(explanation), "text/plain; charset=utf-8"),
        "markdown": (format_markdown(explanation), "text/markdown; charset=utf-8"),
    }
    for format, (text, media) in expected.items():
        query = f"format={format}&lang={lang}&audience={audience}"
        answer = client.post(f"/v1/explain/{HELP}?{query}", json={"facts": FACTS})
        assert answer.status_code == 200
        assert answer.headers["content-type"] == media
        got = json.dumps(answer.json()) if format == "json" else answer.text
        assert got == text, format


def test_explain_a_stored_record_and_some_decisions(client: TestClient) -> None:
    policy = policylang.load(HELP)
    record = client.post(f"/v1/evaluate/{HELP}", json={"facts": FACTS}).json()
    body = {"record": record, "decisions": ["right_to_help"], "why_not": True}
    answer = client.post(f"/v1/explain/{HELP}?format=text", json=body)
    expected = policylang.explain(policy.evaluate(FACTS), policy, decisions=["right_to_help"], why_not=True)
    assert answer.text == format_text(expected)


def test_questions_are_ranked_as_the_library_ranks_them(client: TestClient) -> None:
    known = {"as_of": FACTS["as_of"]}
    answer = client.post(f"/v1/questions/{HELP}", json={"facts": known, "limit": 5})
    expected = [q.to_dict() for q in policylang.next_questions(HELP, known, limit=5)]
    assert answer.json() == {"policy": HELP, "questions": plain(expected)}
    assert len(expected) == 5


def test_health(client: TestClient) -> None:
    answer = client.get("/healthz").json()
    assert answer == {"status": "ok", "version": policylang.__version__, "policies": len(policylang.bundled_names())}


def test_answers_are_not_cached_and_not_sniffed(client: TestClient) -> None:
    headers = client.post(f"/v1/evaluate/{HELP}", json={"facts": FACTS}).headers
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in headers["content-security-policy"]


# -- bad requests ---------------------------------------------------------------------------

EVALUATE = f"/v1/evaluate/{HELP}"
JSON = {"content-type": "application/json"}
BAD: list[tuple[str, str, str, Any, dict[str, str], int, str]] = [
    # (why, method, path, body (bytes: as is; else JSON), headers, status, code)
    ("not JSON", "POST", EVALUATE, b'{"facts": {', JSON, 400, "pol-json"),
    ("an empty body", "POST", EVALUATE, b"", JSON, 400, "pol-json"),
    ("not UTF-8", "POST", EVALUATE, b'{"facts": {"a": "\xff"}}', JSON, 400, "pol-json"),
    ("a key twice", "POST", EVALUATE, b'{"facts": {}, "facts": {}}', JSON, 400, "pol-json"),
    ("NaN", "POST", EVALUATE, b'{"facts": {"as_of": NaN}}', JSON, 400, "pol-json"),
    ("no such policy", "POST", "/v1/evaluate/residence/help_and_repatriatoin", {"facts": {}}, {}, 404, "pol-not-found"),
    ("no such manifest", "GET", "/v1/policies/nope", None, {}, 404, "pol-not-found"),
    ("no such route", "GET", "/v2/policies", None, {}, 404, "pol-no-route"),
    ("a wrong method", "GET", EVALUATE, None, {}, 405, "pol-method"),
    ("a form, not JSON", "POST", EVALUATE, b"facts=1", {"content-type": "application/x-www-form-urlencoded"}, 415, ""),
    ("a wrong fact type", "POST", EVALUATE, {"facts": {"as_of": "1.1.2024"}}, {}, 422, "pol-fact-type"),
    ("an unknown fact", "POST", EVALUATE, {"facts": {"as_off": "2024-01-01"}}, {}, 422, ""),
    ("a value outside the enum", "POST", EVALUATE, {"facts": {"nationality_group": "martian"}}, {}, 422, ""),
    ("an unknown parameter", "POST", EVALUATE, {"facts": {}, "parameters": {"NOPE": 1}}, {}, 422, ""),
    ("an unknown field", "POST", EVALUATE, {"fact": {}}, {}, 422, "pol-request"),
    ("a field of the wrong kind", "POST", EVALUATE, {"facts": [], "trace": "yes"}, {}, 422, "pol-request"),
    ("a list, not an object", "POST", EVALUATE, [1, 2], {}, 422, "pol-request"),
    ("a bad format", "POST", f"/v1/explain/{HELP}?format=pdf", {"facts": {}}, {}, 422, "pol-request"),
    ("a bad audience", "POST", f"/v1/explain/{HELP}?audience=judge", {"facts": {}}, {}, 422, "pol-request"),
    ("an unknown decision", "POST", f"/v1/explain/{HELP}", {"facts": {}, "decisions": ["nope"]}, {}, 422, ""),
    ("a broken record", "POST", f"/v1/explain/{HELP}", {"record": {"format": "x"}}, {}, 422, "pol-record"),
    ("facts and a record", "POST", f"/v1/explain/{HELP}", {"facts": {}, "record": {}}, {}, 422, "pol-request"),
    ("a negative limit", "POST", f"/v1/questions/{HELP}", {"facts": {}, "limit": -1}, {}, 422, "pol-request"),
    ("a huge number", "POST", EVALUATE, {"facts": {"as_of": 10**400}}, {}, 422, ""),
]


@pytest.mark.parametrize(("why", "method", "path", "body", "headers", "status", "code"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_request_gets_its_status_and_a_json_error(
    client: TestClient, why: str, method: str, path: str, body: Any, headers: dict[str, str], status: int, code: str
) -> None:
    content = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    answer = client.request(method, path, content=content, headers=headers or JSON)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()["error"]
    assert error["message"] and error["code"].startswith("pol-")
    assert not code or error["code"] == code
    assert "Traceback" not in answer.text


def test_a_fact_error_is_the_object_the_library_gives(client: TestClient) -> None:
    answer = client.post(EVALUATE, json={"facts": {"as_of": "1.1.2024"}})
    with pytest.raises(policylang.FactError) as raised:
        policylang.load(HELP).evaluate({"as_of": "1.1.2024"})
    assert answer.json() == {"error": plain(raised.value.to_dict())}
    assert answer.json()["error"].items() >= {"fact": "as_of", "value": "1.1.2024"}.items()


def test_the_command_line_prints_the_same_error_object(client: TestClient, tmp_path: Path, capsys: Any) -> None:
    from policylang.cli.main import main

    facts = {"as_of": "2024-01-01", "nationality_group": "martian"}
    (tmp_path / "facts.json").write_text(json.dumps(facts), encoding="utf-8")
    assert main(["eval", HELP, "--facts", str(tmp_path / "facts.json"), "--format", "json"]) == 1
    printed = json.loads(capsys.readouterr().err)
    assert printed["error"].pop("file") == str(tmp_path / "facts.json")
    assert printed == client.post(EVALUATE, json={"facts": facts}).json()


def test_a_misspelt_policy_is_suggested(client: TestClient) -> None:
    error = client.post("/v1/evaluate/residence/help_and_repatriatoin", json={}).json()["error"]
    assert error["hint"] == f"did you mean `{HELP}`?"


def test_a_body_over_the_limit_is_refused_whether_or_not_its_length_is_declared(catalogue: Catalogue) -> None:
    app = create_app(Settings(body_bytes=1000), catalogue)
    big = json.dumps({"facts": {"x": "y" * 2000}}).encode()
    with TestClient(app) as c:
        declared = c.post(EVALUATE, content=big, headers=JSON)

        def chunks() -> Iterator[bytes]:
            yield big[:600]
            yield big[600:]

        streamed = c.post(EVALUATE, content=chunks(), headers=JSON)
    assert declared.status_code == streamed.status_code == 413
    assert "1,000 bytes" in streamed.json()["error"]["message"]


def test_an_answer_that_takes_too_long_is_a_503(catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(policy: Any, body: Any) -> Any:
        time.sleep(1.0)
        raise AssertionError("not reached by the answer")

    monkeypatch.setattr(routes, "_evaluated", slow)
    with TestClient(create_app(Settings(request_seconds=0.2, inline_bytes=0), catalogue)) as c:
        answer = c.post(EVALUATE, json={"facts": {}})
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "pol-timeout"


NESTED = """policy demo/nested
source S "Eksempelloven"
fact xs: list of int
decision pairs: int = count(x in xs: any(y in xs: x + y = 10))
decision total: int = sum(x in xs: x)
"""


@pytest.mark.parametrize(
    ("policy", "body", "settings", "threaded"),
    [
        ("demo/flat", {"facts": {"xs": [1, 9]}}, Settings(), False),
        ("demo/flat", {"facts": {"xs": [1, 9]}, "exhaustive": True}, Settings(), True),
        ("demo/flat", {"facts": {"xs": [1, 9]}}, Settings(inline_bytes=0), True),
        ("demo/flat", {"facts": {"xs": list(range(5000))}}, Settings(), True),
        ("demo/nested", {"facts": {"xs": [1, 9]}}, Settings(), True),
    ],
    ids=["small", "exhaustive", "inline-off", "large-body", "nested-iteration"],
)
def test_an_evaluation_runs_in_a_thread_unless_it_is_small_and_its_work_grows_with_its_facts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    policy: str,
    body: dict[str, Any],
    settings: Settings,
    threaded: bool,
) -> None:
    (tmp_path / "nested.pol").write_text(NESTED, encoding="utf-8")
    flat = NESTED.replace("demo/nested", "demo/flat").replace("any(y in xs: x + y = 10)", "x = 10")
    (tmp_path / "flat.pol").write_text(flat, encoding="utf-8")
    served = Catalogue([policylang.load(tmp_path / "nested.pol"), policylang.load(tmp_path / "flat.pol")])
    handed: list[str] = []
    original = routes.Service._run

    async def run(self: routes.Service, work: Any) -> Any:
        handed.append("thread")
        return await original(self, work)

    monkeypatch.setattr(routes.Service, "_run", run)
    with TestClient(create_app(settings, served)) as c:
        answer = c.post(f"/v1/evaluate/{policy}", json=body)
    assert answer.status_code == 200
    assert answer.json()["decisions"] == plain(served.policy(policy).evaluate(body["facts"]).decisions)
    assert handed == (["thread"] if threaded else [])


def test_a_failure_of_the_service_is_a_500_without_detail(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(policy: Any, body: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(routes, "_evaluated", broken)
    with TestClient(create_app(Settings(), catalogue), raise_server_exceptions=False) as c:
        answer = c.post(EVALUATE, json={"facts": {}})
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "pol-internal"
    assert "secret" not in answer.text and "Traceback" not in answer.text


# -- the OpenAPI document ---------------------------------------------------------------------


def test_the_openapi_document_validates_and_describes_every_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    validate(spec)
    app = client.app
    assert isinstance(app, object)
    described = {(path, method.lower()) for path, operations in spec["paths"].items() for method in operations}
    served = {
        (route.path.replace(":path", ""), method.lower())
        for route in create_app(Settings(), Catalogue([])).routes
        if isinstance(route, Route)
        for method in (route.methods or ()) - {"HEAD"}
    }
    assert served == described


def test_answers_match_the_schemas_the_document_gives(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    def check(data: Any, component: str) -> None:
        schema = {"$ref": f"#/components/schemas/{component}", "components": spec["components"]}
        jsonschema.Draft202012Validator(schema).validate(data)

    check(client.get("/v1/policies").json(), "PolicyList")
    check(client.get(f"/v1/policies/{HELP}").json(), "Manifest")
    check(client.post(EVALUATE, json={"facts": FACTS}).json(), "Result")
    check(client.post(f"/v1/explain/{HELP}", json={"facts": FACTS}).json(), "Explanation")
    check(client.post(f"/v1/questions/{HELP}", json={"facts": {}}).json(), "Questions")
    check(client.get("/healthz").json(), "Health")
    for body in ({"fact": {}}, {"facts": {"as_of": 1}}):
        check(client.post(EVALUATE, json=body).json(), "Error")


# -- over a socket ----------------------------------------------------------------------------


@contextlib.contextmanager
def running(app: Any) -> Iterator[str]:
    """``app`` under uvicorn in a thread, on a free port: its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_concurrent_requests_for_different_policies_get_the_library_s_answers(catalogue: Catalogue) -> None:
    work = case_facts(limit_per_policy=4) * 3
    with running(create_app(Settings(), catalogue)) as base, ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(lambda item: post(f"{base}/v1/evaluate/{item[0]}", {"facts": item[1], "trace": True}), work)
        )
    for (name, facts), (status, answer) in zip(work, answers, strict=True):
        assert status == 200
        assert answer == plain(policylang.load(name).evaluate(facts).to_dict())


def test_a_body_that_never_arrives_is_a_408(catalogue: Catalogue) -> None:
    with running(create_app(Settings(request_seconds=0.5), catalogue)) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(
                f"POST {EVALUATE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 100\r\n\r\n{".encode()
            )
            answer = conn.recv(65536).decode()
    assert answer.startswith("HTTP/1.1 408")
    assert '"pol-timeout"' in answer


def _command(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "policylang.cli", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


OWN = """policy own/adult
  title "Myndig" / "Of age"
  evaluation date as_of

fact as_of: date "Vurderingsdato" / "Evaluation date"
fact born: date "Fødselsdato" / "Date of birth"

decision adult: bool "Myndig" / "Of age" = age(born, as_of) >= 18
"""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_command_serves_the_bundled_policies_and_the_given_ones(tmp_path: Path, workers: str) -> None:
    (tmp_path / "own.pol").write_text(OWN, encoding="utf-8")
    port = _free_port()
    process = _command("--port", str(port), "--workers", workers, "--policies", str(tmp_path), "--log-level", "warning")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/policies", timeout=5) as answer:
                    names = [p["name"] for p in json.loads(answer.read())["policies"]]
                break
            except OSError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        status, result = post(f"http://127.0.0.1:{port}/v1/evaluate/own/adult", {"facts": {"born": "2000-01-01"}})
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert set(policylang.bundled_names()) < set(names)
    assert len(names) == len(policylang.bundled_names()) + 1
    assert status == 200 and result["policy"] == "own/adult"


def test_the_command_stops_before_listening_when_a_policy_does_not_load(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pol"
    broken.write_text(OWN.replace("fact born: date", "fact born: dat"), encoding="utf-8")
    process = _command("--port", str(_free_port()), "--policies", str(broken))
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "broken.pol:6:" in err and "Traceback" not in err


def test_the_command_says_how_to_install_the_serve_extra(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from policylang.cli.main import main

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["serve"]) == 1
    assert "pip install 'policylang[serve]'" in capsys.readouterr().err

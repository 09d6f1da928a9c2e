"""The compiled-policy cache on disk: hits, misses, and every way a cache file can be wrong."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import policylang
from policylang.base import cachedir
from policylang.ir import program as ir
from policylang.policy import loader, store

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "policies" / "examples"
BENEFIT_FACTS = json.loads((EXAMPLES / "benefit.facts.json").read_text(encoding="utf-8"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache folder of this test's own, and nothing kept in memory before or after."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("POLICYLANG_CACHE_DIR", str(folder))
    loader.CACHE.clear()
    yield folder / "compiled"
    loader.CACHE.clear()


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """A copy of the example policy and its import, free to edit."""
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder)
    return folder


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, reading a policy's text to parse it fails the test: loads must come from the cache."""

    def refuse(path: Path) -> Any:
        raise AssertionError(f"{path} was parsed, not read from the cache")

    monkeypatch.setattr(loader, "read_modules_and_files", refuse)


def reload(path: Path) -> policylang.Policy:
    """Load ``path`` as a new process would: nothing kept in memory."""
    loader.CACHE.clear()
    return policylang.load(path)


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def evaluated(policy: policylang.Policy, facts: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = policy.evaluate(facts).to_dict()
    return result


# ----------------------------------------------------------------- every bundled policy


def case_facts(name: str) -> list[dict[str, Any]]:
    """The fact sets of the policy's JSON case files, and the empty fact set (everything unknown)."""
    folder = ROOT / "policies" / "cases" / name
    facts = [json.loads(p.read_text(encoding="utf-8"))["facts"] for p in sorted(folder.glob("*.json"))]
    return [{}, *facts]


@pytest.mark.parametrize("name", policylang.bundled_names())
def test_every_bundled_policy_evaluates_alike_from_its_cache_file(name: str, tmp_path: Path) -> None:
    path = loader.resolve(name).resolve()
    modules, files = loader.read_modules_and_files(path)
    fresh, _ = loader.compile_file(str(path), disk=False)
    assert store.write(path, modules, fresh.program, fresh.diagnostics, loader.FILES, tmp_path)
    (written,) = cache_files(tmp_path)
    first = written.read_bytes()
    assert store.write(path, modules, fresh.program, fresh.diagnostics, loader.FILES, tmp_path)
    assert written.read_bytes() == first, "the same policy must give the same file (a wheel is reproducible)"

    cached = store.read(path, loader.FILES, [tmp_path])
    assert cached is not None
    assert cached.program == fresh.program
    assert sorted(cached.files) == sorted(files)
    assert [d.format() for d in cached.diagnostics] == [d.format() for d in fresh.diagnostics]
    from_cache = policylang.Policy(cached.program, list(cached.diagnostics))
    for facts in case_facts(name):
        try:
            expected = evaluated(fresh, facts)
        except policylang.PolicyError as e:
            with pytest.raises(type(e)) as info:
                evaluated(from_cache, facts)
            assert info.value.message == e.message
            continue
        assert evaluated(from_cache, facts) == expected
        assert from_cache.evaluate(facts, trace=False).decisions == fresh.evaluate(facts, trace=False).decisions
    facts = case_facts(name)[-1]
    result, again = fresh.evaluate(facts), from_cache.evaluate(facts)
    assert policylang.render_text(again, policy=from_cache) == policylang.render_text(result, policy=fresh)


# ----------------------------------------------------------------- hits and misses


def test_a_policy_loaded_before_is_read_from_the_cache_not_parsed(
    cache: Path, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = policylang.load(examples / "benefit.pol")
    assert len(cache_files(cache)) == 1
    no_parsing(monkeypatch)
    second = reload(examples / "benefit.pol")
    assert second is not first
    assert second.program == first.program
    assert evaluated(second, BENEFIT_FACTS) == evaluated(first, BENEFIT_FACTS)


def test_editing_an_imported_file_compiles_the_policy_again(
    cache: Path, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policylang.load(examples / "benefit.pol")
    edit(examples / "common.pol", '"Evaluation date"', '"Date of assessment"')
    edited = reload(examples / "benefit.pol")
    labels = edited.facts["as_of"].labels
    assert labels is not None and labels.en == "Date of assessment"
    assert len(cache_files(cache)) == 1  # the same main file: its cache file is written anew
    no_parsing(monkeypatch)
    again = reload(examples / "benefit.pol")
    assert again.facts["as_of"].labels == labels


def test_editing_the_policy_itself_is_a_new_cache_file_and_undoing_the_edit_finds_the_old_one(
    cache: Path, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = examples / "benefit.pol"
    original = main.read_text(encoding="utf-8")
    policylang.load(main)
    main.write_text(original + "\n# an edit\n", encoding="utf-8")
    reload(main)
    assert len(cache_files(cache)) == 2
    main.write_text(original, encoding="utf-8")
    no_parsing(monkeypatch)
    reload(main)


def test_an_import_that_now_finds_another_file_compiles_the_policy_again(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``import "x.pol"`` looks beside the importing file first: a new file there is a change."""
    root, work = tmp_path / "root", tmp_path / "work"
    root.mkdir()
    work.mkdir()
    monkeypatch.setattr(loader, "policies_root", lambda: root)
    (root / "shared.pol").write_text('fact age: int "Alder" / "Age in the policies folder"\n', encoding="utf-8")
    (work / "main.pol").write_text(
        'policy test/shadow\nimport "shared.pol"\nsource S "Testloven"\n'
        'rule R-1 cites S "§ 1"\ndecision adult: bool = age >= 18 by R-1\n',
        encoding="utf-8",
    )
    labels = policylang.load(work / "main.pol").facts["age"].labels
    assert labels is not None and labels.en == "Age in the policies folder"
    (work / "shared.pol").write_text('fact age: int "Alder" / "Age beside the policy"\n', encoding="utf-8")
    labels = reload(work / "main.pol").facts["age"].labels
    assert labels is not None and labels.en == "Age beside the policy"


def test_another_version_of_the_compiler_does_not_read_the_file(
    cache: Path, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policylang.load(examples / "benefit.pol")
    main = (examples / "benefit.pol").resolve()
    assert store.read(main, loader.FILES, [cache]) is not None
    monkeypatch.setattr(store, "compiler_version", lambda: "another policylang")
    assert store.read(main, loader.FILES, [cache]) is None


def test_a_policy_the_format_cannot_hold_is_loaded_and_not_cached(cache: Path, examples: Path) -> None:
    main = (examples / "benefit.pol").resolve()
    modules, _ = loader.read_modules_and_files(main)
    policy, _ = loader.compile_file(str(main), disk=False)
    facts = dict(policy.program.facts)
    first = next(iter(facts))
    facts[first] = attrs.evolve(facts[first], provenance=lambda: "a function")  # no file can hold a function
    odd = attrs.evolve(policy.program, facts=facts)
    assert not store.write(main, modules, odd, [], loader.FILES, cache)
    assert cache_files(cache) == []


def test_a_cached_program_the_engine_cannot_run_is_compiled_from_the_text_instead(
    cache: Path, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = policylang.load(examples / "benefit.pol")
    broken = attrs.evolve(good.program, plan=(*good.program.plan, ir.PlanStep("decision", "no_such_decision")))
    monkeypatch.setattr(store, "read", lambda *args, **kwargs: store.CachedPolicy(broken, (), ()))
    assert evaluated(reload(examples / "benefit.pol"), BENEFIT_FACTS) == evaluated(good, BENEFIT_FACTS)


# ----------------------------------------------------------------- files that are not ours


def rewrite(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the data of a cache file and write it with a correct header, as a forger would."""
    _, _, payload = path.read_bytes().partition(b"\n")
    data = json.loads(payload)
    change(data)
    payload = json.dumps(data).encode()
    header = {
        "format": store.FORMAT,
        "key": path.stem,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size": len(payload),
    }
    path.write_bytes(json.dumps(header).encode() + b"\n" + payload)


def group(data: dict[str, Any], name: str) -> tuple[list[Any], int]:
    """The first group of objects of the class ``name`` in a cache file's data, and the number of its first object."""
    program = data["program"]
    classes = [c[0] for c in program["classes"]]
    first = len(program["named"])
    for found in program["groups"]:
        if classes[found[0]] == name:
            return found, first
        first += found[1]
    raise AssertionError(f"no {name} in the file")


def change_span(data: dict[str, Any], field: int, value: Any) -> None:
    """Make the first ``Span`` of the file's data have ``value`` in its field number ``field``."""
    spans, _ = group(data, "policylang.base.span.Span")
    spans[2 + field][0] = value


def span_source_cycle(data: dict[str, Any]) -> None:
    spans, first = group(data, "policylang.base.span.Span")
    spans[2][0] = first  # the first span's source is itself


def total(data: dict[str, Any]) -> int:
    return len(data["program"]["named"]) + sum(g[1] for g in data["program"]["groups"])


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "a byte flipped": lambda p: p.write_bytes(_flip(p.read_bytes())),
    "cut in half": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "the header only": lambda p: p.write_bytes(p.read_bytes().partition(b"\n")[0]),
    "empty": lambda p: p.write_bytes(b""),
    "not UTF-8": lambda p: p.write_bytes(b"\xff\xfe\x00garbage" * 100),
    "not JSON": lambda p: p.write_text("{ this is not json\n[1, 2", encoding="utf-8"),
    "deeply nested": lambda p: p.write_bytes(p.read_bytes().partition(b"\n")[0] + b"\n" + b"[" * 100_000),
    "a class to import": lambda p: rewrite(p, lambda d: d["program"]["classes"][0].__setitem__(0, "os.system")),
    "a constant that is none": lambda p: rewrite(p, lambda d: d["program"]["named"].insert(0, ["K", "builtins.eval"])),
    "other fields": lambda p: rewrite(p, lambda d: d["program"]["classes"][0][1].append("extra")),
    "a reference forward": lambda p: rewrite(p, lambda d: change_span(d, 0, total(d) + 5)),
    "a reference back from the end": lambda p: rewrite(p, lambda d: change_span(d, 0, -1)),
    "a reference that is a text": lambda p: rewrite(p, lambda d: change_span(d, 0, "policies/x.pol")),
    "a cycle": lambda p: rewrite(p, span_source_cycle),
    "a wrong value": lambda p: rewrite(p, lambda d: change_span(d, 1, ["Q", 1])),
    "a bare number with a fraction": lambda p: rewrite(p, lambda d: change_span(d, 1, 1.5)),
    "a mapping with a key only": lambda p: rewrite(
        p, lambda d: group(d, "policylang.ir.program.Program")[0][3].__setitem__(0, ["D", "x"])),
    "a group of a count it does not have": lambda p: rewrite(
        p, lambda d: group(d, "policylang.base.span.Span")[0].__setitem__(1, 10**6)),
    "another file's text": lambda p: rewrite(p, lambda d: d["files"][0].__setitem__(1, "0" * 64)),
    "an import gone": lambda p: rewrite(p, lambda d: d["imports"].clear()),
    "another format": lambda p: rewrite(p, lambda d: d.__setitem__("format", "policylang.compiled/0")),
}  # fmt: skip


def _flip(data: bytes) -> bytes:
    middle = len(data) * 2 // 3
    return data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1 :]


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_a_broken_or_forged_cache_file_is_ignored_and_written_anew(
    corruption: str, cache: Path, examples: Path
) -> None:
    expected = evaluated(policylang.load(examples / "benefit.pol"), BENEFIT_FACTS)
    (file,) = cache_files(cache)
    CORRUPTIONS[corruption](file)
    main = (examples / "benefit.pol").resolve()
    assert store.read(main, loader.FILES, [cache]) is None
    assert evaluated(reload(examples / "benefit.pol"), BENEFIT_FACTS) == expected
    assert store.read(main, loader.FILES, [cache]) is not None, "the broken file is replaced by a good one"


def test_a_file_rewritten_without_a_change_is_still_read(cache: Path, examples: Path) -> None:
    """The control for the forgeries above: what makes each of them ignored is its change."""
    policylang.load(examples / "benefit.pol")
    (file,) = cache_files(cache)
    rewrite(file, lambda data: None)
    assert store.read((examples / "benefit.pol").resolve(), loader.FILES, [cache]) is not None


def test_a_cache_file_of_another_policy_is_not_read_as_this_one(cache: Path, examples: Path) -> None:
    policylang.load(examples / "benefit.pol")
    policylang.load("residence/igu_and_danskbonus")
    main = (examples / "benefit.pol").resolve()
    mine = cache / f"{store.key(loader.display_path(main), main.read_text(encoding='utf-8'))}.json"
    (other,) = [f for f in cache_files(cache) if f != mine]
    shutil.copyfile(other, mine)
    assert store.read(main, loader.FILES, [cache]) is None
    assert reload(examples / "benefit.pol").name == "examples/benefit"


def test_a_cache_file_someone_else_could_have_written_is_not_read(cache: Path, examples: Path) -> None:
    policylang.load(examples / "benefit.pol")
    (file,) = cache_files(cache)
    main = (examples / "benefit.pol").resolve()
    file.chmod(0o664)  # the group may write it
    assert store.read(main, loader.FILES, [cache]) is None
    file.chmod(0o644)
    assert store.read(main, loader.FILES, [cache]) is not None
    if os.geteuid() == 0:
        os.chown(file, 65534, 65534)  # another user's
        assert store.read(main, loader.FILES, [cache]) is None


def test_a_fifo_or_a_folder_in_place_of_the_cache_file_neither_blocks_nor_fails(cache: Path, examples: Path) -> None:
    policylang.load(examples / "benefit.pol")
    (file,) = cache_files(cache)
    main = (examples / "benefit.pol").resolve()
    file.unlink()
    os.mkfifo(file)
    assert store.read(main, loader.FILES, [cache]) is None  # returns at once: nothing writes to the FIFO
    reload(examples / "benefit.pol")
    file.unlink(missing_ok=True)
    file.mkdir()
    assert reload(examples / "benefit.pol").name == "examples/benefit"


# ----------------------------------------------------------------- read-only and shared folders


def test_a_cache_folder_that_cannot_be_written_is_no_error(
    cache: Path, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", refuse)
        expected = policylang.load(examples / "benefit.pol").evaluate(BENEFIT_FACTS).decisions
        assert cache_files(cache) == []
        assert list(cache.iterdir()) == [], "the temporary file is removed"
    monkeypatch.setenv("POLICYLANG_CACHE_DIR", str(examples / "benefit.pol"))  # a file, not a folder
    assert reload(examples / "benefit.pol").evaluate(BENEFIT_FACTS).decisions == expected


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` cannot be written, even by root (who ignores its mode: it is made immutable)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("no way to make a folder read-only for root here (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_cache_folder_is_read_and_never_written(
    cache: Path, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = evaluated(policylang.load(examples / "benefit.pol"), BENEFIT_FACTS)
    before = cache_files(cache)
    with read_only(cache):
        assert evaluated(reload(examples / "benefit.pol"), BENEFIT_FACTS) == expected  # read from the cache
        edit(examples / "common.pol", '"Evaluation date"', '"Date of assessment"')
        labels = reload(examples / "benefit.pol").facts["as_of"].labels  # compiled; cannot be written
        assert labels is not None and labels.en == "Date of assessment"
        assert cache_files(cache) == before
        assert not [p for p in cache.iterdir() if p.suffix == ".tmp"]


def test_writers_at_once_leave_one_whole_file_that_readers_never_see_in_part(tmp_path: Path) -> None:
    target = tmp_path / "shared.json"
    payloads = [bytes([65 + i]) * (200_000 + i) for i in range(6)]
    seen: set[bytes] = set()
    stop = threading.Event()

    def write(payload: bytes) -> None:
        for _ in range(20):
            assert cachedir.write_atomic(target, payload)

    def read() -> None:
        while not stop.is_set():
            data = cachedir.read_trusted(target, 10_000_000)
            if data is not None:
                seen.add(data)

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    reader.join()
    assert target.read_bytes() in payloads
    assert seen <= set(payloads), "a reader saw a file in part"
    assert [p.name for p in tmp_path.iterdir()] == ["shared.json"], "temporary files were left"


LOAD_AND_PRINT = """
import hashlib, json, sys
if sys.argv[2] == "no-parser":
    sys.modules["lark"] = None  # any attempt to parse fails
import policylang
policy = policylang.load(sys.argv[1])
result = policy.evaluate(json.load(open(sys.argv[3])))
print(hashlib.sha256(json.dumps(result.to_dict(), sort_keys=True).encode()).hexdigest())
print("policylang.syntax.parser" in sys.modules, "policylang.check.declarations" in sys.modules)
"""


def test_processes_that_compile_the_same_policy_at_once_share_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    facts = ROOT / "policies" / "examples" / "help_and_repatriation.facts.json"
    env = {**os.environ, "POLICYLANG_CACHE_DIR": str(folder)}
    command = [sys.executable, "-c", LOAD_AND_PRINT, "residence/help_and_repatriation"]
    runs = [
        subprocess.Popen([*command, "parse", str(facts)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, [err.decode() for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1
    assert len(list((folder / "compiled").glob("*.json"))) == 1
    assert not list((folder / "compiled").glob("*.tmp"))
    hit = subprocess.run([*command, "no-parser", str(facts)], env=env, capture_output=True, text=True, timeout=120)
    assert hit.returncode == 0, hit.stderr
    digest, imported = hit.stdout.splitlines()
    assert digest.encode() == outputs[0][0].splitlines()[0]
    assert imported == "False False", "a policy read from the cache imports neither the parser nor the checker"


# ----------------------------------------------------------------- Lark's parser tables


def parse_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Build the parser again as a new process would, with the cache in ``tmp_path``; the folder of Lark's cache."""
    from policylang.syntax import parser

    monkeypatch.setenv("POLICYLANG_CACHE_DIR", str(tmp_path))
    parser._parser.cache_clear()
    parser.parse_module('fact a: bool "A" / "A"\n', "a.pol")
    parser._parser.cache_clear()  # the next parse builds it again, from the cache folder of its time
    return tmp_path / "lark"


def test_lark_keeps_its_parser_tables_in_a_folder_only_the_user_may_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = parse_afresh(tmp_path, monkeypatch)
    assert len(list(folder.iterdir())) == 1, "not in the shared temporary folder, where others could plant a pickle"
    assert folder.stat().st_mode & 0o077 == 0


def test_lark_uses_no_cache_in_a_folder_others_may_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "lark"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    parse_afresh(tmp_path, monkeypatch)
    assert list(folder.iterdir()) == []

"""Finding, caching and reloading policies."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import policylang
from policylang import PolicyNotFoundError

ROOT = Path(__file__).parent.parent


def test_editing_an_imported_file_is_seen_on_the_next_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / "examples", folder)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # not where the files are: paths must not depend on it
    first = policylang.load(folder / "benefit.pol")
    assert first.facts["as_of"].labels is not None and first.facts["as_of"].labels.en == "Evaluation date"
    assert policylang.load(folder / "benefit.pol") is first  # cached
    common = folder / "common.pol"
    common.write_text(
        common.read_text(encoding="utf-8").replace('"Evaluation date"', '"Date of assessment"'), encoding="utf-8"
    )
    stat = common.stat()
    os.utime(common, (stat.st_atime, stat.st_mtime + 5))
    second = policylang.load(folder / "benefit.pol")
    assert second is not first
    assert second.facts["as_of"].labels is not None and second.facts["as_of"].labels.en == "Date of assessment"


def test_a_misspelt_bundled_name_suggests_the_right_one() -> None:
    with pytest.raises(PolicyNotFoundError) as info:
        policylang.load("residence/help_and_repatriaton")
    assert "did you mean `residence/help_and_repatriation`?" in info.value.message


def test_bundled_policies_are_named_by_their_place_under_policies() -> None:
    policy = policylang.load("residence/igu_and_danskbonus")
    assert policy.program.files == ("policies/residence/common.pol", "policies/residence/igu_and_danskbonus.pol")


def test_a_missing_file_that_looks_like_a_bundled_name_suggests_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "examples").mkdir()  # a folder of that name here makes the name read as a path
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyNotFoundError) as info:
        policylang.load("examples/benfit")
    message = "no policy file at examples/benfit (did you mean the bundled policy `examples/benefit`?)"
    assert info.value.message == message
    with pytest.raises(PolicyNotFoundError) as info:
        policylang.load(tmp_path / "nothing.pol")
    assert "did you mean" not in info.value.message

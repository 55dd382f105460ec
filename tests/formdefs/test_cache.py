"""The parsed-definitions cache: same definitions as parsing, re-read when a file changes, and
never a reason for a start to fail."""

from __future__ import annotations

import pytest

from perfdesk.formdefs import FORMS_DIR, DefinitionError, Registry
from perfdesk.formdefs import loader


@pytest.fixture(autouse=True)
def fresh_cache():
    loader._CACHE.forget()
    yield
    loader._CACHE.forget()


def _parses(monkeypatch) -> list:
    calls = []
    original = loader._parse_and_check

    def counting(path, data):
        calls.append(path.name)
        return original(path, data)

    monkeypatch.setattr(loader, "_parse_and_check", counting)
    return calls


def test_second_start_reads_the_cache_and_builds_the_same_definitions(monkeypatch):
    calls = _parses(monkeypatch)
    first = {d.id: d for d in Registry.from_dirs([FORMS_DIR])}
    assert sorted(calls) == sorted(p.name for p in FORMS_DIR.glob("*.toml"))
    assert loader._ParsedCache.path().is_file()
    loader._CACHE.forget()  # a new process
    calls.clear()
    second = {d.id: d for d in Registry.from_dirs([FORMS_DIR])}
    assert calls == []  # nothing parsed
    assert second == first


def test_a_changed_file_is_parsed_again(tmp_path, monkeypatch):
    calls = _parses(monkeypatch)
    path = tmp_path / "mine.toml"
    path.write_text((FORMS_DIR / "sh-target-2020.toml").read_text(encoding="utf-8"), encoding="utf-8")
    Registry.from_dirs([tmp_path])
    loader._CACHE.forget()
    path.write_text(path.read_text(encoding="utf-8").replace('title = "财政项目支出绩效目标表"', 'title = "新标题"'),
                    encoding="utf-8")
    calls.clear()
    assert Registry.from_dirs([tmp_path]).get("sh-target-2020").title == "新标题"
    assert calls == ["mine.toml"]


def test_a_bad_file_is_never_cached_and_keeps_its_message(tmp_path):
    (tmp_path / "bad.toml").write_text('id = "x"\nkind = "declaration"\ntitel = "t"\n', encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DefinitionError) as info:
            Registry.from_dirs([tmp_path])
        assert "第 3 行" in str(info.value)
        loader._CACHE.forget()


@pytest.mark.parametrize("content", [b"", b"PDFC1garbage", b"\x00" * 50, b"PDFC1" + b"\xff" * 20])
def test_a_damaged_cache_file_only_means_parsing_again(content, monkeypatch):
    path = loader._ParsedCache.path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    calls = _parses(monkeypatch)
    assert "sh-selfeval-2020" in Registry.from_dirs([FORMS_DIR])
    assert calls  # parsed, not trusted
    assert path.read_bytes().startswith(loader._ParsedCache.MAGIC) and len(path.read_bytes()) > 100


def test_an_unwritable_cache_folder_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "userdata"
    blocker.mkdir(exist_ok=True)
    (blocker / "cache").write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setenv("PERFDESK_DATA_DIR", str(blocker))
    assert "sh-declaration-2026" in Registry.from_dirs([FORMS_DIR])


def test_a_cached_definition_cannot_be_changed_through_another_one(monkeypatch):
    Registry.from_dirs([FORMS_DIR])
    loader._CACHE.forget()
    one = loader._read_toml(FORMS_DIR / "sh-selfeval-2020.toml")
    one["layout"]["column_widths"].append(999)
    two = loader._read_toml(FORMS_DIR / "sh-selfeval-2020.toml")
    assert 999 not in two["layout"]["column_widths"]

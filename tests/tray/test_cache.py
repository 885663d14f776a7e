"""The tray's files on disk: the last feed, the fired reminders, the settings."""

from __future__ import annotations

import os
import stat

import pytest

from tests.tray.factories import at, feed, shift
from tray.cache import Cache, SavedSettings, config_dir, write_atomic


def test_the_last_feed_survives_a_restart(tmp_path):
    saved = feed(shift(at("2026-03-10 12:00")))
    Cache(tmp_path).save_feed(saved)
    assert Cache(tmp_path).load_feed() == saved


def test_fired_reminders_survive_a_restart(tmp_path):
    fired = {"data-platform|primary|start|2026-03-10T11:00:00Z|1h": at("2026-03-10 12:00")}
    Cache(tmp_path).save_fired(fired)
    assert Cache(tmp_path).load_fired() == fired


def test_settings_survive_a_restart_and_missing_ones_stay_unset(tmp_path):
    Cache(tmp_path).save_settings(SavedSettings(url="http://127.0.0.1:3978", leads=["1h", "end-15m"]))
    loaded = Cache(tmp_path).load_settings()
    assert (loaded.url, loaded.leads, loaded.client_id) == ("http://127.0.0.1:3978", ["1h", "end-15m"], None)


@pytest.mark.parametrize("name", ["feed.json", "fired.json", "settings.json"])
def test_a_damaged_file_is_treated_as_absent(tmp_path, name):
    (tmp_path / name).write_text('{"user": "truncated')
    cache = Cache(tmp_path)
    assert (cache.load_feed(), cache.load_fired(), cache.load_settings()) == (None, {}, SavedSettings())


def test_nothing_saved_yet_reads_as_empty(tmp_path):
    cache = Cache(tmp_path / "new")
    assert (cache.load_feed(), cache.load_fired(), cache.load_settings()) == (None, {}, SavedSettings())


def test_writes_replace_the_file_whole_and_leave_no_temporary_behind(tmp_path):
    target = tmp_path / "feed.json"
    write_atomic(target, "first")
    inode = target.stat().st_ino
    write_atomic(target, "second")
    assert target.read_text() == "second"
    assert target.stat().st_ino != inode
    assert [p.name for p in tmp_path.iterdir()] == ["feed.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "feed.json"
    write_atomic(target, "good")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        write_atomic(target, "half")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.json"]


def test_the_config_directory_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_dir() == tmp_path / "rota-tray"

"""What the tray keeps on disk in the user's config directory, so it works offline.

The last feed (reminders still fire on time while the service is unreachable, at the
reminder times it carries), the reminders already fired (each fires once, also across
restarts) and the person's settings. Every file is written atomically (a temporary file in the same directory,
flushed, then renamed over the old one), so a crash or a full disk never leaves half a
file; a file that cannot be read is treated as absent, never as a reason not to start.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from shared.feed import MyFeed

APP_NAME = "rota-tray"
log = logging.getLogger(__name__)

_FIRED = TypeAdapter(dict[str, datetime])


class SavedSettings(BaseModel):
    """The person's choices; None means "not chosen, use the default"."""

    model_config = ConfigDict(extra="ignore")

    url: str | None = None
    leads: list[str] | None = None
    client_id: str | None = None
    authority: str | None = None
    scopes: list[str] = Field(default_factory=list)


def config_dir() -> Path:
    """The per-user config directory (XDG_CONFIG_HOME on Linux, AppData on Windows,
    Application Support on macOS)."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` all at once, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


class Cache:
    """The tray's files in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def feed_path(self) -> Path:
        return self.directory / "feed.json"

    @property
    def fired_path(self) -> Path:
        return self.directory / "fired.json"

    @property
    def settings_path(self) -> Path:
        return self.directory / "settings.json"

    def load_feed(self) -> MyFeed | None:
        text = _read(self.feed_path)
        if text is None:
            return None
        try:
            return MyFeed.model_validate_json(text)
        except ValidationError as exc:
            log.warning("ignoring unreadable feed cache %s: %s", self.feed_path, exc.error_count())
            return None

    def save_feed(self, feed: MyFeed) -> None:
        write_atomic(self.feed_path, feed.model_dump_json(indent=1))

    def forget_feed(self) -> None:
        self.feed_path.unlink(missing_ok=True)

    def load_fired(self) -> dict[str, datetime]:
        text = _read(self.fired_path)
        if text is None:
            return {}
        try:
            return _FIRED.validate_json(text)
        except ValidationError:
            log.warning("ignoring unreadable list of fired reminders %s", self.fired_path)
            return {}

    def save_fired(self, fired: dict[str, datetime]) -> None:
        write_atomic(self.fired_path, _FIRED.dump_json(fired, indent=1).decode())

    def load_settings(self) -> SavedSettings:
        text = _read(self.settings_path)
        if text is None:
            return SavedSettings()
        try:
            return SavedSettings.model_validate(json.loads(text))
        except (ValueError, ValidationError):
            log.warning("ignoring unreadable settings %s", self.settings_path)
            return SavedSettings()

    def save_settings(self, settings: SavedSettings) -> None:
        write_atomic(self.settings_path, settings.model_dump_json(indent=1, exclude_defaults=True))

    def remember(self, **changes: Any) -> SavedSettings:
        """Save the settings that were given (None: leave as saved) and return them all."""
        saved = self.load_settings().model_copy(update={k: v for k, v in changes.items() if v is not None})
        self.save_settings(saved)
        return saved

    def forget(self, *names: str) -> SavedSettings:
        """Make the named settings "not chosen" again and return them all."""
        saved = self.load_settings().model_copy(update=dict.fromkeys(names))
        self.save_settings(saved)
        return saved

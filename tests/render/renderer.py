"""Adaptive Card → PNG with Microsoft's JS renderer in Debian's headless Chromium.

`CardRenderer` runs `render.mjs` (Node, playwright-core) as one long-lived child process,
so the browser starts once per test session; each `render` call is one JSON line each way.
The npm packages are installed from this folder's package-lock.json on first use
(`npm ci`), so a fresh clone needs nothing but the registry.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
Theme = Literal["light", "dark"]


class CardRenderError(AssertionError):
    """The renderer could not draw the card, complained about it, or drew nothing."""


@dataclass(frozen=True)
class Rendered:
    path: Path
    width: int
    height: int
    text: str
    problems: tuple[str, ...]


def ensure_node_modules(root: Path = HERE) -> None:
    """Install the renderer's npm packages when they are missing or older than the lock file."""
    marker = root / "node_modules" / ".package-lock.json"
    lock = root / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise CardRenderError("npm is needed to install the card renderer (Debian package npm)")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=root, capture_output=True, text=True,
                            timeout=300, check=False)  # fmt: skip
    if result.returncode != 0:
        raise CardRenderError(f"npm ci failed in {root}:\n{result.stderr[-2000:]}")


class CardRenderer:
    """One Chromium page rendering cards on request. Use as a context manager, or `close()`."""

    def __init__(self, root: Path = HERE, chromium: Path = CHROMIUM) -> None:
        node = shutil.which("node")
        if node is None or not chromium.exists():
            raise CardRenderError(f"the card renderer needs node and {chromium} (Debian packages nodejs, chromium)")
        ensure_node_modules(root)
        self._log = tempfile.TemporaryFile(mode="w+")
        self._process = subprocess.Popen(
            [node, str(root / "render.mjs")],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env={**os.environ, "ROTA_CHROMIUM": str(chromium)},
        )
        self.browser = self._read().get("browser", "")

    def render(self, card: dict, path: Path | str, width: int = 500, theme: Theme = "light") -> Rendered:
        """Draw `card` into the PNG at `path`; raises CardRenderError if the renderer reports
        a problem with the card or it comes out empty."""
        target = Path(path).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        request = {"card": card, "path": str(target), "width": width, "theme": theme}
        self._write(request)
        answer = self._read()
        if not answer.get("ok"):
            raise CardRenderError(f"the renderer failed: {answer.get('error')}")
        problems = tuple(f"{p['phase']} {p['event']}: {p['message']}" for p in answer["problems"])
        rendered = Rendered(target, answer["width"], answer["height"], answer["text"], problems)
        if problems:
            raise CardRenderError(f"the renderer reported problems with the card: {list(problems)}")
        if rendered.height <= 0 or not rendered.text.strip():
            raise CardRenderError("the card rendered empty")
        return rendered

    def close(self) -> None:
        if self._process.stdin and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()

    def __enter__(self) -> CardRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, message: dict) -> None:
        stdin: IO[str] | None = self._process.stdin
        if stdin is None or self._process.poll() is not None:
            raise CardRenderError(f"the renderer is not running:\n{self._log_tail()}")
        stdin.write(json.dumps(message) + "\n")
        stdin.flush()

    def _read(self) -> dict:
        line = self._process.stdout.readline() if self._process.stdout else ""
        if not line:
            raise CardRenderError(f"the renderer stopped:\n{self._log_tail()}")
        return json.loads(line)

    def _log_tail(self) -> str:
        self._log.seek(0)
        return self._log.read()[-3000:]

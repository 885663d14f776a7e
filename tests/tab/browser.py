"""The Schedule tab in Debian's headless Chromium, driven by `drive.mjs` (playwright-core).

`TabBrowser` runs the driver as one long-lived child process, so Chromium starts once per
test module; each call is one JSON line each way. The npm packages are installed from this
folder's package-lock.json on first use, as for the card renderer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Any

from tests.render.renderer import CHROMIUM, ensure_node_modules

HERE = Path(__file__).resolve().parent


class TabBrowserError(AssertionError):
    """The driver failed a command, or stopped."""


class TabBrowser:
    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None or not CHROMIUM.exists():
            raise TabBrowserError(f"the tab tests need node and {CHROMIUM} (Debian packages nodejs, chromium)")
        ensure_node_modules(HERE)
        self._log = tempfile.TemporaryFile(mode="w+")
        self._process = subprocess.Popen(
            [node, str(HERE / "drive.mjs")], cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._log, text=True, env={**os.environ, "ROTA_CHROMIUM": str(CHROMIUM)},
        )  # fmt: skip
        self.version = self._read()

    def __call__(self, cmd: str, **arguments: Any) -> Any:
        """Run one driver command (see drive.mjs) and return its value."""
        stdin: IO[str] | None = self._process.stdin
        if stdin is None or self._process.poll() is not None:
            raise TabBrowserError(f"the driver is not running:\n{self._log_tail()}")
        stdin.write(json.dumps({"cmd": cmd, **arguments}) + "\n")
        stdin.flush()
        return self._read()

    def _read(self) -> Any:
        line = self._process.stdout.readline() if self._process.stdout else ""
        if not line:
            raise TabBrowserError(f"the driver stopped:\n{self._log_tail()}")
        answer = json.loads(line)
        if not answer["ok"]:
            raise TabBrowserError(answer["error"])
        return answer.get("value")

    def _log_tail(self) -> str:
        self._log.seek(0)
        return self._log.read()[-3000:]

    def close(self) -> None:
        if self._process.stdin and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()

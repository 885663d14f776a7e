"""Where the official schemas and payloads are: the `shared/` folder beside the checkout
(`../shared/reference`), or ROTA_REFERENCE_DIR when it lives elsewhere."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REFERENCE = Path(
    os.environ.get("ROTA_REFERENCE_DIR") or Path(__file__).resolve().parents[2] / "shared" / "reference"
)
PAYLOADS = REFERENCE / "payloads"


def load_reference(name: str) -> Any:
    """A reference JSON file by its path under reference/ (e.g. "payloads/x.json")."""
    return json.loads((REFERENCE / name).read_text(encoding="utf-8-sig"))

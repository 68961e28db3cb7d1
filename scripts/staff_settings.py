"""Tunable values of the staff tools, read from `scripts/staff.yml`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import yaml

SETTINGS_FILE = Path(__file__).with_name("staff.yml")


def staff_settings() -> Dict[str, Any]:
    return yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))

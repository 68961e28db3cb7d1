"""Tunable values of the actions, read from `actions/settings.yml`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

SETTINGS_FILE = Path(__file__).with_name("settings.yml")


@dataclass(frozen=True)
class Settings:
    default_language: str
    short_message_words: int
    fr_en_ratio: float
    training_words_min_log_ratio: float
    other_language_min_confidence: float
    other_language_max_fr_en: float
    other_language_min_words: int
    other_language_max_known_words: float
    other_language_broad_max_fr_en: float
    suggestions: int
    clarify_candidates: int
    unknown_min_confidence: float
    thing_words: int
    own_words: list
    separate_organisations: list
    function_words: dict


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    data = yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8"))
    data["default_language"] = os.environ.get("MILA_DEFAULT_LANGUAGE", data["default_language"])
    settings = Settings(**data)
    if settings.default_language not in ("fr", "en"):
        raise ValueError(
            f"{SETTINGS_FILE}: default_language must be 'fr' or 'en', "
            f"not {settings.default_language!r}"
        )
    return settings

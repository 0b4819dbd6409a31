"""UI text in English and Simplified Chinese, and the choice of language for a request.

The catalogues are JSON so that the page's scripts receive the very same messages.
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "stepwise_lang"
LOCALES_DIR = Path(__file__).parent / "locales"


@lru_cache
def messages(language: str) -> dict[str, str]:
    """The catalogue of `language`: message key → text with `{name}` placeholders."""
    catalogue: dict[str, str] = json.loads((LOCALES_DIR / f"{language}.json").read_text("utf-8"))
    return catalogue


def translate(language: str, key: str, **params: Any) -> str:
    return messages(language)[key].format(**params)


def _from_accept_language(header: str) -> str | None:
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return None


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=` first, then the remembered choice, then the browser's preference, then English."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
    return _from_accept_language(accept_language or "") or DEFAULT_LANGUAGE

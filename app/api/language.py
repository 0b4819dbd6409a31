"""The language a page is asked for in, as one dependency of every page route."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Cookie, Depends, Header

from app.i18n import choose_language


@dataclass(frozen=True)
class Language:
    """`?lang=`, the remembered choice (cookie) and the browser's Accept-Language."""

    query: str | None
    cookie: str | None
    accept_language: str | None

    @property
    def chosen(self) -> str:
        """The language the page is shown in, as `app.i18n.choose_language` weighs them."""
        return choose_language(self.query, self.cookie, self.accept_language)


# Async, as app.api.deps explains: a plain `def` dependency would cost a thread hop.
async def _language(
    lang: str | None = None,
    stepwise_lang: Annotated[str | None, Cookie()] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Language:
    return Language(lang, stepwise_lang, accept_language)


LanguageDep = Annotated[Language, Depends(_language)]

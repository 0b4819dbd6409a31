"""The language a page is asked for in, as one dependency of every page route."""

from typing import Annotated

from fastapi import Cookie, Depends, Header

# `?lang=`, the remembered choice (cookie) and the browser's Accept-Language, in the order
# `app.i18n.choose_language` weighs them.
Language = tuple[str | None, str | None, str | None]


# Async, as app.api.deps explains: a plain `def` dependency would cost a thread hop.
async def _language(
    lang: str | None = None,
    stepwise_lang: Annotated[str | None, Cookie()] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Language:
    return lang, stepwise_lang, accept_language


LanguageDep = Annotated[Language, Depends(_language)]

"""Pages in the requester's language: gettext catalogs (Babel's .po files) read at start.

The catalogs live in app/ui/locales/<language>/LC_MESSAGES/messages.po and are compiled
in memory when first needed, so there is no build step and no compiled file to commit.
Update them with Babel (README "Translating the portal").
"""

from __future__ import annotations

import gettext
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT = "en"

current: ContextVar[str] = ContextVar("language", default=DEFAULT)


@cache
def translations(language: str) -> gettext.NullTranslations:
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def known(language: str | None) -> str:
    """`language` if we have it, else the default: a cookie or form value is never trusted."""
    return language if language in LANGUAGES else DEFAULT


def _(message: str) -> str:
    return translations(current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current.get()).ngettext(singular, plural, n)

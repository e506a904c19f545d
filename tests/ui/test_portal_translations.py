"""Every text of the portal's pages has its Spanish translation: the msgids are extracted
from the templates with Babel (as `pybabel extract -F babel.cfg` does) and looked up in
app/ui/locales/es/LC_MESSAGES/messages.po."""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.ui.i18n import LOCALES
from tests.conftest import REPO

PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def portal_msgids() -> set[str]:
    """The msgids `pybabel extract -F babel.cfg` finds (the portal's templates, their layout)."""
    with (REPO / "babel.cfg").open() as config:
        method_map, options = parse_mapping_cfg(config)
    assert [pattern for pattern, _ in method_map][0] == "app/ui/templates/portal/**.html"
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(REPO), method_map, options):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_extraction_finds_the_portals_texts() -> None:
    found = portal_msgids()
    assert {"Make a request", "Leave this field empty", "No such link.", "Skip to content"} <= found
    assert len(found) > 50


def test_every_portal_text_has_a_spanish_translation() -> None:
    with (LOCALES / "es" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale="es")
    untranslated = sorted(msgid for msgid in portal_msgids()
                          if catalog.get(msgid) is None or not catalog.get(msgid).string
                          or catalog.get(msgid).fuzzy)
    assert not untranslated, "Translate these in messages.po (README 'Translating the portal'):\n" + \
        "\n".join(untranslated)


def test_translations_keep_their_placeholders() -> None:
    with (LOCALES / "es" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale="es")
    for message in catalog:
        if message.id:
            assert sorted(PLACEHOLDER.findall(str(message.id))) == sorted(
                PLACEHOLDER.findall(str(message.string))), message.id

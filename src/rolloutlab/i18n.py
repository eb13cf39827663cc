"""The student's language. Every message a user reads is written in English in the code, inside `_()`, and
translated from the gettext catalogue `locale/<lang>/LC_MESSAGES/rolloutlab.po` (read with Babel).

The language: `LAB_LANG` (en or fr) when set; in a lab, the language of the lab's folder (labs/fr speaks
French); else the locale (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`, as gettext reads them); else English.
It is read at each message, so a kernel or a test that changes `LAB_LANG` is obeyed at once.

`./scripts/messages` extracts the messages into the catalogue; tests/test_i18n.py fails on any message without
its French, or whose French lost one of its `{placeholders}`.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import functools
import gettext
import io
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from rolloutlab import environment
from rolloutlab.environment import LAB_LANG, LANG, LANGUAGE, LC_ALL, LC_MESSAGES
from rolloutlab.errors import LabError

LANGUAGES = ("en", "fr")
DEFAULT = "en"
DOMAIN = "rolloutlab"

_lab_language: str | None = None  # the lab folder's language, set by open_lab; LAB_LANG still wins
_forced: contextvars.ContextVar[str | None] = contextvars.ContextVar("rolloutlab_language", default=None)


def language() -> str:
    """`en` or `fr`, chosen as the module says. An unknown LAB_LANG counts as unset here; `require_known_lab_lang`
    says so to the user."""
    if _forced.get():
        return str(_forced.get())
    chosen = environment.get(LAB_LANG).strip().lower()
    if chosen in LANGUAGES:
        return chosen
    if _lab_language:
        return _lab_language
    return locale_language()


def locale_language() -> str:
    for variable in (LANGUAGE, LC_ALL, LC_MESSAGES, LANG):
        value = environment.get(variable)
        if value:
            # LANGUAGE may list several ("fr_FR:en"); the first one that names a language decides.
            first = value.split(":")[0].split("_")[0].split(".")[0].lower()
            return first if first in LANGUAGES else DEFAULT
    return DEFAULT


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Messages in `lang` inside the block, whoever the reader: for the French pages of the site."""
    token = _forced.set(lang)
    try:
        yield
    finally:
        _forced.reset(token)


def use_lab_language(lang: str | None) -> None:
    """The language of the lab being run (from its folder), used when LAB_LANG is not set."""
    global _lab_language
    _lab_language = lang if lang in LANGUAGES else None


def require_known_lab_lang() -> None:
    """A LAB_LANG the labs do not speak is the user's typo, said once (CLI and labs alike), not silently ignored."""
    value = environment.get(LAB_LANG).strip()
    if value and value.lower() not in LANGUAGES:
        raise LabError(
            _("LAB_LANG={value} is not a language of the labs", value=value),
            fix=_("set LAB_LANG=fr or LAB_LANG=en, or unset it to let the lab's folder or your locale choose"),
        )


def folder_language(folder: Path) -> str | None:
    """`fr` for labs/fr, `en` for labs/en (a lab's kernel runs in its notebook's folder), else None."""
    return folder.name if folder.name in LANGUAGES and folder.parent.name == "labs" else None


def in_every_language(message: str) -> list[str]:
    """`message` as each language says it: for reading back what a lab printed, whatever its language."""
    return [_translations(lang).gettext(message) for lang in LANGUAGES]


def catalogue_file(lang: str) -> resources.abc.Traversable:
    return resources.files("rolloutlab") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT:
        return gettext.NullTranslations()  # the code's own English
    # Read from the .po itself (no compiled .mo to forget to rebuild): a few hundred messages, read once.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalogue_file(lang).open("rb") as source:
        catalog = read_po(source, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


# The catalogue entry each recent message was made from, by the text shown: what the student read is in their
# language, what it was is the same in every language (the kinds of failure the class view counts). Bounded: a
# message is asked about right after it was made.
_MADE_FROM: collections.OrderedDict[str, str] = collections.OrderedDict()


def _said(text: str, msgid: str) -> str:
    _MADE_FROM[text] = msgid
    _MADE_FROM.move_to_end(text)
    while len(_MADE_FROM) > 512:
        _MADE_FROM.popitem(last=False)
    return text


def _shown(values: dict[str, object]) -> dict[str, object]:
    # A list is said as people write one ("1, 3, 4"), not as Python prints it ("[1, 3, 4]").
    return {k: ", ".join(str(x) for x in v) if isinstance(v, list | tuple) else v for k, v in values.items()}


def _(message: str, /, **values: object) -> str:
    """`message` in the user's language, its `{name}` placeholders filled with `values` (a list as "1, 3, 4")."""
    text = _translations(language()).gettext(message)
    return _said(text.format(**_shown(values)) if values else text, message)


def ngettext(singular: str, plural: str, count: int, /, **values: object) -> str:
    """The form of the message for `count` in the user's language (French says "1 pod", "0 pod", "2 pods"; English
    "0 pods"), its placeholders filled with `values` and `{count}`."""
    text = _translations(language()).ngettext(singular, plural, count)
    return _said(text.format(count=count, **_shown(values)), singular)


def msgid_of(message: str) -> str | None:
    """The catalogue entry a message was made from, asked soon after; None for text composed otherwise."""
    return _MADE_FROM.get(message)


def N_(message: str, /) -> str:
    """Marks a message kept in a table for translation where it is shown, with `_()`."""
    return message

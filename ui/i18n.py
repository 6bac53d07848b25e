"""The interface in the language of the course: gettext catalogues, read with Babel.

Every visible string goes through `_()` (or `ngettext` for plurals), with `str.format`
placeholders filled *after* translation, so a translator sees whole sentences:

    _("Step {step} of {total}").format(step=3, total=10)

Strings defined before any session exists (module constants, labels the library returns)
are marked with `N_()` where they are written and translated with `_()` where they are shown.
The catalogues live in ui/locale/<language>/LC_MESSAGES/messages.po, plain PO files that any
PO editor opens; `make messages` re-extracts the strings and merges them into every catalogue.
A .po file is compiled in memory once per process (Babel's `write_mo`), so no build step or
binary file is needed.

Each session has its own language (`st.session_state["lang"]`, bound to `?lang=` in the URL),
so `_` looks it up on every call: two students of one server can read different languages.
"""

import gettext
import io
from collections.abc import Callable, Hashable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import streamlit as st
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from playground import wording

LANGUAGES = {"en": "English", "es": "Español"}  # code: the language's own name, as the picker shows it
SOURCE_LANGUAGE = "en"  # the msgids are English
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


@lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of `language` (English: the msgids themselves), once per process."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    with open(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def browser_language() -> str:
    """The browser's language if we speak it (st.context.locale, e.g. 'es-AR' → 'es'), else English."""
    code = (st.context.locale or "").split("-")[0].lower()
    return code if code in LANGUAGES else SOURCE_LANGUAGE


def language() -> str:
    """This session's language: the sidebar's choice (or ?lang=), else the browser's."""
    chosen = st.session_state.get("lang")
    return chosen if chosen in LANGUAGES else browser_language()


def _(message: str) -> str:
    """`message` in this session's language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, by the rules of this session's language."""
    return translations(language()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a string for translation where it is defined; `_()` translates it where it is shown."""
    return message


def option_labels(options: Iterable[Hashable], label: Callable[[Any], str] = _) -> Callable[[Any], str]:
    """A widget's format_func: each option's label (its translation by default) in this session's language.

    The options themselves stay English: session state, URLs and the code that compares them keep working.
    The labels are looked up now, not at every call, because Streamlit's AppTest calls a format_func
    again outside the script run, where the session (and so its language) is unknown.
    """
    return {option: label(option) for option in options}.__getitem__


wording.use(_)  # the library's legends and messages follow each session's language too


def number(value: float, digits: int = 3) -> str:
    """A number for prose in this session's language: 1,234.5 in English, 1.234,5 in Spanish."""
    return format_decimal(value, format=f"#,##0.{'#' * digits}" if digits else "#,##0", locale=language())


def percent(fraction: float, digits: int = 1) -> str:
    """A fraction as a percentage for prose and metrics: 0.453 → 45.3% in English, 45,3% in Spanish."""
    return f"{number(100 * fraction, digits)}%"


def latex_text(sentence: str, **formulas: str) -> str:
    r"""A translated sentence inside a formula: its words in \text{…}, each {placeholder} filled with LaTeX.

    latex_text(_("mode {m} covered"), m="m") gives \text{mode } m \text{ covered}, so a translator
    sees the whole sentence and may move the formula within it.
    """
    return r"\text{" + sentence.format(**{name: rf"}} {formula} \text{{" for name, formula in formulas.items()}) + "}"

"""Spanish and English: a complete catalogue, and pages that show no English-only string in Spanish."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, PAGE_TIMEOUT_SECONDS
from ui import i18n
from ui.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
METHODS = [("app.py", "python"), ("pages/**.py", "python"), ("ui/**.py", "python"), ("playground/**.py", "python")]
PLACEHOLDER = re.compile(r"{[^{}]*}")


def source_messages() -> set[str]:
    """Every string the code passes to _(), N_() or ngettext() (plurals by their singular)."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(ROOT, METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def spanish() -> dict[str, object]:
    """The catalogue's translations; a fuzzy one (a guess of `pybabel update`) counts as none: gettext skips it."""
    with open(LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po", "rb") as po:
        return {m.id[0] if isinstance(m.id, tuple) else m.id: "" if m.fuzzy else m.string for m in read_po(po) if m.id}


def forms(translation: object) -> tuple[str, ...]:
    """A translation's forms: one string, or one per plural form."""
    return translation if isinstance(translation, tuple) else (translation,)


def test_every_string_of_the_code_has_a_spanish_translation():
    translated = {english for english, spanish_text in spanish().items() if all(forms(spanish_text))}
    missing = sorted(source_messages() - translated)
    assert not missing, f"{len(missing)} strings lack a Spanish translation (run `make messages`, then translate):\n" + \
        "\n".join(missing[:20])


def test_translations_keep_every_placeholder():
    for english, translated in spanish().items():
        for form in filter(None, forms(translated)):  # an empty form is untranslated: the test above says so
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(english)), (english, form)


def english_only() -> list[re.Pattern]:
    """Patterns matching a shown text that is still English: msgids whose Spanish differs, placeholders as .+"""
    patterns = []
    for english, translated in spanish().items():
        if translated and translated != english and len(english) > 3:
            parts = PLACEHOLDER.split(english)
            patterns.append(re.compile("^" + ".+".join(re.escape(part) for part in parts) + "$", re.S))
    return patterns


def shown_texts(app: AppTest) -> list[str]:
    """What a student reads: text elements, labels and help of widgets, metric labels, chart titles."""
    texts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        texts += [element.value for element in app.get(kind)]
    for element in [*app.main, *app.sidebar]:
        for attribute in ("label", "help", "placeholder"):
            value = getattr(getattr(element, "proto", None), attribute, None)
            if isinstance(value, str) and value:
                texts.append(value)
    for chart in app.get("plotly_chart"):
        title = json.loads(chart.proto.spec).get("layout", {}).get("title")
        if isinstance(title, dict) and title.get("text"):
            texts.append(title["text"])
    return texts


def open_in_spanish(page: str | None, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app (and `page`) as a student whose browser asks for Spanish sees it.

    The browser's language, not the sidebar's picker: AppTest formats every widget's value with the
    widget's format_func (`_` for translated options) in the test's own thread, outside any session,
    where `_` speaks the browser's language; Spanish there too, so it finds the Spanish options.
    """
    monkeypatch.setattr(i18n, "browser_language", lambda: "es")
    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS).run()
    assert app.selectbox(key="lang").value == "es"  # the picker follows the browser; ?lang=es is the browser tests'
    if page is not None:
        app.switch_page(f"pages/{page}.py")
        app.run()
        app.selectbox(key="lang").set_value("es").run()  # AppTest's page switch drops the URL-bound choice
    return app


def every_section(app: AppTest) -> Iterator[str]:
    """Show each section of the page in turn, by its section picker (the segmented control keyed `*_section`).

    The buttons show the sections' translated names, which AppTest (formatting values with `_`) maps back.
    """
    pickers = [picker for picker in app.segmented_control if picker.key.endswith("_section")]
    if not pickers:
        yield "the page"
        return
    for label in pickers[0].options:
        app.segmented_control(key=pickers[0].key).set_value(label).run()
        yield label


@pytest.mark.parametrize("page", [None, "autoencoder", "vae", "gan", "diffusion", "rnn", "embeddings", "seq2seq"])
def test_a_page_in_spanish_shows_no_english_only_string(page, monkeypatch):
    app = open_in_spanish(page, monkeypatch)
    assert app.number_input(key="seed").label == "Semilla aleatoria"  # the sidebar of every page
    patterns = english_only()
    for section in every_section(app):
        assert not app.exception, (section, app.exception)
        english = [text for text in shown_texts(app) if any(p.match(text) for p in patterns)]
        assert not english, f"shown in English on a Spanish page ({section}): {english[:10]}"


def test_the_library_speaks_through_the_translator_the_interface_installs():
    from playground import wording

    assert wording._("train loss") == "train loss"  # no session: the translator falls back to English
    wording.use(str.upper)
    try:
        assert wording._("train loss") == "TRAIN LOSS"
    finally:
        wording.use(i18n._)

"""Words the library shows a reader (legend names, metric names, messages), in the reader's language.

The library never imports Streamlit, yet the names it puts on a chart ("test loss") and the
messages it raises for a student reach the screen. They are written in English inside `_()`,
which the extraction of translatable strings finds (ui/locale/babel.cfg). Outside an app, `_` is
the identity; the interface installs its own, session-aware translator once (`use`), so a
Spanish session sees Spanish legends while an English one, on the same server, sees English.
"""

from collections.abc import Callable

_translator: Callable[[str], str] = str


def use(translator: Callable[[str], str]) -> None:
    """Translate the library's words with `translator` from now on (called once by the interface)."""
    global _translator
    _translator = translator


def _(message: str) -> str:
    """`message` in the reader's language (English unless an interface installed a translator)."""
    return _translator(message)


def N_(message: str) -> str:
    """Marks `message` for translation where it is defined; `_()` translates it where it is shown."""
    return message

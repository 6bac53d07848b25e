"""Links that hand a class exactly the state to explore, and a teacher's say over what students touch.

Every control that shapes an experiment is bound to the address (`widgets.kept(key)`: the key is
the query parameter's name), so a reload or a pasted link restores it. Streamlit drops a bound
value it cannot use (an option the control lacks, a number out of range); this module also drops
what Streamlit would keep, a parameter that names no control or one longer than
MAX_PARAMETER_CHARS, and says once, in a toast, what it ignored.

A teacher's link may also say `hide=key1,key2` (those controls are not shown; `key.n` hides the
n-th section of the section picker `key`) and `lock=key3` (shown, but disabled). `teacher=1` opens
a panel that picks them with checkboxes and writes the link. A hidden control stays on the page
under `display: none`, so its bound value keeps working.

app.py calls `begin()` once st.navigation has chosen the page (so a restarted run stays on it) and
before the page's controls are drawn, and `finish()` after the page; in between, every control the
page keeps is registered here, which is how the notice and the teacher panel know the page's controls.
"""

import io
import re
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from urllib.parse import urlencode

import segno
import streamlit as st

from ui.i18n import LANGUAGES, _, language

RESERVED = ("lang", "hide", "lock", "teacher", "lesson", "present")  # parameters that are not a page's controls
MAX_PARAMETER_CHARS = 200  # a longer name or value is ignored: no control of ours needs more
MAX_PARAMETERS = 100  # parameters read from one link
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[0-9]{1,2})?")  # a control's key, or a section picker's key.n
NOTICE_NAMES = 5  # names quoted in a notice; the rest are counted
COLUMNS = (4, 1, 1)  # the teacher panel's rows: control, hide, lock
QR_SCALE = 6  # pixels per module of the QR code: readable from the back of a room when projected

# what this run of the script registered: sessions run side by side, each in its own thread
_controls: ContextVar[list[str] | None] = ContextVar("kept_controls", default=None)
_sections: ContextVar[dict[str, tuple[str, ...]] | None] = ContextVar("section_pickers", default=None)
_given: ContextVar[dict[str, list[str]] | None] = ContextVar("link_given", default=None)


# ---- reading a link ------------------------------------------------------------------------------

def begin() -> None:
    """First call of every run: forget the last run's controls; on a session's first run, read the link.

    A parameter that is too long (or past the MAX_PARAMETERS-th) is removed before any page control
    can read it, and the run starts again (on the same page: st.navigation has chosen it).
    """
    _controls.set([])
    _sections.set({})
    _given.set(None)
    if "links_read" in st.session_state:
        _keep_in_address()
        return
    overlong = [name for index, name in enumerate(st.query_params) if index >= MAX_PARAMETERS or len(name) >
                MAX_PARAMETER_CHARS or any(len(value) > MAX_PARAMETER_CHARS for value in st.query_params.get_all(name))]
    if overlong:
        for name in overlong:
            del st.query_params[name]
        st.session_state["links_overlong"] = overlong
        st.rerun()
    st.session_state["links_read"] = True
    st.session_state["links_teacher"] = st.query_params.get("teacher") in ("1", "true")
    st.session_state["links_hide"] = _names(st.query_params.get("hide", ""))
    st.session_state["links_lock"] = _names(st.query_params.get("lock", ""))
    _given.set({name: st.query_params.get_all(name) for name in st.query_params})
    overlong = st.session_state.pop("links_overlong", [])
    if overlong:
        notice(_("The link's {names} is longer than {limit} characters: ignored.").format(
            names=_quoted(overlong), limit=MAX_PARAMETER_CHARS))
    _keep_in_address()


def language_code() -> None:
    """A link's `?lang=es`: the language picker reads its options' names (`?lang=Español`), so a session's
    first run takes a language code here, before the picker is drawn."""
    code = st.query_params.get("lang")
    if "lang" not in st.session_state and code in LANGUAGES:
        st.session_state["lang"] = code


def _names(text: str) -> tuple[str, ...]:
    """'a,b.2' → ('a', 'b.2'): the well-formed names of a hide or lock list, in order, once each."""
    return tuple(dict.fromkeys(name for name in (part.strip() for part in text.split(",")) if NAME.fullmatch(name)))


def _keep_in_address() -> None:
    """Keep hide and lock in the address (a page change drops unbound parameters), so a reload keeps them."""
    for name in ("hide", "lock"):
        chosen = ",".join(st.session_state[f"links_{name}"])
        if chosen and st.query_params.get(name) != chosen:
            st.query_params[name] = chosen


# ---- what the page registers ---------------------------------------------------------------------

def register(key: str) -> None:
    """A control the page keeps in the address (called by `widgets.kept`)."""
    controls = _controls.get()
    if controls is not None and key not in controls:
        controls.append(key)


def register_sections(key: str, sections: Sequence[str]) -> None:
    """A section picker and its sections, so that a teacher can hide one of them."""
    pickers = _sections.get()
    if pickers is not None:
        pickers[key] = tuple(sections)


def teaching() -> bool:
    """Whether this session is a teacher's (?teacher=1): nothing is hidden or locked, the panel is shown."""
    return bool(st.session_state.get("links_teacher"))


def _hides() -> tuple[str, ...]:
    """What the session's link hides (`?hide=`), in force unless the session is a teacher's."""
    return st.session_state.get("links_hide", ())


def _locks() -> tuple[str, ...]:
    return st.session_state.get("links_lock", ())


def hidden() -> tuple[str, ...]:
    return () if teaching() else _hides()


def locked(key: str) -> bool:
    return not teaching() and key in _locks()


def visible_sections(key: str, sections: Sequence[str]) -> tuple[str, ...]:
    """The sections a student may open: all but those the link hides (at least the first stays)."""
    shown = tuple(section for number, section in enumerate(sections, 1) if f"{key}.{number}" not in hidden())
    return shown or tuple(sections[:1])


def style() -> None:
    """Hide the controls the link hides: `display: none` on their `.st-key-…` elements (their values still count)."""
    keys = [name for name in hidden() if "." not in name]
    if keys:
        st.html(f"<style>{', '.join(f'.st-key-{key}' for key in keys)} {{ display: none !important; }}</style>")


# ---- after the page ------------------------------------------------------------------------------

def finish() -> None:
    """After the page has run: on the session's first run, say which parameters of the link were ignored."""
    given = _given.get()
    if given is None:
        return
    controls = _controls.get() or []
    prefixes = {key.split("_")[0] + "_" for key in controls if "_" in key}  # the page's keys: ae_, gan_, …
    unknown = [name for name in given if name not in RESERVED and name not in controls
               and not name.startswith(tuple(prefixes))]  # a prefixed name may be a control of another section
    for name in unknown:
        del st.query_params[name]
    if unknown:
        notice(_("The link's {names} names no control on this page: ignored.").format(names=_quoted(unknown)))
    refused = [name for name in given if name in controls and st.query_params.get_all(name) != given[name]
               and not _means(given[name][-1], st.session_state.get(name))]
    if refused:
        notice(_("The link's value for {names} is not one this page offers (an unknown option or a number out of "
                 "range): ignored.").format(names=_quoted(refused)))
    bad_lists = [name for name in ("hide", "lock") if name in given
                 and len(_names(given[name][-1])) != len([p for p in given[name][-1].split(",") if p.strip()])]
    if bad_lists:
        notice(_("Some names in the link's {names} are not control names: ignored.").format(names=_quoted(bad_lists)))


def _means(text: str, value: object) -> bool:
    """Whether a parameter Streamlit removed only spelled the control's value (its default) another way."""
    if str(value) == text or str(value).lower() == text.lower():
        return True
    try:
        return float(text) == float(value)
    except (TypeError, ValueError):
        return False


def _quoted(names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(f"“{name[:40]}”" for name in names[:NOTICE_NAMES])
    return shown + (f" (+{len(names) - NOTICE_NAMES})" if len(names) > NOTICE_NAMES else "")


def notice(message: str) -> None:
    """A short notice about the link, in a toast that stays until the student closes it."""
    st.toast(message, icon="🔗", duration="infinite")


# ---- sharing -------------------------------------------------------------------------------------

def link(hide: Iterable[str] = (), lock: Iterable[str] = ()) -> str:
    """The address of this page with every control's value, the language, and what it hides and locks."""
    params = {name: st.query_params.get_all(name) for name in st.query_params
              if name not in ("teacher", "hide", "lock")}
    params["lang"] = [LANGUAGES[language()]]  # the picker's value, as it reads it; option labels follow it
    for name, names in (("hide", hide), ("lock", lock)):
        if names:
            params[name] = [",".join(names)]
    return f"{st.context.url or ''}?{urlencode(params, doseq=True)}"


@st.cache_data(show_spinner=False, max_entries=64)
def qr_png(text: str) -> bytes:
    """A QR code of `text` as PNG bytes (segno writes PNG itself, no imaging library needed)."""
    image = io.BytesIO()
    segno.make(text, error="m").save(image, kind="png", scale=QR_SCALE, border=2)
    return image.getvalue()


def share(where) -> None:
    """A popover with the link to this exact setup and its QR code for the projector."""
    address = link() if teaching() else link(_hides(), _locks())
    with where.popover(_("🔗 Share this setup"), width="stretch", key="links_share"):
        st.caption(_("This link opens this page with every control as it is now. Copy it, or let the class scan "
                     "the code."))
        st.code(address, language=None, wrap_lines=True)
        st.image(qr_png(address), caption=_("Scan to open this setup"))


def teacher_panel(where) -> None:
    """Behind ?teacher=1: checkboxes that hide or lock each control of this page, and the link they make."""
    if not teaching():
        return
    controls = _controls.get() or []
    sections = [(f"{key}.{number}", section) for key, names in (_sections.get() or {}).items()
                for number, section in enumerate(names, 1)]
    with where.expander(_("🧑‍🏫 Teacher: hide and lock controls"), expanded=True):
        st.caption(_("Tick what students should not see or not change, then hand them the link below. "
                     "Their values stay as they are now."))
        chosen_hide, chosen_lock = [], []
        rows = [(key, key) for key in controls] + [(name, _("section “{section}”").format(section=section))
                                                   for name, section in sections]
        header = st.columns(COLUMNS)
        for column, title in zip(header, (_("control"), _("hide"), _("lock"))):
            column.caption(f"**{title}**")
        for name, label in rows:
            label_column, hide_column, lock_column = st.columns(COLUMNS, vertical_alignment="center")
            label_column.caption(label)
            widget = name.replace(".", "_")  # a key becomes a CSS class, where a dot would not do
            if hide_column.checkbox(_("Hide {name}").format(name=name), value=name in _hides(),
                                    key=f"teacher_hide_{widget}", label_visibility="collapsed"):
                chosen_hide.append(name)
            if "." not in name and lock_column.checkbox(_("Lock {name}").format(name=name), value=name in _locks(),
                                                        key=f"teacher_lock_{widget}", label_visibility="collapsed"):
                chosen_lock.append(name)
        st.code(link(chosen_hide, chosen_lock), language=None, wrap_lines=True)

"""How every page looks: presentation mode for a projector, formulas that never get cut, no toolbar Stop.

Presentation mode (`?present=1` in the address, or the sidebar's toggle) sets larger type and
folds the sidebar away, so a lesson's result stays readable at the back of a room on a 1280×720
projector. The address keeps `?present=1` while the teacher moves between pages, so a reload
stays in the mode.

The styles are plain CSS in one `st.html` block of style tags only, which Streamlit applies
without adding an element to the page: nothing above a lesson's live area appears or disappears.
"""

import streamlit as st

from ui.i18n import _

PARAMETER = "present"  # ?present=1
ALWAYS = """
/* The page uses the width of a laptop screen: a narrower margin than the wide layout's 5rem. */
[data-testid="stMainBlockContainer"] { padding-left: 1.5rem; padding-right: 1.5rem; }
/* A formula wider than its column scrolls inside it instead of being cut off; beside the controls, a size smaller. */
.katex-display { overflow-x: auto; overflow-y: hidden; padding-bottom: 2px; }
[class*="-section_controls"] .katex-display { font-size: 0.9em; }
/* The toolbar's Running… / Stop flickers at every live refresh, and Stop cannot pause a trainer (⏸ Pause does):
   hidden while a script runs. The same corner still shows when the connection is lost. */
[data-testid="stStatusWidget"]:has([data-testid="stStatusWidgetRunningIcon"]) { visibility: hidden; }
"""
PRESENTING = """
html { font-size: 20px; }  /* everything is sized in rem: 1.25 × the usual 16 px */
"""


def requested() -> bool:
    """Whether this session presents: `?present=1` on its first page, then the sidebar's toggle."""
    if PARAMETER not in st.session_state:
        st.session_state[PARAMETER] = st.query_params.get(PARAMETER) in ("1", "true")
    return bool(st.session_state[PARAMETER])


def style(present: bool) -> None:
    """The page's CSS, and the address in step with the mode (a page change drops its query parameters)."""
    st.html(f"<style>{ALWAYS}{PRESENTING if present else ''}</style>")
    if present:
        st.query_params[PARAMETER] = "1"
    elif PARAMETER in st.query_params:
        del st.query_params[PARAMETER]


def toggle() -> None:
    st.sidebar.toggle(_("Presentation mode"), key=PARAMETER,
                      help=_("Larger type for a projector; the sidebar folds away when a page is opened with "
                             "?present=1 in its address."))

"""Every lesson runs inside app.py, even when a server's first request is a direct link such as /vae.

Streamlit has two ways to build a multipage app. app.py uses the current one, `st.navigation`.
The legacy one turns every file in a `pages/` folder next to the entry file into a page of its
own, and Streamlit uses it until a session first calls `st.navigation` ("As soon as any session of
your app executes the st.navigation command, your app will ignore the pages/ directory (across all
sessions)", from st.navigation's reference). So on a freshly started server, the first student who
opens /vae gets pages/vae.py alone: no sidebar, no seed, no navigation. AppTest starts every run
that way too: it resets that choice before each run.

The cure needs only public calls. app.py runs its chosen page through `run`, which marks the page
as framed. A lesson page calls `through_app` first; unframed, it runs app.py itself, whose
`st.navigation` takes over (for this session and every later one) and runs this same lesson
inside its frame, and then ends the unframed run with `st.stop()`. It all happens within one
run, so a button click the run carries reaches the lesson.
"""

from contextvars import ContextVar
from pathlib import Path

import streamlit as st

APP = Path(__file__).resolve().parent.parent / "app.py"
# a ContextVar, not a global: sessions run their scripts side by side, each in its own thread
_framed: ContextVar[bool] = ContextVar("framed_by_app", default=False)


def run(page: st.Page) -> None:
    """Run the page that app.py's st.navigation chose, marked as framed by app.py."""
    token = _framed.set(True)
    try:
        page.run()
    finally:
        _framed.reset(token)


def through_app() -> None:
    """First call of every lesson page: outside app.py's frame, run app.py (which runs this lesson) and stop."""
    if _framed.get():
        return
    # exec in a fresh namespace, as Streamlit runs a page (runpy would swap sys.modules["__main__"] and sys.argv
    # for the whole process while other sessions run)
    exec(compile(APP.read_text(encoding="utf-8"), APP, "exec"), {"__name__": "__main__", "__file__": str(APP)})
    st.stop()

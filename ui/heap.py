"""The server's garbage-collection policy, measured in bench/RESULTS.md (family `controls`).

Streamlit's `runner.postScriptGC` (on by default) calls `gc.collect(2)` after every script and
fragment run. A full collection walks every object the process tracks: after the lessons have
loaded, ~450,000 of them (torch, plotly, scikit-learn, gensim, the page modules), 260–290 ms on an
idle core and far more on a busy one, holding the interpreter lock, so every session waits.
Nearly all of those objects live as long as the process. `gc.freeze()` moves them to a permanent
generation that collections skip, so that a collection only walks what the sessions made since.

`settle_after_first_run` freezes the heap once per page and process, right after the page's first
run has imported its modules and filled its caches (a collection first, so no garbage is frozen).
Objects of other sessions that are alive at that moment are frozen too; those that are freed by
reference counting still go, so at most a few cycles per page and process stay for good.
"""

import gc

import streamlit as st


@st.cache_resource(show_spinner=False)
def settle_after_first_run(page: str) -> int:
    """Freeze everything alive after `page`'s first run in this process; returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()

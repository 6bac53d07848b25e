"""The drawing pad: a digit drawn with the mouse or a finger, or a 2-D distribution clicked onto the plane.

The browser sends what was drawn at the end of each stroke (draw_pad.js); playground.user_data
checks it within its limits. What a pad holds lives in `st.session_state[f"{key}_ink"]` or
`[f"{key}_points"]`, read through `digit` and `points` and written by `set_points`, so a page
(and a test) never reads the component's own state. `points_or_csv` is the whole "your own
distribution" widget of the GAN and diffusion pages: the pad of points and a CSV upload beside it.
"""

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from playground.figures import REAL_COLOUR
from playground.user_data import (CANVAS_PIXELS, MAX_POINTS, MAX_UPLOAD_BYTES, drawing_from_base64, mnist_like,
                                  points_from_csv, points_from_pad)
from ui import widgets
from ui.components import component
from ui.i18n import _

PEN_PIXELS = 36  # on the 280-pixel canvas: about MNIST's stroke once scaled to 20×20

_pad = component("draw_pad")


def digit(key: str) -> np.ndarray | None:
    """A 280×280 canvas with a round pen and a Clear button; the ink (280, 280) in [0, 1] of the last
    stroke, or None before the first stroke and after Clear."""
    def stroke_ended() -> None:
        text = st.session_state[key]["ink"]
        try:
            st.session_state[f"{key}_ink"] = drawing_from_base64(text) if text else None
        except ValueError:
            st.session_state[f"{key}_ink"] = None  # not what our canvas sends: ignored

    text = {"clear": _("Clear"), "hint": _("Draw one digit, large, in the middle.")}
    _pad(key=key, data={"mode": "digit", "key": key, "pixels": CANVAS_PIXELS, "pen": PEN_PIXELS, "text": text},
         on_ink_change=stroke_ended)
    return st.session_state.get(f"{key}_ink")


def digit_beside(key: str, size: int, explanation: str) -> tuple[np.ndarray | None, DeltaGenerator]:
    """The digit pad with `explanation` beside it. Returns the drawn digit prepared like the dataset's
    (1, size, size) (None before a drawing, or with a message if it cannot be used), and the column beside
    the pad, for what the page shows of it."""
    pad, beside = st.columns([2, 3])
    with pad:
        drawing = digit(key)
    beside.caption(explanation)
    if drawing is None:
        return None, beside
    try:
        return mnist_like(drawing, size), beside
    except ValueError as error:
        beside.warning(_("This drawing cannot be used: {reason}").format(reason=error))
        return None, beside


def points(key: str, extent: float = 3.0) -> np.ndarray:
    """A square over [−extent, extent]² where a click adds a point and a drag adds a line of them, and a Clear
    button; the points (N, 2), perhaps fewer than a distribution needs."""
    def stroke_ended() -> None:
        try:
            set_points(key, points_from_pad(st.session_state[key]["points"]))
        except ValueError:
            pass  # not what our pad sends: the points stay as they were

    current = st.session_state.get(f"{key}_points", np.zeros((0, 2), np.float32))
    text = {"clear": _("Clear"), "count": _("Points: {count}")}
    _pad(key=key, data={"mode": "points", "key": key, "extent": extent, "max": MAX_POINTS, "colour": REAL_COLOUR,
                        "points": np.round(current, 3).tolist(), "text": text}, on_points_change=stroke_ended)
    return current


def set_points(key: str, values: np.ndarray) -> None:
    """Replace the pad's points (e.g. with an uploaded file's); call it from a callback, before the pad is drawn."""
    st.session_state[f"{key}_points"] = np.asarray(values, np.float32).reshape(-1, 2)


def points_or_csv(key: str, extent: float, explanation: str) -> np.ndarray:
    """A student's own 2-D distribution: the pad of points, with `explanation` and a CSV upload of x, y rows beside
    it. A file's points replace the pad's once, when it is loaded, so they can then be drawn on. Returns the
    pad's points (N, 2), perhaps fewer than a distribution needs; an unusable file gets an error under it."""
    pad, beside = st.columns([3, 2])
    with beside:
        loaded = widgets.upload_file(_("Or load a CSV file of x, y rows"), f"{key}_csv", ("csv",), MAX_UPLOAD_BYTES,
                                     points_from_csv)
    if loaded is not None and st.session_state.get(f"{key}_csv_loaded") is not loaded:
        set_points(key, loaded)  # upload_file parses a file once and returns that same array while it stays
        st.session_state[f"{key}_csv_loaded"] = loaded
    beside.caption(explanation)
    with pad:
        return points(key, extent)

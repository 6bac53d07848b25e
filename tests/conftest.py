"""Shared test set-up: one CPU thread per test process, and AppTest through the entry file."""

import base64
import json
import os
import re
import string
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

os.environ.setdefault("PLAYGROUND_THREADS", "1")  # what pages' widgets.device() caps torch to
torch.set_num_threads(1)  # tests run side by side (pytest -n 2) on 2 cores

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE_TIMEOUT_SECONDS = 120  # a page's first run loads data and pretrained models
SPANISH_TEXT = "\n".join(8 * [  # pasted by students of the Spanish course: accents, ñ, ¿ and ¡ are characters too
    "¿Dónde está el niño? ¡Aquí, junto al árbol del jardín! El señor Muñoz enseña español cada mañana.",
    "¿Qué aprendió hoy el niño? Que la pingüina come camarones, que el año tiene doce meses y aún más.",
])


def open_page(name: str) -> AppTest:
    """Run app.py, switch to pages/<name>.py and run it, as a student clicking the link would.

    AppTest starts every run in Streamlit's legacy pages/ mode, which runs the lesson alone; the
    lesson's `routing.through_app()` then runs it inside app.py (ui/routing.py says how)."""
    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS)
    app.run()
    app.switch_page(f"pages/{name}.py")
    app.run()
    return app


def shown(markdown: str) -> str:
    """What a reader sees of a message's Markdown source: user text arrives with its punctuation
    backslash-escaped and bare links broken by invisible word joiners (ui.text.plain)."""
    return re.sub(r"\\([" + re.escape(string.punctuation) + "])", r"\1", markdown).replace("\u2060", "")


def until_done(app: AppTest, runs: int = 100) -> AppTest:
    """Rerun, as the browser's refresh timer would, while work goes on in slices: a progress bar that is not
    paused (greedy pre-training, a benchmark) or a training panel still playing ⏭'s steps. AppTest runs a
    fragment once per run."""
    for _ in range(runs):
        playing = any(metric.label == "State" and metric.value == "playing" for metric in app.metric)
        working = any(not bar.proto.text.endswith("(paused)") for bar in app.get("progress"))
        if not (playing or working):
            return app
        app.run()
    raise AssertionError(f"the work was not done after {runs} refreshes")


def component_data(app: AppTest, key: str) -> dict:
    """The data a custom component (st.components.v2) was last drawn with: AppTest reads one, it cannot drive it."""
    return next(json.loads(element.proto.json) for element in app.get("bidi_component") if element.key == key)


def draw_on(app: AppTest, key: str, drawing) -> None:
    """A student's strokes on the drawing pad `key`, stored as the pad stores them; the page must show the digit
    beside its reconstruction."""
    app.session_state[f"{key}_ink"] = drawing
    app.run()
    assert not app.exception
    assert any(image.captions == ["your digit", "reconstruction"] for image in app.image)


def decoded(values: list | dict) -> np.ndarray:
    """A trace's coordinates: a list, or plotly's packed form for numpy arrays ({"dtype", "bdata"})."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def ab_step(app: AppTest, key: str, setting: str, a, b) -> AppTest:
    """Vary `setting` in the A/B comparison of the panel `key` (A = a, B = b) and train both runs one ⏭ to the end."""
    app.selectbox(key=f"{key}_ab_setting").set_value(setting).run()
    app.select_slider(key=f"{key}_ab_{setting}_a").set_value(a)
    app.select_slider(key=f"{key}_ab_{setting}_b").set_value(b).run()
    app.button(key=f"{key}_ab_step").click().run()
    assert not app.exception
    return until_done(app)


def ab_curves(app: AppTest, key: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Run A's and run B's curves on the A/B chart, metric by metric (ui/ab.py: A's traces, then B's)."""
    figure = next(json.loads(chart.proto.spec) for chart in app.get("plotly_chart") if chart.key == f"{key}_ab_curves")
    curves = [decoded(trace["y"]) for trace in figure["data"]]
    return curves[: len(curves) // 2], curves[len(curves) // 2:]


@pytest.fixture
def home() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS)
    return app.run()

"""Shared test set-up: one CPU thread per test process, and AppTest through the entry file."""

import json
import os
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

os.environ.setdefault("PLAYGROUND_THREADS", "1")  # what pages' widgets.device() caps torch to
torch.set_num_threads(1)  # tests run side by side (pytest -n 2) on 2 cores

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE_TIMEOUT_SECONDS = 120  # a page's first run loads data and pretrained models


def open_page(name: str) -> AppTest:
    """Run app.py, switch to pages/<name>.py and run it, as a student clicking the link would.

    AppTest starts every run in Streamlit's legacy pages/ mode, which runs the lesson alone; the
    lesson's `routing.through_app()` then runs it inside app.py (ui/routing.py says how)."""
    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS)
    app.run()
    app.switch_page(f"pages/{name}.py")
    app.run()
    return app


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


@pytest.fixture
def home() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS)
    return app.run()

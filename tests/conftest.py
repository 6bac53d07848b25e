"""Shared test set-up: one CPU thread per test process, and AppTest through the entry file."""

import os
from pathlib import Path

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


@pytest.fixture
def home() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS)
    return app.run()

"""Shared test set-up: one CPU thread per test process, and AppTest through the entry file."""

import os
from pathlib import Path

import pytest
import torch
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

os.environ.setdefault("PLAYGROUND_THREADS", "1")  # what pages' widgets.device() caps torch to
torch.set_num_threads(1)  # tests run side by side (pytest -n 2) on 2 cores

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE_TIMEOUT_SECONDS = 120  # a page's first run loads data and pretrained models


class NavigationPagesManager(PagesManager):
    """AppTest resets Streamlit's "pages/ folder" flag before every run, which would run a lesson page
    alone, without app.py. The served app clears that flag on its first run (widgets.route_through_app);
    this does the same for every AppTest run, so pages are tested through app.py's st.navigation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


app_test.PagesManager = NavigationPagesManager


def open_page(name: str) -> AppTest:
    """Run app.py, switch to pages/<name>.py and run it, as a student clicking the link would."""
    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS)
    app.run()
    app.switch_page(f"pages/{name}.py")
    app.run()
    return app


@pytest.fixture
def home() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS)
    return app.run()

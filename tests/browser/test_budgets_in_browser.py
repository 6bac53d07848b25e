"""The budget rows that travel differently in a browser: uploads through the uploader and the RNN page's
sliders pushed to their ends by keyboard, on a real server, while a second student keeps training.

tests/test_bad_input.py measures every row in-process with AppTest. Here the same requests arrive the way
a class sends them, and a second session, a student over the websocket (bench/student_client.py) on the GAN
page, keeps playing meanwhile: every refresh it asks for must come back, with no exception. The alerts must
show the student's text as typed (no link, no formula) and the server's peak memory must stay within the
budget of one request. The numbers are printed and kept in artifacts/budgets-browser.txt.
"""

import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.student_client import Student, classroom
from playground import budgets
from playground.models.autoencoder import Autoencoder, AutoencoderConfig
from tests.browser.test_pages_in_browser import CHANGE_MS, assert_no_exception, keyed, open_page, wait_for_app
from tests.test_bad_input import AE, MARKDOWN_NAME, checkpoint, claims, with_nan

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
UPLOADS = [  # file name, contents, what the error alert says
    ("huge.safetensors", claims(AE, hidden_sizes=[2048] * 40), f"at most {budgets.MAX_HIDDEN_LAYERS} layers"),
    ("wide.safetensors", claims(AE, hidden_sizes=[2048, 2048]), "the class server's budget"),
    ("big.safetensors", claims(AE, input_shape=[1, 1500, 1500]), "the class server's budget"),
    ("nan.safetensors", with_nan(Autoencoder(AutoencoderConfig())), "NaN or infinite"),
    ("list.safetensors", checkpoint([1, 2]), "not a playground"),
    (MARKDOWN_NAME, b"not a checkpoint",  # as typed, but for an invisible word joiner that breaks the bare link
     re.compile(re.escape("Could not load [click me](http:") + "\u2060?" + re.escape("//evil.example) $\\rule{3000px}"))),
]


def keep_playing(student: Student, prefix: str, stop: threading.Event) -> None:
    """▶ play, then re-run the live fragments on their timers as a browser does until `stop`, then ⏸ pause."""
    student.click(f"{prefix}_play")
    while not stop.is_set():
        student.tick()
    student.click(f"{prefix}_pause")


def upload_each(page: Page) -> None:
    for name, payload, says in UPLOADS:
        page.locator(".st-key-ae_upload input[type=file]").set_input_files(
            files=[{"name": name, "mimeType": "application/octet-stream", "buffer": payload}])
        alert = page.get_by_test_id("stAlertContentError").filter(has_text=says)
        expect(alert).to_be_visible(timeout=CHANGE_MS)
        wait_for_app(page)  # the run that drew the alert has ended: it is not replaced while it is measured
        expect(alert).to_be_visible()
        assert alert.locator("a").count() == 0, "user text became a link"
        assert alert.locator(".katex").count() == 0, "user text became a formula"
        box = alert.bounding_box()
        assert box is not None and box["height"] < 200, "the alert grew with the user's text"
        assert_no_exception(page)


def push_rnn_to_every_maximum(page: Page) -> None:
    page.get_by_test_id("stButtonGroup").get_by_text("Character LM").click()
    wait_for_app(page)
    for key in ("rnn_char_window", "rnn_char_hidden_size", "rnn_char_num_layers", "rnn_char_batch_size"):
        keyed(page, key).get_by_role("slider").press("End")
        wait_for_app(page)
    expect(page.get_by_test_id("stAlertContentError").filter(has_text="the class server's budget")).to_be_visible(
        timeout=CHANGE_MS)
    assert_no_exception(page)


def test_uploads_and_maximum_settings_get_messages_while_another_student_trains(server, page):
    open_page(page, f"{server.url}/autoencoder")
    with classroom(server.url, "gan", 1) as (other,):
        other.open()
        base = server.reset_peak()
        stop = threading.Event()
        lesson = threading.Thread(target=keep_playing, args=(other, "gan", stop))
        lesson.start()
        try:
            upload_each(page)
            open_page(page, f"{server.url}/rnn")
            push_rnn_to_every_maximum(page)
        finally:
            stop.set()
            lesson.join()
        peak = server.rss_megabytes("VmHWM") - base
    ticks = other.run_seconds[2:-1]  # open and ▶ before them, ⏸ after: the fragment reruns while the rows ran
    report = (f"budget rows in the browser: {len(UPLOADS)} uploads and the RNN page at every maximum\n"
              f"  server peak memory growth: {peak:.0f} MB (budget {budgets.MEMORY_BYTES / 2**20:.0f} MB)\n"
              f"  second student's fragment reruns meanwhile: {len(ticks)}, slowest {max(ticks, default=0):.2f} s")
    print(f"\n{report}")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "budgets-browser.txt").write_text(report + "\n")
    assert ticks and not other.exceptions, other.exceptions
    assert peak <= budgets.MEMORY_BYTES / 2**20, f"the server's peak grew by {peak:.0f} MB"

"""Links, teacher mode, guided lessons and take-home runs in headless Chromium, as a class meets them.

A link restores the controls it names and a reload keeps them; a teacher's link hides and locks; a
tampered link is ignored with a notice; every guided lesson runs to its end (its steps bounded by
PLAYGROUND_GUIDE_MAX_STEPS); and on every page with a trainer, the downloaded script replays the run
to the loss the page's downloaded history shows.
"""

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from playground.guided_lessons import LESSONS
from tests.browser.conftest import Server, running_server
from tests.browser.test_pages_in_browser import (
    CHANGE_MS,
    LOAD_MS,
    assert_no_exception,
    keyed,
    metric_value,
    open_page,
    step_counter,
    wait_for_app,
    wait_until,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
GUIDE_STEPS = 30  # a lesson's training steps in CI (a classroom trains the full count)
LESSON_MS = 240_000  # a lesson step: its page's first run, then its training


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server(__name__, env={"PLAYGROUND_GUIDE_MAX_STEPS": str(GUIDE_STEPS)}) as running:
        yield running


def control_value(page: Page, key: str) -> str:
    """What a control shows: a slider's value, or the text in its box (a number, a select box's choice)."""
    control = keyed(page, key)
    if control.get_by_test_id("stSliderThumbValue").count():
        return control.get_by_test_id("stSliderThumbValue").first.inner_text()
    return control.locator("input").first.input_value()


def checked(page: Page, key: str) -> bool:
    return keyed(page, key).locator("input[type=checkbox]").is_checked()


# ---- links ---------------------------------------------------------------------------------------

def test_a_link_restores_its_controls_and_a_reload_keeps_them(server, page):
    open_page(page, f"{server.url}/gan?gan_preset=mode+collapse&seed=3&gan_show_mapping=true"
                    "&gan_distribution=grid+5%C3%975")

    def restored() -> None:
        assert control_value(page, "gan_preset") == "mode collapse" and control_value(page, "seed") == "3"
        assert control_value(page, "gan_distribution") == "grid 5×5" and checked(page, "gan_show_mapping")
        assert control_value(page, "gan_generator_lr") == "0.002"  # not in the link: the preset filled it

    restored()
    page.reload()
    wait_for_app(page)
    restored()
    keyed(page, "gan_disc_steps_per_gen_step").get_by_role("slider").focus()
    page.keyboard.press("ArrowRight")  # k = 2: the address follows the control
    wait_until(page, lambda: "gan_disc_steps_per_gen_step=2" in page.url, "the address did not follow the slider")
    wait_for_app(page)
    page.reload()
    wait_for_app(page)
    assert control_value(page, "gan_disc_steps_per_gen_step") == "2" and control_value(page, "seed") == "3"
    assert_no_exception(page)


def test_a_teachers_link_hides_some_controls_and_locks_others(server, page):
    open_page(page, f"{server.url}/gan?hide=gan_generator_width,gan_section.2&lock=gan_discriminator_lr,seed")
    expect(keyed(page, "gan_generator_width")).to_be_hidden()
    expect(keyed(page, "gan_discriminator_width")).to_be_visible()
    expect(keyed(page, "gan_section")).to_contain_text("2-D game")
    expect(keyed(page, "gan_section")).not_to_contain_text("Digits")  # that section is not offered
    expect(keyed(page, "gan_discriminator_lr").get_by_role("slider")).to_be_disabled()
    expect(keyed(page, "seed").locator("input")).to_be_disabled()
    expect(keyed(page, "gan_generator_lr").get_by_role("slider")).to_be_enabled()
    page.reload()
    wait_for_app(page)
    expect(keyed(page, "gan_generator_width")).to_be_hidden()
    expect(keyed(page, "seed").locator("input")).to_be_disabled()


def test_the_teacher_panel_writes_a_link_that_hides_what_it_ticks(server, page):
    open_page(page, f"{server.url}/gan?teacher=1")
    keyed(page, "teacher_hide_gan_loss").locator("label").click()
    wait_for_app(page)
    keyed(page, "teacher_lock_gan_optimizer").locator("label").click()
    code = page.get_by_test_id("stSidebar").get_by_test_id("stCode").last
    expect(code).to_contain_text("lock=gan_optimizer")  # the click's run may not have started yet: wait for its link
    link = code.inner_text().strip()
    assert "hide=gan_loss" in link and "teacher" not in link
    open_page(page, link)
    expect(keyed(page, "gan_loss")).to_be_hidden()
    expect(keyed(page, "gan_optimizer").locator("input").first).to_be_disabled()


def test_the_share_button_gives_the_link_and_a_qr_code(server, page):
    open_page(page, f"{server.url}/gan?seed=7")
    keyed(page, "links_share").get_by_role("button").click()
    body = page.get_by_test_id("stPopoverBody")
    expect(body.get_by_test_id("stCode")).to_contain_text(f"{server.url}/gan?seed=7")
    expect(body.locator("img")).to_be_visible()


def test_a_tampered_link_is_ignored_with_a_notice(server, page):
    open_page(page, f"{server.url}/gan?bogus=1&gan_disc_steps_per_gen_step=99&gan_distribution={'x' * 10_000}")
    notices = page.get_by_test_id("stToast")
    expect(notices.filter(has_text="“bogus” names no control on this page")).to_be_visible()
    expect(notices.filter(has_text="“gan_disc_steps_per_gen_step” is not one this page offers")).to_be_visible()
    expect(notices.filter(has_text="longer than 200 characters")).to_be_visible()
    assert control_value(page, "gan_disc_steps_per_gen_step") == "1"
    assert control_value(page, "gan_distribution") == "ring of 8"
    assert "bogus" not in page.url and "xxxx" not in page.url
    assert_no_exception(page)


# ---- guided lessons ------------------------------------------------------------------------------

@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_every_guided_lesson_runs_to_its_end(server, page, lesson):
    page.goto(f"{server.url}/?lesson={lesson.id}")
    guide = keyed(page, "guide")
    expect(guide).to_be_visible(timeout=LOAD_MS)
    for index, step in enumerate(lesson.steps):
        expect(guide).to_contain_text(f"{index + 1} of {len(lesson.steps)}", timeout=LESSON_MS)
        wait_for_app(page)
        if step.choices:
            guide.get_by_test_id("stRadio").locator("label").filter(has=page.locator("input[type=radio]")).first.click()
        else:
            guide.locator("input[type=number]").fill("1")
            guide.locator("input[type=number]").press("Enter")
        wait_for_app(page)
        before = step_counter(page.get_by_test_id("stMain")) if step.steps else None
        guide.get_by_role("button", name=re.compile("Lock in")).click()
        last = index + 1 == len(lesson.steps)
        expect(guide.get_by_text("End of the lesson." if last else "Next step →")).to_be_visible(timeout=LESSON_MS)
        measured = guide.get_by_test_id("stMetric").last.get_by_test_id("stMetricValue").inner_text()
        assert measured != "—", f"{lesson.id}, step {index + 1}: nothing was measured"
        if before is not None:
            wait_for_app(page)
            assert step_counter(page.get_by_test_id("stMain")) == before + GUIDE_STEPS, "the run did not train"
        if not last:
            guide.get_by_role("button", name="Next step →").click()
    assert_no_exception(page)


# ---- take it home --------------------------------------------------------------------------------

TRAINED = {  # page (and the section with its trainer) → the training panel's key
    "gan": ("gan", "gan"),
    "vae?vae_section=Train&vae_dataset=Digits+8%C3%978": ("vae", "vae"),
    "autoencoder": ("autoencoder", "ae"),
    "rnn": ("rnn", "rnn"),
    "embeddings?emb_section=Train+your+own": ("embeddings", "emb_w2v"),
    "seq2seq": ("seq2seq", "s2s"),
    "diffusion": ("diffusion", "diffusion"),
}


def download(page: Page, key: str, folder: Path) -> Path:
    with page.expect_download(timeout=CHANGE_MS) as started:
        keyed(page, key).get_by_role("button").click()
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path


def last_values(history: Path) -> dict[str, float]:
    """The last value of every metric in a downloaded history (CSV with blanks where nothing was recorded)."""
    rows = list(csv.DictReader(io.StringIO(history.read_text(encoding="utf-8"))))
    return {name: float(next(row[name] for row in reversed(rows) if row[name]))
            for name in rows[0] if name != "step"}


@pytest.mark.parametrize("address", TRAINED, ids=lambda address: TRAINED[address][0])
def test_a_downloaded_run_replays_to_the_loss_the_page_shows(server, page, address, tmp_path):
    panel = TRAINED[address][1]
    open_page(page, f"{server.url}/{address}")
    main = page.get_by_test_id("stMain")
    keyed(page, f"{panel}_step").get_by_role("button").click()
    wait_until(page, lambda: step_counter(main) > 0, "⏭ step did not train")
    wait_for_app(page)
    assert metric_value(main, "State") == "paused"
    script = download(page, f"{panel}_download_script", tmp_path)
    history = download(page, f"{panel}_download_history", tmp_path)
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    replayed = json.loads(done.stdout.strip().splitlines()[-1])
    assert replayed == pytest.approx(last_values(history), rel=1e-5, abs=1e-7)

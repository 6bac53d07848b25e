"""The guide panel (ui/guide.py) through the entry file: a lesson opened by link runs to its end."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, PAGE_TIMEOUT_SECONDS

RUN_LIMIT = 200  # app runs a lesson step may take to train (each trains one slice of ≤ 0.4 s)


@pytest.fixture(autouse=True)
def few_steps(monkeypatch):
    monkeypatch.setattr("ui.guide.MAX_STEPS", 40)  # as CI's browser tests do: every lesson in bounded time


def train_until_done(app: AppTest, panel: str) -> None:
    for _ in range(RUN_LIMIT):
        app.run()  # as the browser's refresh timer: the panel trains a slice, the guide reads what happened
        if not app.session_state[f"{panel}_steps_to_play"] and f"{panel}_steps_requested" not in app.session_state:
            return
    raise AssertionError(f"the {panel} panel did not stop within {RUN_LIMIT} runs")


def test_a_lesson_link_on_the_home_page_opens_its_page_sets_it_up_and_runs_to_its_end():
    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS)
    app.query_params["lesson"] = "beta_kl"
    app.run()
    assert not app.exception and app.session_state["guide_lesson"] == "beta_kl"
    assert app.select_slider(key="vae_kl_weight").value == 1.0 and app.selectbox(key="vae_dataset").value == \
        "Digits 8×8" and app.number_input(key="seed").value == 3 and app.get("button_group")[0].value == "Train"
    assert app.button(key="guide_lock").disabled  # nothing predicted yet
    app.number_input(key="guide_answer").set_value(20.0).run()
    app.button(key="guide_lock").click().run()
    train_until_done(app, "vae")
    trainer = app.session_state["vae_trainer"]
    assert trainer.step_count == 40 and not trainer.playing
    predicted, measured = (metric for metric in app.metric if metric.label in ("Your prediction",
                                                                                 "test reconstruction loss"))
    assert predicted.value == "20" and float(measured.value) == pytest.approx(trainer.history.last("test reconstruction"),
                                                                              abs=1e-3)
    app.button(key="guide_next").click().run()
    assert app.select_slider(key="vae_kl_weight").value == 8.0  # step 2 sets β
    app.radio(key="guide_answer").set_value(1).run()  # "rise"
    app.button(key="guide_lock").click().run()
    train_until_done(app, "vae")
    assert trainer.step_count == 80 and trainer.model.config.kl_weight == 8.0
    assert any("What happened" in markdown.value for markdown in app.markdown)
    assert app.success and not app.exception
    app.button(key="guide_leave").click().run()
    assert "guide_lesson" not in app.session_state and "lesson" not in app.query_params

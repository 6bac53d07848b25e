"""The shared training panel (ui/widgets.py) on a tiny model, through AppTest."""

import contextlib
import json

from streamlit.testing.v1 import AppTest

from tests.conftest import until_done


def panel_page():
    """A one-model page: learning controls, the training panel and a loss chart."""
    import streamlit as st
    import torch
    from torch import nn

    from playground.data import ShuffledBatches
    from playground.figures import loss_curves
    from playground.seeding import seeded
    from playground.trainer import TrainConfig, Trainer
    from ui import rewind, widgets

    class Line(nn.Module):
        def __init__(self, config=None):
            super().__init__()
            self.config, self.fit = config, nn.Linear(1, 1)

        def loss(self, batch, generator):
            x, y = batch
            loss = ((self.fit(x) - y) ** 2).mean()
            return loss, {"loss": loss}

    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    trainer = widgets.session_trainer(
        "test", widgets.seed(), lambda: Trainer(seeded(Line, None), ShuffledBatches(x, 2 * x), TrainConfig(optimizer="sgd")))
    rate, size = widgets.learning_controls("test", learning_rate=0.01, batch_size=16)
    trainer.configure(learning_rate=rate, batch_size=size)

    def render() -> None:
        step = rewind.moment("test", [trainer]).step
        st.plotly_chart(loss_curves(trainer.history, ["loss"], marker=step), key="test_curve")

    widgets.training_panel("test", trainer, render, history=True)
    st.button("Train 250 steps", key="test_lesson_run", on_click=widgets.train_steps, args=("test", 250))


def step_count(app: AppTest) -> int:
    return int(app.metric[0].value.replace(",", ""))


def test_step_advances_by_the_chosen_number_of_steps():
    app = AppTest.from_function(panel_page, default_timeout=60).run()
    assert not app.exception and step_count(app) == 0
    app.select_slider(key="test_steps_per_click").set_value(100).run()
    until_done(app.button(key="test_step").click().run())
    assert step_count(app) == 100
    assert app.session_state["test_trainer"].history.last("loss") < 0.5


def test_play_trains_a_slice_and_pause_stops():
    app = AppTest.from_function(panel_page, default_timeout=60).run()
    app.button(key="test_play").click().run()  # draws, then trains its first slice
    assert step_count(app) == 0 and app.metric[2].value == "playing"
    app.run()  # the next refresh shows it
    assert step_count(app) > 0 and app.metric[2].value == "playing"
    assert app.button(key="test_play").disabled and not app.button(key="test_pause").disabled
    app.button(key="test_pause").click().run()
    paused_at = step_count(app)
    app.run()
    assert step_count(app) == paused_at and app.metric[2].value == "paused"


def test_divergence_pauses_shows_a_message_and_reset_recovers():
    app = AppTest.from_function(panel_page, default_timeout=60).run()
    app.select_slider(key="test_learning_rate").set_value(10.0).run()
    app.select_slider(key="test_steps_per_click").set_value(100).run()
    app.button(key="test_step").click().run()
    assert not app.exception
    assert app.metric[2].value == "diverged" and "learning rate" in app.error[0].value
    app.select_slider(key="test_learning_rate").set_value(0.01).run()
    app.button(key="test_reset").click().run()
    assert step_count(app) == 0 and not app.error


def test_changing_the_seed_rebuilds_the_trainer_and_says_so():
    app = AppTest.from_function(panel_page, default_timeout=60).run()
    app.button(key="test_step").click().run()
    app.session_state["seed"] = 5
    app.run()
    assert step_count(app) == 0
    assert [toast.value for toast in app.toast] == [
        "Seed changed (0 → 5): the model was rebuilt at step 0; 10 steps of training were discarded."]
    app.session_state["seed"] = 6
    app.run()
    assert not app.toast  # nothing was trained since: nothing to say


def test_a_requested_run_plays_in_slices_to_its_step_and_stops_there():
    app = AppTest.from_function(panel_page, default_timeout=60).run()
    app.button(key="test_lesson_run").click().run()
    for _ in range(100):
        if app.metric[2].value == "paused":
            break
        assert app.metric[2].value == "playing" and step_count(app) < 250
        app.run()
    assert step_count(app) == 250 and app.session_state["test_trainer"].step_count == 250
    app.run()
    assert step_count(app) == 250  # stopped there


def marker(app: AppTest) -> list[int]:
    """The steps the loss curve marks: the one the history slider points at, if it is not now."""
    figure = json.loads(next(chart.proto.spec for chart in app.get("plotly_chart") if chart.key == "test_curve"))
    return [shape["x0"] for shape in figure["layout"].get("shapes", [])]


def history_shown(app: AppTest) -> bool:
    return any(slider.key == "test_history" for slider in app.select_slider)


def test_the_history_slider_offers_the_snapshots_and_a_stale_choice_falls_back_to_now():
    app = AppTest.from_function(panel_page, default_timeout=60).run()
    assert not history_shown(app)  # nothing to rewind at step 0
    app.select_slider(key="test_steps_per_click").set_value(100).run()
    until_done(app.button(key="test_step").click().run())
    history = app.select_slider(key="test_history")
    steps = app.session_state["test_trainer"].snapshots.steps
    assert history.value == 100 and history.options == [str(step) for step in steps if step < 100] + ["100"]
    assert "24 MB per trainer" in history.help and marker(app) == []
    history.set_value(5).run()
    assert marker(app) == [5] and any("step 5 of 100" in caption.value for caption in app.caption)
    app.button(key="test_reset").click().run()
    assert not app.exception and not history_shown(app) and marker(app) == []
    app.select_slider(key="test_steps_per_click").set_value(10).run()
    until_done(app.button(key="test_step").click().run())
    assert app.select_slider(key="test_history").value == 10  # not the 5 chosen before the reset
    app.select_slider(key="test_steps_per_click").set_value(1).run()
    until_done(app.button(key="test_step").click().run())  # step 10 has a snapshot: now must not stay there
    assert app.select_slider(key="test_history").value == 11 and marker(app) == []
    app.select_slider(key="test_history").set_value(3).run()
    app.button(key="test_play").click().run()
    assert not app.exception and not history_shown(app) and marker(app) == []  # playing follows now
    app.button(key="test_pause").click().run()
    assert app.select_slider(key="test_history").value == step_count(app)
    app.select_slider(key="test_history").set_value(3).run()
    app.session_state["seed"] = 5  # a rebuilt trainer: step 0, no history
    app.run()
    assert not app.exception and not history_shown(app) and marker(app) == []


def test_continuing_from_a_step_before_a_divergence_recovers_the_run():
    app = AppTest.from_function(panel_page, default_timeout=60).run()
    app.select_slider(key="test_learning_rate").set_value(10.0).run()
    app.select_slider(key="test_steps_per_click").set_value(100).run()
    app.button(key="test_step").click().run()
    diverged_at = app.session_state["test_trainer"].diverged.step
    app.select_slider(key="test_history").set_value(1).run()
    app.select_slider(key="test_learning_rate").set_value(0.01).run()
    app.button(key="test_fork").click().run()
    trainer = app.session_state["test_trainer"]
    assert not app.exception and diverged_at > 1 and trainer.step_count == 1 and trainer.diverged is None
    assert app.metric[2].value == "paused" and not app.error
    until_done(app.button(key="test_step").click().run())  # the fork trains on, at the lower rate
    assert trainer.step_count == 101 and trainer.diverged is None


def test_a_lockstep_slice_keeps_side_by_side_trainers_in_step_and_within_its_length(monkeypatch):
    """Trainers whose steps cost 1, 3 and 9 ms of a 0.45 s slice: they take the same number of steps, and the
    slice ends within one round of its length (equal parts of it made the costliest take far longer)."""
    from types import SimpleNamespace

    from playground.scheduler import Pace
    from ui import widgets

    spent = [0.0]

    class Fake:
        def __init__(self, cost: float):
            self.cost, self.step_count, self.playing = cost, 0, True

        def step(self, n: int = 1) -> int:
            self.step_count += n
            spent[0] += n * self.cost
            return n

    trainers = [Fake(0.001), Fake(0.003), Fake(0.009)]
    monkeypatch.setattr(widgets, "scheduler", lambda: SimpleNamespace(
        turn=contextlib.nullcontext, slice_clock=lambda: lambda: spent[0]))
    widgets._train_slice(trainers, Pace(players=1, refresh_seconds=0.5, slice_seconds=0.45))
    assert {trainer.step_count for trainer in trainers} == {35}  # ⌈0.45 / 0.013⌉
    assert 0.45 <= spent[0] < 0.45 + 0.013
    trainers[2].playing = False  # ⏭'s steps done, or diverged: the slice stops
    widgets._train_slice(trainers, Pace(players=1, refresh_seconds=0.5, slice_seconds=0.45))
    assert trainers[0].step_count == 35

"""The shared training panel (ui/widgets.py) on a tiny model, through AppTest."""

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
    from ui import widgets

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
    widgets.training_panel("test", trainer, lambda: st.plotly_chart(loss_curves(trainer.history, ["loss"])))
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
    app.button(key="test_play").click().run()
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

"""The VAE page (pages/vae.py) through the entry file, widgets found by key."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from playground.pretrain import load_pretrained
from playground.user_data import mnist_like
from playground.vae_lessons import encode
from tests.conftest import ab_curves, ab_step, component_data, draw_on, open_page, until_done
from tests.test_user_data import drawn


@pytest.fixture(scope="module")
def page() -> AppTest:
    """One page run for the read-only checks: loading MNIST and the pretrained models is the slow part."""
    return open_page("vae")


def show(app: AppTest, section: str) -> AppTest:
    app.segmented_control(key="vae_section").set_value(section)
    return app.run()


def decoded_image(app: AppTest) -> str:
    """The URL of the explorer's decoded digit: it names the image's bytes, so a new image has a new URL."""
    return next(image.value[0] for image in app.image if image.captions == ["decoder(z)"])


def test_page_opens_on_the_explorer_with_the_pretrained_model_without_training(page):
    assert not page.exception and not page.error
    assert decoded_image(page) and page.slider(key="vae_z1").value == 0.0
    assert "vae_trainer" not in page.session_state  # nothing is built for a section nobody opened
    pad = component_data(page, "vae_pad")  # the explorer's latent pad: the map, the position, the decoder
    assert pad["mode"] == "plane" and pad["position"] == [0.0, 0.0] and pad["plane"]["sliders"] == []
    assert pad["model"]["version"] == "fixed" and pad["model"]["program"]["image"] == [28, 28]
    show(page, "Interpolation")
    assert not page.exception and any(image.captions[:1] == ["t = 0.00"] for image in page.image)
    assert component_data(page, "vae_interp_pad")["path"]["method"] == "linear"
    assert not any(image.captions == ["decoder(z)"] for image in page.image)  # only the section shown is drawn
    show(page, "Train")
    assert not page.exception and page.session_state["vae_trainer"].step_count == 0


def test_moving_a_latent_slider_changes_the_decoded_image():
    app = open_page("vae")
    before = decoded_image(app)
    app.slider(key="vae_z0").set_value(2.5).run()
    assert not app.exception and decoded_image(app) != before
    app.slider(key="vae_z0").set_value(0.0).run()
    assert decoded_image(app) == before  # decoding is deterministic: the same z, the same image


def test_the_decoder_goes_to_the_browser_once_per_model_version():
    app = open_page("vae")
    app.slider(key="vae_z0").set_value(1.0).run()  # a rerun of the explorer: the browser has the weights
    pad = component_data(app, "vae_pad")
    assert "program" not in pad["model"] and pad["position"] == [1.0, 0.0]
    show(app, "Train").selectbox(key="vae_dataset").set_value("Digits 8×8").run()
    app.slider(key="vae_latent_dim").set_value(4).run()
    show(app, "Explorer").selectbox(key="vae_source").set_value("Trained on this page").run()
    pad = component_data(app, "vae_pad")
    first = pad["model"]
    assert first["version"] == "0" and first["program"]["image"] == [8, 8] and first["program"]["latent_dim"] == 4
    assert [slider["label"] for slider in pad["plane"]["sliders"]] == ["z3", "z4"]  # z₁, z₂ are the pad's plane
    show(app, "Train").button(key="vae_step").click().run()
    stepped = component_data(show(app, "Explorer"), "vae_pad")["model"]
    assert stepped["version"] == "10" and stepped["program"]["weights"] != first["program"]["weights"]


def test_the_sliders_keep_their_place_while_another_section_is_shown():
    app = open_page("vae")
    app.slider(key="vae_z0").set_value(2.5).run()
    moved = decoded_image(app)
    show(show(app, "Sampling"), "Explorer")
    assert app.slider(key="vae_z0").value == 2.5 and decoded_image(app) == moved


def test_interpolation_strip_has_the_requested_number_of_images():
    app = show(open_page("vae"), "Interpolation")
    app.slider(key="vae_interp_steps").set_value(7).run()
    app.radio(key="vae_interp_method").set_value("spherical").run()
    strips = [image for image in app.image if image.captions[:1] == ["t = 0.00"]]
    assert not app.exception and len(strips) == 1 and len(strips[0].value) == 7


def test_training_steps_on_digits_and_the_explorer_shows_the_trained_model():
    app = show(open_page("vae"), "Train")
    app.selectbox(key="vae_dataset").set_value("Digits 8×8").run()
    app.select_slider(key="vae_steps_per_click").set_value(100).run()
    until_done(app.button(key="vae_step").click().run())
    trainer = app.session_state["vae_trainer"]
    assert not app.exception and trainer.step_count == 100
    assert trainer.history.last("total") < trainer.history.series("total")[1][0]
    app.select_slider(key="vae_kl_weight").set_value(4.0).run()
    assert trainer.model.config.kl_weight == 4.0 and trainer.step_count == 100  # β changes mid-run, no rebuild
    assert app.selectbox(key="vae_source").disabled  # the Model picker does not apply to Train
    show(app, "Explorer").selectbox(key="vae_source").set_value("Trained on this page").run()
    assert not app.exception and decoded_image(app)
    assert app.slider(key="vae_z0").max == 4.0 and app.session_state["vae_trainer"] is trainer


def test_a_missing_pretrained_file_falls_back_to_the_model_trained_here(tmp_path, monkeypatch):
    import streamlit as st

    from playground import pretrain

    monkeypatch.setattr(pretrain, "PRETRAINED_DIR", tmp_path)  # no pretrained file at all
    pretrain.shared_pretrained.cache_clear()  # the process-level cache a client cannot clear
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        app = open_page("vae")
        assert not app.exception
        assert any("is missing" in info.value for info in app.info)
        assert app.selectbox(key="vae_source").options == ["Trained on this page"]  # it offers only what it shows
        assert any("No model has been trained on this page yet" in info.value for info in app.info)
        app.button(key="vae_open_train").click().run()
        app.button(key="vae_step").click().run()
        assert not app.exception and app.session_state["vae_trainer"].step_count > 0
        show(app, "Explorer")
        assert not app.exception and decoded_image(app)
    finally:
        pretrain.shared_pretrained.cache_clear()
        st.cache_resource.clear()
        st.cache_data.clear()


def test_a_drawn_digit_is_encoded_marked_with_its_sigma_and_reconstructed():
    app = open_page("vae")
    draw_on(app, "vae_drawing", drawn(0))
    mu, sigma = encode(load_pretrained("vae_mnist_2d"), mnist_like(drawn(0))[None])
    marker = component_data(app, "vae_pad")["markers"][0]
    assert np.allclose(marker["xy"], mu[0], atol=1e-5) and np.allclose(marker["sigma"], sigma[0], atol=1e-5)
    app.button(key="vae_drawing_start").click().run()  # explore from its code: the sliders go there
    assert app.slider(key="vae_z0").value == pytest.approx(round(float(mu[0, 0]) / 0.05) * 0.05)


def test_the_history_slider_redraws_the_decoder_grid_at_an_earlier_step_and_forks_there():
    def figure(key: str) -> dict:
        return next(json.loads(chart.proto.spec) for chart in app.get("plotly_chart") if chart.key == key)

    app = show(open_page("vae"), "Train")
    app.selectbox(key="vae_dataset").set_value("Digits 8×8").run()
    until_done(app.button(key="vae_step").click().run())
    history = app.select_slider(key="vae_history")
    assert history.value == 10 and len(history.options) == 11
    now = figure("vae_live_grid")["data"]
    history.set_value(2).run()
    assert not app.exception and figure("vae_live_grid")["data"] != now
    assert [shape["x0"] for shape in figure("vae_curves")["layout"]["shapes"]] == [2]
    app.button(key="vae_fork").click().run()
    trainer = app.session_state["vae_trainer"]
    assert not app.exception and trainer.step_count == 2 and max(trainer.history.series("total")[0]) <= 2
    assert app.select_slider(key="vae_history").value == 2  # now is step 2: no marker, no fork button
    assert "shapes" not in figure("vae_curves")["layout"] and not [b for b in app.button if b.key == "vae_fork"]


def test_ab_runs_from_one_seed_are_identical_with_equal_beta_and_part_with_different_ones():
    app = show(open_page("vae"), "Train")
    app.selectbox(key="vae_dataset").set_value("Digits 8×8").run()
    app.toggle(key="vae_ab").set_value(True).run()
    charts = {chart.key for chart in app.get("plotly_chart")}
    assert not app.exception and "vae_ab_curves" in charts and "vae_curves" not in charts  # the pair, not one run
    a, b = ab_curves(ab_step(app, "vae", "kl_weight", 1.0, 1.0), "vae")
    assert app.session_state["vae_ab_b_trainer"].step_count == 10 and len(a) == 5  # every loss, train and test
    assert all(np.array_equal(mine, theirs) for mine, theirs in zip(a, b))  # exactly, float for float
    a, b = ab_curves(ab_step(app, "vae", "kl_weight", 1.0, 8.0), "vae")
    assert app.session_state["vae_ab_a_trainer"].model.config.kl_weight == 1.0
    assert app.session_state["vae_ab_b_trainer"].model.config.kl_weight == 8.0
    assert not np.array_equal(a[0], b[0])  # reconstruction: a heavier KL pulls the codes together

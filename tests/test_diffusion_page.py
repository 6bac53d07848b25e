"""The diffusion page (pages/diffusion.py) through the entry file, widgets found by key."""

import math
import pytest
from streamlit.testing.v1 import AppTest

from playground.checkpoints import to_bytes
from playground.models.vae import VAE, VAEConfig
from playground.trainer import Divergence
from tests.conftest import open_page

SECTIONS_2D = {"diffusion_forward_figure", "diffusion_schedule", "diffusion_curves", "diffusion_quality",
               "diffusion_live_samples", "diffusion_field", "diffusion_paths", "diffusion_data_density",
               "diffusion_sample_density", "diffusion_sampler_DDPM", "diffusion_sampler_DDIM", "diffusion_sampler_curve"}
SECTIONS_DIGITS = {"diffusion_chain", "diffusion_guided_samples", "diffusion_unconditional", "diffusion_sweep",
                   "diffusion_family_diffusion", "diffusion_family_VAE", "diffusion_family_conditional",
                   "diffusion_family_real"}


def trainer(app: AppTest):
    return app.session_state["diffusion_trainer"]


def chart(app: AppTest, key: str) -> str:
    return next(element.proto.spec for element in app.get("plotly_chart") if element.key == key)


def charts(app: AppTest) -> set[str]:
    return {element.key for element in app.get("plotly_chart")}


@pytest.fixture(scope="module")
def page() -> AppTest:
    """One run of the page on its default data (two moons) for the read-only checks."""
    return open_page("diffusion")


def test_every_2d_section_renders_from_the_pretrained_network(page):
    assert not page.exception and not page.error and not page.warning
    assert trainer(page).start_name == "pretrained" and trainer(page).step_count == 0
    assert SECTIONS_2D <= charts(page)
    formulas = " ".join(latex.value for latex in page.latex)
    for formula in (r"q(x_t \mid x_0)", r"\lVert \varepsilon - \varepsilon_\theta", r"\frac{1}{\sqrt{\alpha_t}}",
                    r"\hat x_0 ="):
        assert formula in formulas
    assert any("nothing of x₀ is left" in message.value for message in page.success)  # cosine, T = 50


def test_forward_slider_moves_the_points_and_a_short_linear_schedule_is_flagged():
    app = open_page("diffusion")
    before = chart(app, "diffusion_forward_figure")
    app.slider(key="diffusion_forward_t").set_value(5).run()
    assert not app.exception and chart(app, "diffusion_forward_figure") != before
    app.radio(key="diffusion_forward_schedule").set_value("linear").run()
    assert any("√ᾱ_T" in w.value or "0.78" in w.value for w in app.warning), [w.value for w in app.warning]
    app.slider(key="diffusion_forward_steps").set_value(1000).run()  # Ho et al.'s T: noise again, t kept in range
    assert not app.exception and not app.warning and app.slider(key="diffusion_forward_t").value == 5


def test_step_trains_and_records_the_loss_and_bad_input_gets_messages():
    app = open_page("diffusion")
    app.button(key="diffusion_step").click().run()
    assert not app.exception and trainer(app).step_count == 100
    steps, losses = trainer(app).history.series("loss")
    assert steps == list(range(1, 101)) and all(loss > 0 for loss in losses)
    assert trainer(app).history.series("MMD")[0] == [0, 100]
    app.select_slider(key="diffusion_hidden_points").set_value(64).run()  # the pretrained network is 128 wide
    assert not app.exception and any("random weights" in message.value for message in app.info)
    assert trainer(app).start_name == "random" and trainer(app).model.config.hidden == 64
    upload = ("vae.safetensors", to_bytes(VAE(VAEConfig(image_size=8))), "application/octet-stream")
    app.file_uploader(key="diffusion_upload").set_value(upload).run()
    assert not app.exception and any("not a 'Diffusion'" in error.value for error in app.error)
    app.file_uploader(key="diffusion_upload").set_value(None)
    app.select_slider(key="diffusion_steps_points").set_value(200)  # every sampling cost at its largest
    app.select_slider(key="diffusion_hidden_points").set_value(256)
    app.slider(key="diffusion_depth_points").set_value(4).run()
    assert not app.exception and not app.error
    assert any("more would take DDPM's 200 steps" in caption.value for caption in app.caption)  # no slider: 185 fit
    trainer(app).diverged = Divergence("loss", math.nan, 1)  # as a huge learning rate ends
    app.run()
    assert not app.exception and sum("has diverged" in error.value for error in app.error) == 4

def test_digits_guidance_slider_changes_the_samples_without_a_new_network():
    app = open_page("diffusion")
    app.selectbox(key="diffusion_dataset").set_value("Digits 8×8").run()
    assert not app.exception and not app.error and SECTIONS_DIGITS <= charts(app)
    network, before = trainer(app), chart(app, "diffusion_guided_samples")
    app.select_slider(key="diffusion_guidance_scale").set_value(3.0).run()
    assert not app.exception and chart(app, "diffusion_guided_samples") != before
    assert trainer(app) is network and network.model.config.guidance_scale == 3.0
    agreements = [metric.value for metric in app.metric if metric.label == "agreement"]
    assert agreements[-4:][1::2] == ["—", "—"]  # the families: diffusion, VAE (unconditional), GAN, real digits

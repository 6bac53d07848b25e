"""The diffusion page (pages/diffusion.py) through the entry file, widgets found by key."""

import json
import math

import numpy as np
import torch
from streamlit.testing.v1 import AppTest

from playground import diffusion_lessons as lessons
from playground.checkpoints import to_bytes
from playground.models.vae import VAE, VAEConfig
from playground.trainer import Divergence
from tests.conftest import component_data, open_page, shown, until_done

LEARN, FORWARD, LEARNED, SAMPLERS, GUIDANCE, FAMILIES = SECTIONS = (
    "Learn to denoise", "Forward process", "What it learned", "Samplers", "Guidance", "Three families")
SECTIONS_2D = {"diffusion_forward_figure", "diffusion_schedule", "diffusion_curves", "diffusion_quality",
               "diffusion_live_samples", "diffusion_field", "diffusion_paths", "diffusion_data_density",
               "diffusion_sample_density", "diffusion_sampler_DDPM", "diffusion_sampler_DDIM", "diffusion_sampler_curve"}
SECTIONS_DIGITS = {"diffusion_chain", "diffusion_guided_samples", "diffusion_unconditional", "diffusion_sweep",
                   "diffusion_family_diffusion", "diffusion_family_VAE", "diffusion_family_GAN",
                   "diffusion_family_real"}


def trainer(app: AppTest):
    return app.session_state["diffusion_trainer"]


def chart(app: AppTest, key: str) -> str:
    return next(element.proto.spec for element in app.get("plotly_chart") if element.key == key)


def charts(app: AppTest) -> set[str]:
    return {element.key for element in app.get("plotly_chart")}


def show(app: AppTest, section: str) -> AppTest:
    app.segmented_control(key="diffusion_section").set_value(section)
    return app.run()


def place(node, key: str, path: tuple[int, ...] = ()) -> tuple[int, ...] | None:
    """Where the element `key` sits on the page: the index of each block from the main area down to it."""
    if getattr(node, "key", None) == key:
        return path
    for index, child in getattr(node, "children", {}).items():
        found = place(child, key, (*path, index))
        if found is not None:
            return found
    return None


def test_every_2d_section_renders_from_the_pretrained_network_one_at_a_time():
    app = open_page("diffusion")
    assert app.segmented_control(key="diffusion_section").value == LEARN  # the training panel comes first
    assert trainer(app).start_name == "pretrained" and trainer(app).step_count == 0
    shown, formulas, successes = set(), [], []
    for section in SECTIONS[:4]:
        show(app, section)
        assert not app.exception and not app.error and not app.warning, section
        assert not shown & charts(app), section  # only the section shown is drawn
        shown |= charts(app)
        formulas += [latex.value for latex in app.latex]
        successes += [message.value for message in app.success]
    assert SECTIONS_2D <= shown
    for formula in (r"q(x_t \mid x_0)", r"\lVert \varepsilon - \varepsilon_\theta", r"\frac{1}{\sqrt{\alpha_t}}",
                    r"\hat x_0 ="):
        assert formula in " ".join(formulas)
    assert any("nothing of x₀ is left" in message for message in successes)  # cosine, T = 50
    assert trainer(app).step_count == 0 and trainer(app).start_name == "pretrained"  # one network for every section


def test_forward_slider_moves_the_points_and_a_short_linear_schedule_is_flagged():
    app = show(open_page("diffusion"), FORWARD)
    before = chart(app, "diffusion_forward_figure")
    app.slider(key="diffusion_forward_t").set_value(5).run()
    assert not app.exception and chart(app, "diffusion_forward_figure") != before
    app.radio(key="diffusion_forward_schedule").set_value("linear").run()
    assert any("√ᾱ_T" in w.value or "0.78" in w.value for w in app.warning), [w.value for w in app.warning]
    app.slider(key="diffusion_forward_steps").set_value(1000).run()  # Ho et al.'s T: noise again, t kept in range
    assert not app.exception and not app.warning and app.slider(key="diffusion_forward_t").value == 5
    show(show(app, SAMPLERS), FORWARD)  # the schedule's controls wait while another section is shown
    assert app.slider(key="diffusion_forward_steps").value == 1000 and app.slider(key="diffusion_forward_t").value == 5
    assert app.radio(key="diffusion_forward_schedule").value == "linear"


def test_step_trains_and_records_the_loss_and_bad_input_gets_messages():
    app = open_page("diffusion")
    panel = place(app.main, "diffusion_play")
    until_done(app.button(key="diffusion_step").click().run())
    assert not app.exception and trainer(app).step_count == 100
    steps, losses = trainer(app).history.series("loss")
    assert steps == list(range(1, 101)) and all(loss > 0 for loss in losses)
    assert trainer(app).history.series("MMD")[0] == [0, 100]
    app.select_slider(key="diffusion_hidden_points").set_value(64).run()  # the pretrained network is 128 wide
    assert not app.exception and any("random weights" in message.value for message in app.info)
    assert place(app.main, "diffusion_play") == panel  # the message appeared beside the panel, not above it
    assert trainer(app).start_name == "random" and trainer(app).model.config.hidden == 64
    upload = ("vae.safetensors", to_bytes(VAE(VAEConfig(image_size=8))), "application/octet-stream")
    app.file_uploader(key="diffusion_upload").set_value(upload).run()
    assert not app.exception and any("not a 'Diffusion'" in shown(error.value) for error in app.error)
    app.file_uploader(key="diffusion_upload").set_value(None)
    app.select_slider(key="diffusion_steps_points").set_value(200)  # every sampling cost at its largest
    app.select_slider(key="diffusion_hidden_points").set_value(256)
    app.slider(key="diffusion_depth_points").set_value(4).run()
    show(app, SAMPLERS)
    assert not app.exception and not app.error
    assert any("more would take DDPM's 200 steps" in caption.value for caption in app.caption)  # no slider: 185 fit
    trainer(app).diverged = Divergence("loss", math.nan, 1)  # as a huge learning rate ends
    for section in SECTIONS[2:]:
        show(app, section)
        assert not app.exception and sum("has diverged" in error.value for error in app.error) == 1, section
        assert not charts(app), section
    app.button(key="diffusion_open_training").click().run()
    assert app.segmented_control(key="diffusion_section").value == LEARN


def test_the_sections_show_the_network_the_learn_section_trains_and_keep_its_controls():
    app = open_page("diffusion")
    app.select_slider(key="diffusion_hidden_points").set_value(64).run()
    until_done(app.button(key="diffusion_step").click().run())
    network = trainer(app)
    show(app, SAMPLERS)
    assert not app.exception and trainer(app) is network  # the same network, not a default one built for the section
    assert network.model.config.hidden == 64 and network.step_count == 100
    show(app, LEARN)
    assert app.select_slider(key="diffusion_hidden_points").value == 64 and trainer(app) is network


def test_digits_guidance_slider_changes_the_samples_without_a_new_network():
    app = show(open_page("diffusion"), GUIDANCE)
    assert any("only the digits" in message.value for message in app.info) and not charts(app)
    app.button(key="diffusion_use_digits").click().run()
    assert app.selectbox(key="diffusion_dataset").value == "Digits 8×8"
    shown = charts(app)
    for section in SECTIONS:
        shown |= charts(show(app, section))
        assert not app.exception and not app.error, section
    assert SECTIONS_DIGITS <= shown
    show(app, GUIDANCE)
    network, before = trainer(app), chart(app, "diffusion_guided_samples")
    app.select_slider(key="diffusion_guidance_scale").set_value(3.0).run()
    assert not app.exception and chart(app, "diffusion_guided_samples") != before
    assert trainer(app) is network and network.model.config.guidance_scale == 3.0
    show(app, FAMILIES)
    assert trainer(app) is network and network.model.config.guidance_scale == 3.0  # w kept while its slider is hidden
    assert any("w = 3" in markdown.value for markdown in app.markdown)
    agreements = [metric.value for metric in app.metric if metric.label == "agreement"]
    assert agreements[1::2] == ["—", "—"] and "—" not in agreements[::2]  # diffusion, VAE (unconditional), GAN, real


def distance_to(points: np.ndarray, model, n: int = 300) -> float:
    """Mean distance from the model's DDIM-10 samples to the nearest of `points`: 0 when it draws only them."""
    drawn = lessons.sample(model, n, torch.Generator().manual_seed(0), 10, 0.0, None, lessons.POINT_RANGE)
    return float(torch.cdist(drawn, torch.from_numpy(points)).min(1).values.mean())


def test_your_own_points_train_the_network_and_every_2d_section_shows_them():
    app = open_page("diffusion")
    app.selectbox(key="diffusion_dataset").set_value("your own points").run()
    assert not app.exception and any("at least 8 points" in info.value for info in app.info) and not charts(app)
    corner = (np.array([2.0, -2.0]) + 0.2 * np.random.default_rng(0).standard_normal((200, 2))).astype(np.float32)
    app.session_state["diffusion_points_points"] = corner  # what the drawing pad stores at the end of a stroke
    app.run()
    assert not app.exception and component_data(app, "diffusion_points")["extent"] == lessons.POINT_RANGE
    network = trainer(app)
    assert network.start_name == "random" and np.array_equal(network.data.points.numpy(), corner)
    before = distance_to(corner, network.model)
    until_done(app.button(key="diffusion_step").click().run())
    assert not app.exception and network.step_count == 100 and network.history.series("MMD")[0] == [0, 100]
    assert distance_to(corner, network.model) < 0.5 * before  # the samples have moved onto the drawn corner
    for section in (FORWARD, LEARNED, SAMPLERS):
        show(app, section)
        assert not app.exception and not app.error, section
        assert trainer(app) is network, section
    assert {"diffusion_field", "diffusion_paths", "diffusion_data_density"} <= charts(show(app, LEARNED))
    assert "your own points" in chart(show(app, FORWARD), "diffusion_forward_figure")
    assert any("only the digits" in message.value for message in show(app, GUIDANCE).info)


def test_a_bad_csv_of_points_gets_a_message_and_no_exception():
    app = open_page("diffusion")
    app.selectbox(key="diffusion_dataset").set_value("your own points").run()
    app.file_uploader(key="diffusion_points_csv").set_value(("bad.csv", b"x,y\n1,2\n3\n", "text/csv")).run()
    assert not app.exception and any("Row 2 is not two numbers" in shown(error.value) for error in app.error)
    far = "\n".join(f"{x},5" for x in range(10)).encode()  # on the GAN's plane, off the diffusion model's box
    app.file_uploader(key="diffusion_points_csv").set_value(("far.csv", far, "text/csv")).run()
    assert not app.exception and any("between −3 and 3" in info.value for info in app.info) and not charts(app)
    inside = "x,y\n" + "\n".join(f"{x / 10},{-x / 10}" for x in range(20))
    app.file_uploader(key="diffusion_points_csv").set_value(("mine.csv", inside.encode(), "text/csv")).run()
    assert not app.exception and len(trainer(app).data.points) == 20 and "diffusion_curves" in charts(app)


def figure(app: AppTest, key: str) -> dict:
    return json.loads(chart(app, key))


def test_the_history_slider_redraws_the_samples_at_an_earlier_step():
    app = open_page("diffusion")
    app.select_slider(key="diffusion_steps_per_click").set_value(10).run()
    until_done(app.button(key="diffusion_step").click().run())
    history = app.select_slider(key="diffusion_history")
    assert history.value == 10 and len(history.options) == 11
    now = figure(app, "diffusion_live_samples")["data"]
    history.set_value(1).run()
    assert not app.exception and figure(app, "diffusion_live_samples")["data"] != now  # the network of step 1
    assert [shape["x0"] for shape in figure(app, "diffusion_curves")["layout"]["shapes"]] == [1]
    app.select_slider(key="diffusion_history").set_value(10).run()  # back to now: the picture of step 10 again
    assert figure(app, "diffusion_live_samples")["data"] == now

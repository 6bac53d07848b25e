"""The GAN page (pages/gan.py) through the entry file, widgets found by key."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from playground.data import sample_2d
from tests.conftest import ab_curves, ab_step, component_data, open_page, until_done


def game(app: AppTest):
    return app.session_state["gan_trainer"]


def image_game(app: AppTest):
    return app.session_state["gan_image_trainer"]


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_page("gan")


def show(app: AppTest, section: str) -> AppTest:
    app.segmented_control(key="gan_section").set_value(section)
    return app.run()


def chart_keys(app: AppTest) -> set[str]:
    return {chart.key for chart in app.get("plotly_chart")}


def test_page_renders_both_games_and_the_formulas(page):
    assert not page.exception and not page.error and not page.warning
    assert game(page).step_count == 0
    assert any(r"\log D(x)" in latex.value for latex in page.latex)
    assert any(r"D^*(x)" in latex.value for latex in page.latex)
    assert {"gan_plane", "gan_losses", "gan_quality"} <= chart_keys(page)
    show(page, "Digits (DCGAN, conditional GAN)")
    assert not page.exception and image_game(page).step_count == 0
    assert {"gan_image_samples", "gan_digit_row"} <= chart_keys(page) and "gan_plane" not in chart_keys(page)


def test_step_and_single_player_buttons_advance_the_game():
    app = open_page("gan")
    app.button(key="gan_step").click().run()
    trainer = game(app)
    assert not app.exception and trainer.step_count == 10 and trainer.history.last("D loss") > 0
    generator = [p.clone() for p in trainer.model.generator.parameters()]
    app.button(key="gan_train_d").click().run()
    assert trainer.step_count == 11
    assert all((a == b).all() for a, b in zip(generator, trainer.model.generator.parameters()))
    app.button(key="gan_train_g").click().run()
    assert trainer.step_count == 12
    assert not all((a == b).all() for a, b in zip(generator, trainer.model.generator.parameters()))
    app.toggle(key="gan_show_mapping").set_value(True)
    app.toggle(key="gan_show_arrows").set_value(True).run()
    plane = next(chart for chart in app.get("plotly_chart") if chart.key == "gan_plane")
    assert not app.exception and "G(z-grid)" in plane.proto.spec and "G's push" in plane.proto.spec


def test_switching_distribution_starts_a_fresh_game():
    app = open_page("gan")
    app.button(key="gan_step").click().run()
    assert game(app).step_count == 10
    app.selectbox(key="gan_distribution").set_value("two moons").run()
    assert not app.exception and game(app).step_count == 0
    assert game(app).data.name == "two moons" and game(app).history.names == []  # no mode metrics here
    assert "gan_quality" not in {chart.key for chart in app.get("plotly_chart")}
    app.radio(key="gan_loss").set_value("hinge").run()  # a critic, not a probability: no ½ lines
    assert not app.exception and game(app).model.config.loss == "hinge" and game(app).step_count == 0


def test_preset_fills_the_controls_and_play_trains():
    app = open_page("gan")
    app.selectbox(key="gan_preset").set_value("fix: k = 5 D steps").run()
    assert app.slider(key="gan_disc_steps_per_gen_step").value == 5 and app.select_slider(key="gan_discriminator_lr").value == 1e-4
    assert app.select_slider(key="gan_generator_lr").value == 2e-3
    assert game(app).config.updates_of("discriminator") == 5
    assert game(app).config.learning_rate_of("generator") == 2e-3
    app.button(key="gan_play").click().run()
    assert not app.exception and game(app).step_count > 0


def test_an_edited_preset_says_custom_and_picking_it_again_fills_the_controls_again():
    app = open_page("gan")
    app.selectbox(key="gan_preset").set_value("mode collapse").run()
    app.slider(key="gan_disc_steps_per_gen_step").set_value(3).run()
    assert app.selectbox(key="gan_preset").value == "custom"
    assert any("Your own settings" in caption.value for caption in app.caption)
    app.button(key="gan_step").click().run()
    app.selectbox(key="gan_preset").set_value("mode collapse").run()
    assert app.slider(key="gan_disc_steps_per_gen_step").value == 1
    assert app.select_slider(key="gan_generator_lr").value == 2e-3
    assert game(app).step_count == 0 and game(app).config.updates_of("discriminator") == 1  # a fresh game
    app.select_slider(key="gan_generator_lr").set_value(1e-3).run()
    app.select_slider(key="gan_discriminator_lr").set_value(1e-3).run()
    assert app.selectbox(key="gan_preset").value == "custom"  # edited into "it works", it is still an edit


def digit_row(app: AppTest) -> dict:
    """The figure of G(z | y) for ten z: the conditional row under the digit slider."""
    return next(json.loads(chart.proto.spec) for chart in app.get("plotly_chart") if "G(z | y" in chart.proto.spec)


def test_image_game_steps_and_conditional_row_follows_the_digit():
    app = show(open_page("gan"), "Digits (DCGAN, conditional GAN)")
    app.select_slider(key="gan_image_steps_per_click").set_value(1).run()
    app.button(key="gan_image_step").click().run()
    assert not app.exception and image_game(app).step_count == 1
    seven = digit_row(app)
    app.select_slider(key="gan_digit").set_value(3).run()
    three = digit_row(app)
    assert not app.exception and "y = 3" in three["layout"]["title"]["text"]
    assert three["data"][0]["z"] != seven["data"][0]["z"]  # the pretrained cGAN draws another digit
    walk = component_data(app, "gan_walk")  # the noise walk runs the generator of digit 3 in the browser
    assert walk["mode"] == "path" and walk["path"]["method"] == "spherical" and len(walk["path"]["a"]) == 32
    assert walk["model"]["id"].endswith("digit3") and walk["model"]["program"]["latent_dim"] == 32
    app.toggle(key="gan_conditional").set_value(False).run()
    assert not app.exception and image_game(app).model.config.num_classes == 0
    assert not component_data(app, "gan_walk")["model"]["id"].endswith("digit3")


def test_a_drawn_distribution_trains_once_it_has_enough_points():
    app = open_page("gan")
    app.selectbox(key="gan_distribution").set_value("drawn by you").run()
    assert not app.exception and any("at least 8 points" in info.value for info in app.info)
    ring = sample_2d("ring of 8", 200, np.random.default_rng(0))[0]
    app.session_state["gan_points_points"] = ring  # what the drawing pad stores at the end of a stroke
    app.run()
    assert not app.exception and component_data(app, "gan_points")["points"][0] == np.round(ring[0], 3).tolist()
    app.button(key="gan_step").click().run()
    assert not app.exception and game(app).step_count == 10
    assert np.array_equal(game(app).data.points.numpy(), ring)
    assert "drawn by you" in next(chart.proto.spec for chart in app.get("plotly_chart") if chart.key == "gan_plane")
    csv = "x,y\n" + "\n".join(f"{x},{y}" for x, y in ring[:50])
    app.file_uploader(key="gan_points_csv").set_value(("mine.csv", csv.encode(), "text/csv")).run()
    assert not app.exception and len(game(app).data.points) == 50 and game(app).step_count == 0


def chart(app: AppTest, key: str) -> dict:
    return next(json.loads(element.proto.spec) for element in app.get("plotly_chart") if element.key == key)


def test_the_history_slider_redraws_the_game_at_an_earlier_step_and_forks_there():
    app = open_page("gan")
    app.toggle(key="gan_show_arrows").set_value(True).run()  # G's gradients, taken on a past copy too
    until_done(app.button(key="gan_step").click().run())
    history = app.select_slider(key="gan_history")
    assert history.value == 10 and len(history.options) == 11
    now = chart(app, "gan_plane")["data"]
    history.set_value(1).run()
    assert not app.exception and chart(app, "gan_plane")["data"] != now  # D's heat-map and G's samples of step 1
    for key in ("gan_losses", "gan_outputs", "gan_quality"):
        assert [shape["x0"] for shape in chart(app, key)["layout"]["shapes"]] == [1]
    app.button(key="gan_fork").click().run()
    trainer = game(app)
    assert not app.exception and trainer.step_count == 1 and trainer.forked_at == 1
    assert max(trainer.history.series("D loss")[0]) == 1
    until_done(app.button(key="gan_step").click().run())  # the fork trains on from step 1
    assert trainer.step_count == 11 and app.select_slider(key="gan_history").options[:2] == ["0", "1"]


def test_the_digit_game_rewinds_its_samples_too():
    app = show(open_page("gan"), "Digits (DCGAN, conditional GAN)")
    until_done(app.button(key="gan_image_step").click().run())
    now = chart(app, "gan_image_samples")["data"]
    app.select_slider(key="gan_image_history").set_value(0).run()
    assert not app.exception and chart(app, "gan_image_samples")["data"] != now
    assert [shape["x0"] for shape in chart(app, "gan_image_losses")["layout"]["shapes"]] == [0]


def test_ab_games_from_one_seed_are_identical_with_equal_settings_and_part_with_different_ones():
    app = open_page("gan")
    app.toggle(key="gan_ab").set_value(True).run()
    assert not app.exception and {"gan_ab_curves", "gan_ab_picture_a", "gan_ab_picture_b"} <= chart_keys(app)
    a, b = ab_curves(ab_step(app, "gan", "generator_lr", 1e-3, 1e-3), "gan")
    assert app.session_state["gan_ab_b_trainer"].step_count == 10 and len(a) == 2 and len(a[0]) == 10  # D and G loss
    assert all(np.array_equal(mine, theirs) for mine, theirs in zip(a, b))  # exactly, float for float
    a, b = ab_curves(ab_step(app, "gan", "disc_steps_per_gen_step", 1, 3), "gan")
    assert app.session_state["gan_ab_b_trainer"].config.updates_of("discriminator") == 3
    assert not np.array_equal(a[0], b[0])

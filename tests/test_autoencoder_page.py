"""The autoencoder page through the entry file: it renders, trains, and survives every control."""

import json

import numpy as np
import torch

from playground.data import split
from playground.user_data import mnist_like
from tests.conftest import ab_curves, ab_step, component_data, decoded, draw_on, open_page, until_done
from tests.test_user_data import drawn


def charts(app) -> dict[str, dict]:
    """Every Plotly figure on the page by its title."""
    figures = [json.loads(element.proto.spec) for element in app.get("plotly_chart")]
    return {figure["layout"].get("title", {}).get("text", ""): figure for figure in figures}


def charts_by_key(app) -> set[str]:
    return {chart.key for chart in app.get("plotly_chart")}


def metric(app, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def show(app, section: str):
    app.segmented_control(key="ae_section").set_value(section)
    return app.run()


def test_page_renders_the_pretrained_model_in_every_section():
    app = open_page("autoencoder")
    assert not app.exception
    assert "Autoencoder" in app.title[0].value
    assert app.toggle(key="ae_pretrained").value
    assert any(text.value == "**codes of the test set**" for text in app.markdown)
    pad = component_data(app, "ae_pad")  # the latent map, decoded in the browser under the pointer
    assert pad["mode"] == "plane" and pad["plane"]["axes"] == [[1, 0], [0, 1]] and pad["model"]["program"]
    assert len(decoded({"dtype": "<f4", "bdata": pad["points"]["xy"]})) == 2 * len(split("MNIST 28×28", 0).x_test)
    assert "reconstruction error per test image" in charts(show(app, "Anomalies"))
    assert "angle to PCA's plane (°)" in charts(show(app, "Linear AE = PCA"))
    assert any(m.label.startswith("On the AE codes") for m in show(app, "Few labels").metric)
    assert not app.exception
    assert not any(text.value == "**codes of the test set**" for text in app.markdown)  # only the section shown


def test_a_section_keeps_its_controls_while_another_is_shown():
    app = open_page("autoencoder")
    app.slider(key="ae_latent_dim").set_value(8).run()
    app.button(key="ae_step").click().run()
    show(show(app, "Anomalies"), "Train")
    assert app.slider(key="ae_latent_dim").value == 8 and metric(app, "Step") == "10"  # same model, not rebuilt


def test_changing_latent_size_and_stepping_updates_the_charts():
    app = open_page("autoencoder")
    before = charts(app)
    app.slider(key="ae_latent_dim").set_value(8).run()
    app.button(key="ae_step").click().run()
    assert not app.exception
    after = charts(app)
    assert any(text.value == "**codes of the test set (PCA of the 8-D codes)**" for text in app.markdown)
    plane = component_data(app, "ae_pad")["plane"]  # the pad walks the plane of the PCA map: 8-D codes
    assert np.array(plane["axes"]).shape == (2, 8) and len(plane["origin"]) == 8
    grid = "test originals over their reconstructions"
    assert after[grid]["data"] != before[grid]["data"]
    train_steps = decoded(after["Reconstruction error"]["data"][0]["x"])
    assert metric(app, "Step") == "10" and len(train_steps) == 10


def test_denoising_shows_noisy_inputs_and_penalties_get_their_curves():
    app = open_page("autoencoder")
    app.selectbox(key="ae_noise").set_value("masking").run()
    app.select_slider(key="ae_sparsity_weight").set_value(1e-3).run()
    app.select_slider(key="ae_contractive_weight").set_value(1e-2).run()
    app.button(key="ae_step").click().run()
    assert not app.exception
    figures = charts(app)
    assert "originals · noisy x̃ · reconstructions" in figures
    names = {trace["name"] for trace in figures["Reconstruction error · penalties (before λ)"]["data"]}
    assert names == {"train loss", "test loss", "sparsity penalty", "contractive penalty"}


def test_conv_on_digits_with_tsne_and_greedy_pretraining_of_the_dense_stack():
    app = open_page("autoencoder")
    app.selectbox(key="ae_dataset").set_value("Digits 8×8").run()
    app.slider(key="ae_latent_dim").set_value(4).run()
    app.select_slider(key="ae_greedy_steps").set_value(50).run()
    until_done(app.button(key="ae_greedy").click().run())
    assert not app.exception
    assert any("Final loss of each layer pair" in caption.value for caption in app.caption)
    app.radio(key="ae_architecture").set_value("conv").run()
    app.button(key="ae_step").click().run()
    app.button(key="ae_tsne").click().run()
    assert not app.exception
    assert "t-SNE of the codes at step 10" in charts(app)


def test_linear_ae_angle_to_pca_falls_when_stepping():
    app = show(open_page("autoencoder"), "Linear AE = PCA")
    start = float(metric(app, "Principal angle between the two planes").rstrip("°"))
    app.select_slider(key="ae_pca_steps_per_click").set_value(1000).run()
    until_done(app.button(key="ae_pca_step").click().run())
    assert not app.exception
    assert float(metric(app, "Principal angle between the two planes").rstrip("°")) < min(start, 5.0)


def test_bad_hidden_sizes_give_a_warning_not_a_traceback():
    app = open_page("autoencoder")
    app.text_input(key="ae_hidden_sizes").input("128, many").run()
    assert not app.exception
    assert any("Hidden sizes must be whole numbers" in warning.value for warning in app.warning)


def test_downloaded_weights_upload_back_and_training_continues_from_them():
    import safetensors.torch

    from playground.checkpoints import to_bytes

    def first_layer_now():
        return app.session_state["ae_trainer"].model.state_dict()["encoder.1.0.weight"]

    app = open_page("autoencoder")
    app.button(key="ae_step").click().run()
    trained = to_bytes(app.session_state["ae_trainer"].model)  # what the ⬇ Weights button gives
    first_layer = safetensors.torch.load(trained)["encoder.1.0.weight"]
    app.button(key="ae_reset").click().run()  # back to the pretrained start
    assert "pretrained" in app.button(key="ae_reset").help and not first_layer_now().equal(first_layer)
    app.get("file_uploader")[0].upload("autoencoder.safetensors", trained).run()
    app.button(key="ae_load_upload").click().run()
    assert not app.exception and first_layer_now().equal(first_layer)
    app.button(key="ae_step").click().run()
    app.button(key="ae_reset").click().run()  # the uploaded weights are now the start
    assert "uploaded" in app.button(key="ae_reset").help and first_layer_now().equal(first_layer)


def test_weights_of_another_architecture_are_refused_with_a_message():
    from playground.checkpoints import to_bytes
    from playground.models.autoencoder import Autoencoder, AutoencoderConfig

    for other in (AutoencoderConfig(latent_dim=5), AutoencoderConfig(activation="tanh")):  # tanh: same shapes
        app = open_page("autoencoder")
        app.get("file_uploader")[0].upload("other.safetensors", to_bytes(Autoencoder(other))).run()
        assert not app.exception
        assert any("another model" in warning.value for warning in app.warning)
        assert not [button for button in app.button if button.key == "ae_load_upload"]


def test_pretrained_start_is_offered_only_on_the_split_it_was_trained_on():
    app = open_page("autoencoder")
    assert app.toggle(key="ae_pretrained").value
    app.sidebar.number_input(key="seed").set_value(1).run()
    assert not app.exception
    assert not [toggle for toggle in app.toggle if toggle.key == "ae_pretrained"]


def test_a_drawn_digit_is_marked_on_the_map_and_reconstructed():
    app = open_page("autoencoder")
    draw_on(app, "ae_drawing", drawn(7))
    marker = component_data(app, "ae_pad")["markers"][0]
    with torch.no_grad():
        code = app.session_state["ae_trainer"].model.encode(torch.from_numpy(mnist_like(drawn(7))[None]))[0].numpy()
    assert marker["label"] == "your digit" and np.allclose(marker["xy"], code, atol=1e-4)


def test_the_history_slider_redraws_an_earlier_step_and_continuing_from_it_forks_the_run():
    app = until_done(open_page("autoencoder").button(key="ae_step").click().run())
    history = app.select_slider(key="ae_history")
    assert history.value == 10 and history.options == [str(step) for step in range(11)]
    now = charts(app)
    grid, curves = "test originals over their reconstructions", "Reconstruction error"
    assert "shapes" not in now[curves]["layout"]  # no marker while the view shows now
    live_pad = component_data(app, "ae_pad")["model"]["id"]
    history.set_value(3).run()
    assert not app.exception
    past = charts(app)
    assert past[grid]["data"] != now[grid]["data"]
    assert [shape["x0"] for shape in past[curves]["layout"]["shapes"]] == [3]
    assert component_data(app, "ae_pad")["model"]["id"] != live_pad  # the map decodes with step 3's weights
    assert any("at step 3 of 10" in caption.value for caption in app.caption)
    app.button(key="ae_fork").click().run()
    assert not app.exception and metric(app, "Step") == "3"
    assert decoded(charts(app)[curves]["data"][0]["x"]).max() == 3  # the history after step 3 is dropped
    assert app.select_slider(key="ae_history").options == ["0", "1", "2", "3"]


def test_ab_runs_from_one_seed_are_identical_with_equal_settings_and_part_with_different_ones():
    app = open_page("autoencoder")
    app.selectbox(key="ae_dataset").set_value("Digits 8×8").run()
    app.toggle(key="ae_ab").set_value(True).run()
    assert not app.exception and {"ae_ab_curves", "ae_ab_picture_a", "ae_ab_picture_b"} <= charts_by_key(app)
    a, b = ab_curves(ab_step(app, "ae", "learning_rate", 3e-3, 3e-3), "ae")
    assert app.session_state["ae_ab_b_trainer"].step_count == 10 and len(a[0]) == 10  # train loss, every step
    assert all(np.array_equal(mine, theirs) for mine, theirs in zip(a, b))  # exactly, float for float
    a, b = ab_curves(ab_step(app, "ae", "learning_rate", 3e-3, 3e-2), "ae")
    assert app.session_state["ae_ab_a_trainer"].step_count == 10  # both rebuilt at step 0, then stepped together
    assert a[0][0] == b[0][0] and not np.array_equal(a[0], b[0])  # the same first batch on the same weights, then not

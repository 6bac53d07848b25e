"""The RNN page (pages/rnn.py) through the entry file, widgets found by key."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import SPANISH_TEXT, open_page, shown, until_done


def trainer(app: AppTest, task: str, cell: str):
    return app.session_state[f"rnn_{task}_{cell.lower()}_trainer"]


def generated(app: AppTest, prime: str) -> str:
    """The text of the generation tab: its prime, then what the model wrote."""
    return next(code.value for code in app.code if code.value.startswith(prime))


def open_task(task: str) -> AppTest:
    app = open_page("rnn")
    app.segmented_control(key="rnn_task").set_value(task).run()
    app.select_slider(key="rnn_steps_per_click").set_value(1).run()
    return app


def show(app: AppTest, section: str) -> AppTest:
    app.segmented_control(key="rnn_section").set_value(section)
    return app.run()


def chart_keys(app: AppTest) -> set[str]:
    return {chart.key for chart in app.get("plotly_chart")}


@pytest.mark.parametrize("task", ["forecast", "classify", "char", "memory"])
def test_each_task_renders_and_one_step_advances_it(task):
    app = open_task(task)
    assert not app.exception and not app.error
    cells = ("RNN", "LSTM", "GRU") if task == "memory" else ("LSTM",)  # long memory compares all three
    assert all(trainer(app, task, cell).step_count == 0 for cell in cells)
    app.button(key="rnn_step").click().run()
    assert not app.exception
    assert all(trainer(app, task, cell).step_count == 1 for cell in cells)
    assert next(metric for metric in app.metric if metric.label == "Step").value == "1"
    assert len(app.get("plotly_chart")) >= (1 if task == "char" else 2)  # the live curves (char: and its text)
    assert chart_keys(show(app, "Vanishing gradient")) == {"rnn_gradients"}
    assert chart_keys(show(app, "Hidden state")) == {"rnn_heatmap"}
    assert not app.exception and all(trainer(app, task, cell).step_count == 1 for cell in cells)


def test_char_page_writes_with_the_pretrained_model_before_training():
    app = show(open_task("char"), "Generate text")
    assert trainer(app, "char", "LSTM").step_count == 0
    assert any(caption.value.startswith("Written by the Pretrained LSTM") for caption in app.caption)
    text = generated(app, "The government ")
    assert len(text) == len("The government ") + 300
    app.button(key="rnn_sample_again").click().run()
    assert generated(app, "The government ") != text  # τ = 0.7 draws: a new draw, a new text
    app.slider(key="rnn_temperature").set_value(0.0).run()
    greedy = generated(app, "The government ")
    app.button(key="rnn_sample_again").click().run()
    assert generated(app, "The government ") == greedy  # τ = 0 is the arg-max: the same text every time
    app.text_input(key="rnn_prime").set_value("Sydney ~").run()
    assert not app.exception and any("~" in warning.value for warning in app.warning)
    assert len(generated(app, "Sydney ~")) == len("Sydney ~") + 300


def test_the_model_picker_names_the_model_that_writes_after_the_cell_or_corpus_changes():
    app = show(open_task("char"), "Generate text")
    app.radio(key="rnn_char_source").set_value("here").run()
    app.radio(key="rnn_char_cell").set_value("GRU").run()
    assert app.radio(key="rnn_char_source").value == "here"
    assert any(caption.value.startswith("Written by the GRU trained here (step 0)") for caption in app.caption)
    app.radio(key="rnn_char_source").set_value("pretrained").run()
    app.radio(key="rnn_corpus").set_value("Text pasted below").run()
    app.text_area(key="rnn_paste").set_value("The quick brown fox jumps over the lazy dog. " * 40).run()
    assert not app.exception and app.radio(key="rnn_char_source").value == "pretrained"
    assert any(caption.value.startswith("Written by the Pretrained LSTM") for caption in app.caption)


def test_changing_the_cell_shows_its_equations_and_trains_it():
    app = open_task("forecast")
    app.radio(key="rnn_forecast_cell").set_value("GRU").run()
    assert any("z_t" in latex.value for latex in app.latex)
    app.button(key="rnn_step").click().run()
    assert not app.exception and trainer(app, "forecast", "GRU").step_count == 1


def test_pasted_text_that_is_too_short_gets_a_warning_not_a_traceback():
    app = open_task("char")
    app.radio(key="rnn_corpus").set_value("Text pasted below").run()
    app.text_area(key="rnn_paste").set_value("too short").run()
    assert not app.exception and any("at least 200" in warning.value for warning in app.warning)


def test_a_pasted_spanish_text_trains_the_character_model_and_writes_it():
    app = open_task("char")
    app.radio(key="rnn_corpus").set_value("Text pasted below").run()
    app.text_area(key="rnn_paste").set_value(SPANISH_TEXT).run()
    app.button(key="rnn_step").click().run()
    model = trainer(app, "char", "LSTM").model
    assert not app.exception and trainer(app, "char", "LSTM").step_count == 1
    assert set("¿¡ñáéíóúü") <= set(model.config.vocabulary)
    app = show(app, "Generate text")
    app.radio(key="rnn_char_source").set_value("here").run()
    app.text_input(key="rnn_prime").set_value("¿Dónde está el niño? ").run()
    assert not app.exception and not app.warning  # every character of the prime is in the vocabulary
    assert len(generated(app, "¿Dónde está el niño? ")) == len("¿Dónde está el niño? ") + 300


def chart(app: AppTest, key: str) -> dict:
    return next(json.loads(element.proto.spec) for element in app.get("plotly_chart") if element.key == key)


def test_the_history_slider_rewinds_the_forecast_and_the_hidden_states_of_the_lead_cell():
    app = open_task("forecast")
    app.select_slider(key="rnn_steps_per_click").set_value(10).run()
    until_done(app.button(key="rnn_step").click().run())
    now = chart(app, "rnn_forecast_chart")["data"]
    app.select_slider(key="rnn_history").set_value(0).run()
    assert not app.exception and chart(app, "rnn_forecast_chart")["data"] != now
    assert [shape["x0"] for shape in chart(app, "rnn_forecast_loss")["layout"]["shapes"]] == [0]
    show(app, "Hidden state")
    now = chart(app, "rnn_heatmap")["data"]
    app.select_slider(key="rnn_history").set_value(1).run()  # the same history, offered beside the heat-map
    assert not app.exception and chart(app, "rnn_heatmap")["data"] != now


def test_continuing_from_a_past_step_forks_every_cell_trained_side_by_side():
    app = open_task("memory")
    app.select_slider(key="rnn_steps_per_click").set_value(10).run()
    until_done(app.button(key="rnn_step").click().run())
    app.select_slider(key="rnn_history").set_value(4).run()
    assert [shape["x0"] for shape in chart(app, "rnn_memory_accuracy")["layout"]["shapes"]] == [4]
    app.button(key="rnn_fork").click().run()
    assert not app.exception
    assert all(trainer(app, "memory", cell).step_count == 4 for cell in ("RNN", "LSTM", "GRU"))


def upload(app: AppTest, key: str, name: str, data: bytes) -> AppTest:
    app.file_uploader(key=key).set_value((name, data, "text/plain"))
    return app.run()


def test_an_uploaded_spanish_txt_file_trains_the_character_model():
    app = open_task("char")
    app.radio(key="rnn_corpus").set_value("A .txt file of yours").run()
    assert not app.exception and not app.error and any("needs a text" in info.value for info in app.info)
    upload(app, "rnn_upload", "cuento.txt", "\ufeff".encode() + SPANISH_TEXT.encode())  # with Notepad's BOM
    app.button(key="rnn_step").click().run()
    assert not app.exception and not app.error and trainer(app, "char", "LSTM").step_count == 1
    assert set("¿¡ñáéíóúü") <= set(trainer(app, "char", "LSTM").model.config.vocabulary)
    assert "\ufeff" not in trainer(app, "char", "LSTM").model.config.vocabulary


def test_a_txt_file_that_cannot_be_a_corpus_gets_an_error_and_the_next_file_trains():
    app = open_task("char")
    app.radio(key="rnn_corpus").set_value("A .txt file of yours").run()
    bad = {"latin.txt": ("¿Dónde está el niño? " * 20).encode("latin-1"), "empty.txt": b"",
           "chinese.txt": " ".join(chr(0x4E00 + index) for index in range(30_000)).encode(),
           "huge.txt": b"a" * 400_001, "short.txt": b"too short"}
    says = {"latin.txt": "not UTF-8", "empty.txt": "empty", "chinese.txt": "30,001 distinct characters",
            "huge.txt": "larger than 0.4 MB", "short.txt": "at least 200"}
    for name, data in bad.items():
        upload(app, "rnn_upload", name, data)
        assert not app.exception
        errors = [shown(error.value) for error in app.error]
        assert any(error.startswith(f"Could not load {name}: ") and says[name] in error for error in errors), errors
        assert any("needs a text" in info.value for info in app.info)  # nothing is built on it
    upload(app, "rnn_upload", "good.txt", SPANISH_TEXT.encode()).button(key="rnn_step").click().run()
    assert not app.exception and not app.error and trainer(app, "char", "LSTM").step_count == 1

"""The embeddings page through the entry file: analogies typed in, unknown words, projections, training, benchmarks."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import SPANISH_TEXT, open_page, shown, until_done


@pytest.fixture
def page() -> AppTest:
    app = open_page("embeddings")
    assert not app.exception
    return app


def show(app: AppTest, section: str) -> AppTest:
    app.segmented_control(key="emb_section").set_value(section)
    return app.run()


def type_analogy(app: AppTest, a: str, b: str, c: str) -> AppTest:
    for index, word in enumerate((a, b, c)):
        app.text_input(key=f"emb_analogy_{index}").set_value(word)
    return app.run()


def test_page_opens_on_king_minus_man_plus_woman(page):
    assert "≈ **queen**" in page.success[0].value


def test_an_analogy_typed_in_returns_answers_with_both_methods(page):
    type_analogy(page, "paris", "france", "germany")
    assert not page.exception and "≈ **berlin**" in page.success[0].value
    page.radio(key="emb_analogy_method").set_value("3CosMul").run()
    assert not page.exception and "≈ **berlin**" in page.success[0].value


def test_unknown_and_empty_words_show_a_message_not_a_traceback(page):
    type_analogy(page, "qeen", "man", "woman")
    assert not page.exception
    assert any("Did you mean: queen" in shown(warning.value) for warning in page.warning)
    type_analogy(page, "king", "", "woman")
    assert not page.exception and any("empty" in warning.value for warning in page.warning)
    show(page, "Neighbours & similarity").text_input(key="emb_query").set_value("zzqxj").run()
    assert not page.exception and any("“zzqxj” is not in the vocabulary of GloVe" in w.value for w in page.warning)


def test_an_edited_analogy_preset_says_custom_and_picking_it_again_restores_it(page):
    page.selectbox(key="emb_analogy_preset").set_value("paris − france + germany").run()
    type_analogy(page, "paris", "france", "italy")
    assert page.selectbox(key="emb_analogy_preset").value == "custom" and "≈ **rome**" in page.success[0].value
    page.selectbox(key="emb_analogy_preset").set_value("paris − france + germany").run()
    assert page.text_input(key="emb_analogy_2").value == "germany" and "≈ **berlin**" in page.success[0].value


def test_an_edit_that_overtakes_the_last_answer_keeps_both_edits(page):
    preset = page.selectbox(key="emb_analogy_preset").value  # what the browser shows before the first edit
    page.text_input(key="emb_analogy_0").set_value("paris").run()
    assert page.selectbox(key="emb_analogy_preset").value == "custom"
    # the second edit is sent before that answer arrives: its request still carries the box as the browser showed it
    page.selectbox(key="emb_analogy_preset").set_value(preset)
    page.text_input(key="emb_analogy_1").set_value("france").run()
    assert [page.text_input(key=f"emb_analogy_{index}").value for index in range(2)] == ["paris", "france"]
    assert page.selectbox(key="emb_analogy_preset").value == "custom"


def test_projection_presets_fill_the_pairs_and_draw_in_3d(page):
    show(page, "Projection").selectbox(key="emb_projection_preset").set_value("country – capital").run()
    assert page.text_area(key="emb_projection_pairs").value.startswith("france paris, germany berlin")
    page.radio(key="emb_projection_dims").set_value(3).run()
    assert not page.exception
    page.text_area(key="emb_projection_pairs").set_value("man woman, king").run()
    assert not page.exception and any("exactly two words" in warning.value for warning in page.warning)
    assert page.selectbox(key="emb_projection_preset").value == "custom"
    page.selectbox(key="emb_projection_preset").set_value("country – capital").run()
    assert page.text_area(key="emb_projection_pairs").value.startswith("france paris, germany berlin")


def test_word2vec_trains_on_the_lee_corpus_and_compares_with_glove(page):
    show(page, "Train your own").button(key="emb_w2v_step").click().run()
    assert not page.exception
    assert any(metric.label == "Step" and metric.value == "10" for metric in page.metric)
    page.radio(key="emb_compare_tool").set_value("Neighbours").run()
    assert not page.exception and any("nearest" in str(chart.proto.spec) for chart in page.get("plotly_chart"))
    show(page, "Benchmarks").radio(key="emb_bench_vectors").set_value("both").run()
    page.select_slider(key="emb_bench_restrict").set_value(1_000).run()
    page.button(key="emb_bench_run").click().run()
    assert not page.exception and any(metric.label == "your word2vec: Spearman ρ" for metric in page.metric)
    show(page, "Train your own").radio(key="emb_w2v_corpus").set_value("Paste a text").run()
    assert not page.exception and not page.error  # an empty box is a hint, not an error, before anything is typed
    assert any("Paste a text" in info.value for info in page.info)
    page.text_area(key="emb_w2v_text").set_value("1 2 3 ... !!!").run()
    assert not page.exception and any("no words" in error.value for error in page.error)


def test_benchmarks_run_on_demand(page):
    show(page, "Benchmarks").select_slider(key="emb_bench_restrict").set_value(1_000).run()
    assert any("Spearman" in metric.label for metric in page.metric)
    page.button(key="emb_bench_run").click().run()
    assert not page.exception
    assert any(metric.label == "GloVe: overall accuracy" for metric in page.metric)


def test_word2vec_trains_on_a_pasted_spanish_text(page):
    show(page, "Train your own").radio(key="emb_w2v_corpus").set_value("Paste a text").run()
    page.text_area(key="emb_w2v_text").set_value(SPANISH_TEXT).run()
    page.button(key="emb_w2v_step").click().run()
    assert not page.exception and not page.error
    assert any(metric.label == "Step" and metric.value == "10" for metric in page.metric)
    vocabulary = page.session_state["emb_w2v_trainer"].data.vocabulary.words
    assert {"dónde", "niño", "señor", "muñoz", "pingüina", "año"} <= set(vocabulary)


def test_the_history_slider_projects_the_vectors_of_an_earlier_step(page):
    def chart(key: str) -> dict:
        return next(json.loads(element.proto.spec) for element in page.get("plotly_chart") if element.key == key)

    until_done(show(page, "Train your own").button(key="emb_w2v_step").click().run())
    page.radio(key="emb_compare_tool").set_value("Projection").run()
    now = chart("emb_compare_ours_chart")["data"]
    page.select_slider(key="emb_w2v_history").set_value(0).run()
    assert not page.exception and chart("emb_compare_ours_chart")["data"] != now
    assert [shape["x0"] for shape in chart("emb_w2v_loss")["layout"]["shapes"]] == [0]


def upload(app: AppTest, key: str, name: str, data: bytes) -> AppTest:
    app.file_uploader(key=key).set_value((name, data, "text/plain"))
    return app.run()


def errors(app: AppTest) -> list[str]:
    return [shown(error.value) for error in app.error]


def test_word2vec_trains_on_an_uploaded_spanish_txt_file_and_bad_files_get_a_message(page):
    show(page, "Train your own").radio(key="emb_w2v_corpus").set_value("Upload a .txt").run()
    assert not page.exception and not page.error and any("upload a .txt file" in info.value for info in page.info)
    bad = {"latin.txt": (SPANISH_TEXT.encode("latin-1"), "not UTF-8"), "empty.txt": (b"\n \n", "empty"),
           "huge.txt": (b"word " * 400_001, "larger than 1.9 MB"), "digits.txt": (b"1 2 3 ... !!! 42", "no words")}
    for name, (data, says) in bad.items():
        upload(page, "emb_w2v_upload", name, data)
        assert not page.exception and any(says in error for error in errors(page)), errors(page)
    upload(page, "emb_w2v_upload", "cuento.txt", SPANISH_TEXT.encode()).button(key="emb_w2v_step").click().run()
    assert not page.exception and not page.error
    assert any(metric.label == "Step" and metric.value == "10" for metric in page.metric)
    vocabulary = page.session_state["emb_w2v_trainer"].data.vocabulary.words
    assert {"dónde", "niño", "señor", "muñoz", "pingüina", "año"} <= set(vocabulary)


VECTORS = "\n".join("\t".join(f"{value:.4f}" for value in row)  # 40 vectors of 8 dimensions in two clusters
                    for row in np.r_[np.eye(8)[[0] * 20], np.eye(8)[[7] * 20]] + np.linspace(0, 0.1, 320).reshape(40, 8))
LABELS = "word\tcluster\n" + "\n".join(f"w{index}\t{index // 20}" for index in range(40))  # the Projector's header


def test_uploaded_vectors_and_labels_are_projected_and_bad_files_get_a_message(page):
    show(page, "Projection").radio(key="emb_projection_source").set_value("Your vectors (TSV files)").run()
    assert not page.exception and any("Upload a vectors file" in info.value for info in page.info)
    upload(page, "emb_projection_vectors", "vectors.tsv", VECTORS.encode())
    upload(page, "emb_projection_labels", "metadata.tsv", LABELS.encode())
    assert not page.exception and not page.error
    chart = page.get("plotly_chart")[0]
    assert chart.key == "emb_projection_vectors_chart" and "w39" in str(chart.proto.spec)
    page.radio(key="emb_projection_method").set_value("t-SNE").run()
    page.radio(key="emb_projection_dims").set_value(3).run()
    assert not page.exception and "scatter3d" in str(page.get("plotly_chart")[0].proto.spec)
    bad = {"ragged.tsv": (b"1\t0\n0\t1\t1\n", "same number of values"), "words.tsv": (b"1\t0\nking\t1\n", "Line 2"),
           "latin.tsv": ("ñ\t1\n1\t0\n".encode("latin-1"), "not UTF-8"), "one.tsv": (b"1\t2\n", "between 2 and"),
           "huge.tsv": (b"0\t1\n" * 600_000, "larger than 2 MB")}
    for name, (data, says) in bad.items():
        upload(page, "emb_projection_vectors", name, data)
        assert not page.exception and any(says in error for error in errors(page)), errors(page)
    upload(page, "emb_projection_vectors", "three.tsv", b"1\t0\n0\t1\n1\t1\n")
    assert not page.exception and any("3 vectors but 40 labels" in error for error in errors(page)), errors(page)

"""The seq2seq page (pages/seq2seq.py) through the entry file, widgets found by key."""

import json

import sacrebleu
from streamlit.testing.v1 import AppTest

from playground.pretrain import load_pretrained
from playground.recipes.seq2seq import NAMES
from playground.seq2seq_data import DateTask, held_out_examples
from playground.seq2seq_lessons import TEST_EXAMPLES, translate_all
from playground.seq2seq_scores import TOKENISERS
from tests.conftest import open_page, until_done


def trainers(app: AppTest, task: str = "dates") -> list:
    return [app.session_state[f"s2s_{task}_{part}_trainer"] for part in ("attention", "plain")]


def chart(app: AppTest, key: str) -> dict:
    return json.loads(next(element for element in app.get("plotly_chart") if element.key == key).proto.spec)


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def candidates(app: AppTest):
    return next(frame for frame in app.dataframe if "log p" in frame.value.columns).value


def show(app, section: str):
    app.segmented_control(key="s2s_section").set_value(section)
    return app.run()


def test_page_races_both_models_translates_typed_dates_and_searches_beams():
    app = open_page("seq2seq")
    assert not app.exception and not app.error
    assert [t.step_count for t in trainers(app)] == [0, 0]
    assert [t.model.config.attention for t in trainers(app)] == ["additive", "none"]
    app.select_slider(key="s2s_steps_per_click").set_value(1).run()
    app.button(key="s2s_step").click().run()
    assert not app.exception and [t.step_count for t in trainers(app)] == [1, 1]
    assert metric(app, "Step") == "1"
    race = chart(app, "s2s_race")
    assert {trace["name"] for trace in race["data"]} >= {"attention · exact match", "no attention · loss"}

    app.text_input(key="s2s_source_dates").set_value("24-FEB-75").run()
    assert not app.exception and not app.warning
    live = chart(app, "s2s_live_attention")["layout"]  # the racing attention model, as it is now
    assert live["xaxis"]["ticktext"] == list("24-FEB-75")
    show(app, "Greedy vs beam search")
    assert any(md.value.startswith("Greedy: `1975-02-24`") for md in app.markdown)  # the pretrained default
    beam = chart(app, "s2s_beam_attention")["layout"]
    assert beam["xaxis"]["ticktext"] == list("24-FEB-75")
    assert beam["yaxis"]["ticktext"] == [*"1975-02-24", "⟨end⟩"]

    app.slider(key="s2s_beam_width").set_value(1).run()
    assert len(candidates(app)) == 1 and candidates(app)["output"].iloc[0] == "1975-02-24"
    app.slider(key="s2s_beam_width").set_value(8).run()
    widest = candidates(app)
    assert len(widest) == 8 and widest["output"].is_unique
    assert widest[widest["ended"] == "yes"]["log p"].is_monotonic_decreasing
    app.selectbox(key="s2s_candidate").set_value(8).run()
    last = widest["output"].iloc[7]
    assert chart(app, "s2s_beam_attention")["layout"]["yaxis"]["ticktext"][: len(last)] == list(last)

    app.toggle(key="s2s_transformer").set_value(True).run()  # a third contender joins the race at step 0
    show(app, "Train").button(key="s2s_step").click().run()
    joined = app.session_state["s2s_dates_transformer_trainer"]
    assert not app.exception and [t.step_count for t in trainers(app)] + [joined.step_count] == [2, 2, 1]
    assert "transformer · exact match" in {trace["name"] for trace in chart(app, "s2s_race")["data"]}


def test_displayed_bleu_and_chrf_are_sacrebleus_on_the_pages_own_corpus():
    app = show(open_page("seq2seq"), "Scores: exact match, BLEU, chrF")
    app.radio(key="s2s_scores_model").set_value("pretrained · no attention").run()
    examples = held_out_examples(DateTask(), TEST_EXAMPLES, seed=0)
    outputs, references = translate_all(load_pretrained(NAMES["none"]), examples), [e.target for e in examples]
    assert 0.8 < sum(o == r for o, r in zip(outputs, references)) / len(outputs) < 1  # BLEU has something to judge
    for tokeniser in TOKENISERS:
        app.radio(key="s2s_tokeniser").set_value(tokeniser).run()
        assert not app.exception
        expected = sacrebleu.corpus_bleu(outputs, [references], tokenize=tokeniser)
        assert metric(app, "BLEU") == f"{expected.score:.2f}"
        assert metric(app, "chrF") == f"{sacrebleu.corpus_chrf(outputs, [references]).score:.2f}"
        precisions = next(frame for frame in app.dataframe if "p_n (%)" in frame.value.columns).value
        assert list(precisions["p_n (%)"]) == expected.precisions
    assert metric(app, "BLEU") == "0.00"  # tokeniser "none": one token per date, so no 2-grams at all


def test_bad_input_gets_a_message_and_the_page_keeps_working():
    app = show(open_page("seq2seq"), "Greedy vs beam search")
    for text, message in [("", "nothing to translate"), ("4" * 10_000, "at most 40 characters"),
                          ("日本語 ✨", "nothing to translate"), ("😀 4 de agosto de 1972", "left out: 😀")]:
        app.text_input(key="s2s_source_dates").set_value(text).run()
        assert not app.exception, app.exception[0].value
        assert any(message in warning.value for warning in app.warning), (text[:20], [w.value for w in app.warning])
        assert len(app.text_input(key="s2s_source_dates").value) <= 60  # the box keeps at most 60 characters
    assert any(md.value.startswith("Greedy: `1972-08-04`") for md in app.markdown)  # the emoji was left out

    show(app, "Train").segmented_control(key="s2s_task").set_value("addition").run()
    app.slider(key="s2s_teacher_forcing").set_value(0.5).run()
    app.slider(key="s2s_addition_digits").set_value(8).run()
    app.text_input(key="s2s_source_addition").set_value("12+x").run()
    assert not app.exception and any("left out: x" in warning.value for warning in app.warning)
    before = trainers(app, "addition")
    app.select_slider(key="s2s_steps_per_click").set_value(1).run()
    app.button(key="s2s_step").click().run()
    after = trainers(app, "addition")
    assert not app.exception and [t.step_count for t in after] == [1, 1]
    assert all(a is b for a, b in zip(before, after))  # teacher forcing changes live: the same trainers
    assert [t.model.config.teacher_forcing for t in after] == [0.5, 0.5]
    assert not any(t.playing for t in trainers(app, "dates"))


def test_the_history_slider_translates_with_the_models_of_an_earlier_step():
    app = open_page("seq2seq")
    until_done(app.button(key="s2s_step").click().run())  # five steps per ⏭ for both contenders
    history = app.select_slider(key="s2s_history")
    assert not app.exception and history.value == 5 and len(history.options) == 6
    now = chart(app, "s2s_live_attention")["data"]
    history.set_value(0).run()
    assert not app.exception and chart(app, "s2s_live_attention")["data"] != now  # the random weights of step 0
    assert [shape["x0"] for shape in chart(app, "s2s_race")["layout"]["shapes"]] == [0]
    app.button(key="s2s_fork").click().run()
    assert not app.exception and [t.step_count for t in trainers(app)] == [0, 0]  # both contenders go back

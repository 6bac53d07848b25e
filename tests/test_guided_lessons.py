"""The guided lessons' definitions (playground/guided_lessons.py) and their measurements, without Streamlit."""

from pathlib import Path

import pytest

from playground.guided_lessons import BY_ID, LESSONS, Choice, NotMeasurable, analogy_rank, metric, real_word_share
from playground.pretrain import load_pretrained
from playground.trainer import History

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"linear_ae_pca", "ae_vs_vae", "beta_kl", "mode_collapse", "d_star", "vanishing_gradients", "temperature",
            "analogies"}


class FakeLab:
    """A Lab with one trainer's history, the real pretrained models and a few control values."""

    def __init__(self, trainers=None, settings=None):
        self.trainers, self.settings = trainers or {}, settings or {}

    def trainer(self, key):
        return self.trainers.get(key)

    def pretrained(self, name):
        return load_pretrained(name)

    def setting(self, key):
        return self.settings[key]


class Recorded:
    def __init__(self, **series):
        self.history = History()
        for name, values in series.items():
            for step, value in enumerate(values):
                self.history.add(step, {name: value})


def test_the_library_holds_the_issues_lessons_each_on_an_existing_page():
    assert REQUIRED <= set(BY_ID) and len(BY_ID) == len(LESSONS)
    for lesson in LESSONS:
        assert (ROOT / lesson.page).exists() and lesson.steps
        for step in lesson.steps:
            assert not step.steps or step.panel, f"{lesson.id}: a step that trains names its panel"
            assert len(step.choices) != 1


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_every_choice_question_has_exactly_one_true_answer_for_any_measurement(lesson):
    for step in (step for step in lesson.steps if step.choices):
        for value in (-1e9, -1.0, 0.0, 0.25, 0.4, 0.5, 0.75, 1.0, 2.0, 4.999, 5.0, 10.0, 11.0, 20.0, 1e9):
            assert sum(choice.holds(value) for choice in step.choices) == 1, (step.title, value)


def test_a_metric_is_the_mean_of_the_last_values_and_says_when_there_is_none():
    lab = FakeLab({"gan": Recorded(**{"D loss": [3.0, 1.0, 2.0]})})
    assert metric("gan", "D loss")(lab) == 2.0 and metric("gan", "D loss", over=2)(lab) == 1.5
    with pytest.raises(NotMeasurable):
        metric("gan", "G loss")(lab)
    with pytest.raises(NotMeasurable):
        metric("vae", "kl")(lab)


def test_a_hot_character_model_writes_fewer_real_words_than_a_cool_one():
    share = real_word_share("rnn_char_lee", "The government ", 300, 3)
    cool, hot = (share(FakeLab(settings={"rnn_temperature": tau})) for tau in (0.2, 1.5))
    assert cool > 0.9 and hot < 0.7


def test_glove_finds_queen_first_and_smaller_second():
    assert analogy_rank("king", "man", "woman", "queen")(FakeLab()) == 1
    assert analogy_rank("bigger", "big", "small", "smaller")(FakeLab()) == 2
    assert analogy_rank("king", "man", "woman", "no-such-word", k=5)(FakeLab()) == 6


def test_a_choice_holds_on_its_half_open_interval():
    choice = Choice("5 to 20", 5, 20)
    assert choice.holds(5) and choice.holds(19.9) and not choice.holds(20) and not choice.holds(4.9)

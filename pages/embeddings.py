"""Embedding analogies: GloVe vectors, king − man + woman, projections, benchmarks, word2vec trained live."""

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from playground import benchmarks_words as bench
from playground import word2vec_lessons as w2v
from playground.budgets import (
    EXPRESSION_CHARACTERS,
    ONE_HOT_CHARACTERS,
    ONE_HOT_WORDS,
    PAIRS_CHARACTERS,
    UNKNOWN_WORDS_SHOWN,
    WORD_CHARACTERS,
)
from playground.embeddings import (
    ANALOGY_METHODS,
    ANALOGY_PRESETS,
    PROJECTION_METHODS,
    PROJECTION_PRESETS,
    WordVectors,
    load_glove,
    offset_alignment,
    parse_pairs,
    project,
)
from playground.figures import heatmap, loss_curves
from playground.figures.embeddings import answer_scores, section_accuracy, similarity_scatter, word_map
from playground.models.word2vec import ARCHITECTURES
from playground.trainer import TrainConfig
from playground.word2vec_data import MAX_TEXT_CHARACTERS, Word2VecDataConfig, lee_text
from ui import routing, widgets
from ui.text import chart_text, plain

routing.through_app()  # a direct link on a fresh server still runs through app.py

RESTRICTIONS = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 400_000)  # most frequent words searched
COSINE_FORMULA = (r"\cos(\mathbf a, \mathbf b) = "
                  r"\frac{\mathbf a \cdot \mathbf b}{\lVert \mathbf a \rVert\,\lVert \mathbf b \rVert}")
SGNS_FORMULA = (r"\begin{aligned}\mathcal L = &-\log \sigma(\mathbf u_c^{\top} \mathbf h) \\"
                r" &- \sum_{k=1}^{K} \log \sigma(-\mathbf u_{n_k}^{\top} \mathbf h), \\"
                r" n_k &\sim P_n(w) \propto \mathrm{count}(w)^{3/4}\end{aligned}")
HIDDEN_FORMULAS = {  # the hidden vector h, and in words what predicts what
    "skip-gram": (r"\mathbf h = \mathbf v_{w_{t+j}} \text{ for each } j \in C_t",
                  "Each context word, on its own, predicts the centre word c = wₜ."),
    "CBOW": (r"\mathbf h = \frac{1}{|C_t|} \sum_{j \in C_t} \mathbf v_{w_{t+j}}",
             "The whole context predicts the centre word c = wₜ."),
}
CONTEXT_FORMULA = (r"C_t = \{j : 0 < |j| \le b,\ t + j \text{ in the same text}\}, \quad b \sim U\{1, \dots, W\}"
                   r" \quad \text{(a shrinking window: near words count more)}")
ONE_HOT_EXAMPLE = "king, queen, man, woman, apple, orange"
SECTIONS = ("Analogies", "Neighbours & similarity", "Projection", "One-hot vs dense", "Benchmarks", "Train your own")
LEE_CORPUS, PASTED_CORPUS = "Lee news corpus (gensim)", "Paste a text"


def glove() -> WordVectors:
    """One copy per server process (playground's cache, out of any client's reach), shared read-only."""
    with st.spinner("Loading GloVe: 400,000 words × 50 dimensions…"):
        return load_glove()


def word_pairs_report(side: WordVectors, restrict: int) -> bench.PairsReport:
    """GloVe's report is shared by every session; a session's own vectors are scored on the spot (353 pairs)."""
    return bench.glove_word_pairs(restrict) if side is glove() else bench.evaluate_word_pairs(side, None, restrict)


def analogy_evaluation(side: WordVectors, step: int, restrict: int, method: str) -> bench.AnalogyEvaluation:
    """GloVe's evaluation is shared by every session; this session's word2vec gets its own, kept while its
    vectors (at training step `step`) and the settings stay the same."""
    if side is glove():
        return bench.glove_analogies(restrict, method)
    stored = st.session_state.get("emb_bench_ours")
    if stored is None or stored[0] != (step, restrict, method):
        stored = ((step, restrict, method), bench.AnalogyEvaluation(side, None, restrict, method))
        st.session_state["emb_bench_ours"] = stored
    return stored[1]


def analogy_formula(method: str, a: str = "a", b: str = "b", c: str = "c") -> str:
    """The LaTeX of 3CosAdd or 3CosMul for a − b + c (the Google set writes b − a + c)."""
    best = rf"\hat x = \arg\max_{{x \notin \{{{a}, {b}, {c}\}}}}"
    if method == "3CosAdd":
        return rf"{best} \cos(x,\; {a} - {b} + {c})"
    return (rf"{best} \frac{{\cos'(x, {a})\,\cos'(x, {c})}}{{\cos'(x, {b}) + \varepsilon}},"
            r"\quad \cos' = \tfrac{1 + \cos}{2}")


# ---- tools shared by GloVe and the vectors trained below -------------------------------------

def fact(where, label: str, value: str, note: str) -> None:
    """A metric whose small print is a note, not a change: no arrow, no colour."""
    where.metric(label, value, note, delta_color="off", delta_arrow="off")


def known_words(vectors: WordVectors, words: Sequence[str]) -> set[str]:
    """The words in the vocabulary; a message with close spellings for the first few unknown ones
    (each spelling search costs ~50 ms), and a count of the rest."""
    unknown = [word for word in dict.fromkeys(words) if word.strip() not in vectors]
    for word in unknown[:UNKNOWN_WORDS_SHOWN]:
        try:
            vectors.index_of(word)
        except ValueError as error:
            st.warning(plain(error), icon="🔎")
    if len(unknown) > UNKNOWN_WORDS_SHOWN:
        st.warning(f"… and {len(unknown) - UNKNOWN_WORDS_SHOWN:,} more words not in the {vectors.name} vocabulary.",
                   icon="🔎")
    return set(words) - set(unknown)


def word_boxes(key: str, labels: Sequence[str], defaults: Sequence[str]) -> list[str]:
    """A row of text boxes whose values survive reruns (and presets can set them)."""
    words = []
    for index, (column, label, default) in enumerate(zip(st.columns(len(labels)), labels, defaults)):
        st.session_state.setdefault(f"{key}_{index}", default)
        words.append(column.text_input(label, max_chars=WORD_CHARACTERS,
                                       **widgets.kept(f"{key}_{index}")))
    return words


def show_analogy(vectors: WordVectors, words: Sequence[str], method: str, k: int, key: str,
                 restrict: int | None = None, expected: str | None = None) -> None:
    try:
        matches = vectors.analogy(*words, k=k, method=method, restrict=restrict)
    except ValueError as error:
        st.warning(plain(error), icon="🔎")
        return
    a, b, c = (plain(w.strip().lower()) for w in words)
    st.success(f"{vectors.name}: {a} − {b} + {c} ≈ **{plain(matches[0].word)}**")
    if expected and expected != matches[0].word:
        rank = next((i + 1 for i, m in enumerate(matches) if m.word == expected), None)
        place = f"number {rank}" if rank else f"not in the top {k}"
        st.caption(f"The expected answer “{plain(expected)}” is {place}.")
    st.plotly_chart(answer_scores([m.word for m in matches], [m.score for m in matches], expected,
                                  score_name=method), key=f"{key}_chart")


def show_neighbours(vectors: WordVectors, query: str, k: int, key: str, restrict: int | None = None) -> None:
    try:
        matches = vectors.nearest(query, k=k, restrict=restrict)
    except ValueError as error:
        st.warning(plain(error), icon="🔎")
        return
    st.plotly_chart(answer_scores([m.word for m in matches], [m.score for m in matches], score_name="cosine",
                                  title=f"{vectors.name}: nearest to {chart_text(query)}"), key=f"{key}_chart")


def show_projection(vectors: WordVectors, pairs: Sequence[tuple[str, str]], dims: int, method: str, key: str) -> None:
    words = known_words(vectors, [word for pair in pairs for word in pair])
    known = [pair for pair in pairs if set(pair) <= words]
    if len(known) * 2 <= dims + 1:
        st.info(f"{vectors.name}: a projection needs at least {dims // 2 + 2} known pairs.")
        return
    points = vectors.vectors([w for pair in known for w in pair])  # (2P, D)
    st.plotly_chart(word_map(project(points, dims, method, seed=widgets.seed()), known,
                             title=f"{vectors.name} · {method} {dims}-D"), key=f"{key}_chart")
    st.metric("Mean cosine between the offsets (all dimensions)", f"{offset_alignment(points):.2f}",
              help="1: every arrow points the same way in the full space; 0: unrelated directions.")


def pairs_box(key: str) -> list[tuple[str, str]]:
    """A preset picker and an editable list of pairs; a malformed list gets a message and no pairs."""
    presets = {name: {f"{key}_pairs": ", ".join(" ".join(pair) for pair in pairs)}
               for name, pairs in PROJECTION_PRESETS.items()}
    widgets.preset_picker("Preset", f"{key}_preset", presets)
    text = st.text_area("Pairs (first second, first second, …)", height=80,
                        max_chars=PAIRS_CHARACTERS, **widgets.kept(f"{key}_pairs"))
    try:
        return parse_pairs(text)
    except ValueError as error:
        st.warning(plain(error))
        return []


def projection_controls(key: str) -> tuple[int, str]:
    left, right = st.columns(2)
    dims = left.radio("Dimensions", (2, 3), horizontal=True, format_func=lambda d: f"{d}-D",
                      **widgets.kept(f"{key}_dims"))
    method = right.radio("Projection", PROJECTION_METHODS, horizontal=True,
                         **widgets.kept(f"{key}_method"),
                         help="PCA is linear: parallel offsets stay parallel. t-SNE keeps neighbours, not directions.")
    return dims, method


def analogy_controls(key: str) -> tuple[list[str], str, int, str | None]:
    """Preset, the three words, the method (with its formula) and k; returns the expected answer of a preset."""
    presets = {name: {f"{key}_{index}": word for index, word in enumerate(words[:3])}
               for name, words in ANALOGY_PRESETS.items()}
    preset = widgets.preset_picker("Preset from the course", f"{key}_preset", presets)
    words = word_boxes(key, ("a", "− b", "+ c"), ANALOGY_PRESETS["king − man + woman"][:3])
    left, right = st.columns([2, 1])
    method = left.radio("Method (Levy & Goldberg 2014)", ANALOGY_METHODS, horizontal=True,
                        **widgets.kept(f"{key}_method"))
    k = right.slider("Answers shown (k)", 1, 20, 10, **widgets.kept(f"{key}_k"))
    st.latex(analogy_formula(method))
    expected = ANALOGY_PRESETS[preset][3] if preset in ANALOGY_PRESETS else None  # a preset whose words are untouched
    return words, method, k, expected


# ---- the sections ----------------------------------------------------------------------------

def analogy_section(vectors: WordVectors) -> None:
    controls, result = widgets.controls_and_result((1, 1))
    with controls:
        st.caption("Type three words (Enter or Tab applies a word): the answer is the word whose vector is closest "
                   "to a − b + c, the inputs excluded.")
        words, method, k, expected = analogy_controls("emb_analogy")
        restrict = st.select_slider("Search among the most frequent words", RESTRICTIONS, value=400_000,
                                    format_func=lambda n: f"{n:,}",
                                    **widgets.kept("emb_analogy_restrict"),
                                    help="Rare words are noisy; gensim's benchmarks search the 300,000 most frequent.")
    with result:
        show_analogy(vectors, words, method, k, "emb_analogy", restrict, expected)


def neighbour_section(vectors: WordVectors) -> None:
    controls, result = widgets.controls_and_result()
    with controls:
        st.markdown("**Nearest neighbours**")
        query = st.text_input("A word, or an expression such as “king - man + woman”", "frog",
                              max_chars=EXPRESSION_CHARACTERS, **widgets.kept("emb_query"))
        count = st.slider("Neighbours", 1, 30, 10, **widgets.kept("emb_neighbours_k"))
        st.markdown("**Cosine similarity**")
        st.latex(COSINE_FORMULA)
        first, second = word_boxes("emb_similarity", ("word a", "word b"), ("cat", "dog"))
        try:
            cosine = vectors.similarity(first, second)
            st.metric(f"cos({plain(first.strip())}, {plain(second.strip())})", f"{cosine:.3f}",
                      help=f"angle {np.degrees(np.arccos(np.clip(cosine, -1, 1))):.0f}°")
            st.caption("1: same direction · 0: orthogonal (unrelated) · −1: opposite. "
                       "Vectors are stored at unit length, so the cosine is a dot product.")
        except ValueError as error:
            st.warning(plain(error), icon="🔎")
    with result:
        show_neighbours(vectors, query, count, "emb_neighbours")


def projection_section(vectors: WordVectors) -> None:
    controls, result = widgets.controls_and_result((1, 2))
    with controls:
        st.caption("Fifty dimensions squeezed to two or three. With PCA the arrows from the first to the second word "
                   "of each pair stay parallel when one direction carries the relation.")
        pairs = pairs_box("emb_projection")
        dims, projection_method = projection_controls("emb_projection")
    with result:
        if pairs:
            show_projection(vectors, pairs, dims, projection_method, "emb_projection")


def one_hot_section(vectors: WordVectors) -> None:
    text = st.text_input(f"A small vocabulary (at most {ONE_HOT_WORDS} words)", ONE_HOT_EXAMPLE,
                         max_chars=ONE_HOT_CHARACTERS, **widgets.kept("emb_one_hot_words"))
    typed = list(dict.fromkeys(w.strip().lower() for w in text.split(",") if w.strip()))
    if len(typed) > ONE_HOT_WORDS:
        st.warning(f"{len(typed)} words: the first {ONE_HOT_WORDS} are shown (the heat-maps grow as N²).")
    known = known_words(vectors, typed[:ONE_HOT_WORDS])
    chosen = [w for w in typed[:ONE_HOT_WORDS] if w in known]
    if len(chosen) < 2:
        st.info("Type at least two known words, separated by commas.")
        return
    rows = [vectors.index_of(w) for w in chosen]
    dense = vectors.vectors(chosen)  # (N, 50)
    left, right = st.columns(2)
    fact(left, "One-hot: numbers per word", f"{len(vectors):,}", f"{len(vectors) * 4 / 1e6:.1f} MB as float32")
    fact(right, "Dense GloVe: numbers per word", f"{vectors.dim}", f"{vectors.dim * 4} bytes as float32")
    columns = [f"#{row:,}" for row in rows]
    left.plotly_chart(heatmap(np.eye(len(chosen)), x=columns, y=chosen, colorscale="Blues",
                              title="One-hot: the only non-zero columns", axis_titles=("vocabulary index", "")),
                      key="emb_one_hot_map")
    right.plotly_chart(heatmap(dense, y=chosen, title="Dense: all 50 numbers", zmid=0,
                               axis_titles=("dimension", "")), key="emb_dense_map")
    left.latex(r"\cos(\mathbf e_i, \mathbf e_j) = 0 \quad (i \ne j)")
    left.plotly_chart(heatmap(np.eye(len(chosen)), x=chosen, y=chosen, zmid=0, title="Cosine of one-hot vectors"),
                      key="emb_one_hot_cosine")
    right.latex(COSINE_FORMULA)
    right.plotly_chart(heatmap(dense @ dense.T, x=chosen, y=chosen, zmid=0, title="Cosine of GloVe vectors"),
                       key="emb_dense_cosine")


def word2vec_controls() -> tuple[str | None, str, int, Word2VecDataConfig, TrainConfig]:
    """Corpus, architecture, the data settings and the learning controls; the corpus is None until pasted."""
    source = st.radio("Corpus", (LEE_CORPUS, PASTED_CORPUS), horizontal=True, **widgets.kept("emb_w2v_corpus"))
    corpus = lee_text()
    if source == PASTED_CORPUS:
        corpus = st.text_area(f"Your text (up to {MAX_TEXT_CHARACTERS:,} characters; each line is a document)",
                              key="emb_w2v_text", height=120, max_chars=MAX_TEXT_CHARACTERS,
                              persist_state=widgets.PERSIST)  # too long for an address: kept in the session only
    architecture = st.radio("Architecture", ARCHITECTURES, horizontal=True,
                            **widgets.kept("emb_w2v_architecture"))
    st.latex(SGNS_FORMULA)
    hidden, meaning = HIDDEN_FORMULAS[architecture]
    st.latex(hidden)
    st.caption(meaning)
    st.latex(CONTEXT_FORMULA)
    left, right = st.columns(2)
    window = left.slider("Window W", 1, 10, 5, help="context words on each side",
                         **widgets.kept("emb_w2v_window"))
    dim = right.select_slider("Dimension", (10, 20, 50, 100), value=50, **widgets.kept("emb_w2v_dim"))
    negatives = left.slider("Negatives K", 1, 20, 5, **widgets.kept("emb_w2v_negatives"))
    min_count = right.slider("Minimum count", 1, 10, 3, **widgets.kept("emb_w2v_min_count"))
    subsample = st.select_slider("Subsampling t", (0.0, 1e-4, 1e-3, 1e-2), value=1e-3,
                                 format_func=lambda t: "off" if t == 0 else f"{t:g}",
                                 **widgets.kept("emb_w2v_subsample"))
    st.latex(r"P(\text{drop } w) = 1 - \sqrt{t / f(w)}")
    rate, batch_size = widgets.learning_controls("emb_w2v", learning_rate=0.01, batch_size=1024)
    data_config = Word2VecDataConfig(window=window, negatives=negatives, min_count=min_count, subsample=subsample)
    train = TrainConfig(learning_rate=rate, batch_size=batch_size)
    return (corpus if corpus.strip() else None), architecture, dim, data_config, train


def compare_with_glove(vectors: WordVectors, learned: WordVectors) -> None:
    st.subheader("Your vectors beside GloVe")
    tool = st.radio("Tool", ("Analogy", "Neighbours", "Projection"), horizontal=True,
                    **widgets.kept("emb_compare_tool"))
    if tool == "Analogy":
        words, method, k, expected = analogy_controls("emb_compare_analogy")
    elif tool == "Neighbours":
        query = st.text_input("A word or an expression", "israeli",
                              max_chars=EXPRESSION_CHARACTERS, **widgets.kept("emb_compare_query"))
    else:
        pairs = pairs_box("emb_compare_projection")
        dims, projection_method = projection_controls("emb_compare_projection")
    for column, side in zip(st.columns(2), (learned, vectors)):
        with column:
            prefix = f"emb_compare_{'ours' if side is learned else 'glove'}"
            if tool == "Analogy":
                show_analogy(side, words, method, k, prefix, expected=expected)
            elif tool == "Neighbours":
                show_neighbours(side, query, 10, prefix)
            elif pairs:
                show_projection(side, pairs, dims, projection_method, prefix)


def training_section(vectors: WordVectors) -> None:
    controls, result = widgets.controls_and_result((1, 2))
    with controls:
        st.caption("word2vec on a small corpus, live. The Lee corpus (300 news stories, 60,000 words) is 100,000 "
                   "times smaller than GloVe's 6 billion tokens: watch which relations it can still learn.")
        corpus, architecture, dim, data_config, train = word2vec_controls()
    with result:
        if corpus is None:
            st.info("Paste a text on the left (a few paragraphs at least) to train on it.")
            return
        try:  # an unusable text, or a model over the budget (OverBudget), before anything is built
            spec = (hash(corpus), architecture, dim, data_config, widgets.seed())
            recipe = w2v.recipe(corpus, data_config, architecture, dim, train, widgets.seed())
            trainer = widgets.session_trainer("emb_w2v", spec, lambda: recipe.build(widgets.device()))
            trainer.configure(learning_rate=train.learning_rate, batch_size=train.batch_size)
        except ValueError as error:
            st.error(plain(error))
            return

        def render() -> None:
            st.plotly_chart(loss_curves(trainer.history, ["loss", "σ(real pair)", "σ(noise pair)"],
                                        title="SGNS loss, and how sure the classifier is"), key="emb_w2v_loss")

        widgets.training_panel("emb_w2v", trainer, render)
        widgets.download_run("emb_w2v", trainer, recipe.setup())
        st.caption(f"{len(trainer.data.vocabulary):,} words in the vocabulary, {len(trainer.data.tokens):,} tokens "
                   "after subsampling. A batch is that many centre words, each with its window; the K noise words "
                   "are drawn once per centre and shared by its context words.")
        compare_with_glove(vectors, w2v.learned_vectors(trainer))


def learned_here() -> WordVectors | None:
    """The vectors of the word2vec the last section trains, once it has been built."""
    built = widgets.built_trainer("emb_w2v")
    return None if built is None else w2v.learned_vectors(built[0])


def benchmark_section(vectors: WordVectors) -> None:
    learned = learned_here()
    controls, result = widgets.controls_and_result((1, 3))
    with controls:
        st.caption("Two standard tests. The Google set asks 19,544 questions a : b :: c : ? in 14 sections; a "
                   "question counts when the best answer to b − a + c is right. WordSim353 asks whether the cosine "
                   "ranks 353 word pairs as people did. The 3CosAdd accuracies equal gensim's "
                   "`evaluate_word_analogies` and the WordSim figures its `evaluate_word_pairs`; gensim has no "
                   "3CosMul benchmark, so that column is ours alone.")
        choices = ["GloVe"] + (["your word2vec", "both"] if learned is not None else [])
        which = st.radio("Vectors", choices, horizontal=True, **widgets.kept("emb_bench_vectors"),
                         help="Train your own in the last section to compare.")
        restrict = st.select_slider("Vocabulary restriction: questions must use only the most frequent",
                                    RESTRICTIONS, value=30_000,
                                    format_func=lambda n: f"{n:,}", **widgets.kept("emb_bench_restrict"),
                                    help="gensim's default is 300,000; larger is slower and harder.")
        bench_method = st.radio("Method", ANALOGY_METHODS, horizontal=True,
                                **widgets.kept("emb_bench_method"))
    chosen_vectors = {"GloVe": [vectors], "your word2vec": [learned], "both": [vectors, learned]}[which]
    with result:
        pairs, analogies = st.columns(2, gap="medium")
        with pairs:
            word_sim(chosen_vectors, restrict)
        with analogies:
            google_analogies(chosen_vectors, restrict, bench_method)


def word_sim(chosen_vectors: list[WordVectors], restrict: int) -> None:
    st.subheader("WordSim353")
    for column, side in zip(st.columns(len(chosen_vectors)), chosen_vectors):
        try:
            pairs_report = word_pairs_report(side, restrict)
        except ValueError as error:
            column.warning(f"{side.name}: {error}")
            continue
        fact(column, f"{side.name}: Spearman ρ", f"{pairs_report.spearman:.3f}",
             f"{len(pairs_report.pairs)} pairs, {pairs_report.skipped} skipped")
        column.plotly_chart(similarity_scatter([p[2] for p in pairs_report.pairs], [p[3] for p in pairs_report.pairs],
                                               [f"{p[0]} – {p[1]}" for p in pairs_report.pairs]),
                            key=f"emb_bench_pairs_{side.name}")
    st.latex(r"\begin{gathered}\rho = 1 - \frac{6 \sum_i d_i^2}{n (n^2 - 1)}, \\ d_i = \text{rank}_{\text{human}}(i)"
             r" - \text{rank}_{\cos}(i)\end{gathered}")


def google_analogies(chosen_vectors: list[WordVectors], restrict: int, bench_method: str) -> None:
    st.subheader("Google analogies")
    if st.button("Run the analogy test", key="emb_bench_run", type="primary"):
        st.session_state["emb_bench_requested"] = True
    st.latex(r"a : b :: c : \hat x")
    st.latex(analogy_formula(bench_method, "b", "a", "c"))
    if not st.session_state.get("emb_bench_requested"):
        st.caption("Answering every question takes seconds to minutes of CPU, a slice at a time: press the button.")
        return
    evaluations, trained = {}, widgets.built_trainer("emb_w2v")
    for side in chosen_vectors:
        try:
            step = trained[0].step_count if trained is not None and side is not glove() else 0
            evaluations[side.name] = analogy_evaluation(side, step, restrict, bench_method)
        except ValueError as error:
            st.warning(f"{side.name}: {plain(error)}")
    if any(evaluation.progress < 1 for evaluation in evaluations.values()):
        widgets.run_in_slices("emb_bench", list(evaluations.values()), "Answering the analogy questions")
    else:
        show_reports({name: evaluation.report for name, evaluation in evaluations.items()})


def show_reports(reports: dict[str, bench.AnalogyReport]) -> None:
    for column, (name, report) in zip(st.columns(max(1, len(reports))), reports.items()):
        fact(column, f"{name}: overall accuracy", f"{report.overall.accuracy:.1%}",
             f"{report.overall.correct:,} / {report.overall.total:,}; {report.skipped:,} skipped")
    if not reports:
        return
    sections = [s.section for s in next(iter(reports.values())).sections]
    accuracies = {name: [s.accuracy for s in report.sections] for name, report in reports.items()}
    st.plotly_chart(section_accuracy(sections, accuracies, title="Accuracy per section"), key="emb_bench_sections")
    name, report = next(iter(reports.items()))
    wrong = [(s, " ".join(q[:3]).lower(), q[3].lower(), p.lower()) for s, q, p in report.answers if p != q[3]]
    st.caption(f"Some questions {name} got wrong")
    st.dataframe(pd.DataFrame(wrong[:: max(1, len(wrong) // 50)][:50], columns=["section", "a b c", "expected", "answer"]),
                 hide_index=True)


# ---- the page --------------------------------------------------------------------------------

st.title("🔤 Embedding analogies")
st.write(
    "A one-hot vector gives each word its own axis: 400,000 numbers, all zero but one, and every pair of words "
    "equally unrelated. Dense embeddings place words by the company they keep (Firth): word2vec learns them by "
    "predicting neighbours (skip-gram, CBOW), GloVe from global co-occurrence counts. In such a space directions "
    "carry meaning (male → female, country → capital, present → past), so **king − man + woman ≈ queen** and "
    "similarity is the cosine. Ask the 400,000 GloVe vectors yourself, then train your own."
)
SECTION_VIEWS = dict(zip(SECTIONS, (analogy_section, neighbour_section, projection_section, one_hot_section,
                                    benchmark_section, training_section)))
SECTION_VIEWS[widgets.section_picker("emb_section", SECTIONS)](glove())

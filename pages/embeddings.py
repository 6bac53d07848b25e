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
    TSNE_POINTS,
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
from playground.figures.embeddings import answer_scores, label_map, section_accuracy, similarity_scatter, word_map
from playground.models.word2vec import ARCHITECTURES
from playground.trainer import TrainConfig
from playground.user_data import (
    MAX_BYTES_PER_CHARACTER,
    MAX_DIMENSIONS,
    MAX_UPLOAD_BYTES,
    MAX_VECTORS,
    labelled_vectors,
    labels_from_tsv,
    text_from_txt,
    vectors_from_tsv,
)
from playground.word2vec_data import MAX_TEXT_CHARACTERS, Word2VecDataConfig, lee_text
from ui import rewind, routing, widgets
from ui.i18n import N_, _, number, option_labels
from ui.text import chart_text, plain

routing.through_app()  # a direct link on a fresh server still runs through app.py

RESTRICTIONS = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 400_000)  # most frequent words searched
SUBSAMPLES = (0.0, 1e-4, 1e-3, 1e-2)  # word2vec's t; 0 keeps every word
COSINE_FORMULA = (r"\cos(\mathbf a, \mathbf b) = "
                  r"\frac{\mathbf a \cdot \mathbf b}{\lVert \mathbf a \rVert\,\lVert \mathbf b \rVert}")
SGNS_FORMULA = (r"\begin{aligned}\mathcal L = &-\log \sigma(\mathbf u_c^{\top} \mathbf h) \\"
                r" &- \sum_{k=1}^{K} \log \sigma(-\mathbf u_{n_k}^{\top} \mathbf h), \\"
                r" n_k &\sim P_n(w) \propto \mathrm{count}(w)^{3/4}\end{aligned}")
HIDDEN_FORMULAS = {  # the hidden vector h, and in words what predicts what
    "skip-gram": (r"\mathbf h = \mathbf v_{w_{t+j}} \text{ for each } j \in C_t",
                  N_("Each context word, on its own, predicts the centre word c = wₜ.")),
    "CBOW": (r"\mathbf h = \frac{1}{|C_t|} \sum_{j \in C_t} \mathbf v_{w_{t+j}}",
             N_("The whole context predicts the centre word c = wₜ.")),
}
CONTEXT_FORMULA = (r"\begin{aligned} C_t = \{j :\ &0 < |j| \le b, \\ &t + j \text{ in the same text}\} \\ "
                   r"b \sim\ &U\{1, \dots, W\} \\ &\text{(a shrinking window:} \\ &\text{near words count more)}"
                   r"\end{aligned}")  # short lines: the controls column is ~295 px wide at 1280×800
CURVES_HEIGHT = 250  # px: under the training panel and this page's taller heading, in view at 1280×720
ONE_HOT_EXAMPLE = "king, queen, man, woman, apple, orange"
SECTIONS = (N_("Analogies"), N_("Neighbours & similarity"), N_("Projection"), N_("One-hot vs dense"), N_("Benchmarks"),
            N_("Train your own"))
LEE_CORPUS, PASTED_CORPUS, UPLOADED_CORPUS = N_("Lee news corpus (gensim)"), N_("Paste a text"), N_("Upload a .txt")
PROJECTED = (N_("GloVe word pairs"), N_("Your vectors (TSV files)"))  # what the projection section maps
TSV = ("tsv", "txt")  # the Embedding Projector's files are .tsv; a text editor may save them as .txt
TOOLS = (N_("Analogy"), N_("Neighbours"), N_("Projection"))  # what compares your vectors with GloVe


def glove() -> WordVectors:
    """One copy per server process (playground's cache, out of any client's reach), shared read-only."""
    with st.spinner(_("Loading GloVe: 400,000 words × 50 dimensions…")):
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
        st.warning(_("… and {count} more words not in the {vocabulary} vocabulary.").format(
            count=number(len(unknown) - UNKNOWN_WORDS_SHOWN, 0), vocabulary=_(vectors.name)), icon="🔎")
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
    st.success(f"{_(vectors.name)}: {a} − {b} + {c} ≈ **{plain(matches[0].word)}**")
    if expected and expected != matches[0].word:
        rank = next((i + 1 for i, m in enumerate(matches) if m.word == expected), None)
        if rank:
            note = _("The expected answer “{expected}” is number {rank}.").format(expected=plain(expected), rank=rank)
        else:
            note = _("The expected answer “{expected}” is not in the top {k}.").format(expected=plain(expected), k=k)
        st.caption(note)
    st.plotly_chart(answer_scores([m.word for m in matches], [m.score for m in matches], expected,
                                  score_name=method), key=f"{key}_chart")


def show_neighbours(vectors: WordVectors, query: str, k: int, key: str, restrict: int | None = None) -> None:
    try:
        matches = vectors.nearest(query, k=k, restrict=restrict)
    except ValueError as error:
        st.warning(plain(error), icon="🔎")
        return
    title = _("{vectors}: nearest to {query}").format(vectors=_(vectors.name), query=chart_text(query))
    st.plotly_chart(answer_scores([m.word for m in matches], [m.score for m in matches], score_name=N_("cosine"),
                                  title=title), key=f"{key}_chart")


def show_projection(vectors: WordVectors, pairs: Sequence[tuple[str, str]], dims: int, method: str, key: str) -> None:
    words = known_words(vectors, [word for pair in pairs for word in pair])
    known = [pair for pair in pairs if set(pair) <= words]
    if len(known) * 2 <= dims + 1:
        st.info(_("{vectors}: a projection needs at least {count} known pairs.").format(vectors=_(vectors.name),
                                                                                     count=dims // 2 + 2))
        return
    points = vectors.vectors([w for pair in known for w in pair])  # (2P, D)
    st.plotly_chart(word_map(project(points, dims, method, seed=widgets.seed()), known,
                             title=f"{_(vectors.name)} · {method} {dims}-D"), key=f"{key}_chart")
    st.metric(_("Mean cosine between the offsets (all dimensions)"), f"{offset_alignment(points):.2f}",
              help=_("1: every arrow points the same way in the full space; 0: unrelated directions."))


def pairs_box(key: str) -> list[tuple[str, str]]:
    """A preset picker and an editable list of pairs; a malformed list gets a message and no pairs."""
    presets = {name: {f"{key}_pairs": ", ".join(" ".join(pair) for pair in pairs)}
               for name, pairs in PROJECTION_PRESETS.items()}
    widgets.preset_picker(_("Preset"), f"{key}_preset", presets, format_func=option_labels((*presets, widgets.CUSTOM)))
    text = st.text_area(_("Pairs (first second, first second, …)"), height=80,
                        max_chars=PAIRS_CHARACTERS, **widgets.kept(f"{key}_pairs"))
    try:
        return parse_pairs(text)
    except ValueError as error:
        st.warning(plain(error))
        return []


def projection_controls(key: str) -> tuple[int, str]:
    left, right = st.columns(2)
    dims = left.radio(_("Dimensions"), (2, 3), horizontal=True, format_func=lambda d: f"{d}-D",
                      **widgets.kept(f"{key}_dims"))
    method = right.radio(_("Projection"), PROJECTION_METHODS, horizontal=True,
                         **widgets.kept(f"{key}_method"),
                         help=_("PCA is linear: parallel offsets stay parallel. t-SNE keeps neighbours, not "
                                "directions."))
    return dims, method


def analogy_controls(key: str) -> tuple[list[str], str, int, str | None]:
    """Preset, the three words, the method (with its formula) and k; returns the expected answer of a preset."""
    presets = {name: {f"{key}_{index}": word for index, word in enumerate(words[:3])}
               for name, words in ANALOGY_PRESETS.items()}
    preset = widgets.preset_picker(_("Preset from the course"), f"{key}_preset", presets,
                                   format_func=option_labels((*presets, widgets.CUSTOM)))
    words = word_boxes(key, ("a", "− b", "+ c"), ANALOGY_PRESETS["king − man + woman"][:3])
    left, right = st.columns([2, 1])
    method = left.radio(_("Method (Levy & Goldberg 2014)"), ANALOGY_METHODS, horizontal=True,
                        **widgets.kept(f"{key}_method"))
    k = right.slider(_("Answers shown (k)"), 1, 20, 10, **widgets.kept(f"{key}_k"))
    st.latex(analogy_formula(method))
    expected = ANALOGY_PRESETS[preset][3] if preset in ANALOGY_PRESETS else None  # a preset whose words are untouched
    return words, method, k, expected


# ---- the sections ----------------------------------------------------------------------------

def analogy_section(vectors: WordVectors) -> None:
    controls, result = widgets.controls_and_result((1, 1))
    with controls:
        st.caption(_("Type three words (Enter or Tab applies a word): the answer is the word whose vector is "
                     "closest to a − b + c, the inputs excluded."))
        words, method, k, expected = analogy_controls("emb_analogy")
        restrict = st.select_slider(_("Search among the most frequent words"), RESTRICTIONS, value=400_000,
                                    format_func=option_labels(RESTRICTIONS, lambda n: number(n, 0)),
                                    **widgets.kept("emb_analogy_restrict"),
                                    help=_("Rare words are noisy; gensim's benchmarks search the 300,000 most "
                                           "frequent."))
    with result:
        show_analogy(vectors, words, method, k, "emb_analogy", restrict, expected)


def neighbour_section(vectors: WordVectors) -> None:
    controls, result = widgets.controls_and_result()
    with controls:
        st.markdown(_("**Nearest neighbours**"))
        query = st.text_input(_("A word, or an expression such as “king - man + woman”"), "frog",
                              max_chars=EXPRESSION_CHARACTERS, **widgets.kept("emb_query"))
        count = st.slider(_("Neighbours"), 1, 30, 10, **widgets.kept("emb_neighbours_k"))
        st.markdown(_("**Cosine similarity**"))
        st.latex(COSINE_FORMULA)
        first, second = word_boxes("emb_similarity", (_("word a"), _("word b")), ("cat", "dog"))
        try:
            cosine = vectors.similarity(first, second)
            angle = np.degrees(np.arccos(np.clip(cosine, -1, 1)))
            st.metric(f"cos({plain(first.strip())}, {plain(second.strip())})", f"{cosine:.3f}",
                      help=_("angle {degrees}°").format(degrees=number(angle, 0)))
            st.caption(_("1: same direction · 0: orthogonal (unrelated) · −1: opposite. "
                         "Vectors are stored at unit length, so the cosine is a dot product."))
        except ValueError as error:
            st.warning(plain(error), icon="🔎")
    with result:
        show_neighbours(vectors, query, count, "emb_neighbours")


def projection_section(vectors: WordVectors) -> None:
    controls, result = widgets.controls_and_result((1, 2))
    with controls:
        projected = st.radio(_("Vectors"), PROJECTED, format_func=option_labels(PROJECTED), horizontal=True,
                             **widgets.kept("emb_projection_source"))
        if projected == PROJECTED[0]:
            st.caption(_("Fifty dimensions squeezed to two or three. With PCA the arrows from the first to the second "
                         "word of each pair stay parallel when one direction carries the relation."))
            pairs = pairs_box("emb_projection")
        else:
            labelled = uploaded_vectors()
        dims, projection_method = projection_controls("emb_projection")
    with result:
        if projected == PROJECTED[0]:
            if pairs:
                show_projection(vectors, pairs, dims, projection_method, "emb_projection")
        elif labelled is None:
            st.info(_("Upload a vectors file and its labels file on the left to see them projected."))
        else:
            show_vectors_projection(*labelled, dims, projection_method)


def uploaded_vectors() -> tuple[list[str], np.ndarray] | None:
    """The two files TensorFlow's Embedding Projector reads, checked; None until both are there and agree."""
    st.caption(_("Your own vectors, as the Embedding Projector (projector.tensorflow.org) takes them: a file of "
                 "vectors, one per line with its values separated by tabs, and a file of labels, one per line in "
                 "the same order (at most {count} vectors of {dimensions} dimensions, {megabytes} MB a file).").format(
                     count=number(MAX_VECTORS, 0), dimensions=number(MAX_DIMENSIONS, 0),
                     megabytes=number(MAX_UPLOAD_BYTES / 2**20, 1)))
    vectors = widgets.upload_file(_("Vectors (.tsv)"), "emb_projection_vectors", TSV, MAX_UPLOAD_BYTES,
                                  vectors_from_tsv)
    labels = widgets.upload_file(_("Labels (.tsv)"), "emb_projection_labels", TSV, MAX_UPLOAD_BYTES, labels_from_tsv)
    if vectors is None or labels is None:
        return None
    try:
        return labelled_vectors(labels, vectors)
    except ValueError as error:
        st.error(plain(error))
        return None


def show_vectors_projection(labels: list[str], vectors: np.ndarray, dims: int, method: str) -> None:
    """Uploaded vectors (N, D) projected and labelled; t-SNE maps the first TSNE_POINTS of them (its cost grows
    faster than N), PCA all of them."""
    if method == "t-SNE" and len(vectors) > TSNE_POINTS:
        st.caption(_("t-SNE maps the first {count} of the {total} vectors (about a second of CPU); PCA maps them "
                     "all.").format(count=number(TSNE_POINTS, 0), total=number(len(vectors), 0)))
        labels, vectors = labels[:TSNE_POINTS], vectors[:TSNE_POINTS]
    try:
        points = project(vectors, dims, method, seed=widgets.seed())
    except ValueError as error:
        st.warning(plain(error))
        return
    title = _("Your vectors · {method} {dims}-D").format(method=method, dims=dims)
    st.plotly_chart(label_map(points, [chart_text(label) for label in labels], title=title),
                    key="emb_projection_vectors_chart")


def one_hot_section(vectors: WordVectors) -> None:
    """The words and the two sizes in one row, so that the maps under them are in view at 1280×720."""
    words, one_hot_size, dense_size = st.columns([2, 1, 1])
    text = words.text_input(_("A small vocabulary (at most {count} words)").format(count=ONE_HOT_WORDS), ONE_HOT_EXAMPLE,
                         max_chars=ONE_HOT_CHARACTERS, **widgets.kept("emb_one_hot_words"))
    typed = list(dict.fromkeys(w.strip().lower() for w in text.split(",") if w.strip()))
    if len(typed) > ONE_HOT_WORDS:
        st.warning(_("{count} words: the first {shown} are shown (the heat-maps grow as N²).").format(count=len(typed),
                                                                                           shown=ONE_HOT_WORDS))
    known = known_words(vectors, typed[:ONE_HOT_WORDS])
    chosen = [w for w in typed[:ONE_HOT_WORDS] if w in known]
    if len(chosen) < 2:
        st.info(_("Type at least two known words, separated by commas."))
        return
    rows = [vectors.index_of(w) for w in chosen]
    dense = vectors.vectors(chosen)  # (N, 50)
    fact(one_hot_size, _("One-hot: numbers per word"), number(len(vectors), 0),
         _("{megabytes} MB as float32").format(megabytes=number(len(vectors) * 4 / 1e6, 1)))
    fact(dense_size, _("Dense GloVe: numbers per word"), f"{vectors.dim}",
         _("{bytes} bytes as float32").format(bytes=vectors.dim * 4))
    left, right = st.columns(2)
    columns = [f"#{number(row, 0)}" for row in rows]
    left.plotly_chart(heatmap(np.eye(len(chosen)), x=columns, y=chosen, colorscale="Blues",
                              title=_("One-hot: the only non-zero columns"), axis_titles=(_("vocabulary index"), "")),
                      key="emb_one_hot_map")
    right.plotly_chart(heatmap(dense, y=chosen, title=_("Dense: all 50 numbers"), zmid=0,
                               axis_titles=(_("dimension"), "")), key="emb_dense_map")
    left.latex(r"\cos(\mathbf e_i, \mathbf e_j) = 0 \quad (i \ne j)")
    left.plotly_chart(heatmap(np.eye(len(chosen)), x=chosen, y=chosen, zmid=0,
                              title=_("Cosine of one-hot vectors")),
                      key="emb_one_hot_cosine")
    right.latex(COSINE_FORMULA)
    right.plotly_chart(heatmap(dense @ dense.T, x=chosen, y=chosen, zmid=0,
                               title=_("Cosine of GloVe vectors")),
                       key="emb_dense_cosine")


def word2vec_controls() -> tuple[str | None, str, int, Word2VecDataConfig, TrainConfig]:
    """Corpus, architecture, the data settings and the learning controls; the corpus is None until pasted or
    uploaded."""
    sources = (LEE_CORPUS, PASTED_CORPUS, UPLOADED_CORPUS)
    source = st.radio(_("Corpus"), sources, format_func=option_labels(sources), horizontal=True,
                      **widgets.kept("emb_w2v_corpus"))
    corpus = lee_text()
    if source == PASTED_CORPUS:
        label = _("Your text (up to {limit} characters; each line is a document)").format(
            limit=number(MAX_TEXT_CHARACTERS, 0))
        corpus = st.text_area(label, key="emb_w2v_text", height=120, max_chars=MAX_TEXT_CHARACTERS,
                              persist_state=widgets.PERSIST)  # too long for an address: kept in the session only
    elif source == UPLOADED_CORPUS:
        label = _("Your .txt file (UTF-8; the first {limit} characters are used; each line is a document)").format(
            limit=number(MAX_TEXT_CHARACTERS, 0))
        corpus = widgets.upload_file(label, "emb_w2v_upload", ("txt",), MAX_BYTES_PER_CHARACTER * MAX_TEXT_CHARACTERS,
                                     lambda data: text_from_txt(data, MAX_TEXT_CHARACTERS)) or ""
    architecture = st.radio(_("Architecture"), ARCHITECTURES, horizontal=True,
                            **widgets.kept("emb_w2v_architecture"))
    st.latex(SGNS_FORMULA)
    hidden, meaning = HIDDEN_FORMULAS[architecture]
    st.latex(hidden)
    st.caption(_(meaning))
    st.latex(CONTEXT_FORMULA)
    left, right = st.columns(2)
    window = left.slider(_("Window W"), 1, 10, 5, help=_("context words on each side"),
                         **widgets.kept("emb_w2v_window"))
    dim = right.select_slider(_("Dimension"), (10, 20, 50, 100), value=50, **widgets.kept("emb_w2v_dim"))
    negatives = left.slider(_("Negatives K"), 1, 20, 5, **widgets.kept("emb_w2v_negatives"))
    min_count = right.slider(_("Minimum count"), 1, 10, 3, **widgets.kept("emb_w2v_min_count"))
    subsample = st.select_slider(_("Subsampling t"), SUBSAMPLES, value=1e-3,
                                 format_func=option_labels(SUBSAMPLES, lambda t: _("off") if t == 0 else number(t, 4)),
                                 **widgets.kept("emb_w2v_subsample"))
    st.latex(r"P(\text{drop } w) = 1 - \sqrt{t / f(w)}")
    rate, batch_size = widgets.learning_controls("emb_w2v", learning_rate=0.01, batch_size=1024)
    data_config = Word2VecDataConfig(window=window, negatives=negatives, min_count=min_count, subsample=subsample)
    train = TrainConfig(learning_rate=rate, batch_size=batch_size)
    return (corpus if corpus.strip() else None), architecture, dim, data_config, train


def compare_with_glove(vectors: WordVectors, learned: WordVectors) -> None:
    st.subheader(_("Your vectors beside GloVe"))
    tool = st.radio(_("Tool"), TOOLS, format_func=option_labels(TOOLS), horizontal=True,
                    **widgets.kept("emb_compare_tool"))
    if tool == "Analogy":
        words, method, k, expected = analogy_controls("emb_compare_analogy")
    elif tool == "Neighbours":
        query = st.text_input(_("A word or an expression"), "israeli",
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
        st.caption(_("word2vec on a small corpus, live. The Lee corpus (300 news stories, 60,000 words) is 100,000 "
                     "times smaller than GloVe's 6 billion tokens: watch which relations it can still learn."))
        corpus, architecture, dim, data_config, train = word2vec_controls()
    with result:
        if corpus is None:
            st.info(_("Paste a text or upload a .txt file on the left (a few paragraphs at least) to train on it."))
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
            curves = loss_curves(trainer.history, ["loss", "σ(real pair)", "σ(noise pair)"],
                                 title=_("SGNS loss, and how sure the classifier is"),
                                 marker=rewind.moment("emb_w2v", [trainer]).step)
            st.plotly_chart(curves.update_layout(height=CURVES_HEIGHT), key="emb_w2v_loss")

        widgets.training_panel("emb_w2v", trainer, render, history=True)
        widgets.download_run("emb_w2v", trainer, recipe.setup())
        st.caption(_("{words} words in the vocabulary, {tokens} tokens after subsampling. A batch is that many "
                     "centre words, each with its window; the K noise words are drawn once per centre and shared by "
                     "its context words.").format(words=number(len(trainer.data.vocabulary), 0),
                                                  tokens=number(len(trainer.data.tokens), 0)))
        past = rewind.moment("emb_w2v", [trainer])  # the vectors now, or at the step the history slider points at
        compare_with_glove(vectors, w2v.learned_vectors(trainer, past.model(trainer)))


def learned_here() -> WordVectors | None:
    """The vectors of the word2vec the last section trains, once it has been built."""
    built = widgets.built_trainer("emb_w2v")
    return None if built is None else w2v.learned_vectors(built[0])


def benchmark_section(vectors: WordVectors) -> None:
    learned = learned_here()
    controls, result = widgets.controls_and_result((1, 3))
    with controls:
        st.caption(_("Two standard tests. The Google set asks 19,544 questions a : b :: c : ? in 14 sections; a "
                     "question counts when the best answer to b − a + c is right. WordSim353 asks whether the cosine "
                     "ranks 353 word pairs as people did. The 3CosAdd accuracies equal gensim's "
                     "`evaluate_word_analogies` and the WordSim figures its `evaluate_word_pairs`; gensim has no "
                     "3CosMul benchmark, so that column is ours alone."))
        choices = ["GloVe"] + ([N_("your word2vec"), N_("both")] if learned is not None else [])
        which = st.radio(_("Vectors"), choices, format_func=option_labels(choices), horizontal=True,
                         **widgets.kept("emb_bench_vectors"), help=_("Train your own in the last section to compare."))
        restrict = st.select_slider(_("Vocabulary restriction: questions must use only the most frequent"),
                                    RESTRICTIONS, value=30_000,
                                    format_func=option_labels(RESTRICTIONS, lambda n: number(n, 0)),
                                    **widgets.kept("emb_bench_restrict"),
                                    help=_("gensim's default is 300,000; larger is slower and harder."))
        bench_method = st.radio(_("Method"), ANALOGY_METHODS, horizontal=True,
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
            column.warning(f"{_(side.name)}: {error}")
            continue
        fact(column, _("{vectors}: Spearman ρ").format(vectors=_(side.name)), f"{pairs_report.spearman:.3f}",
             _("{pairs} pairs, {skipped} skipped").format(pairs=len(pairs_report.pairs), skipped=pairs_report.skipped))
        column.plotly_chart(similarity_scatter([p[2] for p in pairs_report.pairs], [p[3] for p in pairs_report.pairs],
                                               [f"{p[0]} – {p[1]}" for p in pairs_report.pairs]),
                            key=f"emb_bench_pairs_{side.name}")
    st.latex(r"\begin{gathered}\rho = 1 - \frac{6 \sum_i d_i^2}{n (n^2 - 1)}, \\ d_i = \text{rank}_{\text{human}}(i)"
             r" - \text{rank}_{\cos}(i)\end{gathered}")


def google_analogies(chosen_vectors: list[WordVectors], restrict: int, bench_method: str) -> None:
    st.subheader(_("Google analogies"))
    if st.button(_("Run the analogy test"), key="emb_bench_run", type="primary"):
        st.session_state["emb_bench_requested"] = True
    st.latex(r"a : b :: c : \hat x")
    st.latex(analogy_formula(bench_method, "b", "a", "c"))
    if not st.session_state.get("emb_bench_requested"):
        st.caption(_("Answering every question takes seconds to minutes of CPU, a slice at a time: press the button."))
        return
    evaluations, trained = {}, widgets.built_trainer("emb_w2v")
    for side in chosen_vectors:
        try:
            step = trained[0].step_count if trained is not None and side is not glove() else 0
            evaluations[side.name] = analogy_evaluation(side, step, restrict, bench_method)
        except ValueError as error:
            st.warning(f"{_(side.name)}: {plain(error)}")
    if any(evaluation.progress < 1 for evaluation in evaluations.values()):
        widgets.run_in_slices("emb_bench", list(evaluations.values()), _("Answering the analogy questions"))
    else:
        show_reports({name: evaluation.report for name, evaluation in evaluations.items()})


def show_reports(reports: dict[str, bench.AnalogyReport]) -> None:
    for column, (name, report) in zip(st.columns(max(1, len(reports))), reports.items()):
        fact(column, _("{vectors}: overall accuracy").format(vectors=_(name)), f"{report.overall.accuracy:.1%}",
             _("{correct} / {total}; {skipped} skipped").format(correct=number(report.overall.correct, 0),
                                                                total=number(report.overall.total, 0),
                                                                skipped=number(report.skipped, 0)))
    if not reports:
        return
    sections = [s.section for s in next(iter(reports.values())).sections]
    accuracies = {_(name): [s.accuracy for s in report.sections] for name, report in reports.items()}
    st.plotly_chart(section_accuracy(sections, accuracies, title=_("Accuracy per section")), key="emb_bench_sections")
    name, report = next(iter(reports.items()))
    wrong = [(s, " ".join(q[:3]).lower(), q[3].lower(), p.lower()) for s, q, p in report.answers if p != q[3]]
    st.caption(_("Some questions {vectors} got wrong").format(vectors=_(name)))
    st.dataframe(pd.DataFrame(wrong[:: max(1, len(wrong) // 50)][:50],
                              columns=[_("section"), "a b c", _("expected"), _("answer")]), hide_index=True)


# ---- the page --------------------------------------------------------------------------------

st.title(_("🔤 Embedding analogies"))
st.write(_(
    "A one-hot vector gives each word its own axis: 400,000 numbers, all zero but one, and every pair of words "
    "equally unrelated. Dense embeddings place words by the company they keep (Firth): word2vec learns them by "
    "predicting neighbours (skip-gram, CBOW), GloVe from global co-occurrence counts. In such a space directions "
    "carry meaning (male → female, country → capital, present → past), so **king − man + woman ≈ queen** and "
    "similarity is the cosine. Ask the 400,000 GloVe vectors yourself, then train your own."
))
st.caption(_("GloVe learnt its vectors from English text (Wikipedia and newswire), so type English words: king, "
             "queen, woman. The Lee corpus is English too; paste a text in another language under Train your own to "
             "get its vectors."))
SECTION_VIEWS = dict(zip(SECTIONS, (analogy_section, neighbour_section, projection_section, one_hot_section,
                                    benchmark_section, training_section)))
SECTION_VIEWS[widgets.section_picker("emb_section", SECTIONS)](glove())

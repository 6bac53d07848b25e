"""Seq2seq & attention: translate Spanish dates to ISO, race attention against none, score with BLEU."""

import math

import pandas as pd
import streamlit as st

from ui import rewind, routing, widgets
from ui.i18n import N_, _, ngettext, number, option_labels
from ui.text import plain
from playground import seq2seq_lessons as lessons
from playground import seq2seq_scores as scores
from playground.figures.seq2seq import attention_map, race
from playground.export import Recipe
from playground.models.seq2seq import CELLS
from playground.recipes.seq2seq import NAMES as PRETRAINED
from playground.seq2seq_data import AdditionTask, DateTask, DigitTask, Task, held_out_examples
from playground.trainer import TrainConfig, Trainer

routing.through_app()  # a direct link on a fresh server still runs through app.py

TASKS = {"dates": N_("Spanish dates → ISO"), "reverse": N_("Reverse digits"), "sort": N_("Sort digits"),
         "addition": N_("Addition")}
EXAMPLE_SOURCES = {"dates": "jueves, 4 de agosto de 1972", "reverse": "3141592653", "sort": "3141592653",
                   "addition": "123+45"}
SCORE_NAMES = {"additive": N_("additive (Bahdanau)"), "dot": N_("dot (Luong)")}
CONTENDERS = {N_("attention"): "attention", N_("no attention"): "plain",  # name -> key part
              N_("transformer"): "transformer"}
HIDDEN_SIZES = (32, 64, 128)  # at most 128 units and 128 examples: a race step of all three contenders ≤ 0.3 s
BATCH_SIZES = (16, 32, 64, 128)
STEPS_PER_CLICK = (1, 2, 5)  # so that one ⏭ costs at most ~1.5 s of CPU (~0.3 s at the defaults)
SECTIONS = (N_("Train"), N_("Greedy vs beam search"), N_("Scores: exact match, BLEU, chrF"), N_("Data"))
PRETRAINED_LABELS = {N_("pretrained · attention"): PRETRAINED["additive"],
                     N_("pretrained · no attention"): PRETRAINED["none"]}

# Each formula beside the controls is a few short lines: the controls column is ~250 px wide at 1280×800.
ENCODER = (r"\begin{aligned} h_j &= \mathrm{CELL}\big(E\,x_j,\ h_{j-1}\big) \\ "
           r"h_j &= \big[\overrightarrow{h}_j\,;\,\overleftarrow{h}_j\big]\ \text{(bidirectional)} \end{aligned}")
DECODER = (r"\begin{aligned} s_t &= \mathrm{CELL}\big([E\,y_{t-1}\,;\,c_t],\ s_{t-1}\big) \\ "
           r"s_0 &= \tanh\big(W_b\, c + b_b\big) \end{aligned}")
OUTPUT = (r"\begin{aligned} &p(y_t \mid y_{<t}, x) \\ "
          r"&\quad = \operatorname{softmax}\big(W_o\,[s_t\,;\,c_t] + b_o\big) \end{aligned}")
NO_ATTENTION = (r"\begin{aligned} &\text{without attention:} \\ "
                r"c &= \big[\overrightarrow{h}_S\,;\,\overleftarrow{h}_1\big] \\ "
                r"c_t &= c \text{ at every step} \end{aligned}")
ATTENTION = (r"\begin{aligned} e_{tj} &= \operatorname{score}(s_{t-1}, h_j) \\ "
             r"\alpha_t &= \operatorname{softmax}(e_t) \\ c_t &= \sum_{j=1}^{S} \alpha_{tj}\, h_j \end{aligned}")
SCORES = {"additive": (r"\begin{aligned} &\operatorname{score}(s, h) \\ "
                       r"&\quad = v^\top \tanh(W_s\, s + W_h\, h) \end{aligned}"),
          "dot": r"\operatorname{score}(s, h) = s^\top W\, h"}
TRANSFORMER = (r"\begin{aligned} &\text{Transformer:} \\ &\operatorname{Attention}(Q, K, V) \\ "
               r"&\quad = \operatorname{softmax}\Big(\frac{Q K^\top}{\sqrt{d_k}}\Big)\, V \end{aligned}")
TEACHER_FORCING = (r"\begin{aligned} &\text{input at step } t = \\ &\begin{cases} "
                   r"y_{t-1} & \text{with probability } p \\ & \text{(teacher forcing)} \\ "
                   r"\hat y_{t-1} & \text{otherwise} \\ & \text{(its own guess)} \end{cases} \end{aligned}")
BLEU_FORMULA = (r"\begin{aligned} \mathrm{BLEU} &= \mathrm{BP}\cdot\exp\Big(\sum_{n=1}^{4} \tfrac14 \log p_n\Big) \\ "
                r"\mathrm{BP} &= \min\big(1,\ e^{\,1 - r/c}\big) \end{aligned}")
PRECISION = (r"\begin{aligned} p_n &= \frac{\sum_{g} \min\big(\#_{\text{output}}(g),\ \#_{\text{reference}}(g)\big)}"
             r"{\sum_{g} \#_{\text{output}}(g)} \\ &g:\ n\text{-grams (clipped counts)} \end{aligned}")
PERPLEXITY = r"\mathrm{PPL} = \exp\Big(-\frac{1}{N} \sum_{t} \log p(y_t \mid y_{<t}, x)\Big)"


# ---- controls -------------------------------------------------------------------------------------

def task_controls(task_id: str) -> Task:
    if task_id == "dates":
        st.caption(_("Sixteen ways of writing a date in Spanish, in lower case, Title Case or CAPITALS, between 1950 "
                     "and 2049 (two-digit years: 50–99 are 19xx). One day in ten is held out for the test set."))
        return DateTask()
    if task_id in ("reverse", "sort"):
        low, high = st.slider(_("Source length (digits)"), 1, 20, (1, 10), **widgets.kept(f"s2s_{task_id}_lengths"))
        return DigitTask(task_id, low, high)
    return AdditionTask(st.slider(_("Digits per number"), 1, 8, 3, **widgets.kept("s2s_addition_digits")))


def architecture_controls() -> tuple[dict, str, bool]:
    """Cell, attention score, encoder, width and a third contender, with the equations they change under them."""
    cell = st.radio(_("Cell (encoder and decoder)"), CELLS, horizontal=True, **widgets.kept("s2s_cell"))
    st.latex(ENCODER.replace("CELL", cell))
    st.latex(DECODER.replace("CELL", cell))
    st.latex(OUTPUT)
    kind = st.radio(_("Attention score"), tuple(SCORE_NAMES), horizontal=True,
                    format_func=option_labels(SCORE_NAMES, lambda score: _(SCORE_NAMES[score])),
                    **widgets.kept("s2s_score"))
    st.latex(NO_ATTENTION)
    st.latex(ATTENTION)
    st.latex(SCORES[kind])
    bidirectional = st.toggle(_("Bidirectional encoder"), value=True, **widgets.kept("s2s_bidirectional"),
                              help=_("Each direction gets H/2 units, so h_j has H numbers either way."))
    hidden = st.select_slider(_("Hidden units H"), HIDDEN_SIZES, value=lessons.HIDDEN_SIZE,
                              **widgets.kept("s2s_hidden_size"))
    transformer = st.toggle(_("Add a one-layer Transformer (third contender)"), **widgets.kept("s2s_transformer"),
                            help=_("No recurrence: self-attention in the encoder and decoder, cross-attention "
                                   "between them, d_model = H, 4 heads, learned positions."))
    if transformer:
        st.latex(TRANSFORMER)
    return dict(cell=cell, bidirectional=bidirectional, hidden_size=hidden), kind, transformer


def teacher_forcing_control() -> float:
    ratio = st.slider(_("Teacher forcing p"), 0.0, 1.0, 1.0, step=0.05, **widgets.kept("s2s_teacher_forcing"),
                      help=_("May change while training runs."))
    st.latex(TEACHER_FORCING)
    return ratio


def typed_source(task_id: str, task: Task) -> str | None:
    """The text typed to translate, checked: a clear message instead of a traceback for anything unreadable."""
    label = _("Type a source to translate (at most {limit} characters)").format(limit=lessons.MAX_TYPED_CHARS)
    text = st.text_input(label, EXAMPLE_SOURCES[task_id], max_chars=lessons.MAX_TYPED_CHARS,
                         **widgets.kept(f"s2s_source_{task_id}"))
    try:
        kept, unseen = lessons.check_source(text, task.source_characters)
    except ValueError as error:
        st.warning(_("Cannot translate this: {error}.").format(error=plain(error)))
        return None
    if unseen:
        st.warning(_("Characters the model never saw are left out: {characters}").format(
            characters=plain(" ".join(unseen))))
    if len(kept) > task.max_source_length:
        st.warning(_("The models trained on sources of at most {limit} characters and this one has {count}: expect "
                     "a guess.").format(limit=task.max_source_length, count=len(kept)))
    return kept


# ---- trainers ------------------------------------------------------------------------------------

def contender_configs(task: Task, settings: dict, kind: str, transformer: bool) -> dict[str, lessons.Config]:
    configs = {"attention": lessons.model_config(task, attention=kind, **settings),
               "no attention": lessons.model_config(task, attention="none", **settings)}
    if transformer:
        configs["transformer"] = lessons.transformer_config(task, d_model=settings["hidden_size"])
    return configs


def session_trainers(task_id: str, task: Task, configs: dict[str, lessons.Config], teacher_forcing: float,
                     learning_rate: float, batch_size: int) -> dict[str, Trainer]:
    """The contenders: the same task, batches, seed and settings; each rebuilt when its own config changes."""
    seed, trainers = widgets.seed(), {}
    train = TrainConfig(learning_rate=learning_rate, batch_size=batch_size, eval_every=lessons.EVAL_EVERY)
    for name, config in configs.items():
        trainers[name] = widgets.session_trainer(
            f"s2s_{task_id}_{CONTENDERS[name]}", (task, config, seed),
            lambda config=config: lessons.build_trainer(task, config, train, seed, widgets.device()))
        trainers[name].configure(learning_rate=learning_rate, batch_size=batch_size, teacher_forcing=teacher_forcing)
    return trainers


def model_choice(key: str, task_id: str, trainers: dict[str, Trainer]) -> tuple[str, lessons.Model]:
    """A racing model, or (dates) a pretrained one, the default: the page translates before any training.

    The options stay English (the session's value); `model_label` shows them in the reader's language."""
    options = [f"{name} · trained here" for name in trainers]
    if task_id == "dates":
        options = [label for label, name in PRETRAINED_LABELS.items() if widgets.pretrained(name)] + options
    label = st.radio(_("Model"), options, format_func=option_labels(options, model_label), horizontal=True,
                     **widgets.kept(key))
    if label in PRETRAINED_LABELS:
        return model_label(label), widgets.pretrained(PRETRAINED_LABELS[label])
    return model_label(label), trainers[label.split(" · ")[0]].model


def model_label(option: str) -> str:
    if option in PRETRAINED_LABELS:
        return _(option)
    return _("{contender} · trained here").format(contender=_(option.split(" · ")[0]))


# ---- views ---------------------------------------------------------------------------------------

def live_view(trainers: dict[str, Trainer], source: str | None) -> None:
    """Redrawn while training: the race, and the typed source translated by both models as they learn (or as
    they were at the step the history slider shows, marked on the race)."""
    moment = rewind.moment("s2s", list(trainers.values()))
    chart, inside = st.columns([3, 2])
    chart.plotly_chart(race({name: trainer.history for name, trainer in trainers.items()}, marker=moment.step),
                       key="s2s_race")
    if source is None:
        return
    translations = {name: lessons.translate(moment.model(trainer), source) for name, trainer in trainers.items()}
    for name, translation in translations.items():
        inside.markdown(_("**{contender}** writes `{output}` (log p = {log_p})").format(
            contender=_(name), output=translation.output or " ", log_p=number(translation.log_prob, 2)))
    attended = translations["attention"]
    inside.plotly_chart(attention_map(attended.attention, source, attended.output, _("Attention α, live")),
                        key="s2s_live_attention")


def beam_view(task_id: str, trainers: dict[str, Trainer], source: str | None) -> None:
    """The search on the left; the chosen candidate's attention at the top of the right, in view at 1280×720."""
    left, right = st.columns([2, 3])
    with left:
        st.caption(_("Greedy decoding takes the most likely character at every step and never looks back. Beam search "
                     "keeps the k most likely beginnings at every step, so a start that looked second best can still "
                     "lead to the likeliest whole output. Candidates are ranked by log p(output | source), the sum of "
                     "their characters' log-probabilities, the end symbol included."))
        label, model = model_choice("s2s_beam_model", task_id, trainers)
        width = st.slider(_("Beam width k"), 1, lessons.MAX_BEAM_WIDTH, 3, **widgets.kept("s2s_beam_width"))
        if source is None:
            st.info(_("Type a source above to see its translations."))
            return
        greedy, candidates = lessons.translate(model, source), lessons.beam_search(model, source, width)
        st.markdown(_("Greedy: `{output}` with log p = {log_p}").format(output=greedy.output or " ",
                                                                          log_p=number(greedy.log_prob, 3)))
        table = pd.DataFrame({_("output"): [c.output for c in candidates], "log p": [c.log_prob for c in candidates],
                              "p": [math.exp(c.log_prob) for c in candidates],
                              _("ended"): [_("yes") if c.ended else _("cut off") for c in candidates]},
                             index=range(1, len(candidates) + 1))
        st.dataframe(table, key="s2s_candidates", column_config={"log p": st.column_config.NumberColumn(format="%.3f"),
                                                                "p": st.column_config.NumberColumn(format="%.4f")})
        rank = st.selectbox(_("Attention of candidate"), table.index, **widgets.kept("s2s_candidate"))
    chosen = candidates[rank - 1]
    if chosen.attention is None:
        right.info(_("This model has no attention: it reads the source only through the one vector c."))
    else:
        right.plotly_chart(attention_map(chosen.attention, source, chosen.output,
                                         _("{model}: candidate {rank}").format(model=label, rank=rank)),
                           key="s2s_beam_attention")


def scores_view(task_id: str, task: Task, trainers: dict[str, Trainer]) -> None:
    st.write(_("Exact match is all or nothing; BLEU and chrF give credit for parts. BLEU counts the output's "
               "n-grams found in the reference (each at most as often as the reference has it) for n = 1 to 4, "
               "and punishes outputs shorter than the references. On strings of ten characters the tokeniser "
               "decides what an n-gram is, so BLEU is only comparable with the same tokeniser."))
    label, model = model_choice("s2s_scores_model", task_id, trainers)
    tokeniser = st.radio(_("BLEU tokeniser (sacrebleu)"), scores.TOKENISERS, horizontal=True,
                         **widgets.kept("s2s_tokeniser"))
    examples = held_out_examples(task, lessons.TEST_EXAMPLES, widgets.seed())
    result = scores.score(model, examples, tokeniser)
    bleu = result.bleu
    columns = st.columns(5)
    columns[0].metric(_("Exact match"), f"{result.exact_match:.1%}")
    columns[1].metric(_("Character accuracy"), f"{result.character_accuracy:.1%}")
    columns[2].metric("BLEU", f"{bleu.score:.2f}")
    columns[3].metric("chrF", f"{result.chrf.score:.2f}")
    columns[4].metric(_("Perplexity"), f"{result.perplexity:.3f}",
                      help=_("Perplejidad of the decoder on the references, teacher forced: 1 is certain, a uniform "
                             "guess over its {tokens} tokens scores that many.").format(
                                 tokens=len(model.config.target_characters) + 3))
    st.caption(_("{model} on {count} held-out test examples (greedy decoding). sacrebleu signature: "
                 "`{signature}`").format(model=label, count=len(examples), signature=result.bleu_signature))
    st.latex(BLEU_FORMULA)  # the formulas under the numbers they give
    st.latex(PRECISION)
    st.latex(PERPLEXITY)
    precisions = pd.DataFrame({_("clipped matches"): bleu.counts, _("output n-grams"): bleu.totals,
                               "p_n (%)": bleu.precisions}, index=pd.Index(range(1, 5), name="n"))
    left, right = st.columns(2)
    left.dataframe(precisions, key="s2s_precisions")
    tokens = scores.tokens(examples[0].target, tokeniser)
    penalty = _("Brevity penalty BP = **{bp}** (output length c = {output_length}, reference length "
                "r = {reference_length}).").format(bp=number(bleu.bp, 3), output_length=bleu.sys_len,
                                                   reference_length=bleu.ref_len)
    reading = ngettext("Tokeniser **{tokeniser}** reads `{text}` as {count} token: `{tokens}`",
                       "Tokeniser **{tokeniser}** reads `{text}` as {count} tokens: `{tokens}`", len(tokens)).format(
                           tokeniser=tokeniser, text=examples[0].target, count=len(tokens), tokens=" ".join(tokens))
    right.markdown(f"{penalty}  \n{reading}")
    same = {name: scores.bleu(result.outputs, [e.target for e in examples], name)[0].score
            for name in scores.TOKENISERS}
    right.markdown(_("The same outputs under each tokeniser: {scores}").format(
        scores=", ".join(f"{name}: BLEU = {number(value, 2)}" for name, value in same.items())))
    st.dataframe(pd.DataFrame({_("source"): [e.source for e in examples[:10]], _("reference"): [e.target for e in
                               examples[:10]], _("output"): result.outputs[:10]}), key="s2s_outputs")


def data_view(task: Task) -> None:
    examples = held_out_examples(task, 12, widgets.seed())
    st.dataframe(pd.DataFrame({_("source"): [e.source for e in examples], _("target"): [e.target for e in examples]}),
                 key="s2s_data")
    st.caption(_("Source vocabulary: {size} characters (`{source}`); target vocabulary: `{target}`, plus the start, "
                 "end and padding symbols. Training batches are fresh draws; these are from the test stream.").format(
                     size=len(task.source_characters), source=task.source_characters, target=task.target_characters))


# ---- the page ------------------------------------------------------------------------------------

st.title(_("🔀 Seq2seq & attention"))
st.write(_(
    "A sequence-to-sequence network (secuencia a secuencia, Seq2Seq) reads a source with an encoder (codificador) and "
    "writes the target with a decoder (decodificador), one character at a time. Without attention, everything "
    "the decoder learns about the source must pass through one fixed vector; with attention it looks back at "
    "every source character at every step and chooses where to read. Train both side by side on the same data "
    "and watch which learns first, then look at where the attention model reads while it writes."
))
task_column, section_column = st.columns([5, 4], vertical_alignment="center")
task_id = task_column.segmented_control(_("Task"), tuple(TASKS), default="dates", required=True,
                                        format_func=option_labels(TASKS, lambda task: _(TASKS[task])),
                                        label_visibility="collapsed", **widgets.kept("s2s_task"))
with section_column:
    section = widgets.section_picker("s2s_section", SECTIONS)
controls, result = widgets.controls_and_result((2, 5))
with controls:
    task = task_controls(task_id)
    source = typed_source(task_id, task)
    settings, kind, transformer = architecture_controls()
    teacher_forcing = teacher_forcing_control()
    learning_rate, batch_size = widgets.learning_controls("s2s", lessons.LEARNING_RATE, lessons.BATCH_SIZE,
                                                         batch_sizes=BATCH_SIZES)
trainers = session_trainers(task_id, task, contender_configs(task, settings, kind, transformer), teacher_forcing,
                            learning_rate, batch_size)
widgets.pause_other_trainers("s2s_", keep=trainers.values())  # only the task on screen trains
with result:
    if section == SECTIONS[0]:
        widgets.training_panel("s2s", list(trainers.values()), lambda: live_view(trainers, source),
                               steps_per_click=STEPS_PER_CLICK, default_steps=5, history=True)
        lead = trainers["attention"]
        widgets.download_model(lead.model, f"seq2seq_{task_id}_attention.safetensors", key="s2s_download")
        widgets.download_run("s2s", lead, Recipe(lessons.build_trainer, (task, lead.model.config, lead.config,
                                                                         lead.seed),
                                                 title=f"Seq2seq with attention: {TASKS[task_id]}").setup())
    elif any(trainer.diverged for trainer in trainers.values()):
        st.error(_("Training diverged: lower the learning rate and press ↺ Reset in the Train section."))
    elif section == SECTIONS[1]:
        beam_view(task_id, trainers, source)
    elif section == SECTIONS[2]:
        scores_view(task_id, task, trainers)
    else:
        data_view(task)

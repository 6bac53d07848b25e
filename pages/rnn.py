"""RNN sequence demo: a plain RNN, an LSTM and a GRU compared on four sequence tasks."""

import numpy as np
import streamlit as st
import torch

from playground import rnn_lessons as lessons
from playground.budgets import SAMPLED_UNITS, OverBudget, check
from playground.figures.rnn import compare_cells, forecast, gradient_norms, hidden_state_map, sequences_by_class
from playground.models.rnn import CELLS, SequenceModel
from playground.seeding import seeded
from playground.sequences import (
    MAX_PASTED_CHARS,
    MOTIFS,
    PATTERNS,
    SERIES,
    TEST_STREAM,
    CharTask,
    ForecastTask,
    MemoryTask,
    PatternTask,
    Task,
    clean_pasted,
    corpus_from_txt,
    decode,
    evaluation_batch,
    lee_corpus,
    series,
)
from playground.trainer import TrainConfig, Trainer
from playground.user_data import MAX_BYTES_PER_CHARACTER
from ui import rewind, routing, widgets
from ui.i18n import N_, _, number, option_labels
from ui.text import plain

routing.through_app()  # a direct link on a fresh server still runs through app.py

TASKS = {"forecast": N_("Forecasting"), "classify": N_("Classification"), "char": N_("Character LM"),
         "memory": N_("Long memory")}
DEFAULTS = {  # per task: cell, hidden units, learning rate, keep-gate bias, train the three cells side by side
    "forecast": dict(cell="LSTM", hidden=32, learning_rate=3e-3, bias=1.0, compare=False),
    "classify": dict(cell="LSTM", hidden=32, learning_rate=3e-3, bias=1.0, compare=False),
    "char": dict(cell="LSTM", hidden=128, learning_rate=1e-2, bias=1.0, compare=False),
    "memory": dict(cell="LSTM", hidden=16, learning_rate=1e-2, bias=5.0, compare=True),
}
PRETRAINED_CHAR = "rnn_char_lee"
LEE, PASTED = N_("Lee news corpus (gensim, 360,000 characters)"), N_("Text pasted below")
UPLOADED = N_("A .txt file of yours")
CORPORA = (LEE, PASTED, UPLOADED)
GRAD_CLIP = 1.0  # ‖∇‖ ≤ 1: the usual guard against exploding gradients in RNNs
EVAL_EVERY = 25
VIEW_SEQUENCES = 32  # sequences behind the gradient view
LIVE_SAMPLE = 160  # characters written live while the char model trains
SECTIONS = (N_("Train"), N_("Vanishing gradient"), N_("Hidden state"), N_("Data"))
GENERATE = N_("Generate text")  # a section of the character LM only
SOURCES = ("pretrained", "here")  # which character model writes: stable values, labels by format_func

RECURRENCE = r"h_t = \phi\left(W_{xh}\, x_t + W_{hh}\, h_{t-1} + b_h\right)"
EQUATIONS = {
    "RNN": r"h_t = \tanh\left(W_{xh}\, x_t + W_{hh}\, h_{t-1} + b_h\right)",
    "LSTM": r"""\begin{aligned}
        i_t &= \sigma(W_{xi} x_t + W_{hi} h_{t-1} + b_i) \\
        f_t &= \sigma(W_{xf} x_t + W_{hf} h_{t-1} + b_f) \\
        o_t &= \sigma(W_{xo} x_t + W_{ho} h_{t-1} + b_o) \\
        g_t &= \tanh(W_{xg} x_t + W_{hg} h_{t-1} + b_g) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t &= o_t \odot \tanh(c_t)
    \end{aligned}""",
    "GRU": r"""\begin{aligned}
        z_t &= \sigma(W_{xz} x_t + W_{hz} h_{t-1} + b_z) \\
        r_t &= \sigma(W_{xr} x_t + W_{hr} h_{t-1} + b_r) \\
        n_t &= \tanh\big(W_{xn} x_t + b_{xn} \\ &\qquad + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big) \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
    \end{aligned}""",
}
GATES = {  # what each letter of EQUATIONS is
    "RNN": N_("One state h, rewritten at every step."),
    "LSTM": N_("i input gate, f forget gate, o output gate, g candidate, c cell state (the memory), h output."),
    "GRU": N_("z update gate, r reset gate, n candidate; h is both the memory and the output."),
}
KEEP_BIAS = {"LSTM": r"\begin{gathered}b_f = b,\ b_i = -b: \\ f_0 = \sigma(b),\ i_0 = 1 - \sigma(b)\end{gathered}",
             "GRU": r"b_z = b:\ z_0 = \sigma(b)"}
GRADIENT = (r"\frac{\partial \ell_T}{\partial h_t} = \frac{\partial \ell_T}{\partial h_T}"
            r"\prod_{k=t+1}^{T} \frac{\partial h_k}{\partial h_{k-1}}")
PERPLEXITY = (r"\begin{gathered}\mathrm{PPL} = \exp\Big(-\frac{1}{N} \sum_{n=1}^{N}"
              r" \\ \log p\,(x_{n+1} \mid x_1, \dots, x_n)\Big)\end{gathered}")
SAMPLING = r"p_i = \frac{\exp(z_i / \tau)}{\sum_j \exp(z_j / \tau)}"


def key(task_id: str, name: str) -> str:
    return f"rnn_{task_id}_{name}"


# ---- controls -------------------------------------------------------------------------------------

def architecture_controls(task_id: str) -> tuple[str, int, int, float]:
    """Cell, hidden units, layers and keep-gate bias, with the chosen cell's equations beside them."""
    defaults = DEFAULTS[task_id]
    cell = st.radio(_("Cell"), CELLS, index=CELLS.index(defaults["cell"]), horizontal=True,
                    **widgets.kept(key(task_id, "cell")))
    st.latex(EQUATIONS[cell])
    st.caption(_(GATES[cell]))
    if cell in KEEP_BIAS:
        st.latex(KEEP_BIAS[cell])
    hidden = st.select_slider(_("Hidden units H"), (8, 16, 32, 64, 128, 256), value=defaults["hidden"],
                              **widgets.kept(key(task_id, "hidden_size")))
    layers = st.slider(_("Layers"), 1, 3, 1, **widgets.kept(key(task_id, "num_layers")))
    bias = st.slider(_("Keep-gate bias b (LSTM, GRU)"), 0.0, 6.0, defaults["bias"], step=0.5,
                     **widgets.kept(key(task_id, "keep_gate_bias"), disabled=cell == "RNN"),
                     help=_("The share σ(b) of the old state a gate keeps per step at the start. At b = 0 a "
                            "memory halves every step; b = 4 keeps 98 %, so early steps still get a gradient."))
    return cell, hidden, layers, bias


def forecast_controls() -> tuple[ForecastTask, int]:
    name = st.selectbox(_("Series"), SERIES, format_func=option_labels(SERIES), **widgets.kept("rnn_series"))
    window = st.slider(_("Window T (steps read)"), 10, 200, 40, **widgets.kept("rnn_window"))
    horizon = st.slider(_("Horizon (values predicted at every step)"), 1, 20, 5, **widgets.kept("rnn_horizon"))
    future = st.slider(_("Roll-out steps"), 5, 100, 30, **widgets.kept("rnn_rollout_steps"))
    st.latex(r"\begin{gathered}\hat x_{t+1}, \dots, \hat x_{t+k} = W h_t + b, \\ k = \text{horizon}\end{gathered}")
    st.latex(r"\mathcal L = \frac{1}{T k} \sum_{t=1}^{T} \sum_{j=1}^{k} (\hat x_{t+j} - x_{t+j})^2")
    st.caption(_("Sequence to sequence: a prediction at every step. The roll-out feeds its own predictions "
                 "back as inputs, k values at a time, to forecast beyond the data."))
    return ForecastTask(name, window, horizon), future


def classify_controls() -> PatternTask:
    length = st.slider(_("Sequence length T"), 10, 200, 30, **widgets.kept("rnn_pattern_length"))
    noise = st.slider(_("Noise σ"), 0.0, 1.0, 0.4, step=0.05, **widgets.kept("rnn_noise"))
    st.latex(r"\hat y = \operatorname{softmax}(W h_T + b),\qquad \mathcal L = -\log \hat y_{\text{class}}")
    st.caption(_("Sequence to vector: which motif ({motifs}) hides somewhere in the noise? "
                 "Only the last state h_T is read.").format(motifs=", ".join(_(name) for name in PATTERNS)))
    return PatternTask(length, noise)


def char_controls() -> CharTask | None:
    corpus = st.radio(_("Corpus"), CORPORA, format_func=option_labels(CORPORA), **widgets.kept("rnn_corpus"))
    if corpus == PASTED:
        label = _("Your text (at most {limit} characters are used)").format(limit=number(MAX_PASTED_CHARS, 0))
        text = st.text_area(label, key="rnn_paste", height=150, max_chars=MAX_PASTED_CHARS,
                            persist_state=widgets.PERSIST)
    elif corpus == UPLOADED:
        label = _("Your .txt file (UTF-8; at most {limit} characters are used)").format(
            limit=number(MAX_PASTED_CHARS, 0))
        text = widgets.upload_file(label, "rnn_upload", ("txt",), MAX_BYTES_PER_CHARACTER * MAX_PASTED_CHARS,
                                   corpus_from_txt)
    length = st.slider(_("Training window (characters)"), 16, 128, 64, step=16,
                       **widgets.kept("rnn_char_window"))
    st.latex(r"p\,(x_{t+1} \mid x_1, \dots, x_t) = \operatorname{softmax}(W h_t + b)")
    st.latex(PERPLEXITY)
    st.caption(_("A uniform guess over V characters has perplexity V; the lower, the better."))
    st.caption(_("The Lee corpus, and the pretrained model, are English. Paste or upload a text of your own to "
                 "train on another language: Spanish accents, ñ, ¿ and ¡ are characters like any other."))
    if corpus == LEE:
        return CharTask(lee_corpus(), length)
    if text is None:  # no file yet, or one that could not be used (its message is under the uploader)
        return None
    if not text.strip():
        st.info(_("Paste a text above (a few paragraphs at least) to train on it."))
        return None
    try:
        return CharTask(clean_pasted(text), length)
    except ValueError as error:
        st.warning(_("Cannot train on this text: {error}. A longer text also needs a window below a tenth of "
                     "it.").format(error=plain(error)))
        return None


def memory_controls() -> MemoryTask:
    length = st.slider(_("Sequence length T"), 5, 200, 50, **widgets.kept("rnn_memory_length"))
    st.latex(r"x_1 = (s, \text{marker}),\quad s \in \{1, \dots, 4\},\qquad "
             r"x_2, \dots, x_T = \text{random symbols}")
    st.latex(r"\hat y = \operatorname{softmax}(W h_T + b) \overset{?}{=} s")
    st.caption(_("A one-symbol copy task: the answer was shown T − 1 steps ago, marked, and every later step "
                 "shows one of the same four symbols. Chance is 25 %. The gradient that could teach the network "
                 "to keep it must travel back through all T steps."))
    return MemoryTask(length)


def task_controls(task_id: str) -> tuple[Task | None, int]:
    """The chosen task's controls; the task (None while it cannot be built) and the roll-out length."""
    if task_id == "forecast":
        return forecast_controls()
    if task_id == "classify":
        return classify_controls(), 0
    if task_id == "char":
        return char_controls(), 0
    return memory_controls(), 0


# ---- trainers ------------------------------------------------------------------------------------

def session_trainers(task_id: str, task: Task, cells: list[str], hidden: int, layers: int, bias: float,
                     learning_rate: float, batch_size: int) -> dict[str, Trainer]:
    """One trainer per cell, same task, data stream and seed; rebuilt when the architecture or data change.

    All of them step at every refresh, so their costs together must fit the budget: OverBudget, checked first."""
    seed, trainers = widgets.seed(), {}
    train_config = TrainConfig(learning_rate=learning_rate, batch_size=batch_size, grad_clip=GRAD_CLIP,
                               eval_every=EVAL_EVERY)
    configs = {cell: lessons.model_config(task, cell, hidden, layers, bias) for cell in cells}
    check(lessons.step_cost(task, list(configs.values()), batch_size), lessons.LOWER)
    for cell, config in configs.items():
        trainers[cell] = widgets.session_trainer(
            key(task_id, cell.lower()), (task, config, seed),
            lambda config=config: lessons.recipe(task, config, train_config, seed).build(widgets.device()))
        trainers[cell].configure(learning_rate=learning_rate, batch_size=batch_size)
    return trainers


def pause_other_tasks(current: dict[str, Trainer]) -> None:
    """A task left while playing stops, so that only what is on screen trains."""
    widgets.pause_other_trainers("rnn_", keep=current.values())


# ---- live views (redrawn while training) --------------------------------------------------------

def histories(trainers: dict[str, Trainer]) -> dict:
    return {cell: trainer.history for cell, trainer in trainers.items()}


def forecast_live(task: ForecastTask, future_steps: int, trainers: dict[str, Trainer], cell: str,
                  moment: rewind.Moment) -> None:
    rng = np.random.default_rng(widgets.seed() + TEST_STREAM)  # a series the model never trained on
    example = series(task.series, 1, task.window + future_steps, rng)[0]
    values, model = example[: task.window], moment.model(trainers[cell])
    left, right = st.columns(2)
    left.plotly_chart(forecast(values, lessons.one_step_predictions(model, values), example[task.window:],
                               lessons.rollout(model, values, future_steps),
                               title=_("{cell} on a test series").format(cell=cell), legend_rows=4),  # a row each
                      key="rnn_forecast_chart")
    right.plotly_chart(compare_cells(histories(trainers), "loss", _("Mean squared error"), log_y=True,
                                     marker=moment.step), key="rnn_forecast_loss")


def accuracy_live(trainers: dict[str, Trainer], chance: float, name: str, moment: rewind.Moment) -> None:
    left, right = st.columns(2)
    left.plotly_chart(compare_cells(histories(trainers), "accuracy", _("Accuracy"), reference=(_("chance"), chance),
                                    marker=moment.step), key=f"rnn_{name}_accuracy")
    right.plotly_chart(compare_cells(histories(trainers), "loss", _("Cross-entropy"),
                                     reference=(_("chance"), -np.log(chance)), marker=moment.step),
                       key=f"rnn_{name}_loss")


def char_live(task: CharTask, trainers: dict[str, Trainer], cell: str, moment: rewind.Moment) -> None:
    left, right = st.columns(2)
    uniform = _("uniform guess = V = {size}").format(size=len(task.vocabulary))
    left.plotly_chart(compare_cells(histories(trainers), "perplexity", _("Perplexity"), log_y=True,
                                    reference=(uniform, len(task.vocabulary)), marker=moment.step),
                      key="rnn_char_perplexity")
    sample = lessons.sample_text(moment.model(trainers[cell]), "The ", LIVE_SAMPLE, temperature=0.8,
                                 seed=widgets.seed())
    right.caption(_("{cell} trained here writes (τ = 0.8, after “The ”):").format(cell=cell))
    right.code("The " + sample, language=None, wrap_lines=True)


# ---- the other sections: views of the models as they are now (paused, stepped, or a control changed) --

def gradient_view(task: Task, trainers: dict[str, Trainer], hidden: int, layers: int, bias: float) -> None:
    st.latex(GRADIENT)
    x, y = (torch.from_numpy(a).to(widgets.device()) for a in evaluation_batch(task, VIEW_SEQUENCES, widgets.seed()))
    norms = {}
    for cell in CELLS:
        if cell in trainers:
            model = trainers[cell].model
            label = _("{cell} · step {step}").format(cell=cell, step=number(trainers[cell].step_count, 0))
        else:
            config = lessons.model_config(task, cell, hidden, layers, bias)
            build = seeded(SequenceModel, config)
            model = build(torch.Generator().manual_seed(widgets.seed())).to(widgets.device())
            label = _("{cell} · untrained").format(cell=cell)
        norms[label] = lessons.gradient_norms(model, (x, y))
    st.plotly_chart(gradient_norms(norms), key="rnn_gradients")
    st.caption(_("How strongly does the error at the last step reach the state at step t? Each factor "
                 "∂h_k/∂h_{k−1} of the chain rule is a matrix; in a plain RNN their product shrinks geometrically "
                 "(a straight downward slope on this log scale), so early inputs get almost no gradient. A gate near "
                 "1 keeps the product near 1. Cells not being trained are shown freshly initialised (the same seed). "
                 "The LSTM's memory travels in c_t, so its curve is ‖∂ℓ_T/∂(h_t, c_t)‖."))


def hidden_state_view(task: Task, trainers: dict[str, Trainer], cell: str) -> None:
    panel = list(trainers.values())
    rewind.slider("rnn", panel)  # the Train panel's history, offered here too: the heat-map at a past step
    model = rewind.moment("rnn", panel).model(trainers[cell])
    x, _targets = evaluation_batch(task, VIEW_SEQUENCES, widgets.seed())
    index = st.slider(_("Test sequence #"), 0, VIEW_SEQUENCES - 1, 0,
                      **widgets.kept("rnn_heatmap_sequence"))
    ticks = list(decode(x[index], task.vocabulary)) if isinstance(task, CharTask) else None
    states = lessons.hidden_states(model, torch.from_numpy(x[index]))
    st.plotly_chart(hidden_state_map(states, ticks=ticks, title=_("{cell}: top layer h_t").format(cell=cell)),
                    key="rnn_heatmap")
    st.caption(_("Every row is one hidden unit, every column one time step: what the network remembers as it "
                 "reads."))


def generation_view(trainers: dict[str, Trainer], cell: str) -> None:
    pretrained = widgets.pretrained(PRETRAINED_CHAR)
    labels = {"pretrained": _("Pretrained LSTM · {name}").format(name=PRETRAINED_CHAR),
              "here": _("{cell} trained here").format(cell=cell)}
    sources = SOURCES if pretrained is not None else SOURCES[1:]
    source = st.radio(_("Model"), sources, format_func=labels.get, horizontal=True,
                      **widgets.kept("rnn_char_source"))
    model = pretrained if source == "pretrained" else trainers[cell].model
    left, right = st.columns([2, 3])
    temperature = left.slider(_("Temperature τ"), 0.0, 2.0, 0.7, step=0.05,
                              help=_("τ = 0 always takes the most likely character (arg-max)."),
                              **widgets.kept("rnn_temperature"))
    length = left.slider(_("Characters"), 20, 1000, 300, step=20, **widgets.kept("rnn_sample_length"))
    affordable = SAMPLED_UNITS // (model.config.num_layers * model.config.hidden_size) // 20 * 20
    if length > affordable:  # one model call per character: a big model writes fewer per request
        left.caption(_("A {layers}-layer model of {units} units writes at most {count} characters per request on "
                       "the class server.").format(layers=model.config.num_layers, units=model.config.hidden_size,
                                                   count=affordable))
        length = affordable
    prime = left.text_input(_("Prime text"), "The government ", max_chars=200, **widgets.kept("rnn_prime"))
    left.latex(SAMPLING)
    left.caption(_("The model writes one character at a time, each drawn from its softmax divided by a temperature "
                   "τ, and reads it back as the next input (vector to sequence). Low τ: safe and repetitive; high τ: "
                   "inventive and misspelt."))
    unknown = sorted(set(prime) - set(model.config.vocabulary))
    if unknown:
        right.warning(_("Characters not in the model's vocabulary are skipped: {characters}").format(
            characters=plain(" ".join(unknown))))
    seed = widgets.seed() + st.session_state.get("rnn_resample", 0)
    right.button(_("🎲 Sample again"), key="rnn_sample_again",
                 on_click=lambda: st.session_state.update(rnn_resample=st.session_state.get("rnn_resample", 0) + 1))
    if source == "pretrained":
        right.caption(_("Written by the {model}:").format(model=labels[source]))
    else:
        right.caption(_("Written by the {model} (step {step}):").format(
            model=labels[source], step=number(trainers[cell].step_count, 0)))
    right.code(prime + lessons.sample_text(model, prime, length, temperature, seed), language=None, wrap_lines=True)


def data_view(task: Task) -> None:
    x, y = evaluation_batch(task, 12, widgets.seed())
    if isinstance(task, ForecastTask):
        st.plotly_chart(sequences_by_class(x[:, :, 0], np.zeros(len(x), int), (task.series,), per_class=4,
                                           title=_("Four test windows")), key="rnn_data_chart")
    elif isinstance(task, PatternTask):
        left, right = st.columns([1, 2])
        left.plotly_chart(sequences_by_class(MOTIFS, np.arange(len(PATTERNS)), PATTERNS, title=_("The motifs")),
                          key="rnn_data_motifs")
        right.plotly_chart(sequences_by_class(x[:, :, 0], y, PATTERNS, per_class=1,
                                              title=_("A test sequence of each")), key="rnn_data_chart")
    elif isinstance(task, MemoryTask):
        answer = _("answer {answer}:  *{symbols}")
        rows = [answer.format(answer=label + 1,
                              symbols=" ".join(str(s + 1) for s in sequence[:40, : task.symbols].argmax(1)))
                for sequence, label in zip(x[:4], y[:4])]
        st.code("\n".join(rows), language=None)
        st.caption(_("Symbols as numbers 1–4 (first 40 steps shown), * the marker at step 1. The distractors are "
                     "the same symbols on the same input channels: only the marker says which one to keep."))
    else:
        st.code(decode(x[0], task.vocabulary), language=None, wrap_lines=True)
        st.caption(_("Vocabulary of V = {size} characters; 90 % of the text trains, 10 % tests.").format(
            size=len(task.vocabulary)))


def live_view(task_id: str, task: Task, future_steps: int, trainers: dict[str, Trainer], cell: str) -> None:
    def render() -> None:
        moment = rewind.moment("rnn", list(trainers.values()))  # now, or the step the history slider points at
        if task_id == "forecast":
            forecast_live(task, future_steps, trainers, cell, moment)
        elif task_id == "char":
            char_live(task, trainers, cell, moment)
        else:
            accuracy_live(trainers, 1 / (len(PATTERNS) if task_id == "classify" else task.symbols), task_id, moment)

    widgets.training_panel("rnn", list(trainers.values()), render, history=True)
    lead = trainers[cell]
    widgets.download_model(lead.model, f"rnn_{task_id}_{cell.lower()}.safetensors", key="rnn_download")
    widgets.download_run("rnn", lead, lessons.recipe(task, lead.model.config, lead.config, lead.seed).setup())


def section_view(section: str, task_id: str, task: Task, future_steps: int, trainers: dict[str, Trainer],
                 architecture: tuple[str, int, int, float]) -> None:
    cell = architecture[0]
    if section == "Train":
        live_view(task_id, task, future_steps, trainers, cell)
    elif any(trainer.diverged for trainer in trainers.values()):
        st.error(_("Training diverged: lower the learning rate and press ↺ Reset in the Train section."))
    elif section == GENERATE:
        generation_view(trainers, cell)
    elif section == "Vanishing gradient":
        gradient_view(task, trainers, *architecture[1:])
    elif section == "Hidden state":
        hidden_state_view(task, trainers, cell)
    else:
        data_view(task)


# ---- the page ------------------------------------------------------------------------------------

st.title(_("🔁 RNN sequence demo"))
st.write(_(
    "A recurrent layer reads a sequence one step at a time and feeds its own state back in, with the same weights "
    "at every step. Unrolled over time it is a very deep network, and that is its weakness: the error signal "
    "has to travel back through every step and fades (the vanishing gradient), so a plain RNN forgets what it "
    "saw long ago. The LSTM and GRU add gates that decide what to keep. Pick a task and a cell, train, and compare."
))
task_column, section_column = st.columns([4, 5], vertical_alignment="center")
task_id = task_column.segmented_control(_("Task"), tuple(TASKS), default="forecast",
                                        format_func=option_labels(TASKS, lambda task: _(TASKS[task])),
                                        required=True, label_visibility="collapsed",
                                        **widgets.kept("rnn_task"))
with section_column:
    section = widgets.section_picker("rnn_section", SECTIONS[:1] + ((GENERATE,) if task_id == "char" else ())
                                     + SECTIONS[1:])
controls, result = widgets.controls_and_result((2, 5))
with controls:
    st.latex(RECURRENCE)
    architecture = architecture_controls(task_id)
    task, future_steps = task_controls(task_id)
    learning_rate, batch_size = widgets.learning_controls(f"rnn_{task_id}", DEFAULTS[task_id]["learning_rate"], 32)
    compare = st.toggle(_("Train the three cells side by side (same data, same seed)"),
                        value=DEFAULTS[task_id]["compare"], **widgets.kept(key(task_id, "compare")))
with result:
    if task is None:
        st.info(_("The character model needs a text to train on: see the Corpus control on the left."))
    else:
        cell = architecture[0]
        cells = [cell] + [other for other in CELLS if other != cell and compare]  # the chosen cell leads the panel
        try:  # the budget is checked before anything is built, and again on every change
            trainers = session_trainers(task_id, task, cells, *architecture[1:], learning_rate, batch_size)
        except OverBudget as error:
            st.error(str(error), icon="⚖️")
        else:
            pause_other_tasks(trainers)
            section_view(section, task_id, task, future_steps, trainers, architecture)

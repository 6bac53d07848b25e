"""Bad input and budgets, table-driven: whatever a student types, drags or uploads, the page answers with a clear
message (never a traceback), stays within the class server's budget, and keeps working afterwards.

The budget of one request (playground/budgets.py): at most BUDGET_MEGABYTES of peak memory growth and at most
BUDGET_CPU_SECONDS of CPU at once. AppTest runs the pages in this process, so each row measures both here: the
peak resident memory (VmHWM, reset through /proc/self/clear_refs before the row) above the memory before it, and
the process CPU time of each run (rerun) its action makes. Rows over budget expect the budget's own message,
which comes before anything is allocated. Every row writes its measured cost to artifacts/budgets/<row>.txt.

Each row names a page, what the student does, where the message is expected (`warning`, `error`, `info`;
`success` when the input is odd but valid; `progress` for work done in slices; an input's label when it states a
limit; nothing when every slider is at its end at once) and a pattern the shown text must match. After the
message, the page's main interaction must still work. A row whose page is missing fails: a deleted page is a defect.
"""

import ctypes
import gc
import json
import math
import pickle
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import safetensors.torch
import streamlit as st
import torch
from streamlit.testing.v1 import AppTest

from playground import benchmarks_words, budgets, embeddings, pretrain, thumbnails
from playground.checkpoints import to_bytes
from playground.models.autoencoder import Autoencoder, AutoencoderConfig
from playground.models.gan import GAN, GANConfig
from tests.conftest import open_page, shown, until_done

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "budgets"
BUDGET_MEGABYTES = budgets.MEMORY_BYTES / 2**20  # 300 MB of peak growth per request
BUDGET_CPU_SECONDS = 2.0  # of CPU at once: the slowest single run of a row's action
REFUSED_MEGABYTES = 50.0  # a request the budget refuses allocates (almost) nothing


# ---- a student's session, metered -----------------------------------------------------------------

def memory_megabytes(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process, from /proc (psutil is not a dependency)."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(f"{field}:"))
    return int(line.split()[1]) / 1024  # "VmHWM:   123456 kB"


class Probe:
    """A page in AppTest with meters: the CPU seconds of each run, the peak memory growth since `start()`."""

    def __init__(self, app: AppTest):
        self.app, self.cpu = app, []
        self.base = 0.0

    def start(self) -> None:
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # memory earlier rows freed goes back to the system, not to this row
        Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from the current RSS
        self.base, self.cpu = memory_megabytes("VmRSS"), []

    def run(self) -> None:
        start = time.process_time()
        self.app.run()
        self.cpu.append(time.process_time() - start)
        gc.collect(2)  # what the server does after every run (runner.postScriptGC); AppTest's runner does not

    @property
    def peak_megabytes(self) -> float:
        return memory_megabytes("VmHWM") - self.base


Action = Callable[[Probe], object]


def type_in(key: str, text: str) -> Action:
    return lambda probe: (probe.app.text_input(key=key).set_value(text), probe.run())


def write_in(key: str, text: str) -> Action:
    return lambda probe: (probe.app.text_area(key=key).set_value(text), probe.run())


def choose(widget: str, key: str, value) -> Action:
    """Set a radio, slider, select_slider, selectbox, toggle… (`widget` is AppTest's accessor name)."""
    return lambda probe: (getattr(probe.app, widget)(key=key).set_value(value), probe.run())


def click(key: str) -> Action:
    return lambda probe: (probe.app.button(key=key).click(), probe.run())


def upload(key: str, name: str, payload: bytes) -> Action:
    return lambda probe: (probe.app.file_uploader(key=key).set_value((name, payload, "application/octet-stream")),
                          probe.run())


def each(*actions: Action) -> Action:
    def run_all(probe: Probe) -> None:
        for action in actions:
            action(probe)
    return run_all


def remember(key: str, value) -> Action:
    """Set a widget through session state (for widgets AppTest cannot drive, e.g. a segmented control)."""
    def set_and_run(probe: Probe) -> None:
        probe.app.session_state[key] = value
        probe.run()
    return set_and_run


def show(prefix: str, section: str) -> Action:
    """Open a section of the page whose widget keys start with `prefix` (its section picker is `<prefix>_section`)."""
    return remember(f"{prefix}_section", section)


def refresh(times: int) -> Action:
    """What the browser's refresh timer does while work goes on in slices (AppTest runs a fragment once a run)."""
    return each(*[lambda probe: probe.run()] * times)


def diverge_while_playing(prefix: str) -> Action:
    """The largest learning rate, then ▶ play (AppTest runs the live fragment's training slice once)."""
    return each(choose("select_slider", f"{prefix}_learning_rate", 10.0), click(f"{prefix}_play"))


# ---- reading the page ----------------------------------------------------------------------------

INPUTS = ("text_input", "text_area")  # for these the message is the widget's label (a stated limit)


def messages(app: AppTest, kind: str) -> list[str]:
    """The texts of one kind of element as the student reads them (Markdown escapes removed)."""
    if kind == "progress":
        return [element.proto.text for element in app.get("progress")]
    return [shown(element.label if kind in INPUTS else element.value) for element in getattr(app, kind)]


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def trains(prefix: str) -> Action:
    """The page still works: ⏭ step advances the step counter (once the steps still queued are done)."""
    def check(probe: Probe) -> None:
        until_done(probe.app)
        before = int(metric(probe.app, "Step").replace(",", ""))
        click(f"{prefix}_step")(probe)
        assert not probe.app.exception and int(metric(probe.app, "Step").replace(",", "")) > before
    return check


def answers_king_man_woman(probe: Probe) -> None:
    each(show("emb", "Analogies"), type_in("emb_analogy_0", "king"), type_in("emb_analogy_1", "man"),
         type_in("emb_analogy_2", "woman"))(probe)
    assert any("≈ **queen**" in text for text in messages(probe.app, "success"))


PREFIXES = {"autoencoder": "ae", "vae": "vae", "gan": "gan", "rnn": "rnn", "seq2seq": "s2s",  # training panels
            "diffusion": "diffusion"}
TRAIN_SECTIONS = {"autoencoder": "Train", "vae": "Train", "gan": "2-D game", "rnn": "Train",  # where the panel is
                  "diffusion": "Learn to denoise", "seq2seq": "Train"}
WORKS: dict[str, Action] = {  # each page's main interaction, after the bad input
    "embeddings": answers_king_man_woman,
    **{page: each(show(prefix, TRAIN_SECTIONS[page]), trains(prefix)) for page, prefix in PREFIXES.items()}}


# ---- uploads that are not what they claim ------------------------------------------------------------

def checkpoint(playground: object, tensors: dict | None = None) -> bytes:
    """A .safetensors file whose header's `playground` entry is `playground` (any JSON value)."""
    return safetensors.torch.save(tensors or {"weight": torch.zeros(1)}, metadata={"playground": json.dumps(playground)})


def claims(model: str, **config) -> bytes:
    """A tiny file that claims to hold a `model` with this config."""
    return checkpoint({"model": model, "config": config})


def with_nan(model: torch.nn.Module) -> bytes:
    tensors = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    next(iter(tensors.values()))[0] = math.nan
    return safetensors.torch.save(tensors, metadata={"playground": json.dumps(
        {"model": type(model).__name__, "config": json.loads(json.dumps(vars(model.config)))})})


AE = "Autoencoder"
MARKDOWN_NAME = "[click me](http://evil.example) $\\rule{3000px}{3000px}$ **bold**.safetensors"


# ---- the table -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    page: str
    act: Action
    kind: str | None  # where the message is: warning, error, info, success, progress, an input's label; None: none
    says: str = ""  # a regular expression the shown message matches
    state: str | None = None  # what the training panel's State metric must say, if anything
    recover: Action = lambda probe: None  # what the student does next, before the page must work again
    refused: bool = False  # the budget refused the request: nothing may have been allocated
    setup: Action = lambda probe: None  # what the student did before the request (not measured)


def case(name: str, *args, **kwargs):
    return pytest.param(Case(*args, **kwargs), id=name)


LEE = choose("radio", "emb_w2v_corpus", "Lee news corpus (gensim)")
PASTE = each(show("emb", "Train your own"), choose("radio", "emb_w2v_corpus", "Paste a text"))
NEIGHBOURS, PROJECTION, ONE_HOT = (show("emb", name) for name in ("Neighbours & similarity", "Projection",
                                                                   "One-hot vs dense"))
RNN_CHAR = remember("rnn_task", "char")
RNN_GENERATE = each(RNN_CHAR, show("rnn", "Generate text"))
RNN_PASTE = each(RNN_CHAR, choose("radio", "rnn_corpus", "Text pasted below"))
RNN_LEE = choose("radio", "rnn_corpus", "Lee news corpus (gensim, 360,000 characters)")
SIZES = "whole numbers between 1 and 2048"
BUDGET = "the class server's budget"
NOT_A_CHECKPOINT = "not a playground .safetensors checkpoint"
def spelled(number: int) -> str:
    """A made-up word for a number, in letters only (the tokenizer splits at digits)."""
    return "".join("abcdefghijklmnopqrstuvwxyz"[int(digit)] for digit in f"{number:05d}")


WORDS_OF_500K = " ".join(spelled(index % 23_000) for index in range(90_000))[:500_000]  # 23,000 words, 3+ times each


def many_distinct_characters(count: int) -> str:
    return " ".join(chr(0x4E00 + index) for index in range(count))  # CJK ideographs, one of each


DRAWN, RING = (choose("selectbox", "gan_distribution", name) for name in ("drawn by you", "ring of 8"))
OWN_POINTS, MOONS = (choose("selectbox", "diffusion_dataset", name) for name in ("your own points", "two moons"))
RNN_UPLOAD = each(RNN_CHAR, choose("radio", "rnn_corpus", "A .txt file of yours"))
W2V_UPLOAD = each(show("emb", "Train your own"), choose("radio", "emb_w2v_corpus", "Upload a .txt"))
PROJECT_UPLOADS = each(PROJECTION, choose("radio", "emb_projection_source", "Your vectors (TSV files)"))
VECTORS_OF_5000 = "\n".join("\t".join(f"{value:.3f}" for value in row)  # 1.8 MB: within the 2 MB a file may have
                            for row in np.random.default_rng(0).standard_normal((5_000, 50))).encode()
LABELS_OF_5000 = "\n".join(f"word{index}" for index in range(5_000)).encode()

CASES = [
    # words: empty, unknown, numbers, punctuation, Markdown, too long, too many
    case("emb-empty-word", "embeddings", type_in("emb_analogy_0", ""), "warning", "box is empty"),
    case("emb-unknown-word", "embeddings", type_in("emb_analogy_0", "qwzxv"), "warning",
         "“qwzxv” is not in the vocabulary of GloVe"),
    case("emb-punctuated-word", "embeddings", type_in("emb_analogy_0", "king!"), "warning", "Did you mean: king"),
    case("emb-number-is-a-word", "embeddings", type_in("emb_analogy_0", "1984"), "success", "1984 − man \\+ woman ≈"),
    case("emb-markdown-word-is-shown-as-typed", "embeddings", type_in("emb_analogy_0", "[a](http://evil.example)"),
         "warning", re.escape("“[a](http://evil.example)” is not in the vocabulary of GloVe")),
    case("emb-word-of-100k-characters-is-cut", "embeddings", type_in("emb_analogy_0", "x" * 100_000), "warning",
         f"“x{{{budgets.WORD_CHARACTERS}}}” is not in the vocabulary of GloVe"),
    case("emb-expression-of-signs", "embeddings", each(NEIGHBOURS, type_in("emb_query", "+ - +")), "warning",
         "Type a word"),
    case("emb-expression-of-200-words", "embeddings", each(NEIGHBOURS, type_in("emb_query", " + ".join(["king"] * 200))),
         "warning", f"at most {budgets.EXPRESSION_TERMS} words"),
    case("emb-expression-latex", "embeddings", each(NEIGHBOURS, type_in("emb_query", "$\\rule{3000px}{3000px}$")),
         "warning",
         re.escape("“$\\rule{3000px}{3000px}$” is not in the vocabulary")),
    case("emb-odd-pairs", "embeddings", each(PROJECTION, write_in("emb_projection_pairs", "king queen, man")),
         "warning", "exactly two words"),
    case("emb-1000-pairs", "embeddings", each(PROJECTION, write_in("emb_projection_pairs", ", ".join(
        ["king queen"] * 1000))), "warning", f"at most {budgets.MAX_PAIRS} pairs"),
    case("emb-projection-of-unknown-words", "embeddings", each(PROJECTION, write_in("emb_projection_pairs", ", ".join(
        f"zq{index}a zq{index}b" for index in range(budgets.MAX_PAIRS)))), "warning", "and 97 more words"),
    case("emb-vocabulary-of-commas", "embeddings", each(ONE_HOT, type_in("emb_one_hot_words", ",,;;")), "info",
         "at least two known words"),
    case("emb-one-hot-of-3000-words", "embeddings", each(ONE_HOT, lambda probe: type_in("emb_one_hot_words", ", ".join(
        embeddings.load_glove().words[:3000]))(probe)), "warning", f"the first {budgets.ONE_HOT_WORDS} are shown"),
    case("ae-hidden-sizes-letters", "autoencoder", type_in("ae_hidden_sizes", "abc"), "warning", SIZES),
    case("ae-hidden-sizes-out-of-range", "autoencoder", type_in("ae_hidden_sizes", "1e9, -5, 0.5"), "warning", SIZES),
    case("ae-hidden-sizes-2048-times-60", "autoencoder", type_in("ae_hidden_sizes", "2048," * 60), "warning",
         f"at most {budgets.MAX_HIDDEN_LAYERS} of them"),
    case("rnn-prime-foreign-characters", "rnn", each(RNN_GENERATE, type_in("rnn_prime", "日本語 😀")),
         "warning", "not in the model's vocabulary"),
    case("rnn-prime-latex", "rnn", each(RNN_GENERATE, type_in("rnn_prime", "$\\rule{3000px}{3000px}$")),
         "warning", re.escape("\\ { }")),
    # pasted corpora: empty (a hint, not an error), only punctuation, too short, huge, too many characters
    case("emb-corpus-empty", "embeddings", each(PASTE, write_in("emb_w2v_text", "")), "info", "Paste a text",
         recover=LEE),
    case("emb-corpus-digits-and-punctuation", "embeddings", each(PASTE, write_in("emb_w2v_text", "1 2 3 ... !!! 42")),
         "error", "no words", recover=LEE),
    case("emb-corpus-huge-is-cut", "embeddings", each(PASTE, write_in("emb_w2v_text", "word " * 200_000)),
         "text_area", "up to 500,000 characters", recover=LEE),
    case("emb-corpus-500k-characters-20k-words", "embeddings", each(
        PASTE, write_in("emb_w2v_text", WORDS_OF_500K), choose("select_slider", "emb_w2v_dim", 100),
        choose("select_slider", "emb_w2v_batch_size", 1024), click("emb_w2v_step")), None, recover=LEE),
    case("rnn-corpus-empty", "rnn", RNN_PASTE, "info", "Paste a text", recover=RNN_LEE),
    case("rnn-corpus-too-short", "rnn", each(RNN_PASTE, write_in("rnn_paste", "too short")), "warning",
         "paste at least \\d+ characters", recover=RNN_LEE),
    case("rnn-corpus-shorter-than-ten-windows", "rnn", each(RNN_PASTE, write_in("rnn_paste", "hello world! " * 20)),
         "warning", "below a tenth of the text", recover=RNN_LEE),
    case("rnn-corpus-huge-is-cut", "rnn", each(RNN_PASTE, write_in("rnn_paste", "abc " * 40_000)), "text_area",
         "at most 100,000 characters are used", recover=RNN_LEE),
    case("rnn-corpus-of-30000-distinct-characters", "rnn", each(RNN_PASTE, write_in(
        "rnn_paste", many_distinct_characters(30_000))), "warning", "distinct characters", recover=RNN_LEE),
    # uploaded corpora: the same budgets as pasted text (bytes, characters, distinct characters, vocabulary)
    case("rnn-upload-not-utf8", "rnn", each(RNN_UPLOAD, upload("rnn_upload", "latin.txt", "año ".encode("latin-1") * 99)),
         "error", "not UTF-8", recover=RNN_LEE),
    case("rnn-upload-of-30000-distinct-characters", "rnn", each(RNN_UPLOAD, upload(
        "rnn_upload", "cjk.txt", many_distinct_characters(30_000).encode())), "error", "distinct characters",
         recover=RNN_LEE),
    case("emb-upload-corpus-500k-characters-20k-words", "embeddings", each(
        W2V_UPLOAD, upload("emb_w2v_upload", "words.txt", WORDS_OF_500K.encode()),
        choose("select_slider", "emb_w2v_dim", 100), choose("select_slider", "emb_w2v_batch_size", 1024),
        click("emb_w2v_step")), None, recover=LEE),
    case("emb-projection-of-5000-uploaded-vectors-by-t-sne", "embeddings", each(
        PROJECT_UPLOADS, upload("emb_projection_vectors", "v.tsv", VECTORS_OF_5000),
        upload("emb_projection_labels", "l.tsv", LABELS_OF_5000), choose("radio", "emb_projection_method", "t-SNE")),
         "caption", "t-SNE maps the first 300 of the 5,000 vectors"),
    case("emb-projection-labels-do-not-match", "embeddings", each(
        PROJECT_UPLOADS, upload("emb_projection_vectors", "v.tsv", VECTORS_OF_5000),
        upload("emb_projection_labels", "l.tsv", b"king\nqueen\n")), "error", "one label per vector"),
    # a learning rate large enough to diverge: training pauses, says so, and reset recovers
    case("vae-diverges-while-playing", "vae", each(show("vae", "Train"), diverge_while_playing("vae")), "error",
         "Training diverged", "diverged",
         recover=each(choose("select_slider", "vae_learning_rate", 1e-3), click("vae_reset"))),
    # every slider at its end at once: within the budget, or refused by it before anything is built
    case("ae-extremes", "autoencoder", each(
        choose("radio", "ae_architecture", "conv"), choose("slider", "ae_latent_dim", 64),
        choose("selectbox", "ae_noise", "masking"), choose("slider", "ae_noise_level", 1.0),
        choose("select_slider", "ae_sparsity_weight", 1.0), choose("select_slider", "ae_contractive_weight", 1.0),
        choose("select_slider", "ae_batch_size", 1024), click("ae_step")), None),
    case("ae-widest-layer-at-batch-1024", "autoencoder", each(
        type_in("ae_hidden_sizes", "2048"), choose("select_slider", "ae_batch_size", 1024), click("ae_step")), None),
    case("ae-most-parameters-the-budget-accepts", "autoencoder", each(
        choose("select_slider", "ae_batch_size", 256), type_in("ae_hidden_sizes", "2048, 256"), click("ae_step"),
        refresh(2)), None),
    case("ae-two-widest-layers", "autoencoder", type_in("ae_hidden_sizes", "2048, 2048"), "error",
         "11,617,042 parameters", recover=type_in("ae_hidden_sizes", "128, 32"), refused=True),
    case("ae-contractive-widest-layer-at-batch-1024", "autoencoder", each(
        choose("select_slider", "ae_contractive_weight", 1.0), choose("select_slider", "ae_batch_size", 1024)),
         "error", "GFLOP", recover=choose("select_slider", "ae_batch_size", 128), refused=True,
         setup=type_in("ae_hidden_sizes", "2048")),
    case("ae-ab-pair-over-budget-where-one-run-fits", "autoencoder", choose("toggle", "ae_ab", True), "error", BUDGET,
         recover=each(choose("select_slider", "ae_batch_size", 128), choose("toggle", "ae_ab", False)), refused=True,
         setup=each(type_in("ae_hidden_sizes", "2048"), choose("select_slider", "ae_batch_size", 1024))),
    case("vae-extremes", "vae", each(
        show("vae", "Train"), choose("radio", "vae_architecture", "conv"), choose("slider", "vae_latent_dim", 16),
        choose("select_slider", "vae_kl_weight", 16.0), click("vae_step"), show("vae", "Explorer"),
        choose("selectbox", "vae_source", "Trained on this page"), choose("slider", "vae_z0", 4.0),
        choose("slider", "vae_z1", -4.0), show("vae", "Latent map"), choose("slider", "vae_grid_n", 25)), None),
    case("vae-conv-at-batch-1024", "vae", choose("radio", "vae_architecture", "conv"), "error", BUDGET,
         recover=choose("select_slider", "vae_batch_size", 128), refused=True,
         setup=each(show("vae", "Train"), choose("select_slider", "vae_batch_size", 1024))),
    case("gan-extremes", "gan", each(
        choose("slider", "gan_noise_dim", 8), choose("slider", "gan_generator_depth", 4),
        choose("slider", "gan_discriminator_depth", 4), choose("select_slider", "gan_generator_width", 256),
        choose("select_slider", "gan_discriminator_width", 256), choose("slider", "gan_disc_steps_per_gen_step", 10),
        choose("select_slider", "gan_batch_size", 1024), click("gan_step")), None),
    # a student's own distribution: too few points drawn, and CSV files that are not two columns of numbers
    case("gan-drawn-too-few-points", "gan", DRAWN, "info", "at least 8 points", recover=RING),
    case("gan-csv-not-two-numbers", "gan", each(DRAWN, upload("gan_points_csv", "bad.csv", b"x,y\n1,2\n3\n")),
         "error", "Row 2 is not two numbers", recover=RING),
    case("gan-csv-huge", "gan", each(DRAWN, upload("gan_points_csv", "huge.csv", b"1,2\n" * 6000)), "error",
         "the limit is 5,000", recover=RING),
    case("gan-csv-off-the-plane", "gan", each(DRAWN, upload("gan_points_csv", "far.csv", b"1e6,0\n" * 10)),
         "error", "between −10 and 10", recover=RING),
    case("rnn-extremes", "rnn", each(
        choose("slider", "rnn_window", 200), choose("slider", "rnn_horizon", 20),
        choose("slider", "rnn_rollout_steps", 100), choose("slider", "rnn_forecast_num_layers", 3),
        choose("toggle", "rnn_forecast_compare", True), click("rnn_step")), None),
    case("rnn-char-at-every-maximum", "rnn", each(
        choose("slider", "rnn_char_num_layers", 3), choose("select_slider", "rnn_char_batch_size", 1024)),
         "error", BUDGET, recover=each(choose("select_slider", "rnn_char_hidden_size", 128),
                                       choose("slider", "rnn_char_num_layers", 1),
                                       choose("select_slider", "rnn_char_batch_size", 32)), refused=True,
         setup=each(RNN_CHAR, choose("slider", "rnn_char_window", 128), choose("select_slider", "rnn_char_hidden_size", 256))),
    case("rnn-memory-of-200-steps-three-cells", "rnn", each(
        choose("select_slider", "rnn_memory_hidden_size", 256), choose("slider", "rnn_memory_num_layers", 3),
        choose("select_slider", "rnn_memory_batch_size", 1024)), "error", BUDGET,
         recover=each(choose("select_slider", "rnn_memory_hidden_size", 32), choose("slider", "rnn_memory_num_layers", 1),
                      choose("select_slider", "rnn_memory_batch_size", 32)), refused=True,
         setup=each(remember("rnn_task", "memory"), choose("slider", "rnn_memory_length", 200))),
    case("rnn-big-model-writes-1000-characters", "rnn", each(
        RNN_GENERATE, choose("slider", "rnn_char_window", 16), choose("select_slider", "rnn_char_hidden_size", 256),
        choose("slider", "rnn_char_num_layers", 3), choose("select_slider", "rnn_char_batch_size", 8),
        choose("radio", "rnn_char_source", "here"), choose("slider", "rnn_sample_length", 1000)),
         "caption", "writes at most 300 characters per request"),
    case("s2s-every-maximum", "seq2seq", each(
        remember("s2s_task", "reverse"), choose("slider", "s2s_reverse_lengths", (1, 20)),
        choose("select_slider", "s2s_hidden_size", 128), choose("toggle", "s2s_transformer", True),
        choose("select_slider", "s2s_batch_size", 128), click("s2s_step")), None),
    case("s2s-typed-markdown-and-latex", "seq2seq", type_in("s2s_source_dates", "[x](http://a.b) $\\rule{9in}{9in}$"),
         "warning", re.escape("never saw are left out:")),
    case("diffusion-every-maximum", "diffusion", each(
        choose("selectbox", "diffusion_dataset", "Digits 8×8"), choose("select_slider", "diffusion_hidden_digits", 256),
        choose("slider", "diffusion_depth_digits", 4), choose("select_slider", "diffusion_steps_digits", 200),
        choose("select_slider", "diffusion_batch_size", 1024), click("diffusion_step")), None),
    case("diffusion-every-section-of-the-largest-network", "diffusion", each(*[
        show("diffusion", section) for section in ("What it learned", "Samplers", "Guidance", "Three families")]),
         None, setup=each(choose("selectbox", "diffusion_dataset", "Digits 8×8"),
                          choose("select_slider", "diffusion_hidden_digits", 256),
                          choose("slider", "diffusion_depth_digits", 4),
                          choose("select_slider", "diffusion_steps_digits", 200))),
    case("diffusion-own-points-too-few", "diffusion", OWN_POINTS, "info", "at least 8 points", recover=MOONS),
    case("diffusion-csv-not-two-numbers", "diffusion", each(OWN_POINTS, upload("diffusion_points_csv", "bad.csv",
                                                                             b"x,y\n1,2\n3\n")),
         "error", "Row 2 is not two numbers", recover=MOONS),
    case("diffusion-csv-off-the-box", "diffusion", each(OWN_POINTS, upload("diffusion_points_csv", "far.csv",
                                                                          b"5,0\n" * 10)),
         "info", "between −3 and 3", recover=MOONS),
    # long work: in slices with progress and a pause, never in one callback
    case("ae-greedy-beside-the-widest-model", "autoencoder", each(
        type_in("ae_hidden_sizes", "2048, 256"), choose("select_slider", "ae_batch_size", 1024)), "caption",
         "second copy of this model beside it"),
    case("ae-greedy-1000-steps-per-layer-pair", "autoencoder", each(
        type_in("ae_hidden_sizes", "1024, 256"), choose("select_slider", "ae_batch_size", 1024),
        choose("select_slider", "ae_greedy_steps", 1000), click("ae_greedy"), refresh(2), click("ae_greedy_pause_job")),
         "progress", "Pre-training layer pairs: \\d+% \\(paused\\)"),
    case("ae-step-1000-at-a-time", "autoencoder", each(
        type_in("ae_hidden_sizes", "2048"), choose("select_slider", "ae_batch_size", 1024),
        choose("select_slider", "ae_steps_per_click", 1000), click("ae_step"), refresh(2)), None, state="playing",
         recover=click("ae_pause")),
    case("ae-tsne-of-the-test-codes", "autoencoder", each(choose("slider", "ae_latent_dim", 8), click("ae_tsne")),
         None),
    case("emb-benchmark-400k-words-3cosmul", "embeddings", each(
        show("emb", "Benchmarks"), choose("select_slider", "emb_bench_restrict", 400_000), choose("radio", "emb_bench_method", "3CosMul"),
        click("emb_bench_run"), refresh(2), click("emb_bench_pause_job")), "progress",
         "Answering the analogy questions: \\d+% \\(paused\\)"),
    # uploads: the header, the config, the budget and every tensor are checked before a model is built
    case("ae-upload-config-of-40-layers-of-2048", "autoencoder", upload(
        "ae_upload", "huge.safetensors", claims(AE, hidden_sizes=[2048] * 40)), "error",
         f"at most {budgets.MAX_HIDDEN_LAYERS} layers", refused=True),
    case("ae-upload-config-of-two-layers-of-2048", "autoencoder", upload(
        "ae_upload", "wide.safetensors", claims(AE, hidden_sizes=[2048, 2048])), "error", BUDGET, refused=True),
    case("ae-upload-inputs-of-1500x1500", "autoencoder", upload(
        "ae_upload", "big.safetensors", claims(AE, input_shape=[1, 1500, 1500])), "error", BUDGET, refused=True),
    case("vae-upload-hidden-300000", "vae", upload(
        "vae_upload", "vae.safetensors", claims("VAE", hidden=300_000)), "error", BUDGET, refused=True,
         setup=show("vae", "Train")),
    case("ae-upload-header-entry-is-a-list", "autoencoder", upload("ae_upload", "a.safetensors", checkpoint([1, 2])),
         "error", NOT_A_CHECKPOINT, refused=True),
    case("ae-upload-header-entry-is-a-string", "autoencoder", upload("ae_upload", "a.safetensors", checkpoint("x")),
         "error", NOT_A_CHECKPOINT, refused=True),
    case("ae-upload-header-entry-is-null", "autoencoder", upload("ae_upload", "a.safetensors", checkpoint(None)),
         "error", NOT_A_CHECKPOINT, refused=True),
    case("ae-upload-config-is-a-list", "autoencoder", upload("ae_upload", "a.safetensors", checkpoint(
        {"model": AE, "config": [1]})), "error", "its config is list", refused=True),
    case("ae-upload-config-is-null", "autoencoder", upload("ae_upload", "a.safetensors", checkpoint(
        {"model": AE, "config": None})), "error", "its config is NoneType", refused=True),
    case("ae-upload-config-of-wrong-types", "autoencoder", upload("ae_upload", "a.safetensors", claims(
        AE, latent_dim="2")), "error", "latent_dim must be int", refused=True),
    case("ae-upload-tensors-of-another-shape", "autoencoder", upload("ae_upload", "a.safetensors", checkpoint(
        {"model": AE, "config": {"latent_dim": 3}}, Autoencoder(AutoencoderConfig()).state_dict())), "error",
         "this model needs", refused=True),
    case("ae-upload-nan-weights", "autoencoder", upload("ae_upload", "nan.safetensors", with_nan(
        Autoencoder(AutoencoderConfig()))), "error", "NaN or infinite", refused=True),
    case("ae-upload-markdown-file-name", "autoencoder", upload("ae_upload", MARKDOWN_NAME, b"not a checkpoint"),
         "error", re.escape("Could not load [click me](http://evil.example) $\\rule{3000px}"), refused=True),
    case("ae-upload-60k-model-name", "autoencoder", upload("ae_upload", "a.safetensors", claims("A" * 60_000)),
         "error", f"^Could not load a.safetensors: this checkpoint holds a 'A{{{budgets.MESSAGE_CHARACTERS - 30},}}…\\.$",
         refused=True),
]


def record(name: str, probe: Probe) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.txt").write_text(f"{name}\t{probe.peak_megabytes:.0f} MB\t{max(probe.cpu):.2f} s CPU"
                                           f"\t{len(probe.cpu)} runs\n")


@pytest.mark.parametrize("bad", CASES)
def test_bad_input_gets_a_clear_message_stays_within_budget_and_the_page_keeps_working(bad: Case, request):
    probe = Probe(open_page(bad.page))
    bad.setup(probe)
    assert not probe.app.exception
    probe.start()
    bad.act(probe)
    record(request.node.callspec.id, probe)
    assert not probe.app.exception, probe.app.exception[0].value
    if bad.kind is None:
        assert not probe.app.error, messages(probe.app, "error")
    else:
        said = messages(probe.app, bad.kind)
        assert any(re.search(bad.says, text) for text in said), f"no {bad.kind} matching {bad.says!r} in {said}"
    assert all(len(text) < 2 * budgets.MESSAGE_CHARACTERS for kind in ("error", "warning") for text in
               messages(probe.app, kind)), "a message quotes user text at length"
    assert probe.peak_megabytes <= (REFUSED_MEGABYTES if bad.refused else BUDGET_MEGABYTES), probe.peak_megabytes
    assert max(probe.cpu) <= BUDGET_CPU_SECONDS, probe.cpu
    if bad.state is not None:
        assert metric(probe.app, "State") == bad.state
    bad.recover(probe)
    WORKS[bad.page](probe)


def test_a_model_gone_nan_gets_messages_in_every_section_not_a_traceback():
    """What a diverged run can leave behind (uploads with NaN are refused, see the table): every section that
    maps, scores or fits the model's codes says so."""
    app = open_page("autoencoder")
    app.slider(key="ae_latent_dim").set_value(8).run()  # k > 2: the map needs PCA, which refuses NaN
    with torch.no_grad():
        for parameter in app.session_state["ae_trainer"].model.parameters():
            parameter.fill_(math.nan)
    for section in ("Train", "Anomalies", "Few labels"):
        app.session_state["ae_section"] = section
        app.run()
        assert not app.exception, (section, app.exception[0].value)
        assert any("not finite" in text for text in messages(app, "error")), (section, messages(app, "error"))
    app.session_state["ae_section"] = "Train"
    app.run()
    app.slider(key="ae_latent_dim").set_value(4).run()  # a fresh model: the page works again
    assert not app.exception and not app.error


# ---- uploads: anything that is not a playground checkpoint gets a message, never unpickling ---------

def upload_page():
    """A page with the shared upload widget for the GAN, saying what it loaded."""
    import streamlit as st

    from playground.models.gan import GAN, GANConfig
    from ui import widgets

    model = widgets.upload_model("upload", GAN, GANConfig)
    if model is not None:
        st.success(f"Loaded a {type(model).__name__} with noise_dim={model.config.noise_dim}.")


class Booby:
    """Unpickling this touches a file: the proof that an upload was unpickled."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


def safetensors_without_config() -> bytes:
    return safetensors.torch.save({"weight": torch.zeros(2, 2)})


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


UPLOADS = [  # name, bytes (built from a marker path), expected message
    ("empty", lambda marker: b"", NOT_A_CHECKPOINT),
    ("text", lambda marker: b"hello, I am a checkpoint", NOT_A_CHECKPOINT),
    ("pickle", lambda marker: pickle.dumps(Booby(marker)), NOT_A_CHECKPOINT),
    ("torch-save", lambda marker: torch_save_bytes(marker), NOT_A_CHECKPOINT),
    ("no-config", lambda marker: safetensors_without_config(), NOT_A_CHECKPOINT),
    ("truncated", lambda marker: truncated(to_bytes(GAN(GANConfig()))), NOT_A_CHECKPOINT),
    ("huge-header", lambda marker: (2**62).to_bytes(8, "little") + b"{}", NOT_A_CHECKPOINT),
    ("deep-header", lambda marker: checkpoint(json.loads("[" * 900 + "]" * 900)), NOT_A_CHECKPOINT),
    ("another-model", lambda marker: to_bytes(Autoencoder(AutoencoderConfig())), "not a 'GAN'"),
    ("deep-generator", lambda marker: claims("GAN", generator_depth=1_000_000), "between 1 and"),
    ("too-large", lambda marker: b"\0" * (20 * 2**20 + 1), "larger than 20 MB"),
]


def torch_save_bytes(marker: Path) -> bytes:
    """What `torch.save` writes: a zip holding a pickle, here one that would touch the marker."""
    import io

    buffer = io.BytesIO()
    torch.save({"weights": torch.zeros(2), "trap": Booby(marker)}, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "payload", "says"), UPLOADS, ids=[row[0] for row in UPLOADS])
def test_an_upload_that_is_not_a_checkpoint_gets_a_message_and_is_never_unpickled(tmp_path, name, payload, says):
    marker = tmp_path / "unpickled"
    app = AppTest.from_function(upload_page, default_timeout=60).run()
    app.file_uploader(key="upload").set_value((f"{name}.safetensors", payload(marker), "application/octet-stream"))
    app.run()
    assert not app.exception, app.exception[0].value
    assert any(says in text for text in messages(app, "error")), messages(app, "error")
    assert not marker.exists(), "the upload was unpickled"
    app.file_uploader(key="upload").set_value(("good.safetensors", to_bytes(GAN(GANConfig(noise_dim=3))),
                                                "application/octet-stream"))
    app.run()
    assert not app.error and "noise_dim=3" in app.success[0].value


def test_an_upload_is_parsed_once_not_at_every_rerun(monkeypatch):
    from ui import widgets

    parsed = []
    original = widgets.from_bytes
    monkeypatch.setattr(widgets, "from_bytes", lambda *args: parsed.append(1) or original(*args))
    app = AppTest.from_function(upload_page, default_timeout=60).run()
    app.file_uploader(key="upload").set_value(("g.safetensors", to_bytes(GAN(GANConfig())), "application/octet-stream"))
    for _ in range(3):
        app.run()
    assert not app.exception and app.success and len(parsed) == 1
    app.file_uploader(key="upload").set_value(("g.safetensors", to_bytes(GAN(GANConfig())), "application/octet-stream"))
    app.run()
    assert len(parsed) == 2  # a new file, a new parse


# ---- shared data no client can evict -------------------------------------------------------------

def test_a_clients_clear_cache_leaves_shared_models_data_and_reports_in_place():
    """Streamlit's "clear cache" message (any client may send it) clears st.cache_data and st.cache_resource
    for every session; what is expensive to rebuild and shared lives in playground's process-level caches."""
    shared = {"GloVe": embeddings.load_glove(), "pretrained AE": pretrain.shared_pretrained("ae_mnist"),
              "thumbnail": thumbnails.thumbnail("vae"), "GloVe word pairs": benchmarks_words.glove_word_pairs(1_000),
              "GloVe analogies": benchmarks_words.glove_analogies(1_000, "3CosAdd")}
    st.cache_data.clear()  # what AppSession does when a client sends clear_cache
    st.cache_resource.clear()
    again = {"GloVe": embeddings.load_glove(), "pretrained AE": pretrain.shared_pretrained("ae_mnist"),
             "thumbnail": thumbnails.thumbnail("vae"), "GloVe word pairs": benchmarks_words.glove_word_pairs(1_000),
             "GloVe analogies": benchmarks_words.glove_analogies(1_000, "3CosAdd")}
    assert all(again[name] is shared[name] for name in shared), [name for name in shared if again[name] is not shared[name]]
    app = open_page("embeddings")
    assert not app.exception and any("≈ **queen**" in text for text in messages(app, "success"))

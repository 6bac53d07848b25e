"""Bad input, table-driven: whatever a student types, drags or uploads, the page answers with a clear
message (never a traceback) and keeps working afterwards.

Each row names a page, what the student does, where the message is expected (`warning`, `error`,
`info`; `success` when the input is odd but valid; an input's label when it states a limit; nothing when
every slider is at its end at once) and a pattern it must match. After the message, the page's main
interaction must still work. A row whose page is missing fails: a deleted page is a defect.
"""

import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import safetensors.torch
import torch
from streamlit.testing.v1 import AppTest

from playground.checkpoints import to_bytes
from playground.models.gan import GAN, GANConfig
from tests.conftest import open_page

PAGES = Path(__file__).resolve().parent.parent / "pages"
Action = Callable[[AppTest], object]


# ---- what a student does -------------------------------------------------------------------------

def type_in(key: str, text: str) -> Action:
    return lambda app: app.text_input(key=key).set_value(text).run()


def write_in(key: str, text: str) -> Action:
    return lambda app: app.text_area(key=key).set_value(text).run()


def choose(widget: str, key: str, value) -> Action:
    """Set a radio, slider, select_slider, selectbox, toggle… (`widget` is AppTest's accessor name)."""
    return lambda app: getattr(app, widget)(key=key).set_value(value).run()


def click(key: str) -> Action:
    return lambda app: app.button(key=key).click().run()


def each(*actions: Action) -> Action:
    def run_all(app: AppTest) -> None:
        for action in actions:
            action(app)
    return run_all


def remember(key: str, value) -> Action:
    """Set a widget through session state (for widgets AppTest cannot drive, e.g. a segmented control)."""
    def set_and_run(app: AppTest) -> None:
        app.session_state[key] = value
        app.run()
    return set_and_run


def show(prefix: str, section: str) -> Action:
    """Open a section of the page whose widget keys start with `prefix` (its section picker is `<prefix>_section`)."""
    return remember(f"{prefix}_section", section)


def diverge_while_playing(prefix: str) -> Action:
    """The largest learning rate, then ▶ play (AppTest runs the live fragment's training slice once)."""
    return each(choose("select_slider", f"{prefix}_learning_rate", 10.0), click(f"{prefix}_play"))


# ---- reading the page ----------------------------------------------------------------------------

INPUTS = ("text_input", "text_area")  # for these the message is the widget's label (a stated limit)


def messages(app: AppTest, kind: str) -> list[str]:
    return [element.label if kind in INPUTS else element.value for element in getattr(app, kind)]


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def trains(prefix: str) -> Action:
    """The page still works: ⏭ step advances the step counter."""
    def check(app: AppTest) -> None:
        before = int(metric(app, "Step").replace(",", ""))
        click(f"{prefix}_step")(app)
        assert not app.exception and int(metric(app, "Step").replace(",", "")) > before
    return check


def answers_king_man_woman(app: AppTest) -> None:
    each(show("emb", "Analogies"), type_in("emb_analogy_0", "king"), type_in("emb_analogy_1", "man"),
         type_in("emb_analogy_2", "woman"))(app)
    assert any("≈ **queen**" in text for text in messages(app, "success"))


PREFIXES = {"autoencoder": "ae", "vae": "vae", "gan": "gan", "rnn": "rnn"}  # each page's training panel
TRAIN_SECTIONS = {"autoencoder": "Train", "vae": "Train", "gan": "2-D game", "rnn": "Train"}  # where the panel is
WORKS: dict[str, Action] = {  # each page's main interaction, after the bad input
    "embeddings": answers_king_man_woman,
    **{page: each(show(prefix, TRAIN_SECTIONS[page]), trains(prefix)) for page, prefix in PREFIXES.items()}}


# ---- the table -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    page: str
    act: Action
    kind: str | None  # where the message is: warning, error, info, success, or an input's label; None: no message
    says: str = ""  # a regular expression the message matches
    state: str | None = None  # what the training panel's State metric must say, if anything
    recover: Action = lambda app: None  # what the student does next, before the page must work again


def case(name: str, *args, **kwargs):
    return pytest.param(Case(*args, **kwargs), id=name)


LEE = choose("radio", "emb_w2v_corpus", "Lee news corpus (gensim)")
PASTE = each(show("emb", "Train your own"), choose("radio", "emb_w2v_corpus", "Paste a text"))
RNN_PASTE = each(remember("rnn_task", "char"), choose("radio", "rnn_corpus", "Text pasted below"))
RNN_LEE = choose("radio", "rnn_corpus", "Lee news corpus (gensim, 360,000 characters)")
SIZES = "whole numbers between 1 and 2048"

CASES = [
    # words: empty, unknown, numbers and punctuation
    case("emb-empty-word", "embeddings", type_in("emb_analogy_0", ""), "warning", "box is empty"),
    case("emb-unknown-word", "embeddings", type_in("emb_analogy_0", "qwzxv"), "warning",
         "“qwzxv” is not in the vocabulary of GloVe"),
    case("emb-punctuated-word", "embeddings", type_in("emb_analogy_0", "king!"), "warning", "Did you mean: king"),
    case("emb-number-is-a-word", "embeddings", type_in("emb_analogy_0", "1984"), "success", "1984 − man \\+ woman ≈"),
    case("emb-expression-of-signs", "embeddings", each(show("emb", "Neighbours & similarity"),
                                                       type_in("emb_query", "+ - +")), "warning", "Type a word"),
    case("emb-odd-pairs", "embeddings", each(show("emb", "Projection"),
                                             write_in("emb_projection_pairs", "king queen, man")), "warning",
         "exactly two words"),
    case("emb-vocabulary-of-commas", "embeddings", each(show("emb", "One-hot vs dense"),
                                                        type_in("emb_one_hot_words", ",,;;")), "info",
         "at least two known words"),
    case("ae-hidden-sizes-letters", "autoencoder", type_in("ae_hidden_sizes", "abc"), "warning", SIZES),
    case("ae-hidden-sizes-out-of-range", "autoencoder", type_in("ae_hidden_sizes", "1e9, -5, 0.5"), "warning", SIZES),
    case("rnn-prime-foreign-characters", "rnn", each(remember("rnn_task", "char"), show("rnn", "Generate text"),
                                                     type_in("rnn_prime", "日本語 😀")),
         "warning", "not in the model's vocabulary"),
    # pasted corpora: empty (a hint, not an error, before anything is typed), only punctuation, too short, huge
    case("emb-corpus-empty", "embeddings", each(PASTE, write_in("emb_w2v_text", "")), "info", "Paste a text",
         recover=LEE),
    case("emb-corpus-digits-and-punctuation", "embeddings", each(PASTE, write_in("emb_w2v_text", "1 2 3 ... !!! 42")),
         "error", "no words", recover=LEE),
    case("emb-corpus-huge", "embeddings", each(PASTE, write_in("emb_w2v_text", "word " * 100_001)), "error",
         "the limit is 500,000", recover=LEE),
    case("rnn-corpus-empty", "rnn", RNN_PASTE, "info", "Paste a text", recover=RNN_LEE),
    case("rnn-corpus-too-short", "rnn", each(RNN_PASTE, write_in("rnn_paste", "too short")), "warning",
         "paste at least \\d+ characters", recover=RNN_LEE),
    case("rnn-corpus-shorter-than-ten-windows", "rnn", each(RNN_PASTE, write_in("rnn_paste", "hello world! " * 20)),
         "warning", "below a tenth of the text", recover=RNN_LEE),
    case("rnn-corpus-huge-is-cut", "rnn", each(RNN_PASTE, write_in("rnn_paste", "abc " * 40_000)), "text_area",
         "at most 100,000 characters are used"),
    # a learning rate large enough to diverge: training pauses, says so, and reset recovers
    case("vae-diverges-while-playing", "vae", each(show("vae", "Train"), diverge_while_playing("vae")), "error",
         "Training diverged", "diverged",
         recover=each(choose("select_slider", "vae_learning_rate", 1e-3), click("vae_reset"))),
    # every slider at its end at once
    case("ae-extremes", "autoencoder", each(
        choose("radio", "ae_architecture", "conv"), choose("slider", "ae_latent_dim", 64),
        choose("selectbox", "ae_noise", "masking"), choose("slider", "ae_noise_level", 1.0),
        choose("select_slider", "ae_sparsity_weight", 1.0), choose("select_slider", "ae_contractive_weight", 1.0),
        choose("select_slider", "ae_batch_size", 1024)), None),
    case("vae-extremes", "vae", each(
        show("vae", "Train"), choose("radio", "vae_architecture", "conv"), choose("slider", "vae_latent_dim", 16),
        choose("select_slider", "vae_kl_weight", 16.0), show("vae", "Explorer"),
        choose("selectbox", "vae_source", "Trained on this page"), choose("slider", "vae_z0", 4.0),
        choose("slider", "vae_z1", -4.0),
        show("vae", "Latent map"), choose("slider", "vae_grid_n", 25)), None),
    case("gan-extremes", "gan", each(
        choose("slider", "gan_noise_dim", 8), choose("slider", "gan_generator_depth", 4), choose("slider", "gan_discriminator_depth", 4),
        choose("select_slider", "gan_generator_width", 256), choose("select_slider", "gan_discriminator_width", 8),
        choose("slider", "gan_disc_steps_per_gen_step", 10), choose("select_slider", "gan_batch_size", 1024)), None),
    case("rnn-extremes", "rnn", each(
        choose("slider", "rnn_window", 200), choose("slider", "rnn_horizon", 20),
        choose("slider", "rnn_rollout_steps", 100), choose("slider", "rnn_forecast_num_layers", 3),
        choose("toggle", "rnn_forecast_compare", True)), None),
]


@pytest.mark.parametrize("bad", CASES)
def test_bad_input_gets_a_clear_message_and_the_page_keeps_working(bad: Case):
    app = open_page(bad.page)
    assert not app.exception
    bad.act(app)
    assert not app.exception, app.exception[0].value
    if bad.kind is None:
        assert not app.error, messages(app, "error")
    else:
        said = messages(app, bad.kind)
        assert any(re.search(bad.says, text) for text in said), f"no {bad.kind} matching {bad.says!r} in {said}"
    if bad.state is not None:
        assert metric(app, "State") == bad.state
        assert app.button(key=f"{PREFIXES[bad.page]}_pause").disabled, "training did not pause"
    bad.recover(app)
    WORKS[bad.page](app)


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
    ("empty", lambda marker: b"", "not a playground .safetensors checkpoint"),
    ("text", lambda marker: b"hello, I am a checkpoint", "not a playground .safetensors checkpoint"),
    ("pickle", lambda marker: pickle.dumps(Booby(marker)), "not a playground .safetensors checkpoint"),
    ("torch-save", lambda marker: torch_save_bytes(marker), "not a playground .safetensors checkpoint"),
    ("no-config", lambda marker: safetensors_without_config(), "not a playground .safetensors checkpoint"),
    ("truncated", lambda marker: truncated(to_bytes(GAN(GANConfig()))), "not a playground .safetensors checkpoint"),
    ("huge-header", lambda marker: (2**62).to_bytes(8, "little") + b"{}", "not a playground .safetensors checkpoint"),
    ("another-model", lambda marker: to_bytes(torch_model_of_another_kind()), "not a 'GAN'"),
    ("too-large", lambda marker: b"\0" * (20 * 2**20 + 1), "larger than 20 MB"),
]


def torch_save_bytes(marker: Path) -> bytes:
    """What `torch.save` writes: a zip holding a pickle, here one that would touch the marker."""
    import io

    buffer = io.BytesIO()
    torch.save({"weights": torch.zeros(2), "trap": Booby(marker)}, buffer)
    return buffer.getvalue()


def torch_model_of_another_kind() -> torch.nn.Module:
    from playground.models.autoencoder import Autoencoder, AutoencoderConfig

    return Autoencoder(AutoencoderConfig())


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

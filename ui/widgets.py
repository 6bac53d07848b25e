"""Widgets shared by every page: sections, presets, the training panel, learning controls, seed, downloads.

Every page trains through the same panel, so ▶ play / ⏸ pause / ⏭ step / ↺ reset behave
the same everywhere. While playing, a fragment re-runs every REFRESH_SECONDS: it trains a
slice of TRAIN_SLICE_SECONDS and redraws the live charts; the rest of the page (and every
other widget) stays responsive because a slice never blocks for longer than that.

A page shows one section at a time (`section_picker`): only its widgets and charts run and
reach the browser. Its widgets are drawn with `persist_state=PERSIST`, so their values wait
for the student while another section is shown (Streamlit forgets a widget that is not drawn).
"""

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import replace

import streamlit as st
import torch
from streamlit.delta_generator import DeltaGenerator
from torch import nn

from playground.checkpoints import from_bytes, to_bytes
from playground.data import IMAGE_DATASETS
from playground.device import cap_cpu_threads, describe, pick_device
from playground.pretrain import load_pretrained
from playground.trainer import Trainer
from ui.i18n import N_, _, ngettext, number

REFRESH_SECONDS = 0.5  # charts redraw at least twice a second while playing
TRAIN_SLICE_SECONDS = 0.4  # training time inside each refresh; the rest (~0.1 s) draws the charts
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512, 1024)
MAX_UPLOAD_MEGABYTES = 20
CONTROLS_HEIGHT = 400  # px: a section's controls scroll inside a box this high, so its result stays in view
PERSIST = "session"  # every page widget keeps its value while hidden, and when the student comes back to the page
CUSTOM = N_("custom")  # what a preset picker shows once a control it fills has been edited


@st.cache_resource
def device() -> torch.device:
    """The device every page trains on, chosen once per server process."""
    cap_cpu_threads()
    return pick_device()


def device_label() -> str:
    """The device in words, e.g. 'CUDA · NVIDIA H100'; a CPU's thread count in this session's language."""
    chosen = device()
    if chosen.type != "cpu":
        return describe(chosen)
    threads = torch.get_num_threads()
    return ngettext("CPU · {threads} thread", "CPU · {threads} threads", threads).format(threads=threads)


@st.cache_resource(show_spinner=False)
def _shared_pretrained(name: str) -> nn.Module:
    return load_pretrained(name)


def pretrained(name: str) -> nn.Module | None:
    """A pretrained model shared read-only by every session: train a copy, never this one.

    None, with a note on the page, when its file is missing (`make pretrained` remakes it).
    """
    try:
        return _shared_pretrained(name)
    except FileNotFoundError:
        st.info(_("The pretrained model `{name}` is missing (run `make pretrained`); starting from random weights.")
                .format(name=name))
        return None


def seed() -> int:
    """The random seed chosen in the sidebar (app.py), used by every page."""
    return int(st.session_state.get("seed", 0))


def section_picker(key: str, sections: Sequence[str]) -> str:
    """The page's sections as one row of buttons; the page draws only the one chosen.

    `sections` are N_-marked English names: the buttons show them translated, the page compares the English.

    Not st.tabs: tabs run and send every section at once, and the browser puts a student back on
    the first tab whenever an element above the tabs appears or disappears (streamlit#13341).
    """
    return st.segmented_control(_("Section"), sections, default=sections[0], required=True, key=key, format_func=_,
                                label_visibility="collapsed", persist_state=PERSIST)


def open_section(key: str, section: str) -> None:
    """Button callback: show `section` of the page whose section picker is `key`."""
    st.session_state[key] = section


def controls_and_result(ratio: Sequence[float] = (2, 3)) -> tuple[DeltaGenerator, DeltaGenerator]:
    """A section's two halves side by side: its controls, scrolling inside a box of CONTROLS_HEIGHT, and its result.

    The result column starts at the top of the section, so at 1280×720 it is in view beside the controls.
    """
    controls, result = st.columns(ratio, gap="medium")
    return controls.container(height=CONTROLS_HEIGHT, border=False), result


def preset_picker(label: str, key: str, presets: Mapping[str, Mapping[str, object]],
                  on_pick: Callable[[], None] | None = None, **options) -> str:
    """A selectbox of presets, each a mapping of widget keys to values, that fills those widgets when picked.

    Once one of the widgets is edited away from the chosen preset, the box says CUSTOM, so picking
    that preset again fills the widgets again. The first preset's values are the widgets' defaults.
    Preset names are N_-marked English, shown translated (unless `options` has a format_func of its own).
    """
    for widget, value in next(iter(presets.values())).items():
        st.session_state.setdefault(widget, value)
    chosen = st.session_state.get(key)
    if chosen in presets and any(st.session_state.get(widget) != value for widget, value in presets[chosen].items()):
        st.session_state[key] = CUSTOM  # the box is drawn below: until then its value may change

    def fill() -> None:
        if st.session_state[key] in presets:
            st.session_state.update(presets[st.session_state[key]])
            if on_pick is not None:
                on_pick()

    options = {"format_func": _, **options}
    return st.selectbox(label, (*presets, CUSTOM), key=key, on_change=fill, persist_state=PERSIST, **options)


def session_trainer(key: str, spec: Hashable, build: Callable[[], Trainer]) -> Trainer:
    """This session's trainer for `key`, rebuilt whenever `spec` (architecture, data, seed) changes.

    It lives in `st.session_state[f"{key}_trainer"]`, the Trainer itself; what it was built
    for is kept beside it, so a page only ever asks this function (or `built_trainer`). A rebuild
    that throws training away says so in a toast, naming the seed when that is what changed.
    """
    old = st.session_state.get(f"{key}_trainer")
    if st.session_state.get(f"{key}_trainer_spec") != spec or old is None:
        if old is not None and old.step_count > 0:
            st.toast(_rebuilt_note(old, st.session_state.get(f"{key}_trainer_seed")), icon="🔄")
        st.session_state[f"{key}_trainer"] = build()
        st.session_state[f"{key}_trainer_spec"] = spec
        st.session_state[f"{key}_trainer_seed"] = seed()
    return st.session_state[f"{key}_trainer"]


def _rebuilt_note(old: Trainer, old_seed: int | None) -> str:
    steps = old.step_count
    if old_seed is not None and old_seed != seed():
        note = ngettext("Seed changed ({old} → {new}): the model was rebuilt at step 0; {steps} step of training "
                        "was discarded.", "Seed changed ({old} → {new}): the model was rebuilt at step 0; {steps} "
                        "steps of training were discarded.", steps)
        return note.format(old=old_seed, new=seed(), steps=number(steps, 0))
    note = ngettext("A setting that shapes the model or its data changed: the model was rebuilt at step 0; {steps} "
                    "step of training was discarded.", "A setting that shapes the model or its data changed: the "
                    "model was rebuilt at step 0; {steps} steps of training were discarded.", steps)
    return note.format(steps=number(steps, 0))


def built_trainer(key: str) -> tuple[Trainer, Hashable] | None:
    """The trainer `session_trainer(key, …)` last built in this session and the spec it was built for.

    For a section that studies the model another section trains; None until that section has run.
    """
    if f"{key}_trainer" not in st.session_state:
        return None
    return st.session_state[f"{key}_trainer"], st.session_state[f"{key}_trainer_spec"]


def pause_other_trainers(prefix: str, keep: Iterable[Trainer]) -> None:
    """Pause this session's trainers whose key starts with `prefix`, except those in `keep`."""
    kept = {id(trainer) for trainer in keep}
    for name, value in st.session_state.items():
        if name.startswith(prefix) and isinstance(value, Trainer) and id(value) not in kept:
            value.pause()


def discard_trainer(key: str) -> None:
    """Forget this session's trainer for `key`: the next `session_trainer` call builds a fresh one."""
    for suffix in ("trainer", "trainer_spec", "trainer_seed"):
        st.session_state.pop(f"{key}_{suffix}", None)


def learning_controls(key: str, learning_rate: float = 1e-3, batch_size: int = 128,
                      batch_sizes: Sequence[int] = BATCH_SIZES) -> tuple[float, int]:
    """Learning-rate and batch-size sliders; both may change while training runs.

    A page whose steps cost more per example offers fewer `batch_sizes`, to keep one step in its budget.
    """
    left, right = st.columns(2)
    rate = left.select_slider(_("Learning rate η"), LEARNING_RATES, value=learning_rate, key=f"{key}_learning_rate",
                              format_func=lambda v: f"{v:g}", persist_state=PERSIST)
    size = right.select_slider(_("Batch size"), batch_sizes, value=batch_size, key=f"{key}_batch_size",
                               persist_state=PERSIST)
    return rate, size


def image_dataset_picker(key: str, label: str | None = None, default: str = IMAGE_DATASETS[0]) -> str:
    """One of IMAGE_DATASETS (its English name), shown translated; `label` comes translated (default: Dataset)."""
    return st.selectbox(_("Dataset") if label is None else label, IMAGE_DATASETS, index=IMAGE_DATASETS.index(default),
                        key=f"{key}_dataset", format_func=_, persist_state=PERSIST)


def _as_list(trainers: Trainer | Sequence[Trainer]) -> list[Trainer]:
    return [trainers] if isinstance(trainers, Trainer) else list(trainers)


def _play(trainers: list[Trainer]) -> None:
    for trainer in trainers:
        trainer.play()


def _pause(trainers: list[Trainer]) -> None:
    for trainer in trainers:
        trainer.pause()


def _step(key: str, trainers: list[Trainer]) -> None:
    for trainer in trainers:
        trainer.step(int(st.session_state[f"{key}_steps_per_click"]))


def _reset(trainers: list[Trainer]) -> None:
    for trainer in trainers:
        trainer.reset()


def training_panel(
    key: str, trainers: Trainer | Sequence[Trainer], render: Callable[[], None],
    steps_per_click: Sequence[int] = (1, 10, 100, 1000), default_steps: int = 10,
) -> None:
    """The play / pause / step / reset row, then the live part: counters and `render()`."""
    trainers = _as_list(trainers)
    playing = any(t.playing for t in trainers)
    play, pause, step, reset, per_click = st.columns([1, 1, 1, 1, 2.5], vertical_alignment="bottom")
    play.button(_("▶ Play"), key=f"{key}_play", on_click=_play, args=(trainers,), disabled=playing, type="primary")
    pause.button(_("⏸ Pause"), key=f"{key}_pause", on_click=_pause, args=(trainers,), disabled=not playing)
    step.button(_("⏭ Step"), key=f"{key}_step", on_click=_step, args=(key, trainers), disabled=playing)
    reset.button(_("↺ Reset"), key=f"{key}_reset", on_click=_reset, args=(trainers,), help=_reset_help(trainers[0]))
    per_click.select_slider(_("steps per ⏭"), steps_per_click, value=default_steps, key=f"{key}_steps_per_click",
                            persist_state=PERSIST)

    @st.fragment(run_every=REFRESH_SECONDS if playing else None)
    def live() -> None:
        if any(t.playing for t in trainers):
            lead, *others = trainers
            steps = lead.run_for(TRAIN_SLICE_SECONDS / len(trainers))
            for trainer in others:  # the same number of steps, so side-by-side models stay comparable
                trainer.step(steps)
            if any(t.diverged for t in trainers):
                _pause(trainers)
                st.rerun(scope="app")  # stops the refresh timer and shows the message below
        _status(trainers)
        render()

    live()


def _reset_help(trainer: Trainer) -> str:
    if trainer.start_name == "random":
        note = _("Back to step 0: the random weights of seed {seed}, the same batches and noise as the first run.")
        return note.format(seed=trainer.seed)
    note = _("Back to step 0 from the {start} weights, with the same batches and noise as the first run.")
    return note.format(start=_(trainer.start_name))


def _status(trainers: list[Trainer]) -> None:
    lead = trainers[0]
    counter, speed, state = st.columns(3)
    counter.metric(_("Step"), number(lead.step_count, 0))
    speed.metric(_("Steps/s"), number(sum(t.steps_per_second for t in trainers), 0))
    state.metric(_("State"), _("diverged") if lead.diverged else _("playing") if lead.playing else _("paused"))
    for trainer in trainers:
        if trainer.diverged:
            d = trainer.diverged
            st.error(_("Training diverged: {metric} became {value} at step {step}. The learning rate is probably too "
                       "large: lower it and press ↺ Reset.").format(metric=_(d.metric), value=d.value,
                                                                    step=number(d.step, 0)), icon="⚠️")


def download_model(model: nn.Module, filename: str, key: str) -> None:
    """Weights and config as one .safetensors file (no pickle inside)."""
    st.download_button(_("⬇ Weights (.safetensors)"), data=lambda: to_bytes(model), file_name=filename,
                       mime="application/octet-stream", key=key, on_click="ignore")


def download_png(png: Callable[[], bytes] | bytes, filename: str, key: str, label: str | None = None) -> None:
    """A PNG download button; `label` comes translated (default: ⬇ Image (PNG))."""
    st.download_button(_("⬇ Image (PNG)") if label is None else label, data=png, file_name=filename, mime="image/png",
                       key=key, on_click="ignore")


def upload_into(key: str, trainer: Trainer, model_class: type[nn.Module], config_class: type) -> None:
    """Continue training from weights downloaded earlier; they must fit the architecture chosen above."""
    uploaded = upload_model(f"{key}_upload", model_class, config_class)
    if uploaded is None:
        return
    live = getattr(trainer.model, "live_settings", ())
    if replace(uploaded.config, **{name: getattr(trainer.model.config, name) for name in live}) != trainer.model.config:
        st.warning(_("These weights belong to another model ({config}). Set the controls above to match it, then "
                     "load them.").format(config=uploaded.config))
        return
    st.button(_("Continue training from the uploaded weights"), key=f"{key}_load_upload",
              on_click=trainer.start_from, args=(uploaded.state_dict(), N_("uploaded")))


def upload_model(key: str, model_class: type[nn.Module], config_class: type) -> nn.Module | None:
    """A .safetensors upload rebuilt as a model; anything else gets a message, never unpickling."""
    upload = st.file_uploader(_("Load weights (.safetensors)"), type=["safetensors"], key=key)
    if upload is None:
        return None
    if upload.size > MAX_UPLOAD_MEGABYTES * 2**20:
        st.error(_("That file is larger than {megabytes} MB; playground checkpoints are much smaller.")
                 .format(megabytes=MAX_UPLOAD_MEGABYTES))
        return None
    try:
        return from_bytes(upload.getvalue(), model_class, config_class)
    except ValueError as error:
        st.error(_("Could not load {filename}: {error}.").format(filename=upload.name, error=error))
        return None

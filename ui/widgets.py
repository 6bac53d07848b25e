"""Widgets shared by every page: sections, presets, the training panel, learning controls, seed, downloads, uploads.

Every page trains through the same panel, so ▶ play / ⏸ pause / ⏭ step / ↺ reset behave
the same everywhere. While playing, a fragment re-runs at the refresh interval: it draws the
live charts, then waits for its turn at the server's one FairScheduler and trains a slice of
CPU time. A lone student refreshes every REFRESH_SECONDS and trains most of it; with n
students playing on one server process, each gets 1/n of it and refreshes less often, so
drawing never crowds out training (playground/scheduler.py has the formula). An outer
fragment re-reads the class size every RETUNE_SECONDS and re-sets the refresh interval.
The rest of the page (and every other widget) stays responsive: a click waits at most for
the running refresh, a turn and a redraw.
⏭ trains a first short slice before the page is drawn, and any steps left in the same fragment;
any other long job (greedy pre-training, a benchmark) runs the same way in `run_in_slices`:
no click ever waits for more than a slice.

Shared read-only things (the device, pretrained models) live in process-level caches in
playground/, where no client's "clear cache" message reaches them.

A page shows one section at a time (`section_picker`): only its widgets and charts run and
reach the browser. Its controls are drawn with `**kept(key)`: their values wait for the student
while another section is shown (Streamlit forgets a widget that is not drawn), and live in the
address too, so a link restores them (ui/links.py). A guided lesson asks the panel for a number
of steps (`train_steps`); the panel plays them in its slices and stops there.
"""

import math
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol, TypeVar

import plotly.graph_objects as go
import streamlit as st
import torch
from streamlit.delta_generator import DeltaGenerator
from torch import nn

from playground.budgets import UPLOAD_MEGABYTES
from playground.checkpoints import from_bytes, to_bytes
from playground.data import IMAGE_DATASETS
from playground.device import describe, server_device
from playground.export import EXPORTABLE_STARTS, Setup, history_csv, script
from playground.pretrain import shared_pretrained
from playground.scheduler import FairScheduler, Pace, ShareConfig
from playground.trainer import Trainer
from ui import links, rewind
from ui.i18n import N_, _, ngettext, number, percent
from ui.text import plain

REFRESH_SECONDS = 0.5  # a lone student's charts redraw twice a second; with more students playing, less often
RETUNE_SECONDS = 3.0  # a playing panel re-reads how many students share its server this often
FIRST_ANSWER_SECONDS = 0.05  # ⏭ trains this much CPU time before the page answers the click (<0.3 s in all)
JOB_SLICE_SECONDS = 0.4  # a long job (greedy pre-training, a benchmark) advances this much per refresh
HEAVY_EVERY = 3  # while training plays, a heavy live figure is rebuilt on every third refresh
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512, 1024)
CONTROLS_HEIGHT = 400  # px: a section's controls scroll inside a box this high, so its result stays in view
PERSIST = "session"  # every page widget keeps its value while hidden, and when the student comes back to the page
CUSTOM = N_("custom")  # what a preset picker shows once a control it fills has been edited
T = TypeVar("T")


def kept(key: str, disabled: bool = False) -> dict[str, object]:
    """The keyword arguments of every control that shapes an experiment: `**widgets.kept(key)`.

    Its value is kept in the address (?key=value, so a reload or a pasted link restores it) and
    while the control is not drawn; a teacher's link may lock it (ui/links.py).
    """
    links.register(key)
    return {"key": key, "bind": "query-params", "persist_state": PERSIST, "disabled": disabled or links.locked(key)}


@st.cache_resource
def device() -> torch.device:
    """The device every page trains on, chosen once per server process."""
    return server_device()


@st.cache_resource
def scheduler() -> FairScheduler:
    """One per server process: every session's training takes its turns through it."""
    return FairScheduler(ShareConfig(refresh_seconds=REFRESH_SECONDS))


def device_label() -> str:
    """The device in words, e.g. 'CUDA · NVIDIA H100'; a CPU's thread count in this session's language."""
    chosen = device()
    if chosen.type != "cpu":
        return describe(chosen)
    threads = torch.get_num_threads()
    return ngettext("CPU · {threads} thread", "CPU · {threads} threads", threads).format(threads=threads)


def pretrained(name: str) -> nn.Module | None:
    """A pretrained model shared read-only by every session: train a copy, never this one.

    None, with a note on the page, when its file is missing (`make pretrained` remakes it).
    """
    try:
        return shared_pretrained(name)
    except FileNotFoundError:
        st.info(_("The pretrained model `{name}` is missing (run `make pretrained`); starting from random weights.")
                .format(name=name))
        return None


def seed() -> int:
    """The random seed chosen in the sidebar (app.py), used by every page."""
    return int(st.session_state.get("seed", 0))


def section_picker(key: str, sections: Sequence[str]) -> str:
    """The page's sections as one row of buttons; the page draws only the one chosen.

    Not st.tabs: tabs run and send every section at once, and the browser puts a student back on
    the first tab whenever an element above the tabs appears or disappears (streamlit#13341).
    A teacher's link may hide some sections (ui/links.py): they are not offered.
    `sections` are N_-marked English names: the buttons show them translated, the page compares the English.
    """
    links.register_sections(key, sections)
    shown = links.visible_sections(key, sections)
    if st.session_state.get(key, shown[0]) not in shown:
        st.session_state[key] = shown[0]
    return st.segmented_control(_("Section"), shown, default=shown[0], required=True, format_func=_,
                                label_visibility="collapsed", **kept(key))


def open_section(key: str, section: str) -> None:
    """Button callback: show `section` of the page whose section picker is `key`."""
    st.session_state[key] = section


def controls_and_result(ratio: Sequence[float] = (1, 2), part: str = "") -> tuple[DeltaGenerator, DeltaGenerator]:
    """A section's two halves side by side: its controls, scrolling inside a box of CONTROLS_HEIGHT, and its result.

    The result column starts at the top of the section, so at 1280×720 it is in view beside the controls.
    A page shows one section at a time; a section in several parts names each `part`, so that every box's key
    (a CSS class containing `section_controls`, see ui/presentation.py) stays unique.
    """
    controls, result = st.columns(ratio, gap="medium")
    key = f"section_controls_{part}" if part else "section_controls"
    return controls.container(height=CONTROLS_HEIGHT, border=False, key=key), result


def preset_picker(label: str, key: str, presets: Mapping[str, Mapping[str, object]],
                  on_pick: Callable[[], None] | None = None, **options) -> str:
    """A selectbox of presets, each a mapping of widget keys to values, that fills those widgets when picked.

    Once one of the widgets is edited away from the chosen preset, the box says CUSTOM, so picking
    that preset again fills the widgets again. The first preset's values are the widgets' defaults.
    A preset chosen by a link or a guided lesson, not in the box, fills the widgets too (a link's own
    values for some of them still win, and the box then says CUSTOM).
    Preset names are N_-marked English, shown translated (unless `options` has a format_func of its own);
    a link holds the name as shown, in the link's language.
    """
    applied = f"{key}_applied"  # the preset the widgets were last filled with
    shown = f"{key}_shown"  # the values its widgets are sent with in this run: what the browser shows next
    first = next(iter(presets))
    for widget, value in presets[first].items():
        st.session_state.setdefault(widget, value)
    st.session_state.setdefault(applied, first)

    def fill() -> None:
        chosen = st.session_state.get(key, linked(key, presets))  # a link's choice, before the box reads it
        if chosen in presets:
            st.session_state.update(presets[chosen])
            st.session_state[applied] = chosen
            if on_pick is not None:
                on_pick()

    def picked() -> None:
        """The box changed. If one of its widgets changed in the same request, the student edited that widget
        before the answer to an earlier edit reached the browser, whose box still showed the preset where the
        server had put CUSTOM: nobody picked the preset, and filling it would undo both edits."""
        if any(st.session_state.get(widget) != value for widget, value in st.session_state.get(shown, {}).items()):
            st.session_state[key] = CUSTOM
        else:
            fill()

    chosen = st.session_state.get(key, linked(key, presets))
    if chosen in presets and chosen != st.session_state[applied]:
        fill()
    elif chosen in presets and any(st.session_state.get(widget) != value for widget, value in presets[chosen].items()):
        st.session_state[key] = CUSTOM  # the box is drawn below: until then its value may change
    st.session_state[shown] = {widget: st.session_state.get(widget) for preset in presets.values() for widget in preset}
    return st.selectbox(label, (*presets, CUSTOM), on_change=picked, **kept(key), **{"format_func": _, **options})


def linked(key: str, options: Iterable[str]) -> str | None:
    """The option the address names for the bound control `key`: it holds the option as shown (translated)."""
    given = st.query_params.get(key)
    return next((option for option in options if _(option) == given), given)


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
    rate = left.select_slider(_("Learning rate η"), LEARNING_RATES, value=learning_rate,
                              format_func=lambda v: f"{v:g}", **kept(f"{key}_learning_rate"))
    size = right.select_slider(_("Batch size"), batch_sizes, value=batch_size, **kept(f"{key}_batch_size"))
    return rate, size


def image_dataset_picker(key: str, label: str | None = None, default: str = IMAGE_DATASETS[0]) -> str:
    """One of IMAGE_DATASETS (its English name), shown translated; `label` comes translated (default: Dataset)."""
    return st.selectbox(_("Dataset") if label is None else label, IMAGE_DATASETS, index=IMAGE_DATASETS.index(default),
                        format_func=_, **kept(f"{key}_dataset"))


def _as_list(trainers: Trainer | Sequence[Trainer]) -> list[Trainer]:
    return [trainers] if isinstance(trainers, Trainer) else list(trainers)


def _play(key: str, trainers: list[Trainer]) -> None:
    for trainer in trainers:
        trainer.play()
    st.session_state.pop(f"{key}_speed", None)  # the speed is measured afresh from the first refresh


def _pause(trainers: list[Trainer]) -> None:
    for trainer in trainers:
        trainer.pause()
    scheduler().leave(id(trainers[0]))  # the other students' refresh follows at once


def _step(key: str, trainers: list[Trainer]) -> None:
    """⏭: play exactly n steps, then pause."""
    _play_steps(trainers, int(st.session_state[f"{key}_steps_per_click"]))
    st.session_state.pop(f"{key}_speed", None)  # the speed is measured afresh from the first refresh


def _play_steps(trainers: list[Trainer], steps: int) -> None:
    """Play `steps` steps, the first FIRST_ANSWER_SECONDS of them at once: steps that fit are done before the
    page is drawn, so the click is answered by one run of the page (its buttons drawn enabled); the rest go on a
    slice per refresh, with the counter moving from the first answer on."""
    for trainer in trainers:
        trainer.play(steps=steps)
    pace = scheduler().pace(id(trainers[0]))
    _train_slice(trainers, replace(pace, slice_seconds=min(pace.slice_seconds, FIRST_ANSWER_SECONDS)))
    if not all(trainer.playing for trainer in trainers):  # done, or a trainer diverged
        _pause(trainers)


def _reset(trainers: list[Trainer]) -> None:
    for trainer in trainers:
        trainer.reset()
    scheduler().leave(id(trainers[0]))


def train_steps(key: str, steps: int) -> None:
    """Ask the training panel `key` to play `steps` steps and stop there (a guided lesson's run; callback-safe).

    The panel trains them in its usual slices, so the charts move and the page stays responsive.
    """
    st.session_state[f"{key}_steps_requested"] = steps


def training(key: str) -> bool:
    """Whether the panel `key` still has steps to train that `train_steps` asked for."""
    return f"{key}_steps_requested" in st.session_state or st.session_state.get(f"{key}_steps_to_play", False)


def training_panel(
    key: str, trainers: Trainer | Sequence[Trainer], render: Callable[[], None],
    steps_per_click: Sequence[int] = (1, 10, 100, 1000), default_steps: int = 10, history: bool = False,
) -> None:
    """The play / pause / step / reset row, then the live part: counters and `render()`.

    With `history`, a paused panel offers a history slider between the two (ui/rewind.py), and `render`
    draws the models `rewind.moment(key, trainers)` gives: the run as it was at the chosen step.
    """
    trainers = _as_list(trainers)
    requested = st.session_state.pop(f"{key}_steps_requested", None)
    if requested is not None:  # played by the live fragment, which reruns the page when they are done: what was
        for trainer in trainers:  # drawn above this panel (a guided lesson's step) then sees them done
            trainer.play(steps=requested)
    playing = any(t.playing for t in trainers)
    st.session_state[f"{key}_steps_to_play"] = any(t.playing and t.steps_left for t in trainers)
    play, pause, step, reset, per_click = st.columns([1, 1, 1, 1, 1.6], vertical_alignment="bottom")
    play.button(_("▶ Play"), key=f"{key}_play", on_click=_play, args=(key, trainers), disabled=playing,
                type="primary")
    pause.button(_("⏸ Pause"), key=f"{key}_pause", on_click=_pause, args=(trainers,), disabled=not playing)
    step.button(_("⏭ Step"), key=f"{key}_step", on_click=_step, args=(key, trainers), disabled=playing)
    reset.button(_("↺ Reset"), key=f"{key}_reset", on_click=_reset, args=(trainers,), help=_reset_help(trainers[0]))
    per_click.select_slider(_("steps per ⏭"), steps_per_click, value=default_steps, key=f"{key}_steps_per_click",
                            persist_state=PERSIST)
    if history:
        rewind.slider(key, trainers)
    player = id(trainers[0])  # this panel's place at the scheduler

    @st.fragment(run_every=RETUNE_SECONDS if playing else None)
    def paced() -> None:
        refresh = scheduler().pace(player).refresh_seconds if playing else None

        @st.fragment(run_every=refresh)
        def live() -> None:
            pace = scheduler().pace(player) if any(t.playing for t in trainers) else None
            drawing = time.thread_time()  # drawn first, trained after: Streamlit sends the charts while the slice
            _status(key, trainers, pace)  # trains, whereas charts drawn last were dropped when the browser's next
            render()  # request started the next run before they were sent (measured: 2 runs a second, 1.2 shown)
            scheduler().drew(player, time.thread_time() - drawing)
            if pace is not None:
                _train_slice(trainers, pace)
                if not all(t.playing for t in trainers):  # ⏭'s steps are done, or a trainer diverged
                    st.session_state[f"{key}_steps_to_play"] = False  # a guided lesson sees it on the rerun
                    _pause(trainers)
                    st.rerun(scope="app")  # stops the refresh timer, enables the buttons, draws the last slice

        live()

    paced()


def _train_slice(trainers: list[Trainer], pace: Pace) -> None:
    """One turn at the scheduler: a slice of CPU time. Side-by-side trainers take a step each in turn until it is
    spent, so they stay in lockstep (the same number of steps) and the slice stays its length whatever their
    steps cost (an RNN's step costs a third of an LSTM's: equal parts of the slice made the long-memory race
    take twice its slice)."""
    with scheduler().turn():
        clock = scheduler().slice_clock()
        if len(trainers) == 1:
            trainers[0].run_for(pace.slice_seconds, clock=clock)
            return
        while all(trainer.playing for trainer in trainers):  # until ⏭'s steps are done or a trainer diverges
            for trainer in trainers:
                trainer.step(1)
            if clock() >= pace.slice_seconds:
                break


def _speed(key: str, trainers: list[Trainer], playing: bool) -> float:
    """Steps per second of wall time between refreshes while playing: the speed a student sees, shared or not."""
    now, steps = time.monotonic(), sum(t.step_count for t in trainers)
    then, before, speed = st.session_state.get(f"{key}_speed", (now, steps, 0.0))
    if playing and now > then and steps > before:
        speed = (steps - before) / (now - then)
    st.session_state[f"{key}_speed"] = (now, steps, speed)
    return speed


def heavy_figure(key: str, trainer: Trainer, build: Callable[[], go.Figure], every: int = HEAVY_EVERY) -> go.Figure:
    """A live figure that is costly to compute, to draw, or changes slowly (a map of the test set's codes, a grid
    of samples, evaluation curves): while `trainer` plays it is rebuilt on every `every`-th refresh and sent
    again as it was in between, which costs a fraction of building it (and the browser does not draw it again);
    on every run otherwise."""
    age, figure = st.session_state.get(f"{key}_figure", (every, None))
    if not trainer.playing or age + 1 >= every:
        age, figure = -1, build()
    st.session_state[f"{key}_figure"] = (age + 1, figure)
    return figure


def _reset_help(trainer: Trainer) -> str:
    if trainer.start_name == "random":
        note = _("Back to step 0: the random weights of seed {seed}, the same batches and noise as the first run.")
        return note.format(seed=trainer.seed)
    note = _("Back to step 0 from the {start} weights, with the same batches and noise as the first run.")
    return note.format(start=_(trainer.start_name))


def _status(key: str, trainers: list[Trainer], pace: Pace | None) -> None:
    lead = trainers[0]
    counter, speed, state = st.columns(3)
    counter.metric(_("Step"), number(lead.step_count, 0))
    speed.metric(_("Steps/s"), number(_speed(key, trainers, pace is not None), 0))
    state.metric(_("State"), _("diverged") if lead.diverged else _("playing") if lead.playing else _("paused"))
    if pace is not None and pace.players > 1:
        st.caption(_("{players} trainers share this server process, a fair turn each: the charts refresh every "
                     "{seconds} s.").format(players=pace.players, seconds=number(pace.refresh_seconds, 1)))
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


def download_run(key: str, trainer: Trainer, setup: Setup) -> None:
    """Take the run home: a Python script that replays it to the same loss, and its metric history as CSV.

    Charts as PNG would need a browser on the server (kaleido); the history is their data.
    """
    run, history = st.columns(2)
    if trainer.start_name in EXPORTABLE_STARTS and trainer.forked_at is None:
        run.download_button(_("⬇ Run as Python script"), data=lambda: script(setup, trainer),
                            file_name=f"{key}_run.py", mime="text/x-python", key=f"{key}_download_script",
                            on_click="ignore", help=_("Replays this run without the app: same seed, same steps, "
                                                      "same loss. Run it with `python {key}_run.py` in this "
                                                      "project's folder.").format(key=key))
    else:
        run.caption(_("This run starts from weights a script cannot rebuild (uploaded, or pre-trained here layer "
                      "by layer), so it has no script."))
    history.download_button(_("⬇ Metric history (CSV)"), data=lambda: history_csv(trainer.history),
                            file_name=f"{key}_history.csv", mime="text/csv", key=f"{key}_download_history",
                            on_click="ignore")


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
                     "load them.").format(config=plain(uploaded.config)))
        return
    st.button(_("Continue training from the uploaded weights"), key=f"{key}_load_upload",
              on_click=trainer.start_from, args=(uploaded.state_dict(), N_("uploaded")))


def upload_model(key: str, model_class: type[nn.Module], config_class: type) -> nn.Module | None:
    """A .safetensors upload rebuilt as a model (playground.checkpoints checks it within playground.budgets)."""
    return upload_file(_("Load weights (.safetensors)"), key, ("safetensors",), UPLOAD_MEGABYTES * 2**20,
                       lambda data: from_bytes(data, model_class, config_class))


def upload_file(label: str, key: str, types: Sequence[str], max_bytes: int, parse: Callable[[bytes], T]) -> T | None:
    """An uploader of `types` files: what `parse` (a playground function of the file's bytes) makes of the file.

    None without a file, or with an unusable one: an error under the uploader says why (a ValueError's
    message). The size is checked before a byte is read, by the browser (`max_upload_size`) and here; the
    file is parsed once and the result kept in this session under its id, so reruns while it stays in the
    uploader cost nothing. Nothing is unpickled: `parse` gets bytes.
    """
    upload = st.file_uploader(label, type=list(types), key=key, max_upload_size=max(1, math.ceil(max_bytes / 2**20)))
    if upload is None:
        st.session_state.pop(f"{key}_parsed", None)
        return None
    file_id, parsed, message = st.session_state.get(f"{key}_parsed", (None, None, None))
    if file_id != upload.file_id:
        parsed, message = _parse_upload(upload, max_bytes, parse)
        st.session_state[f"{key}_parsed"] = (upload.file_id, parsed, message)
    if message is not None:
        st.error(message)
    return parsed


def _parse_upload(upload, max_bytes: int, parse: Callable[[bytes], T]) -> tuple[T | None, str | None]:
    """What `parse` makes of the file, or the message that says why it cannot be used."""
    name = plain(upload.name, 80)
    if upload.size > max_bytes:  # before reading a byte of it
        return None, _("Could not load {filename}: it is larger than {megabytes} MB.").format(
            filename=name, megabytes=number(max_bytes / 2**20, 1))
    try:
        return parse(upload.getvalue()), None
    except ValueError as error:  # the library's sentences end with a full stop, its short reasons do not
        return None, _("Could not load {filename}: {error}.").format(filename=name,
                                                                     error=plain(str(error).rstrip(".")))


class Job(Protocol):
    """Long work done a slice at a time: `advance(seconds)` works for about that long, `progress` runs 0 → 1."""

    progress: float

    def advance(self, seconds: float) -> None: ...


def run_in_slices(key: str, jobs: Sequence[Job], label: str, on_done: Callable[[], None] = lambda: None) -> None:
    """Advance unfinished `jobs` a slice per refresh while this session watches, with a progress bar and a
    ⏸ / ▶ button; `on_done()` runs once, in the refresh that finishes the last of them."""
    paused = st.session_state.get(f"{key}_paused", False)
    st.button(_("▶ Continue") if paused else _("⏸ Pause"), key=f"{key}_pause_job",
              on_click=lambda: st.session_state.update({f"{key}_paused": not paused}))

    @st.fragment(run_every=None if paused else REFRESH_SECONDS)
    def live() -> None:
        if not paused:
            pending = [job for job in jobs if job.progress < 1]
            with scheduler().turn():  # a long job takes its turn at the CPU like a playing trainer
                for job in pending:
                    job.advance(JOB_SLICE_SECONDS / len(pending))
            if all(job.progress >= 1 for job in jobs):  # done here, or by another session sharing a job
                on_done()
                st.rerun(scope="app")  # stops the refresh timer and shows the results
        progress = sum(job.progress for job in jobs) / len(jobs)
        text = _("{task}: {percent} (paused)") if paused else _("{task}: {percent}")
        st.progress(progress, text=text.format(task=label, percent=percent(progress, 0)))

    live()

"""Diffusion lab: drown data in noise step by step, learn to undo one step, and sample by walking back."""

import math
import time
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from torch import nn

from playground import diffusion_lessons as lessons
from playground import gan_lessons, vae_lessons
from playground.data import split
from playground.diffusion_lessons import Data
from playground.export import Recipe, points_source, pretrained_source
from playground.figures import image_grid, loss_curves
from playground.figures import diffusion as figures
from playground.figures.diffusion import TRAILS
from playground.models.diffusion import MAX_STEPS, SCHEDULES, Diffusion, DiffusionConfig, alpha_bars
from playground.recipes.diffusion import recipe_name
from playground.trainer import TrainConfig, Trainer
from ui import rewind, routing, widgets
from ui.components import draw_pad
from ui.i18n import N_, _, ngettext, number

routing.through_app()  # a direct link on a fresh server still runs through app.py

DIGITS = lessons.DIGITS
OWN_POINTS = N_("your own points")  # drawn on the plane or loaded from a CSV file: lessons.Data as an array
SECTIONS = (N_("Learn to denoise"), N_("Forward process"), N_("What it learned"), N_("Samplers"), N_("Guidance"),
            N_("Three families"))  # the first holds the training panel, as on every page that trains
SCHEDULE_NAMES = {"linear": N_("linear"), "cosine": N_("cosine")}  # SCHEDULES as the page names them
SHAPE = ("hidden", "depth", "steps", "schedule")  # config fields whose change builds a new network
LIVE = ("label_dropout", "guidance_scale")  # config fields changed on the network while it trains (digits only)
FORWARD_POINTS = 1000  # points noised in the forward-process view
FORWARD_DIGITS = 16
PRIOR_CHECK_POINTS = 5000  # data points whose mean and covariance decide whether x_T is N(0, I)
NOT_NOISE = 0.05  # √ᾱ_T above this: x_T still visibly holds x_0
WIDTHS = (32, 64, 128, 256)
MODEL_STEPS = (10, 20, 50, 100, 200)  # T on offer for a network; the forward view goes up to MAX_STEPS
LABEL_DROPOUTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
GUIDANCE_SCALES = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)
LIVE_POINTS = 500  # samples redrawn while training (DDIM-10 from fixed noise)
TRAJECTORY_POINTS = 300
FIELD_RESOLUTION = 15  # arrows per side of the ε field
MAX_POINTS = 2000  # samples per request, before the cost limit (lessons.max_samples) cuts it further
DEFAULT_POINTS = 1000  # the samples' density and the Samplers section's first view: one cached draw serves both
CURVE_POINTS, CURVE_DIGITS = 500, 100  # samples per point of the sampler curve
SAMPLER_PLANE_HEIGHT = 360  # DDPM and DDIM side by side, their metrics above, fit beside the sampler's controls
STRIP_FRAMES = 10  # states shown from noise to digit
GUIDED_STEPS = 20  # DDIM steps for the guidance and family grids
FAMILY_ROWS = 4  # samples per digit in the guidance and three-family grids
FAMILY_SAMPLES = 180  # digits each family draws to be measured (as many as the real ones): fewer make the MMD noise
FAMILIES = {  # each family's name on the page (the diffusion model's with its sampler) and its charts' key
    "diffusion": N_("diffusion (DDIM-{steps}, w = {w})"), "VAE": N_("VAE (prior samples)"),
    "GAN": N_("conditional GAN"), "real": N_("real test digits"),
}

# The forward process and the loss sit beside the controls, a column ~295 px wide at 1280×800: short lines.
FORWARD = (r"\begin{aligned} q(x_t \mid x_0) &= \mathcal N\big(\sqrt{\bar\alpha_t}\,x_0,\ (1 - \bar\alpha_t)\, I\big) \\ "
           r"\bar\alpha_t &= \prod_{s=1}^{t} (1 - \beta_s) \end{aligned}")
REPARAMETERISED = (r"\begin{aligned} x_t &= \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon \\ "
                   r"\varepsilon &\sim \mathcal N(0, I) \end{aligned}")
SCHEDULE_FORMULAS = {
    "linear": (r"\begin{aligned} \beta_t &= 10^{-4} + \big(0.02 - 10^{-4}\big)\,\frac{t - 1}{T - 1} \\ "
               r"&\text{(Ho et al.)} \end{aligned}"),
    "cosine": (r"\begin{aligned} \bar\alpha_t &= \frac{f(t)}{f(0)},\quad s = 0.008 \\ "
               r"f(t) &= \cos^2\!\Big(\frac{t/T + s}{1 + s}\cdot\frac{\pi}{2}\Big) \end{aligned}"),
}
LOSS = (r"\begin{aligned} L &= \mathbb E_{x_0,\ t \sim U\{1..T\},\ \varepsilon}\ "
        r"\big\lVert \varepsilon - \varepsilon_\theta(x_t, t)\big\rVert^2 \\ "
        r"x_t &= \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon \end{aligned}")
SCORE = r"\nabla_x \log q(x_t) \approx -\frac{\varepsilon_\theta(x_t, t)}{\sqrt{1 - \bar\alpha_t}}"
DDPM = (r"x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}\,\varepsilon_\theta(x_t, t)\Big)"
        r" + \sigma_t z,\qquad \sigma_t^2 = \frac{1 - \bar\alpha_{t-1}}{1 - \bar\alpha_t}\,\beta_t")
DDIM = (r"x_s = \sqrt{\bar\alpha_s}\,\hat x_0 + \sqrt{1 - \bar\alpha_s - \sigma^2}\,\varepsilon_\theta + \sigma z,"
        r"\quad \hat x_0 = \frac{x_t - \sqrt{1 - \bar\alpha_t}\,\varepsilon_\theta}{\sqrt{\bar\alpha_t}},"
        r"\quad \sigma = \eta\sqrt{\tfrac{1 - \bar\alpha_s}{1 - \bar\alpha_t}}\sqrt{1 - \tfrac{\bar\alpha_t}{\bar\alpha_s}}")
GUIDANCE = r"\tilde\varepsilon = (1 + w)\,\varepsilon_\theta(x_t, t, y) - w\,\varepsilon_\theta(x_t, t, \varnothing)"
MMD = r"\mathrm{MMD}^2 = \mathbb E\,k(x, x') + \mathbb E\,k(y, y') - 2\,\mathbb E\,k(x, y)"


def kind(dataset: Data) -> str:
    return "digits" if lessons.is_digits(dataset) else "points"


def measure_name(dataset: Data) -> str:
    """The English name of the samples' quality (a metric of the trainer's history); _() shows it."""
    return "agreement" if lessons.is_digits(dataset) else "MMD"


def data_name(dataset: Data) -> str:
    """The data as the page names it, in the session's language."""
    return _(dataset) if isinstance(dataset, str) else _(OWN_POINTS)


def schedule_name(schedule: str) -> str:
    return _(SCHEDULE_NAMES[schedule])


def significant(value: float, digits: int = 2) -> str:
    """A number for prose with `digits` significant digits (0.000123 → 0.00012), in the session's language."""
    return number(value, max(0, digits - 1 - math.floor(math.log10(abs(value))))) if value else number(0)


def percent(fraction: float, digits: int = 0) -> str:
    """A share as a percentage for a metric or a title, in the session's language (0.453 → 45%)."""
    return f"{number(100 * fraction, digits)}%"


def clamp_state(key: str, low: int, high: int, default: int) -> None:
    """Keep a slider's remembered value inside a range that another control has just changed."""
    st.session_state[key] = min(max(int(st.session_state.get(key, default)), low), high)


# ---- cached results: keyed by the model's digest (weights and config), so a step or a reset is a new entry ----

@st.cache_data(show_spinner=False, max_entries=64)
def chain(_model: Diffusion, digest: str, n: int, steps: int, eta: float, labels: tuple[int, ...] | None,
          clip: float, seed: int) -> tuple[list[int], np.ndarray, np.ndarray]:
    run = lessons.reverse_chain(_model, n, torch.Generator().manual_seed(seed), steps, eta,
                                None if labels is None else torch.tensor(labels), clip)
    return run.t, run.states.cpu().numpy(), run.guesses.cpu().numpy()


@st.cache_data(show_spinner=False, max_entries=64)
def timed_samples(_model: Diffusion, digest: str, dataset: Data, n: int, steps: int, eta: float,
                  guidance_scale: float | None, seed: int) -> tuple[np.ndarray, float, float]:
    """Samples (points (n, 2) or images (n, 8, 8), classes 0–9 in turn), the seconds taken and their quality."""
    labels = torch.arange(n) % 10 if lessons.is_digits(dataset) else None
    start = time.perf_counter()
    drawn = lessons.sample(_model, n, torch.Generator().manual_seed(seed), steps, eta, labels,
                           lessons.clip_range(dataset), guidance_scale)
    seconds = time.perf_counter() - start
    score = lessons.quality(dataset, drawn, labels, seed)
    return (lessons.digit_images(drawn) if lessons.is_digits(dataset) else drawn.cpu().numpy()), seconds, score


@st.cache_data(show_spinner=_("Timing the sampler at several step counts…"), max_entries=32)
def curve(_model: Diffusion, digest: str, dataset: Data, step_counts: tuple[int, ...], eta: float, n: int,
          seed: int) -> dict[str, list[float]]:
    return lessons.sampler_curve(_model, dataset, list(step_counts), eta, n, seed)


@st.cache_data(show_spinner=_("Sampling at every guidance scale…"), max_entries=32)
def sweep(_model: Diffusion, digest: str, seed: int) -> dict[str, list[float]]:
    return lessons.guidance_sweep(_model, list(GUIDANCE_SCALES), 10, seed, min(GUIDED_STEPS, _model.config.steps))


@st.cache_data(show_spinner=False, max_entries=16)
def fresh_floor(dataset: Data, n: int, seed: int) -> float:
    """MMD between two fresh samples of n points: the best a perfect model can show."""
    return lessons.mmd(lessons.real_sample(dataset, n, seed + 2), lessons.real_sample(dataset, n, seed + 1))


# ---- the network every section but the forward process shows ----------------------------------------

def control_key(field: str, dataset: Data) -> str:
    """The key of the control that sets a config field: the shape has one per kind of data, as its defaults differ."""
    return f"diffusion_{field}_{kind(dataset)}" if field in SHAPE else f"diffusion_{field}"


def chosen_network(dataset: Data) -> tuple[DiffusionConfig, bool]:
    """The network the controls describe and whether it starts from the pretrained weights.

    Read from the controls' keys, so every section shows this network whether its controls are drawn or
    not; the values are set here before any control is drawn, so the controls take no `value=` of their
    own. The digits alone have controls for label dropout and guidance."""
    default = lessons.default_model(dataset)
    fields = SHAPE + (LIVE if lessons.is_digits(dataset) else ())
    for field in fields:
        st.session_state.setdefault(control_key(field, dataset), getattr(default, field))
    st.session_state.setdefault("diffusion_pretrained", True)
    config = replace(default, **{field: st.session_state[control_key(field, dataset)] for field in fields})
    return config, st.session_state["diffusion_pretrained"]


def built_shape(config: DiffusionConfig, dataset: Data) -> DiffusionConfig:
    """The config a network is built with: the live fields at their defaults, set on it afterwards."""
    default = lessons.default_model(dataset)
    return replace(config, **{field: getattr(default, field) for field in LIVE})


def has_pretrained(dataset: Data, config: DiffusionConfig) -> bool:
    """Whether a pretrained network fits: one of the page's own data, in the default shape (not a student's)."""
    return isinstance(dataset, str) and built_shape(config, dataset) == lessons.default_model(dataset)


def file_stem(dataset: Data) -> str:
    return recipe_name(dataset) if isinstance(dataset, str) else "diffusion_own_points"


def page_recipe(dataset: Data, train: TrainConfig) -> Recipe:
    """How the page builds its trainer (and a script rebuilds it): the data, the network's shape and its start.
    A student's points travel to the script as a literal."""
    config, from_pretrained = chosen_network(dataset)
    start = widgets.pretrained(recipe_name(dataset)) if from_pretrained and has_pretrained(dataset, config) else None
    source = None if start is None else pretrained_source(recipe_name(dataset), start)
    if isinstance(dataset, str):
        data, title = dataset, f"Diffusion on {dataset}"
    else:
        data, title = points_source(dataset), "Diffusion on points drawn by a student"
    return Recipe(lessons.make_trainer, (data, built_shape(config, dataset), train, widgets.seed()),
                  {"start": source}, title=title)


def page_trainer(dataset: Data, train: TrainConfig = lessons.TRAINING) -> Trainer:
    """This session's trainer: rebuilt when the data, the network's shape or its start change; label dropout
    and w are set on it live. `train` is used only when it is built (the Learn section sets its rate and batch)."""
    config = chosen_network(dataset)[0]
    recipe = page_recipe(dataset, train)
    data = dataset if isinstance(dataset, str) else dataset.tobytes()
    spec = (data, built_shape(config, dataset), recipe.kwargs["start"] is not None, widgets.seed())
    trainer = widgets.session_trainer("diffusion", spec, lambda: recipe.build(widgets.device()))
    trainer.configure(label_dropout=config.label_dropout, guidance_scale=config.guidance_scale)
    return trainer


# ---- Learn to denoise: the controls, the trainer and the live charts ----------------------------------

def training_controls(dataset: Data) -> Trainer:
    """The network's controls (their values are `chosen_network`'s) and the trainer they describe."""
    config, from_pretrained = chosen_network(dataset)  # before the controls: it gives them their values
    st.caption(_("The network ε_θ sees a noised point x_t and the step t and guesses the noise ε that was added. "
                 "Learning rate, batch size and label dropout change while it trains; the shape, T and the "
                 "schedule build a new network."))
    width, steps = st.columns(2)
    width.select_slider(_("Width"), WIDTHS, **widgets.kept(control_key("hidden", dataset)))
    steps.select_slider(_("Steps T"), MODEL_STEPS, **widgets.kept(control_key("steps", dataset)))
    depth, schedule = st.columns(2)
    depth.slider(_("Residual blocks"), 1, 4, **widgets.kept(control_key("depth", dataset)))
    schedule.radio(_("Schedule"), SCHEDULES, horizontal=True, format_func=schedule_name,
                   **widgets.kept(control_key("schedule", dataset)))
    if lessons.is_digits(dataset):
        st.select_slider(_("Label dropout p (share of labels hidden as ∅)"), LABEL_DROPOUTS,
                         **widgets.kept(control_key("label_dropout", dataset)),
                         help=_("Classifier-free guidance needs the unconditional ε(x, t, ∅) too: one network "
                                "learns both when some labels are hidden."))
    learning_rate, batch_size = widgets.learning_controls("diffusion", learning_rate=1e-3, batch_size=128)
    if not isinstance(dataset, str):
        st.info(_("No pretrained network knows your points: this one starts from random weights, and ↺ Reset "
                  "returns to them."))
    else:
        st.toggle(_("Start from the pretrained network"), **widgets.kept("diffusion_pretrained"),
                  help=_("Trained offline with the default settings; ↺ Reset returns to it."))
    if isinstance(dataset, str) and from_pretrained and not has_pretrained(dataset, config):
        st.info(_("The pretrained network has the default width, blocks, T and schedule; with these it starts "
                  "from random weights. Press ▶ Play to train it."))
    st.latex(LOSS)
    train = TrainConfig(learning_rate=learning_rate, batch_size=batch_size, eval_every=lessons.TRAINING.eval_every)
    trainer = page_trainer(dataset, train)
    trainer.configure(learning_rate=learning_rate, batch_size=batch_size)
    return trainer


def live_samples(model: Diffusion, dataset: Data, labels: torch.Tensor | None) -> go.Figure:
    """DDIM-10 samples from the same x_T at every refresh: a grid of digits, or the density of 2-D points."""
    generator = torch.Generator().manual_seed(widgets.seed())
    if lessons.is_digits(dataset):
        drawn = lessons.sample(model, 20, generator, min(10, model.config.steps), 0.0, labels, 1.0)
        return image_grid(lessons.digit_images(drawn), 10, title=_("digits 0–9, fixed noise"))
    drawn = lessons.sample(model, LIVE_POINTS, generator, min(10, model.config.steps), 0.0, None, lessons.POINT_RANGE)
    return figures.density(drawn.cpu().numpy(), title=_("DDIM-10 samples, fixed noise"))


def training_section(dataset: Data) -> None:
    controls, result = widgets.controls_and_result((1, 2), part="training_section")
    with controls:
        trainer = training_controls(dataset)
    measure = measure_name(dataset)
    labels = torch.arange(20) % 10 if lessons.is_digits(dataset) else None

    def render() -> None:
        moment = rewind.moment("diffusion", [trainer])  # the network now, or at the step the history slider shows
        model = moment.model(trainer)  # heavy figures are rebuilt on every run while paused, so a past one too
        curves, samples = st.columns(2)  # two to a row: three would squeeze the samples' plane beside the controls
        curves.plotly_chart(loss_curves(trainer.history, ["loss"], log_y=True, title=_("ε-loss per coordinate"),
                                        marker=moment.step), key="diffusion_curves")
        samples.plotly_chart(widgets.heavy_figure("diffusion_live_samples", trainer, lambda: live_samples(
            model, dataset, labels)), key="diffusion_live_samples")
        title = _("{measure} of DDIM-10 samples").format(measure=_(measure))
        st.plotly_chart(widgets.heavy_figure("diffusion_quality", trainer, lambda: loss_curves(
            trainer.history, [measure], title=title, marker=moment.step)), key="diffusion_quality")

    with result:
        widgets.training_panel("diffusion", trainer, render, steps_per_click=(1, 10, 100, 500), default_steps=100,
                               history=True)
        widgets.download_model(trainer.model, f"{file_stem(dataset)}.safetensors", key="diffusion_download")
        widgets.download_run("diffusion", trainer, page_recipe(dataset, trainer.config).setup())
        widgets.upload_into("diffusion", trainer, Diffusion, DiffusionConfig)


# ---- Forward process: no network, only the schedule ------------------------------------------------------

@st.fragment
def forward_section(dataset: Data) -> None:
    """The schedule's controls beside what they do to the data; reruns alone while a control moves."""
    controls, result = widgets.controls_and_result((1, 2), part="forward_section")
    with controls:
        st.caption(_("The forward process needs no learning: each step shrinks the data a little and adds a "
                     "little Gaussian noise. Because the steps compose, x_t can be drawn from x_0 in one go."))
        schedule = st.radio(_("Schedule"), SCHEDULES, index=SCHEDULES.index("cosine"), horizontal=True,
                            format_func=schedule_name, **widgets.kept("diffusion_forward_schedule"))
        total = st.slider(_("Steps T"), 1, MAX_STEPS, 50, **widgets.kept("diffusion_forward_steps"))
        clamp_state("diffusion_forward_t", 0, total, total // 2)
        t = st.slider(_("Step t"), 0, total, **widgets.kept("diffusion_forward_t"))
        alpha_bar = alpha_bars(schedule, total)
        a = float(alpha_bar[t])
        st.latex(rf"\sqrt{{\bar\alpha_{{{t}}}}} = {a**0.5:.3f}, \qquad "
                 rf"\sqrt{{1 - \bar\alpha_{{{t}}}}} = {(1 - a) ** 0.5:.3f}")
        st.latex(REPARAMETERISED)
        st.latex(FORWARD)
        st.latex(SCHEDULE_FORMULAS[schedule])
    with result:
        forward_view(dataset, schedule, total, t, alpha_bar)
        prior_check(dataset, schedule, total)


def forward_view(dataset: Data, schedule: str, total: int, t: int, alpha_bar: torch.Tensor) -> None:
    """x_0 and x_t side by side with the schedule, a line at t."""
    seed = widgets.seed()
    picture, curve_column = st.columns([3, 2])
    if lessons.is_digits(dataset):
        x0 = lessons.real_sample(DIGITS, FORWARD_DIGITS, seed)
        xt = lessons.forward_sample(x0, t, schedule, total, seed)
        title = _("x₀ (top two rows) and x_{t} (bottom two)").format(t=t)
        picture.plotly_chart(image_grid(np.concatenate([lessons.digit_images(x0), lessons.digit_images(xt)]), 8,
                                        title=title), key="diffusion_forward_figure")
    else:
        x0 = lessons.real_sample(dataset, FORWARD_POINTS, seed)
        xt = lessons.forward_sample(x0, t, schedule, total, seed)
        picture.plotly_chart(figures.over_data(x0, xt, f"x_{t}", title=f"{data_name(dataset)}: x_{t} ~ q(x_t | x₀)"),
                             key="diffusion_forward_figure")
    title = _("{schedule} schedule, T = {total}").format(schedule=schedule_name(schedule), total=total)
    curve_column.plotly_chart(figures.schedule(alpha_bar.numpy(), lessons.signal_to_noise(alpha_bar), t, title=title),
                              key="diffusion_schedule")


def prior_check(dataset: Data, schedule: str, total: int) -> None:
    """Is x_T really N(0, I)? Sampling starts from N(0, I), so any gap is an error the model cannot undo."""
    seed = widgets.seed()
    data = (lessons.digit_vectors(split(DIGITS, seed).x_train) if lessons.is_digits(dataset)
            else lessons.real_sample(dataset, PRIOR_CHECK_POINTS, seed))
    gap = lessons.prior_gap(data, schedule, total)
    share = gap["sqrt_alpha_bar_T"]
    st.markdown(_("**Is x_T pure noise?** Sampling will start from N(0, I), so it had better be. Slide t to T to "
                  "see x_T above."))
    root, mean, covariance = st.columns(3)
    root.metric(_("√ᾱ_T (share of x₀ left)"), significant(share, 3))
    mean.metric(_("largest |E[x_T]|"), number(gap["mean"], 3))
    covariance.metric(_("largest |Cov[x_T] − I|"), number(gap["covariance"], 3))
    if share <= NOT_NOISE:
        st.success(_("Yes, to within the numbers above: √ᾱ_T = {share}, nothing of x₀ is left.")
                   .format(share=significant(share)))
    elif schedule == "linear":
        st.warning(_("No: x_T = {share}·x₀ + noise still holds the data. Ho et al.'s linear schedule was made for "
                     "T = 1000; with so few steps its β stay small. A sampler that starts from N(0, I) starts from "
                     "the wrong place.").format(share=number(share, 2)))
    else:
        st.warning(_("No: x_T = {share}·x₀ + noise still holds the data. Too few steps to reach noise. A sampler "
                     "that starts from N(0, I) starts from the wrong place.").format(share=number(share, 2)))


# ---- What it learned: the ε field, the walk back, the samples' density (points) or the chain (digits) -------

def learned_section(model: Diffusion, dataset: Data) -> None:
    if lessons.is_digits(dataset):
        digit_chain(model)
    else:
        field_and_paths(model, dataset)


@st.fragment
def field_and_paths(model: Diffusion, dataset: Data) -> None:
    """The ε field at step t and the walk back from noise, each beside its slider, the samples' density under
    them; reruns alone while a slider moves."""
    seed, total, digest = widgets.seed(), model.config.steps, lessons.model_digest(model)
    n = lessons.max_samples(model.config, total, TRAJECTORY_POINTS)
    steps, states, _guesses = chain(model, digest, n, total, 1.0, None, lessons.POINT_RANGE, seed)
    clamp_state("diffusion_field_t", 1, total, max(1, total // 5))
    clamp_state("diffusion_frame", 0, len(steps) - 1, len(steps) - 1)
    controls, result = widgets.controls_and_result((1, 2), part="field_and_paths")
    with controls:
        t = st.slider(_("Step t"), 1, total, **widgets.kept("diffusion_field_t"))
        st.latex(SCORE)
        frame = st.slider(_("Reverse step (0: the noise x_T)"), 0, len(steps) - 1,
                          **widgets.kept("diffusion_frame"))
        st.caption(_("**What the network predicts.** At each point of the plane, −ε̂(x, t): the way the network "
                     "would move a noisy point to make it cleaner. Up to a factor this is the score, the slope of "
                     "log q(x_t): at large t the arrows all point to the middle, at small t onto the data."))
        st.caption(ngettext(
            "**Walking back.** {n} point starts as pure noise x_T and takes the T DDPM steps to t = 0; lines trace "
            "{trails} of them. Scrub through the steps: most of the shape appears in the last few.",
            "**Walking back.** {n} points start as pure noise x_T and take the T DDPM steps to t = 0; lines trace "
            "{trails} of them. Scrub through the steps: most of the shape appears in the last few.", n,
        ).format(n=number(n), trails=min(n, TRAILS)))
    data = lessons.real_sample(dataset, FORWARD_POINTS, seed)
    grid, epsilon = lessons.epsilon_field(model, t, FIELD_RESOLUTION)
    xt = lessons.forward_sample(data, t, model.config.schedule, total, seed)
    field, paths = result.columns(2)
    field.plotly_chart(figures.epsilon_field(grid, epsilon, xt, title=_("−ε̂(x, {t}) over samples of x_{t}").format(
        t=t)), key="diffusion_field")
    title = ngettext("x_{t} after {done} of {total} step", "x_{t} after {done} of {total} steps", len(steps) - 1)
    paths.plotly_chart(figures.reverse_paths(states, frame, steps[frame], data, title=title.format(
        t=steps[frame], done=frame, total=len(steps) - 1)), key="diffusion_paths")
    with result:
        density_view(model, dataset, digest)


def density_view(model: Diffusion, dataset: Data, digest: str) -> None:
    """The data's density beside the density of as many DDPM samples (the Samplers section's first draw)."""
    n = lessons.max_samples(model.config, model.config.steps, DEFAULT_POINTS)
    drawn, seconds, score = timed_samples(model, digest, dataset, n, model.config.steps, 1.0,
                                          model.config.guidance_scale, widgets.seed())
    data, samples = st.columns(2)
    data.plotly_chart(figures.density(lessons.real_sample(dataset, n, widgets.seed() + 1),
                                      title=ngettext("{n} data point", "{n} data points", n).format(n=number(n))),
                      key="diffusion_data_density")
    title = ngettext("{n} DDPM sample: MMD {mmd}, {seconds} s", "{n} DDPM samples: MMD {mmd}, {seconds} s", n).format(
        n=number(n), mmd=number(score, 3), seconds=number(seconds, 2))
    samples.plotly_chart(figures.density(drawn, title=title), key="diffusion_sample_density")


def digit_chain(model: Diffusion) -> None:
    controls, result = widgets.controls_and_result((1, 2), part="digit_chain")
    with controls:
        st.caption(_("**From noise to digit.** Four samples of one digit, walked back with the T DDPM steps. The "
                     "top rows are the states x_t; the bottom row is the first sample's guess x̂₀ at each of those "
                     "steps."))
        digit = st.select_slider(_("Digit y"), range(10), value=3,
                                 **widgets.kept("diffusion_chain_digit"))
        st.latex(DDPM)
    t, states, guesses = chain(model, lessons.model_digest(model), 4, model.config.steps, 1.0, (digit,) * 4, 1.0,
                               widgets.seed())
    frames = np.unique(np.linspace(0, len(t) - 1, STRIP_FRAMES).round().astype(int))
    rows = [lessons.digit_images(states[frames, i]) for i in range(4)]
    guessed = lessons.digit_images(guesses[np.minimum(frames, len(guesses) - 1), 0])
    result.plotly_chart(image_grid(np.concatenate([*rows, guessed]), len(frames), height=420,
                                   title="t = " + ", ".join(str(t[f]) for f in frames)), key="diffusion_chain")


# ---- Samplers: DDPM against DDIM ------------------------------------------------------------------------

def sampler_controls(model: Diffusion, dataset: Data) -> tuple[int, float, int]:
    """DDIM's steps S and η, and how many samples both samplers draw (within the cost limit)."""
    total = model.config.steps
    st.caption(_("DDPM takes all T steps, adding fresh noise at each. DDIM reuses the network's guess of the noise "
                 "to jump S ≤ T steps at a time; with η = 0 it adds no noise, so the same x_T always gives the same "
                 "sample. Fewer steps cost less, and, past a point, quality."))
    clamp_state("diffusion_sampler_steps", 1, total, min(10, total))
    steps = st.slider(_("DDIM steps S"), 1, total, **widgets.kept("diffusion_sampler_steps"))
    eta = st.slider("η", 0.0, 1.0, 0.0, step=0.1, **widgets.kept("diffusion_eta"),
                    help=_("0: deterministic DDIM. 1 with S = T: DDPM."))
    if lessons.is_digits(dataset):
        n = lessons.max_samples(model.config, total, CURVE_DIGITS)
        st.caption(ngettext(
            "{n} digit, ten of each class, guidance w = {w}; quality is the share a classifier of real digits reads "
            "as the digit asked for.",
            "{n} digits, ten of each class, guidance w = {w}; quality is the share a classifier of real digits reads "
            "as the digit asked for.", n).format(n=number(n), w=number(model.config.guidance_scale, 2)))
        return steps, eta, n
    limit = lessons.max_samples(model.config, total, MAX_POINTS)
    if limit < 200:
        st.caption(ngettext("{n} sample: more would take DDPM's {total} steps of this network over a second.",
                            "{n} samples: more would take DDPM's {total} steps of this network over a second.",
                            limit).format(n=number(limit), total=total))
        n = limit
    else:
        limit = limit // 100 * 100
        clamp_state("diffusion_sample_count", 100, limit, min(DEFAULT_POINTS, limit))
        n = st.slider(_("Samples"), 100, limit, step=100, **widgets.kept("diffusion_sample_count"),
                      help=_("At most {limit}: DDPM's {total} steps of this network must stay near a second.")
                      .format(limit=number(limit), total=total))
    return steps, eta, n


def sampler_section(model: Diffusion, dataset: Data) -> None:
    controls, result = widgets.controls_and_result((1, 2), part="sampler_section")
    with controls:
        steps, eta, n = sampler_controls(model, dataset)
        st.latex(DDPM)
        st.latex(DDIM)
        if not lessons.is_digits(dataset):
            st.latex(MMD)
    total, measure = model.config.steps, measure_name(dataset)
    digest, seed, scale = lessons.model_digest(model), widgets.seed(), model.config.guidance_scale
    for column, (name, run_steps, run_eta) in zip(result.columns(2), (("DDPM", total, 1.0), ("DDIM", steps, eta))):
        drawn, seconds, score = timed_samples(model, digest, dataset, n, run_steps, run_eta, scale, seed)
        title = ngettext("{sampler}, {steps} step, η = {eta}", "{sampler}, {steps} steps, η = {eta}",
                         run_steps).format(sampler=name, steps=run_steps, eta=number(run_eta, 1))
        speed, quality = column.columns(2)
        speed.metric(_("seconds"), number(seconds, 3))
        quality.metric(_(measure), percent(score, 1) if lessons.is_digits(dataset) else number(score, 3))
        figure = (image_grid(drawn[:40], 10, title=title) if lessons.is_digits(dataset) else
                  figures.over_data(lessons.real_sample(dataset, n, seed + 1), drawn, _("samples"), title=title,
                                    height=SAMPLER_PLANE_HEIGHT))
        column.plotly_chart(figure, key=f"diffusion_sampler_{name}")
    counts = tuple(sorted({s for s in (1, 2, 5, 10, 20, 50, 100, 200) if s <= total} | {total}))
    n_curve = lessons.max_samples(model.config, sum(counts),
                                  CURVE_DIGITS if lessons.is_digits(dataset) else min(CURVE_POINTS, n))
    floor = None if lessons.is_digits(dataset) else fresh_floor(dataset, n_curve, seed)
    title = ngettext("{measure} and time against S (η = {eta}, {n} sample)",
                     "{measure} and time against S (η = {eta}, {n} samples)", n_curve).format(
        measure=_(measure), eta=number(eta, 1), n=number(n_curve))
    result.plotly_chart(figures.sampler_curve(curve(model, digest, dataset, counts, eta, n_curve, seed), measure, steps,
                                              title=title, floor=floor), key="diffusion_sampler_curve")


# ---- Guidance and the three families: digits only --------------------------------------------------------

def offer_digits(reason: str) -> None:
    """Say why a section needs the digits, with a button that switches the data to them."""
    st.info(reason)
    st.button(_("Use “{digits}”").format(digits=_(DIGITS)), key="diffusion_use_digits",
              on_click=lambda: st.session_state.update(diffusion_dataset=DIGITS))


def guidance_section(model: Diffusion, dataset: Data) -> None:
    if not lessons.is_digits(dataset):
        offer_digits(_("Guidance needs labels, and of the data here only the digits have them."))
        return
    controls, result = widgets.controls_and_result((1, 2), part="guidance_section")
    with controls:
        st.caption(_("The digits network is class-conditional, and because some labels were hidden (∅) while it "
                     "trained, it is also unconditional. Classifier-free guidance steps away from the unconditional "
                     "guess: each sample looks more like its digit and less like the others."))
        st.select_slider(_("Guidance scale w"), GUIDANCE_SCALES,  # its value is chosen_network's, set on the model
                         **widgets.kept(control_key("guidance_scale", dataset)),
                         help=_("0: the plain conditional model. Larger w pushes each sample towards what makes "
                                "it this digit rather than any digit."))
        st.latex(GUIDANCE)
    digest, seed, scale = lessons.model_digest(model), widgets.seed(), model.config.guidance_scale
    steps = min(GUIDED_STEPS, model.config.steps)
    drawn, _seconds, score = timed_samples(model, digest, DIGITS, 10 * FAMILY_ROWS, steps, 0.0, scale, seed)
    grid, sweep_column = result.columns([3, 2])
    title = _("columns: digits 0–9, w = {w}, agreement {agreement}").format(w=number(scale, 2),
                                                                            agreement=percent(score))
    grid.plotly_chart(image_grid(drawn, 10, title=title), key="diffusion_guided_samples")
    unconditional = lessons.sample(model, 10, torch.Generator().manual_seed(seed), steps, 0.0, None, 1.0)
    grid.plotly_chart(image_grid(lessons.digit_images(unconditional), 10, title=_("no label (∅): unconditional")),
                      key="diffusion_unconditional")
    sweep_column.plotly_chart(figures.guidance_curve(list(GUIDANCE_SCALES), sweep(model, digest, seed), scale,
                                                     title=_("agreement and variety against w")),
                              key="diffusion_sweep")


@st.cache_data(show_spinner=_("Drawing digits from three families…"), max_entries=16)
def families(_model: Diffusion, digest: str, _vae: nn.Module | None, _gan: nn.Module | None, guidance_scale: float,
             seed: int) -> dict[str, tuple]:
    """Images, seconds and scores of each family's digits (by FAMILIES' keys): the page's diffusion model, the
    pretrained VAE (unconditional) and conditional GAN (shared, never changing), and real test digits as the
    yardstick's top."""
    labels = np.arange(FAMILY_SAMPLES) % 10
    images, seconds, _score = timed_samples(_model, digest, DIGITS, len(labels), min(GUIDED_STEPS, _model.config.steps),
                                            0.0, guidance_scale, seed)
    drawn: dict[str, tuple] = {"diffusion": (images, seconds, labels)}
    if _vae is not None:
        start = time.perf_counter()
        images = vae_lessons.prior_samples(_vae, len(labels), seed)
        drawn["VAE"] = (images, time.perf_counter() - start, None)
    if _gan is not None:
        start = time.perf_counter()
        images = gan_lessons.draw(_gan, gan_lessons.fixed_noise(_gan, len(labels), seed), torch.from_numpy(labels))
        drawn["GAN"] = (images, time.perf_counter() - start, labels)
    drawn["real"] = (lessons.real_digits(), 0.0, None)
    return {family: (images, seconds, lessons.digit_scores(images, asked)) for family, (images, seconds, asked)
            in drawn.items()}


def families_section(model: Diffusion, dataset: Data) -> None:
    if not lessons.is_digits(dataset):
        offer_digits(_("The three families are compared on digits: the VAE and the GAN were trained on them."))
        return
    text, formula = st.columns([3, 2], vertical_alignment="center")
    text.caption(_("Three generative families on the same 8×8 digits, measured with one yardstick: a VAE decodes "
                   "z ~ N(0, I), a conditional GAN maps noise and a label in one pass, the diffusion model walks "
                   "back from noise. Agreement needs a class asked for, so the VAE has none."))
    formula.latex(MMD)
    results = families(model, lessons.model_digest(model), widgets.pretrained("vae_digits_2d"),
                       widgets.pretrained("gan_cgan_digits8"), model.config.guidance_scale, widgets.seed())
    steps, scale = min(GUIDED_STEPS, model.config.steps), number(model.config.guidance_scale, 2)
    for column, (family, (images, seconds, scores)) in zip(st.columns(len(results)), results.items()):
        column.markdown(f"**{_(FAMILIES[family]).format(steps=steps, w=scale)}**")
        column.plotly_chart(image_grid(images[: 10 * FAMILY_ROWS], 10), key=f"diffusion_family_{family}")
        column.metric(_("agreement"), percent(scores["agreement"]) if "agreement" in scores else "—")
        column.metric(_("classifier confidence"), percent(scores["confidence"]))
        column.metric(_("MMD to real digits"), number(scores["MMD to real digits"], 3))
        column.metric(_("seconds for {n}").format(n=FAMILY_SAMPLES), number(seconds, 3))


# ---- the page ------------------------------------------------------------------------------------

def drawn_data() -> np.ndarray | None:
    """The student's own points, drawn on the plane or loaded from a CSV file, once the model can learn them;
    None (with a message saying what is missing) before."""
    with st.expander(_("Your points"), expanded=True):
        points = draw_pad.points_or_csv("diffusion_points", lessons.POINT_RANGE, _(
            "Click or drag on the plane to add points, or load a CSV file of them: the network learns to draw "
            "points like them, and every section shows them. A new point builds a fresh network."))
    try:
        return lessons.own_points(points)
    except ValueError as error:
        st.info(_("Your points cannot be learned yet: {reason}").format(reason=error))
        return None


NETWORK_VIEWS = dict(zip(SECTIONS[2:], (learned_section, sampler_section, guidance_section, families_section)))

st.title(_("🌫️ Diffusion lab"))
st.write(_(
    "A diffusion model (modelo de difusión) learns to generate by learning to remove noise (eliminación de ruido, "
    "*denoising*). Take data, add a little Gaussian noise (ruido) a thousand times, or fifty, until only noise is "
    "left: that needs no learning. Then train a network to guess, from a noisy x_t and the step t, which noise was "
    "added: a plain regression with a squared-error loss (pérdida). Sampling (muestreo) starts from pure noise and "
    "takes the steps back, one guess at a time."
))
picker, data_column = st.columns([4, 1], vertical_alignment="center")  # six sections' buttons on one line
with picker:
    section = widgets.section_picker("diffusion_section", SECTIONS)
name = data_column.selectbox(_("Data"), (*lessons.DATASETS, OWN_POINTS), format_func=_,
                             label_visibility="collapsed", **widgets.kept("diffusion_dataset"),
                             help=_("The data every section shows: four 2-D distributions, where everything can be "
                                    "drawn on a plane, 8×8 digits, or points you draw or load yourself."))
dataset = name if name != OWN_POINTS else drawn_data()  # a name, or the student's points
if dataset is None:
    st.stop()  # drawn_data said what is missing
if section == SECTIONS[0]:
    training_section(dataset)
elif section == SECTIONS[1]:
    forward_section(dataset)
else:
    trainer = page_trainer(dataset)
    if trainer.diverged:
        st.error(_("The network trained on this page has diverged: lower the learning rate and press ↺ Reset in "
                   "the “{section}” section.").format(section=_(SECTIONS[0])))
        st.button(_("Open “{section}”").format(section=_(SECTIONS[0])), key="diffusion_open_training",
                  on_click=widgets.open_section, args=("diffusion_section", SECTIONS[0]))
    else:
        NETWORK_VIEWS[section](trainer.model, dataset)

"""Diffusion lab: drown data in noise step by step, learn to undo one step, and sample by walking back."""

import time
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from torch import nn

from ui import routing, widgets
from playground import diffusion_lessons as lessons
from playground import gan_lessons, vae_lessons
from playground.data import split
from playground.figures import image_grid, loss_curves
from playground.figures import diffusion as figures
from playground.figures.diffusion import TRAILS
from playground.models.diffusion import MAX_STEPS, SCHEDULES, Diffusion, DiffusionConfig, alpha_bars
from playground.recipes.diffusion import recipe_name
from playground.trainer import TrainConfig, Trainer

routing.through_app()  # a direct link on a fresh server still runs through app.py

DIGITS = lessons.DIGITS
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
DEFAULT_POINTS = 1000  # the samples' density and the sampler tab's first view: one cached draw serves both
CURVE_POINTS, CURVE_DIGITS = 500, 100  # samples per point of the sampler curve
STRIP_FRAMES = 10  # states shown from noise to digit
GUIDED_STEPS = 20  # DDIM steps for the guidance and family grids
FAMILY_ROWS = 4  # samples per digit in the guidance and three-family grids
FAMILY_SAMPLES = 180  # digits each family draws to be measured (as many as the real ones): fewer make the MMD noise

FORWARD = (r"q(x_t \mid x_0) = \mathcal N\big(\sqrt{\bar\alpha_t}\,x_0,\ (1 - \bar\alpha_t)\, I\big),"
           r"\qquad \bar\alpha_t = \prod_{s=1}^{t} (1 - \beta_s)")
REPARAMETERISED = r"x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon, \qquad \varepsilon \sim \mathcal N(0, I)"
SCHEDULE_FORMULAS = {
    "linear": r"\beta_t \text{ from } 10^{-4} \text{ to } 0.02 \text{ in } T \text{ equal steps (Ho et al., for } T = 1000)",
    "cosine": r"\bar\alpha_t = \frac{f(t)}{f(0)},\quad f(t) = \cos^2\!\Big(\frac{t/T + s}{1 + s}\cdot\frac{\pi}{2}\Big),"
              r"\ s = 0.008",
}
LOSS = (r"L = \mathbb E_{x_0,\ t \sim U\{1..T\},\ \varepsilon}\ \big\lVert \varepsilon - \varepsilon_\theta\big("
        r"\sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon,\ t\big)\big\rVert^2")
SCORE = r"\nabla_x \log q(x_t) \approx -\frac{\varepsilon_\theta(x_t, t)}{\sqrt{1 - \bar\alpha_t}}"
DDPM = (r"x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}\,\varepsilon_\theta(x_t, t)\Big)"
        r" + \sigma_t z,\qquad \sigma_t^2 = \frac{1 - \bar\alpha_{t-1}}{1 - \bar\alpha_t}\,\beta_t")
DDIM = (r"x_s = \sqrt{\bar\alpha_s}\,\hat x_0 + \sqrt{1 - \bar\alpha_s - \sigma^2}\,\varepsilon_\theta + \sigma z,"
        r"\quad \hat x_0 = \frac{x_t - \sqrt{1 - \bar\alpha_t}\,\varepsilon_\theta}{\sqrt{\bar\alpha_t}},"
        r"\quad \sigma = \eta\sqrt{\tfrac{1 - \bar\alpha_s}{1 - \bar\alpha_t}}\sqrt{1 - \tfrac{\bar\alpha_t}{\bar\alpha_s}}")
GUIDANCE = r"\tilde\varepsilon = (1 + w)\,\varepsilon_\theta(x_t, t, y) - w\,\varepsilon_\theta(x_t, t, \varnothing)"
MMD = r"\mathrm{MMD}^2 = \mathbb E\,k(x, x') + \mathbb E\,k(y, y') - 2\,\mathbb E\,k(x, y)"


def kind(dataset: str) -> str:
    return "digits" if dataset == DIGITS else "points"


def measure_name(dataset: str) -> str:
    return "agreement" if dataset == DIGITS else "MMD"


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
def timed_samples(_model: Diffusion, digest: str, dataset: str, n: int, steps: int, eta: float,
                  guidance_scale: float | None, seed: int) -> tuple[np.ndarray, float, float]:
    """Samples (points (n, 2) or images (n, 8, 8), classes 0–9 in turn), the seconds taken and their quality."""
    labels = torch.arange(n) % 10 if dataset == DIGITS else None
    start = time.perf_counter()
    drawn = lessons.sample(_model, n, torch.Generator().manual_seed(seed), steps, eta, labels,
                           lessons.clip_range(dataset), guidance_scale)
    seconds = time.perf_counter() - start
    score = lessons.quality(dataset, drawn, labels, seed)
    return (lessons.digit_images(drawn) if dataset == DIGITS else drawn.cpu().numpy()), seconds, score


@st.cache_data(show_spinner="Timing the sampler at several step counts…", max_entries=32)
def curve(_model: Diffusion, digest: str, dataset: str, step_counts: tuple[int, ...], eta: float, n: int,
          seed: int) -> dict[str, list[float]]:
    return lessons.sampler_curve(_model, dataset, list(step_counts), eta, n, seed)


@st.cache_data(show_spinner="Sampling at every guidance scale…", max_entries=32)
def sweep(_model: Diffusion, digest: str, seed: int) -> dict[str, list[float]]:
    return lessons.guidance_sweep(_model, list(GUIDANCE_SCALES), 10, seed, min(GUIDED_STEPS, _model.config.steps))


@st.cache_data(show_spinner=False, max_entries=16)
def fresh_floor(dataset: str, n: int, seed: int) -> float:
    """MMD between two fresh samples of n points: the best a perfect model can show."""
    return lessons.mmd(lessons.real_sample(dataset, n, seed + 2), lessons.real_sample(dataset, n, seed + 1))


# ---- settings (drawn in their tabs, read first: every tab shows this model) -----------------------

def training_controls(dataset: str) -> tuple[DiffusionConfig, TrainConfig, bool, float]:
    st.write("The network ε_θ sees a noised point x_t and the step t and guesses the noise ε that was added. "
             "Learning rate, batch size and label dropout change while it trains; the shape, T and the "
             "schedule build a new network.")
    default, suffix = lessons.default_model(dataset), kind(dataset)
    width, depth, steps, schedule = st.columns(4)
    config = replace(
        default,
        hidden=width.select_slider("Width", WIDTHS, value=default.hidden, key=f"diffusion_hidden_{suffix}"),
        depth=depth.slider("Residual blocks", 1, 4, default.depth, key=f"diffusion_depth_{suffix}"),
        steps=steps.select_slider("Steps T", MODEL_STEPS, value=default.steps, key=f"diffusion_steps_{suffix}"),
        schedule=schedule.radio("Schedule", SCHEDULES, index=SCHEDULES.index(default.schedule), horizontal=True,
                                key=f"diffusion_schedule_{suffix}"),
    )
    label_dropout = default.label_dropout
    if dataset == DIGITS:
        label_dropout = st.select_slider(
            "Label dropout p (share of labels hidden as ∅)", LABEL_DROPOUTS, value=default.label_dropout,
            key="diffusion_label_dropout", help="Classifier-free guidance needs the unconditional ε(x, t, ∅) too: "
                                                "one network learns both when some labels are hidden.")
    learning_rate, batch_size = widgets.learning_controls("diffusion", learning_rate=1e-3, batch_size=128)
    from_pretrained = st.toggle("Start from the pretrained network", value=True, key="diffusion_pretrained",
                                help="Trained offline with the default settings; ↺ Reset returns to it.")
    st.latex(LOSS)
    train = TrainConfig(learning_rate=learning_rate, batch_size=batch_size, eval_every=lessons.TRAINING.eval_every)
    return config, train, from_pretrained, label_dropout


def guidance_control(dataset: str) -> float:
    if dataset != DIGITS:
        return lessons.default_model(dataset).guidance_scale
    left, right = st.columns([1, 2])
    scale = left.select_slider("Guidance scale w", GUIDANCE_SCALES, value=1.0, key="diffusion_guidance_scale",
                               help="0: the plain conditional model. Larger w pushes each sample towards what "
                                    "makes it this digit rather than any digit.")
    right.latex(GUIDANCE)
    return scale


def session_trainer(dataset: str, config: DiffusionConfig, train: TrainConfig, from_pretrained: bool,
                    label_dropout: float, guidance_scale: float) -> Trainer:
    """This session's trainer: rebuilt when the data, the network or the start change; the rest is live."""
    seed = widgets.seed()
    start = None
    if from_pretrained and config == lessons.default_model(dataset):
        start = widgets.pretrained(recipe_name(dataset))
    elif from_pretrained:
        st.info("The pretrained network has the default width, blocks, T and schedule; with these it starts from "
                "random weights. Press ▶ Play to train it.")
    trainer = widgets.session_trainer(
        "diffusion", (dataset, config, start is not None, seed),
        lambda: lessons.make_trainer(dataset, config, train, seed, widgets.device(), start=start))
    trainer.configure(learning_rate=train.learning_rate, batch_size=train.batch_size,
                      label_dropout=label_dropout, guidance_scale=guidance_scale)
    return trainer


# ---- the tabs ------------------------------------------------------------------------------------

def forward_tab(dataset: str) -> None:
    st.write("The forward process needs no learning: each step shrinks the data a little and adds a little "
             "Gaussian noise. Because the steps compose, x_t can be drawn from x_0 in one go.")
    st.latex(FORWARD)
    left, right = st.columns(2)
    schedule = left.radio("Schedule", SCHEDULES, index=SCHEDULES.index("cosine"), horizontal=True,
                          key="diffusion_forward_schedule")
    total = right.slider("Steps T", 1, MAX_STEPS, 50, key="diffusion_forward_steps")
    st.latex(SCHEDULE_FORMULAS[schedule])
    forward_view(dataset, schedule, total)
    prior_check(dataset, schedule, total)


@st.fragment
def forward_view(dataset: str, schedule: str, total: int) -> None:
    """The t slider and what it shows; reruns alone while the slider moves."""
    clamp_state("diffusion_forward_t", 0, total, total // 2)
    t = st.slider("Step t", 0, total, key="diffusion_forward_t")
    alpha_bar = alpha_bars(schedule, total)
    seed = widgets.seed()
    left, right = st.columns([3, 2])
    if dataset == DIGITS:
        x0 = lessons.real_sample(DIGITS, FORWARD_DIGITS, seed)
        xt = lessons.forward_sample(x0, t, schedule, total, seed)
        left.plotly_chart(image_grid(np.concatenate([lessons.digit_images(x0), lessons.digit_images(xt)]), 8,
                                     title=f"x₀ (top two rows) and x_{t} (bottom two)"), key="diffusion_forward_figure")
    else:
        x0 = lessons.real_sample(dataset, FORWARD_POINTS, seed)
        xt = lessons.forward_sample(x0, t, schedule, total, seed)
        left.plotly_chart(figures.over_data(x0, xt, f"x_{t}", title=f"{dataset}: x_{t} ~ q(x_t | x₀)"),
                          key="diffusion_forward_figure")
    right.plotly_chart(figures.schedule(alpha_bar.numpy(), lessons.signal_to_noise(alpha_bar), t,
                                        title=f"{schedule} schedule, T = {total}"), key="diffusion_schedule")
    a = float(alpha_bar[t])
    right.latex(REPARAMETERISED)
    right.latex(rf"\sqrt{{\bar\alpha_{{{t}}}}} = {a**0.5:.3f}, \qquad \sqrt{{1 - \bar\alpha_{{{t}}}}} = {(1 - a) ** 0.5:.3f}")


def prior_check(dataset: str, schedule: str, total: int) -> None:
    """Is x_T really N(0, I)? Sampling starts from N(0, I), so any gap is an error the model cannot undo."""
    seed = widgets.seed()
    data = (lessons.digit_vectors(split(DIGITS, seed).x_train) if dataset == DIGITS
            else lessons.real_sample(dataset, PRIOR_CHECK_POINTS, seed))
    gap = lessons.prior_gap(data, schedule, total)
    st.markdown("**Is x_T pure noise?** Sampling will start from N(0, I), so it had better be. Slide t to T to "
                "see x_T above.")
    root, mean, covariance = st.columns(3)
    root.metric("√ᾱ_T (share of x₀ left)", f"{gap['sqrt_alpha_bar_T']:.3g}")
    mean.metric("largest |E[x_T]|", f"{gap['mean']:.3f}")
    covariance.metric("largest |Cov[x_T] − I|", f"{gap['covariance']:.3f}")
    if gap["sqrt_alpha_bar_T"] > NOT_NOISE:
        st.warning(f"No: x_T = {gap['sqrt_alpha_bar_T']:.2f}·x₀ + noise still holds the data. "
                   + ("Ho et al.'s linear schedule was made for T = 1000; with so few steps its β stay small. "
                      if schedule == "linear" else "Too few steps to reach noise. ")
                   + "A sampler that starts from N(0, I) starts from the wrong place.")
    else:
        st.success(f"Yes, to within the numbers above: √ᾱ_T = {gap['sqrt_alpha_bar_T']:.2g}, nothing of x₀ is left.")


def live_samples(model: Diffusion, dataset: str, labels: torch.Tensor | None) -> go.Figure:
    """DDIM-10 samples from the same x_T at every refresh: a grid of digits, or the density of 2-D points."""
    generator = torch.Generator().manual_seed(widgets.seed())
    if dataset == DIGITS:
        drawn = lessons.sample(model, 20, generator, min(10, model.config.steps), 0.0, labels, 1.0)
        return image_grid(lessons.digit_images(drawn), 10, title="digits 0–9, fixed noise")
    drawn = lessons.sample(model, LIVE_POINTS, generator, min(10, model.config.steps), 0.0, None, lessons.POINT_RANGE)
    return figures.density(drawn.cpu().numpy(), title="DDIM-10 samples, fixed noise")


def training_tab(trainer: Trainer, dataset: str) -> None:
    measure = measure_name(dataset)
    labels = torch.arange(20) % 10 if dataset == DIGITS else None

    def render() -> None:
        model = trainer.model
        curves, quality, samples = st.columns(3)
        curves.plotly_chart(loss_curves(trainer.history, ["loss"], log_y=True, title="ε-loss per coordinate"),
                            key="diffusion_curves")
        quality.plotly_chart(widgets.heavy_figure("diffusion_quality", trainer, lambda: loss_curves(
            trainer.history, [measure], title=f"{measure} of DDIM-10 samples")), key="diffusion_quality")
        samples.plotly_chart(widgets.heavy_figure("diffusion_live_samples", trainer, lambda: live_samples(
            model, dataset, labels)), key="diffusion_live_samples")

    widgets.training_panel("diffusion", trainer, render, steps_per_click=(1, 10, 100, 500), default_steps=100)
    widgets.download_model(trainer.model, f"{recipe_name(dataset)}.safetensors", key="diffusion_download")
    widgets.upload_into("diffusion", trainer, Diffusion, DiffusionConfig)


def learned_tab(model: Diffusion, dataset: str) -> None:
    if dataset == DIGITS:
        digit_chain(model)
        return
    field_view(model, dataset)
    paths_view(model, dataset)
    density_view(model, dataset)


@st.fragment
def field_view(model: Diffusion, dataset: str) -> None:
    st.markdown("**What the network predicts.** At each point of the plane, −ε̂(x, t): the way the network would "
                "move a noisy point to make it cleaner. Up to a factor this is the score, the slope of log q(x_t): "
                "at large t the arrows all point to the middle, at small t onto the data.")
    total = model.config.steps
    clamp_state("diffusion_field_t", 1, total, max(1, total // 5))
    left, right = st.columns([3, 2])
    t = right.slider("Step t", 1, total, key="diffusion_field_t")
    right.latex(SCORE)
    grid, epsilon = lessons.epsilon_field(model, t, FIELD_RESOLUTION)
    seed = widgets.seed()
    xt = lessons.forward_sample(lessons.real_sample(dataset, FORWARD_POINTS, seed), t, model.config.schedule,
                                total, seed)
    left.plotly_chart(figures.epsilon_field(grid, epsilon, xt, title=f"−ε̂(x, {t}) over samples of x_{t}"),
                      key="diffusion_field")


@st.fragment
def paths_view(model: Diffusion, dataset: str) -> None:
    st.markdown(f"**Walking back.** {TRAJECTORY_POINTS} points start as pure noise x_T and take the T DDPM "
                f"steps to t = 0; lines trace {TRAILS} of them. Scrub through the steps: most of the shape appears "
                "in the last few.")
    seed, n = widgets.seed(), lessons.max_samples(model.config, model.config.steps, TRAJECTORY_POINTS)
    t, states, _ = chain(model, lessons.model_digest(model), n, model.config.steps, 1.0, None, lessons.POINT_RANGE,
                         seed)
    clamp_state("diffusion_frame", 0, len(t) - 1, len(t) - 1)
    frame = st.slider("Reverse step (0: the noise x_T)", 0, len(t) - 1, key="diffusion_frame")
    st.plotly_chart(figures.reverse_paths(states, frame, t[frame], lessons.real_sample(dataset, FORWARD_POINTS, seed),
                                          title=f"x_{t[frame]} after {frame} of {len(t) - 1} steps"),
                    key="diffusion_paths")


def density_view(model: Diffusion, dataset: str) -> None:
    n = lessons.max_samples(model.config, model.config.steps, DEFAULT_POINTS)
    drawn, seconds, score = timed_samples(model, lessons.model_digest(model), dataset, n, model.config.steps, 1.0,
                                          model.config.guidance_scale, widgets.seed())
    data, samples = st.columns(2)
    data.plotly_chart(figures.density(lessons.real_sample(dataset, n, widgets.seed() + 1), title=f"{n} data points"),
                      key="diffusion_data_density")
    samples.plotly_chart(figures.density(drawn, title=f"{n} DDPM samples: MMD {score:.3f}, {seconds:.2f} s"),
                         key="diffusion_sample_density")


def digit_chain(model: Diffusion) -> None:
    st.markdown("**From noise to digit.** Four samples of one digit, walked back with the T DDPM steps. The top "
                "rows are the states x_t; the bottom row is the first sample's guess x̂₀ at each of those steps.")
    st.latex(DDPM)
    digit = st.select_slider("Digit y", range(10), value=3, key="diffusion_chain_digit")
    t, states, guesses = chain(model, lessons.model_digest(model), 4, model.config.steps, 1.0, (digit,) * 4, 1.0,
                               widgets.seed())
    frames = np.unique(np.linspace(0, len(t) - 1, STRIP_FRAMES).round().astype(int))
    rows = [lessons.digit_images(states[frames, i]) for i in range(4)]
    guessed = lessons.digit_images(guesses[np.minimum(frames, len(guesses) - 1), 0])
    st.plotly_chart(image_grid(np.concatenate([*rows, guessed]), len(frames), height=420,
                               title="t = " + ", ".join(str(t[f]) for f in frames)), key="diffusion_chain")


def sampler_tab(model: Diffusion, dataset: str) -> None:
    st.write("DDPM takes all T steps, adding fresh noise at each. DDIM reuses the network's guess of the noise to "
             "jump S ≤ T steps at a time; with η = 0 it adds no noise, so the same x_T always gives the same sample. "
             "Fewer steps cost less, and, past a point, quality.")
    st.latex(DDPM)
    st.latex(DDIM)
    total, measure = model.config.steps, measure_name(dataset)
    left, middle, right = st.columns(3)
    clamp_state("diffusion_sampler_steps", 1, total, min(10, total))
    steps = left.slider("DDIM steps S", 1, total, key="diffusion_sampler_steps")
    eta = middle.slider("η", 0.0, 1.0, 0.0, step=0.1, key="diffusion_eta",
                        help="0: deterministic DDIM. 1 with S = T: DDPM.")
    if dataset == DIGITS:
        n = lessons.max_samples(model.config, total, CURVE_DIGITS)
        right.caption(f"{n} digits, ten of each class, guidance w = {model.config.guidance_scale:g}; quality is the "
                      "share a classifier of real digits reads as the digit asked for.")
    else:
        limit = lessons.max_samples(model.config, total, MAX_POINTS)
        if limit < 200:
            n = limit
            right.caption(f"{n} samples: more would take DDPM's {total} steps of this network over a second.")
        else:
            limit = limit // 100 * 100
            clamp_state("diffusion_sample_count", 100, limit, min(DEFAULT_POINTS, limit))
            n = right.slider("Samples", 100, limit, step=100, key="diffusion_sample_count",
                             help=f"At most {limit}: DDPM's {total} steps of this network must stay near a second.")
        st.latex(MMD)
    digest, seed, scale = lessons.model_digest(model), widgets.seed(), model.config.guidance_scale
    for column, (name, run_steps, run_eta) in zip(st.columns(2), (("DDPM", total, 1.0), ("DDIM", steps, eta))):
        drawn, seconds, score = timed_samples(model, digest, dataset, n, run_steps, run_eta, scale, seed)
        title = f"{name}, {run_steps} steps, η = {run_eta:g}"
        speed, quality = column.columns(2)
        speed.metric("seconds", f"{seconds:.3f}")
        quality.metric(measure, f"{score:.1%}" if dataset == DIGITS else f"{score:.3f}")
        figure = (image_grid(drawn[:40], 10, title=title) if dataset == DIGITS else
                  figures.over_data(lessons.real_sample(dataset, n, seed + 1), drawn, "samples", title=title))
        column.plotly_chart(figure, key=f"diffusion_sampler_{name}")
    counts = tuple(sorted({s for s in (1, 2, 5, 10, 20, 50, 100, 200) if s <= total} | {total}))
    n_curve = lessons.max_samples(model.config, sum(counts), CURVE_DIGITS if dataset == DIGITS else min(CURVE_POINTS, n))
    result = curve(model, digest, dataset, counts, eta, n_curve, seed)
    floor = None if dataset == DIGITS else fresh_floor(dataset, n_curve, seed)
    st.plotly_chart(figures.sampler_curve(result, measure, steps, title=f"{measure} and time against S (η = {eta:g}, "
                                          f"{n_curve} samples)", floor=floor), key="diffusion_sampler_curve")


def not_digits(dataset: str, what: str) -> bool:
    """True, after saying so, when the data is not the digits that `what` needs."""
    if dataset != DIGITS:
        st.info(f"{what}: choose “Digits 8×8” as the data above.")
    return dataset != DIGITS


def guidance_tab(model: Diffusion, dataset: str) -> None:
    if not_digits(dataset, "Guidance needs labels"):
        return
    st.write("The digits network is class-conditional, and because some labels were hidden (∅) while it trained, "
             "it is also unconditional. Classifier-free guidance steps away from the unconditional guess: each "
             "sample looks more like its digit and less like the others.")
    digest, seed, scale = lessons.model_digest(model), widgets.seed(), model.config.guidance_scale
    steps = min(GUIDED_STEPS, model.config.steps)
    drawn, _, score = timed_samples(model, digest, DIGITS, 10 * FAMILY_ROWS, steps, 0.0, scale, seed)
    grid, sweep_column = st.columns([3, 2])
    grid.plotly_chart(image_grid(drawn, 10, title=f"columns: digits 0–9, w = {scale:g}, agreement {score:.0%}"),
                      key="diffusion_guided_samples")
    unconditional = lessons.sample(model, 10, torch.Generator().manual_seed(seed), steps, 0.0, None, 1.0)
    grid.plotly_chart(image_grid(lessons.digit_images(unconditional), 10, title="no label (∅): unconditional"),
                      key="diffusion_unconditional")
    sweep_column.plotly_chart(figures.guidance_curve(list(GUIDANCE_SCALES), sweep(model, digest, seed), scale,
                                                     title="agreement and variety against w"), key="diffusion_sweep")


@st.cache_data(show_spinner="Drawing digits from three families…", max_entries=16)
def families(_model: Diffusion, digest: str, _vae: nn.Module | None, _gan: nn.Module | None, guidance_scale: float,
             seed: int) -> dict[str, tuple]:
    """Images, seconds and scores of each family's digits: the page's diffusion model, the pretrained
    VAE (unconditional) and conditional GAN (shared, never changing), and real test digits as the yardstick's top."""
    labels = np.arange(FAMILY_SAMPLES) % 10
    drawn: dict[str, tuple] = {}
    steps = min(GUIDED_STEPS, _model.config.steps)
    images, seconds, _ = timed_samples(_model, digest, DIGITS, len(labels), steps, 0.0, guidance_scale, seed)
    drawn[f"diffusion (DDIM-{steps}, w = {guidance_scale:g})"] = (images, seconds, labels)
    if _vae is not None:
        start = time.perf_counter()
        images = vae_lessons.prior_samples(_vae, len(labels), seed)
        drawn["VAE (prior samples)"] = (images, time.perf_counter() - start, None)
    if _gan is not None:
        start = time.perf_counter()
        images = gan_lessons.draw(_gan, gan_lessons.fixed_noise(_gan, len(labels), seed), torch.from_numpy(labels))
        drawn["conditional GAN"] = (images, time.perf_counter() - start, labels)
    drawn["real test digits"] = (lessons.real_digits(), 0.0, None)
    return {name: (images, seconds, lessons.digit_scores(images, asked)) for name, (images, seconds, asked)
            in drawn.items()}


def families_tab(model: Diffusion, dataset: str) -> None:
    if not_digits(dataset, "The three families are compared on digits"):
        return
    st.write("Three generative families on the same 8×8 digits, measured with one yardstick: a VAE decodes "
             "z ~ N(0, I), a conditional GAN maps noise and a label in one pass, the diffusion model walks back "
             "from noise. Agreement needs a class asked for, so the VAE has none.")
    st.latex(MMD)
    results = families(model, lessons.model_digest(model), widgets.pretrained("vae_digits_2d"),
                       widgets.pretrained("gan_cgan_digits8"), model.config.guidance_scale, widgets.seed())
    for column, (name, (images, seconds, scores)) in zip(st.columns(len(results)), results.items()):
        column.markdown(f"**{name}**")
        column.plotly_chart(image_grid(images[: 10 * FAMILY_ROWS], 10), key=f"diffusion_family_{name.split()[0]}")
        column.metric("agreement", f"{scores['agreement']:.0%}" if "agreement" in scores else "—")
        column.metric("classifier confidence", f"{scores['confidence']:.0%}")
        column.metric("MMD to real digits", f"{scores['MMD to real digits']:.3f}")
        column.metric(f"seconds for {FAMILY_SAMPLES}", f"{seconds:.3f}")


# ---- the page ------------------------------------------------------------------------------------

st.title("🌫️ Diffusion lab")
st.write(
    "A diffusion model (modelo de difusión) learns to generate by learning to remove noise (eliminación de ruido, "
    "*denoising*). Take data, add a little Gaussian noise (ruido) a thousand times, or fifty, until only noise is "
    "left: that needs no learning. Then train a network to guess, from a noisy x_t and the step t, which noise was "
    "added: a plain regression with a squared-error loss (pérdida). Sampling (muestreo) starts from pure noise and "
    "takes the steps back, one guess at a time."
)
dataset = st.selectbox("Data", lessons.DATASETS, key="diffusion_dataset",
                       help="Four 2-D distributions, where everything can be drawn on a plane, and 8×8 digits.")
tabs = st.tabs(["Forward process", "Learn to denoise", "What it learned", "Samplers", "Guidance", "Three families"])
with tabs[4]:
    guidance_scale = guidance_control(dataset)
with tabs[1]:
    trainer = session_trainer(dataset, *training_controls(dataset), guidance_scale)
with tabs[0]:
    forward_tab(dataset)
with tabs[1]:
    training_tab(trainer, dataset)
if trainer.diverged:
    for tab in tabs[2:]:
        tab.error("The network trained on this page has diverged: lower the learning rate and press ↺ Reset in "
                  "the “Learn to denoise” tab.")
else:
    with tabs[2]:
        learned_tab(trainer.model, dataset)
    with tabs[3]:
        sampler_tab(trainer.model, dataset)
    with tabs[4]:
        guidance_tab(trainer.model, dataset)
    with tabs[5]:
        families_tab(trainer.model, dataset)

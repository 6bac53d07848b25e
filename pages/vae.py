"""VAE latent explorer: drag sliders over latent space and watch the decoder answer."""

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from playground import vae_lessons as lessons
from playground.budgets import Cost, OverBudget
from playground.data import Split, split
from playground.export import Recipe, split_source
from playground.figures import FIGURE_HEIGHT, image_grid, loss_curves, png_grid
from playground.figures.vae import ink, latent_map, manifold_grid, overlay_manifold
from playground.models.vae import ARCHITECTURES, RECONSTRUCTIONS, VAE, VAEConfig
from playground.trainer import TrainConfig, Trainer
from ui import ab, rewind, routing, widgets
from ui.components import draw_pad, latent_pad
from ui.i18n import N_, _, language, latex_text, ngettext, number

routing.through_app()  # a direct link on a fresh server still runs through app.py

PRETRAINED = {N_("Pretrained · MNIST 28×28"): ("vae_mnist_2d", "MNIST 28×28"),
              N_("Pretrained · Digits 8×8"): ("vae_digits_2d", "Digits 8×8")}
TRAINED_HERE = N_("Trained on this page")
SECTIONS = (N_("Explorer"), N_("Latent map"), N_("Interpolation"), N_("Sampling"), N_("AE vs VAE"), N_("Train"))
OWN_MODELS = ("AE vs VAE", "Train")  # sections with models of their own: the Model picker does not apply
AE_TWIN = "vae_compare_ae_mnist_2d"  # the MNIST VAE's network trained as a plain autoencoder
SLIDERS = 8  # latent dimensions with a slider; the rest stay at the chosen base code
Z_RANGE = 4.0  # sliders and the clickable map cover [−4, 4]: almost all of N(0, 1)
Z_STEP = 0.05
COMPARISON_HEIGHT = 360  # two maps side by side under the grid slider
IMAGE_PIXELS = 196  # the decoded digit's width on screen (28 × 7), beside the sliders
KL_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
LOSS_NAMES = ("reconstruction", "kl", "total", "test reconstruction", "test kl")
AB_SETTINGS = (ab.Setting("kl_weight", N_("KL weight β"), "β", KL_WEIGHTS), ab.LEARNING_RATE, ab.BATCH_SIZE)
AB_GRID = 6  # each A/B run decodes a 6 × 6 grid of z₁, z₂ ∈ [−3, 3]

KL_FORMULA = (r"\begin{aligned}D_{KL}\big(\mathcal N(\mu, \sigma^2)\,\|\,\mathcal N(0, I)\big)"
              r" \\ = \tfrac12 \sum_j \left(\sigma_j^2 + \mu_j^2 - 1 - \log \sigma_j^2\right)\end{aligned}")
ELBO_FORMULA = (r"\begin{aligned}&\log p_\theta(x) \ge \text{ELBO} \\"
                r" &= \mathbb E_{q_\phi(z|x)}\left[\log p_\theta(x|z)\right]"
                r" \\ &\quad - D_{KL}\big(q_\phi(z|x)\,\|\,p(z)\big)\end{aligned}")
LOSS_FORMULA = (r"\begin{aligned}%s &= \underbrace{-\mathbb E_{q_\phi(z|x)}\left[\log p_\theta(x|z)\right]}"
                r"_{%s} \\ &\quad + \beta \cdot"
                r" \underbrace{D_{KL}\big(q_\phi(z|x)\,\|\,p(z)\big)}_{%s}\end{aligned}")  # %s: the curves' names
REPARAMETERISATION = r"z = \mu + \sigma \odot \varepsilon, \qquad \varepsilon \sim \mathcal N(0, I)"
ENCODER = r"q_\phi(z|x) = \mathcal N\big(\mu_\phi(x),\ \operatorname{diag} \sigma_\phi^2(x)\big)"
DECODER = r"\hat x = \operatorname{decoder}_\theta(z)"
PRIOR = r"z \sim \mathcal N(0, I) \;\longrightarrow\; \hat x = \operatorname{decoder}_\theta(z)"
INTERPOLATION = {
    "linear": r"z(t) = (1 - t)\, z_a + t\, z_b",
    "spherical": r"\begin{gathered}z(t) = \frac{\sin((1-t)\Omega)}{\sin \Omega} z_a"
                 r" + \frac{\sin(t\Omega)}{\sin \Omega} z_b,"
                 r" \\ \cos \Omega = \frac{z_a \cdot z_b}{\lVert z_a \rVert \lVert z_b \rVert}\end{gathered}",
}


@st.cache_data(show_spinner=False, max_entries=16)
def pretrained_codes(name: str, dataset: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return lessons.encode(widgets.pretrained(name), split(dataset, seed).x_test)


def codes_of(model: VAE, source: str, dataset: str, data: Split) -> tuple[np.ndarray, np.ndarray]:
    """μ and σ of the test images: cached for a pretrained model, fresh for the one being trained."""
    if source in PRETRAINED:
        return pretrained_codes(PRETRAINED[source][0], dataset, widgets.seed())
    return lessons.encode(model, data.x_test)


def digit_strip(images: np.ndarray, captions: list[str], width: int) -> None:
    """Images side by side, each about `width` pixels wide (a whole number of screen pixels per pixel)."""
    scale = max(1, width // images.shape[-1])
    st.image(list(ink(images, scale)), caption=captions, width=scale * images.shape[-1])


# ---- Train: the settings, the trainer and the live charts ----------------------------------------

def training_controls() -> tuple[VAEConfig, str, TrainConfig]:
    st.caption(_("β and the learning rate may change while it trains; the other choices rebuild the model."))
    dataset = widgets.image_dataset_picker("vae")
    architecture = st.radio(_("Architecture"), ARCHITECTURES, horizontal=True, format_func=_,
                            **widgets.kept("vae_architecture"))
    latent_dim = st.slider(_("Latent dimensions"), 2, 16, 2, **widgets.kept("vae_latent_dim"))
    reconstruction = st.radio(_("Reconstruction loss"), RECONSTRUCTIONS, horizontal=True,
                              format_func=str.upper, **widgets.kept("vae_reconstruction"),
                              help=_("BCE: Bernoulli pixels (the true ELBO). MSE: Gaussian pixels; its scale is "
                                     "smaller, so the same β weighs the KL more."))
    beta = st.select_slider(_("KL weight β"), KL_WEIGHTS, value=1.0, **widgets.kept("vae_kl_weight"),
                            help=_("β = 1: the ELBO. β > 1: a β-VAE, smoother and blurrier. β = 0: an autoencoder "
                                   "with noise, its codes free to drift apart."))
    st.latex(LOSS_FORMULA % tuple(latex_text(_(name)) for name in ("total", "reconstruction", "kl")))
    st.latex(ELBO_FORMULA)
    st.latex(KL_FORMULA)
    learning_rate, batch_size = widgets.learning_controls("vae", learning_rate=3e-3, batch_size=128)
    config = VAEConfig(image_size=split(dataset, 0).image_shape[-1], latent_dim=latent_dim,
                       architecture=architecture, reconstruction=reconstruction, kl_weight=beta)
    return config, dataset, TrainConfig(learning_rate=learning_rate, batch_size=batch_size)


def recipe(config: VAEConfig, dataset: str, train: TrainConfig) -> Recipe:
    return Recipe(lessons.make_trainer, (config, split_source(dataset, widgets.seed()), train, widgets.seed()),
                  title=f"VAE on {dataset}")


def session_trainer(config: VAEConfig, dataset: str, train: TrainConfig) -> Trainer:
    """This session's trainer; β, learning rate and batch size are applied mid-run, not rebuilt."""
    spec = (replace(config, kl_weight=1.0), dataset, widgets.seed())
    try:  # the budget is checked before anything is built, and again on every change
        trainer = widgets.session_trainer("vae", spec, lambda: recipe(config, dataset, train).build(widgets.device()))
        trainer.configure(learning_rate=train.learning_rate, batch_size=train.batch_size, kl_weight=config.kl_weight)
    except OverBudget as error:
        st.error(str(error), icon="⚖️")
        st.stop()
    return trainer


def training_section() -> None:
    controls, result = widgets.controls_and_result()
    with controls:
        switch = st.container()  # the A/B toggle, above the controls it compares
        settings = training_controls()
        config, _dataset, train = settings
        current = {"learning_rate": train.learning_rate, "batch_size": train.batch_size, "kl_weight": config.kl_weight}
    with result:
        comparison = ab.controls("vae", AB_SETTINGS, current, switch)
        if comparison is not None:
            ab_section(comparison, current, *settings)
            return
    with controls:
        trainer = session_trainer(*settings)

    def render() -> None:
        moment = rewind.moment("vae", [trainer])  # the model now, or at the step the history slider points at
        curves, grid = st.columns(2)
        names = [name for name in LOSS_NAMES if name in trainer.history.names]
        curves.plotly_chart(loss_curves(trainer.history, names, log_y=True, title=_("Loss per image"),
                                        marker=moment.step, legend_rows=len(names)),  # half the width: a row each
                            key="vae_curves")
        grid.plotly_chart(widgets.heavy_figure("vae_live_grid", trainer, lambda: image_grid(
            lessons.latent_grid(moment.model(trainer), 10, 3.0), 10, title=_("decoder(z), z₁, z₂ ∈ [−3, 3]"),
            height=FIGURE_HEIGHT)),  # as high as the curves beside it: both in view at 1280×720
            key="vae_live_grid")

    with result:
        widgets.training_panel("vae", trainer, render, history=True)
        widgets.download_model(trainer.model, "vae.safetensors", key="vae_download_trained")
        widgets.download_run("vae", trainer, recipe(*settings).setup())
        widgets.upload_into("vae", trainer, VAE, VAEConfig)


def ab_section(comparison: ab.Comparison, current: dict, config: VAEConfig, dataset: str, train: TrainConfig) -> None:
    """Two runs of this VAE from the same seed, one setting apart; each run's decoded grid under the curves."""

    def plan(settings: dict) -> tuple[dict, Cost]:
        return settings, lessons.step_cost(config, settings["batch_size"])

    def picture(model: VAE, title: str) -> go.Figure:
        return image_grid(lessons.latent_grid(model, AB_GRID, 3.0), AB_GRID, title=title)

    spec = (replace(config, kl_weight=1.0), dataset, widgets.seed())
    try:
        trainers = ab.runs("vae", spec, lambda: recipe(config, dataset, train).build(widgets.device()), comparison,
                           current, plan, lessons.LOWER)
    except OverBudget as error:
        st.error(str(error), icon="⚖️")
        return
    ab.panel("vae", comparison, trainers, LOSS_NAMES, _("Loss per image"), picture, log_y=True)


# ---- the sections that explore one model -------------------------------------------------------

def set_sliders(values: np.ndarray) -> None:
    """Move the first len(values) sliders (callbacks only: they run before the sliders are drawn)."""
    for index, value in enumerate(values[:SLIDERS]):
        st.session_state[f"vae_z{index}"] = float(np.clip(np.round(value / Z_STEP) * Z_STEP, -Z_RANGE, Z_RANGE))


def set_code(z: np.ndarray) -> None:
    """The latent pad was released at z (or a drawn digit's code was chosen): every dimension follows."""
    st.session_state["vae_base"] = np.asarray(z, np.float32).copy()
    set_sliders(st.session_state["vae_base"])


def chosen_code() -> np.ndarray:
    """The base code with the sliders' values in the dimensions that have one."""
    z = st.session_state["vae_base"].copy()
    for index in range(min(SLIDERS, len(z))):
        z[index] = st.session_state.setdefault(f"vae_z{index}", 0.0)
    return z


def start_from_test_image(mu: np.ndarray) -> None:
    st.session_state["vae_base"] = mu[int(st.session_state["vae_start_index"])].copy()
    set_sliders(st.session_state["vae_base"])


def test_image_input(container: DeltaGenerator, label: str, key: str, default: int, count: int) -> int:
    """A test-image index that stays valid when the dataset (and its test size) changes."""
    st.session_state[key] = min(int(st.session_state.get(key, default)), count - 1)
    return int(container.number_input(label, 0, count - 1, **widgets.kept(key)))


@st.fragment
def decoder_panel(model: VAE, mu: np.ndarray, codes: latent_pad.Points, trainer: Trainer | None) -> None:
    """The latent pad (decoded in the browser while the pointer moves) beside the sliders and the server's decoded
    image: rerun alone when a slider, the pad or a test image is chosen (decode + PNG, a few ms)."""
    z = chosen_code()
    left, right = st.columns([5, 6], gap="medium")
    with left:
        latent_pad.plane("vae_pad", model, latent_pad.Plane.axis_aligned(z, Z_RANGE, Z_STEP), codes,
                         position=z[:2], trainer=trainer, on_release=set_code)
    with right:
        sliders, picture = st.columns(2)
        for index in range(min(SLIDERS, len(z))):
            sliders.slider(f"z{index + 1}", -Z_RANGE, Z_RANGE, step=Z_STEP, **widgets.kept(f"vae_z{index}"))
        image = lessons.decode(model, z)
        picture.image(ink(image, IMAGE_PIXELS // image.shape[-1])[0], caption=_("decoder(z)"), width=IMAGE_PIXELS)
        picture.latex(DECODER)
        index, button = st.columns([2, 1], vertical_alignment="bottom")
        test_image_input(index, _("Test image #"), "vae_start_index", 0, len(mu))
        button.button(_("Start from its code"), key="vae_start", on_click=start_from_test_image, args=(mu,),
                      help=_("Sets every slider, and the dimensions without one, to this image's μ."))
        st.caption(_("Move the pointer over the map: your browser decodes each point at once, and a click or a drag "
                     "chooses z for the sliders. The dots are the test images' codes μ; the ellipse is σ of the one "
                     "under the pointer. Every slider is one coordinate of z."))
        if model.config.latent_dim > SLIDERS:
            st.caption(_("Dimensions {first}–{last} stay at the base code (0, or the test image's μ after “Start "
                         "from its code”).").format(first=SLIDERS + 1, last=model.config.latent_dim))


def your_digit(model: VAE) -> dict | None:
    """A digit drawn by the student, encoded: its reconstruction beside it, and a marker for the latent pad."""
    st.subheader(_("Your own digit"))
    image, shown = draw_pad.digit_beside("vae_drawing", model.config.image_size, _(
        "Draw a digit. The encoder turns it into a Gaussian q(z|x), marked on the map above with its σ ellipse; "
        "the decoder redraws it from the mean code μ."))
    if image is None:
        return None
    mu, sigma = lessons.encode(model, image[None])  # (1, D) each
    with shown:
        digit_strip(np.concatenate([image, lessons.decode(model, mu)]), [_("your digit"), _("reconstruction")], 140)
        st.button(_("Explore from its code"), key="vae_drawing_start", on_click=set_code, args=(mu[0],))
    return {"xy": mu[0, :2], "sigma": sigma[0, :2], "label": _("your digit")}


def explorer(model: VAE, data: Split, mu: np.ndarray, sigma: np.ndarray, trainer: Trainer | None) -> None:
    if len(st.session_state.get("vae_base", ())) != model.config.latent_dim:
        st.session_state["vae_base"] = np.zeros(model.config.latent_dim, np.float32)
    panel = st.container()  # filled last: its map marks the digit drawn below
    drawn = your_digit(model)
    with panel:
        decoder_panel(model, mu, latent_pad.Points(mu[:, :2], data.y_test, sigma[:, :2], [drawn] if drawn else []),
                      trainer)


def latent_map_section(model: VAE, data: Split, mu: np.ndarray, sigma: np.ndarray) -> None:
    controls, result = widgets.controls_and_result()
    with controls:
        st.caption(_("The encoder gives each image a Gaussian, not a point. The KL term pulls the Gaussians towards "
                     "N(0, I) until they overlap: no gaps are left, so every z between codes decodes to a digit."))
        show_sigma = st.toggle(_("σ ellipses (1 σ)"), value=True,
                               **widgets.kept("vae_ellipses", disabled=not model.config.variational))
        n = st.slider(_("Grid N × N"), 3, 25, 15, **widgets.kept("vae_grid_n"))
        extent = st.slider(_("Range ±"), 0.5, Z_RANGE, 3.0, step=0.25,
                           **widgets.kept("vae_grid_extent"))
        layout = st.radio(_("Manifold"), (N_("overlaid"), N_("beside")), horizontal=True, format_func=_,
                          **widgets.kept("vae_grid_layout"))
        st.latex(ENCODER)
        st.latex(REPARAMETERISATION)
    images = lessons.latent_grid(model, n, extent)
    figure = latent_map(mu[:, :2], data.y_test, sigma[:, :2] if show_sigma else None, title=_("Test codes μ"))
    with result:
        if layout == "overlaid":
            st.plotly_chart(overlay_manifold(figure, images, n, extent), key="vae_map_overlaid")
        else:
            left, right = st.columns(2)
            left.plotly_chart(figure, key="vae_map_beside")
            right.plotly_chart(manifold_grid(images, n, extent, title=_("decoder(z) on a {n}×{n} grid").format(n=n)),
                               key="vae_grid")
        if model.config.latent_dim > 2:
            st.caption(_("The map shows z₁ and z₂ of {dims} dimensions; the grid holds the others at 0.")
                       .format(dims=model.config.latent_dim))
        widgets.download_png(lambda: png_grid(images, n), "vae_manifold.png", key="vae_download_grid",
                             label=_("⬇ Manifold grid (PNG)"))


def interpolation_section(model: VAE, data: Split, mu: np.ndarray, trainer: Trainer | None) -> None:
    controls, result = widgets.controls_and_result((1, 3))
    with controls:
        first_zero, first_one = (int(np.argmax(data.y_test == digit)) for digit in (0, 1))  # far apart on the map
        start = test_image_input(st, _("From test image #"), "vae_interp_from", first_zero, len(mu))
        end = test_image_input(st, _("To test image #"), "vae_interp_to", first_one, len(mu))
        method = st.radio(_("Path"), lessons.INTERPOLATIONS, horizontal=True, format_func=_,
                          **widgets.kept("vae_interp_method"))
        steps = st.slider(_("Images"), 3, 20, 10, **widgets.kept("vae_interp_steps"))
    with result:
        st.write(_("Walk in a straight line (or along the arc) from one test image's code to another's and decode "
                   "every stop. A VAE morphs smoothly; a plain autoencoder passes through garbage."))
        st.latex(INTERPOLATION[method])
        digit_strip(data.x_test[[start, end], 0], [f"x_a (#{start})", f"x_b (#{end})"], 96)
        strip = lessons.interpolate(model, mu[start], mu[end], steps, method)
        digit_strip(strip, [f"t = {t:.2f}" for t in np.linspace(0, 1, steps)], 56)
        st.caption(_("Drag t: your browser decodes every point of the path as you move."))
        latent_pad.path("vae_interp_pad", model, mu[start], mu[end], method, trainer=trainer)


def sampling_section(model: VAE) -> None:
    controls, result = widgets.controls_and_result()
    with controls:
        st.caption(_("A VAE is a generative model: draw z from the prior and decode it. Each click draws new z."))
        count = st.slider(_("Samples"), 4, 64, 32, step=4, **widgets.kept("vae_sample_count"))
        st.session_state.setdefault("vae_draw", 0)
        if st.button(_("🎲 Draw again"), key="vae_resample"):
            st.session_state["vae_draw"] += 1
        st.latex(PRIOR)
    samples = lessons.prior_samples(model, count, seed=widgets.seed() * 10_007 + st.session_state["vae_draw"])
    with result:
        title = ngettext("{count} sample from the prior", "{count} samples from the prior", count).format(count=count)
        st.plotly_chart(image_grid(samples, columns=8, title=title), key="vae_samples")
        widgets.download_png(lambda: png_grid(samples, 8), "vae_samples.png", key="vae_download_samples",
                             label=_("⬇ Samples (PNG)"))


@st.cache_resource(show_spinner=_("Comparing the autoencoder with the VAE…"), max_entries=8)
def comparison_figure(name: str, title: str, seed: int, n: int, lang: str) -> go.Figure:
    """A pretrained model's latent map with its decoded manifold beneath, over the box holding its codes.

    Cached as a figure (read-only) per language `lang`: both maps take long to build and never change for a seed."""
    mu, _sigma = pretrained_codes(name, "MNIST 28×28", seed)
    extent = float(np.percentile(np.abs(mu), 99))
    title = _("{model}: codes within ±{extent}").format(model=title, extent=number(extent, 1))
    figure = latent_map(mu, split("MNIST 28×28", seed).y_test, title=title)
    overlaid = overlay_manifold(figure, lessons.latent_grid(widgets.pretrained(name), n, extent), n, extent)
    return overlaid.update_layout(height=COMPARISON_HEIGHT)


def comparison_section() -> None:
    text, slider = st.columns([3, 1], vertical_alignment="bottom")
    text.caption(_("The same network trained twice on MNIST: once as a plain autoencoder (z = μ, no KL), once as a "
                   "VAE. Under each map is the decoder's answer over the box that holds the codes."))
    n = slider.slider(_("Grid N × N"), 5, 25, 15, **widgets.kept("vae_compare_n"))
    if any(widgets.pretrained(name) is None for name in (AE_TWIN, "vae_mnist_2d")):
        return  # widgets.pretrained has said which file is missing
    for column, (name, title) in zip(st.columns(2), ((AE_TWIN, _("Autoencoder")), ("vae_mnist_2d", "VAE (β = 1)"))):
        column.plotly_chart(comparison_figure(name, title, widgets.seed(), n, language()), key=f"vae_compare_{name}")
    st.caption(_("The autoencoder's codes spread over a large, uneven box with empty regions that decode to blends "
                 "or blots; the VAE's codes fill a round cloud near N(0, I) where every spot decodes to a digit."))


def explored_model(source: str) -> tuple[str, VAE, str, Trainer | None] | None:
    """The model the Model picker names, its file name, dataset and trainer (None: a fixed pretrained model);
    None (with a message) if there is none yet."""
    if source in PRETRAINED:
        name, dataset = PRETRAINED[source]
        return name, widgets.pretrained(name), dataset, None
    built = widgets.built_trainer("vae")
    if built is None:
        st.info(_("No model has been trained on this page yet: open the Train section and press ▶ Play."))
        st.button(_("Open Train"), key="vae_open_train", on_click=widgets.open_section, args=("vae_section", "Train"))
        return None
    trainer, (_config, dataset, _seed) = built
    if trainer.step_count == 0:
        st.info(_("This model has not been trained yet: press ▶ Play in the Train section, then come back."))
    return "vae_trained", trainer.model, dataset, trainer


def exploring_section(section: str, source: str) -> None:
    explored = explored_model(source)
    if explored is None:
        return
    name, model, dataset, trainer = explored
    data = split(dataset, widgets.seed())
    mu, sigma = codes_of(model, source, dataset, data)
    if not np.isfinite(mu).all():
        st.error(_("The model trained on this page has diverged (its codes are not finite): reset it in Train."))
    elif section == "Explorer":
        explorer(model, data, mu, sigma, trainer)
        widgets.download_model(model, f"{name}.safetensors", key="vae_download_model")
    elif section == "Latent map":
        latent_map_section(model, data, mu, sigma)
    elif section == "Interpolation":
        interpolation_section(model, data, mu, trainer)
    else:
        sampling_section(model)


# ---- the page ----------------------------------------------------------------------------------

st.title(_("🧭 VAE latent explorer"))
st.write(_(
    "A plain autoencoder squeezes each image to one point, and nothing tells it what the points between them "
    "mean: its latent space has gaps. A **variational** autoencoder encodes each image as a Gaussian (μ, σ), "
    "samples z = μ + σ·ε, and pays the KL divergence from N(0, I) on top of the reconstruction loss. The codes "
    "are pulled together into one continuous, ordered cloud, so we can walk through it, interpolate and "
    "generate. Drag the sliders and watch the decoder answer."
))
available = [source for source, (name, _dataset) in PRETRAINED.items() if widgets.pretrained(name) is not None]
picker, model_column = st.columns([5, 2], vertical_alignment="center")
with picker:
    section = widgets.section_picker("vae_section", SECTIONS)
source = model_column.selectbox(_("Model"), (*available, TRAINED_HERE), format_func=_,
                                label_visibility="collapsed",
                                **widgets.kept("vae_source", disabled=section in OWN_MODELS),
                                help=_("The model the Explorer, Latent map, Interpolation and Sampling show. "
                                       "A pretrained model whose file is missing is not offered."))
if section == "Train":
    training_section()
elif section == "AE vs VAE":
    comparison_section()
else:
    exploring_section(section, source)

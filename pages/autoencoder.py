"""Autoencoder: squeeze digits through a bottleneck and see what the code is forced to learn."""

import copy
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from playground import autoencoder_lessons as lessons
from playground.budgets import HIDDEN_SIZES_CHARACTERS, MAX_HIDDEN_LAYERS, TSNE_POINTS, Cost, OverBudget, check
from playground.data import Split, cloud_3d, split
from playground.export import Recipe, Source, split_source
from playground.figures import image_grid, loss_curves, png_grid, scatter_2d
from playground.figures.autoencoder import error_histogram, planes_3d
from playground.figures.vae import ink
from playground.models.autoencoder import (
    ACTIVATIONS,
    ARCHITECTURES,
    MAX_LATENT_DIM,
    NOISES,
    Autoencoder,
    AutoencoderConfig,
)
from playground.recipes.autoencoder import AE_MNIST_CONFIG, AE_MNIST_SPLIT_SEED
from playground.trainer import TrainConfig, Trainer
from ui import ab, rewind, routing, widgets
from ui.text import plain
from ui.components import draw_pad, latent_pad
from ui.i18n import N_, _, latex_text, number, percent

routing.through_app()  # a direct link on a fresh server still runs through app.py

PRETRAINED = "ae_mnist"  # the pretrained dense AE the page starts from
GRID_COLUMNS = 5  # test digits in the reconstruction grid (a square beside the curves)
PENALTY_WEIGHTS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
NOISE_LEVELS = tuple(round(0.05 * step, 2) for step in range(21))  # the noise level slider's 0, 0.05, …, 1
REGULARISER_FIELDS = Autoencoder.live_settings  # they change mid-run; the layers need a new model
SPACE_EVERY = 10  # while training plays, the 3-D scene is redrawn every 5 s: a browser without a graphics card
# takes ~0.2 s to draw it, time in which the live refresh waits (the angle beside it moves at every refresh)
CLOUD_POINTS = 600  # training points of the 3-D cloud (and a third as many test points)
CLOUD = ("from playground.data import cloud_3d",)  # what a script imports to remake the cloud
ARCHITECTURE_NAMES = {"dense": N_("Dense (stacked)"), "conv": N_("Convolutional"), "linear": N_("Linear (= PCA)")}
AB_SETTINGS = (ab.LEARNING_RATE, ab.BATCH_SIZE,  # what an A/B comparison may vary: none of them changes the layers
               ab.Setting("noise_level", N_("Noise level (σ or p)"), "σ / p", NOISE_LEVELS),
               ab.Setting("sparsity_weight", N_("Sparse: λ₁"), "λ₁", PENALTY_WEIGHTS),
               ab.Setting("contractive_weight", N_("Contractive: λ₂"), "λ₂", PENALTY_WEIGHTS))
AB_PICTURE_HEIGHT = 200  # px: each A/B run's reconstructions, small under the shared curves
SECTIONS = (N_("Train"), N_("Linear AE = PCA"), N_("Anomalies"), N_("Few labels"))


@st.cache_data(max_entries=32)  # keyed by the seed and the slider: bounded, small keys
def pixel_accuracy(dataset: str, seed: int, labels: int) -> float:
    data = split(dataset, seed)
    return lessons.few_label_accuracy(data.x_train, data.x_test, data, labels, seed)


def hidden_sizes(text: str) -> tuple[int, ...]:
    """'128, 32' → (128, 32); a message and the default when the text is not 1 to MAX_HIDDEN_LAYERS
    positive integers."""
    try:
        sizes = tuple(int(part) for part in text.replace(",", " ").split())
    except ValueError:
        sizes = ()
    if not 1 <= len(sizes) <= MAX_HIDDEN_LAYERS or min(sizes) < 1 or max(sizes) > 2048:
        st.warning(_("Hidden sizes must be whole numbers between 1 and 2048, at most {count} of them, e.g. "
                     "`128, 32`; using {sizes}.").format(count=MAX_HIDDEN_LAYERS, sizes=AE_MNIST_CONFIG.hidden_sizes))
        return AE_MNIST_CONFIG.hidden_sizes
    return sizes


def architecture_controls() -> dict:
    architecture = st.radio(_("Architecture"), ARCHITECTURES, format_func=lambda name: _(ARCHITECTURE_NAMES[name]),
                            horizontal=True, **widgets.kept("ae_architecture"))
    latent_dim = st.slider(_("Latent size k"), 1, MAX_LATENT_DIM, AE_MNIST_CONFIG.latent_dim,
                           **widgets.kept("ae_latent_dim"))
    st.latex(r"x \in \mathbb{R}^D \xrightarrow{f} h \in \mathbb{R}^k \xrightarrow{g} \hat x \in \mathbb{R}^D")
    choices: dict = dict(architecture=architecture, latent_dim=latent_dim)
    if architecture == "dense":
        text = st.text_input(_("Hidden sizes (the decoder mirrors them)"), "128, 32", max_chars=HIDDEN_SIZES_CHARACTERS,
                             **widgets.kept("ae_hidden_sizes"))
        choices["hidden_sizes"] = hidden_sizes(text)
    if architecture == "linear":
        choices["output"] = "identity"
        st.caption(_("No activation anywhere: x̂ = W′(W x + b) + b′, a projection onto a k-dimensional plane."))
    else:
        choices["activation"] = st.selectbox(_("Activation"), tuple(ACTIVATIONS),
                                             **widgets.kept("ae_activation"))
    if architecture == "conv":
        st.caption(_("Encoder: 3×3 convolutions with stride 2 (16, 32 channels); decoder: transposed convolutions."))
    return choices


def regulariser_controls() -> dict:
    st.markdown(_("**Regularisers** (combine freely; they change mid-run)"))
    st.latex(r"\begin{aligned}\mathcal{L} &= \tfrac{1}{D}\lVert x - g(f(\tilde x))\rVert^2 + \lambda_1 \lVert h\rVert_1"
             r" \\ &\quad + \lambda_2 \lVert J_f(\tilde x)\rVert_F^2, \qquad h = f(\tilde x)\end{aligned}")
    noise = st.selectbox(_("Denoising: corruption"), NOISES, format_func=_, **widgets.kept("ae_noise"))
    level = st.slider(_("Noise level (σ or p)"), 0.0, 1.0, AE_MNIST_CONFIG.noise_level, 0.05,
                      **widgets.kept("ae_noise_level", disabled=noise == "none"))
    st.latex(r"\tilde x = x \odot m,\ m_i \sim \mathrm{Bernoulli}(1-p)" if noise == "masking"
             else r"\tilde x = x + \varepsilon,\ \varepsilon \sim \mathcal{N}(0, \sigma^2 I)")
    sparsity = st.select_slider(_("Sparse: λ₁"), PENALTY_WEIGHTS, 0.0,
                                **widgets.kept("ae_sparsity_weight"))
    st.latex(r"\lambda_1 \lVert h \rVert_1 = \lambda_1 \sum_j |h_j|")
    contraction = st.select_slider(_("Contractive: λ₂"), PENALTY_WEIGHTS, 0.0,
                                   **widgets.kept("ae_contractive_weight"))
    st.latex(r"\lambda_2 \lVert J_f(x)\rVert_F^2"
             r" = \lambda_2 \sum_{i,j} \Big(\frac{\partial h_j}{\partial x_i}\Big)^2")
    noise_level = level if noise != "none" else AE_MNIST_CONFIG.noise_level  # an unused level must not rebuild
    return dict(noise=noise, noise_level=noise_level, sparsity_weight=sparsity, contractive_weight=contraction)


def fits_pretrained(dataset: str, config: AutoencoderConfig) -> bool:
    """The pretrained weights fit any config that differs from theirs only in the regularisers,
    on the split they were trained on (else test images would include their training images)."""
    same_layers = replace(config, **{field: getattr(AE_MNIST_CONFIG, field) for field in REGULARISER_FIELDS})
    return dataset == "MNIST 28×28" and same_layers == AE_MNIST_CONFIG and widgets.seed() == AE_MNIST_SPLIT_SEED


def recipe(config: AutoencoderConfig, dataset: str, train: TrainConfig, start_pretrained: bool) -> Recipe:
    data = split_source(dataset, widgets.seed())
    start = f"trainer.start_from(load_pretrained({PRETRAINED!r}).state_dict(), 'pretrained')"
    return Recipe(lessons.make_trainer, (config, data.part("x_train"), data.part("x_test"), train, widgets.seed()),
                  title=f"Autoencoder on {dataset}", then=start if start_pretrained else "",
                  then_imports=("from playground.pretrain import load_pretrained",) if start_pretrained else ())


def build_trainer(config: AutoencoderConfig, dataset: str, train: TrainConfig, start_pretrained: bool) -> Trainer:
    trainer = recipe(config, dataset, train, start_pretrained).build(widgets.device())
    if start_pretrained:
        trainer.start_from(widgets.pretrained(PRETRAINED).state_dict(), N_("pretrained"))
    return trainer


def pretrain_greedily(trainer: Trainer, data: Split, steps: int, spec: tuple) -> None:
    """Button callback: start greedy pre-training from fresh weights (a copy: ▶ Play cannot touch it); the
    page then advances it a slice per refresh and hands the stack back for fine-tuning when it is done."""
    trainer.start_from(None)
    job = lessons.GreedyPretraining(copy.deepcopy(trainer.model), data.x_train, steps,
                                    replace(trainer.config, eval_every=steps), widgets.seed())
    st.session_state["ae_greedy_job"] = (spec, job)


def hand_over(trainer: Trainer, job: lessons.GreedyPretraining) -> None:
    trainer.start_from(job.model.state_dict(), N_("greedy pre-trained"))


def latent_figure(points: np.ndarray, labels: np.ndarray, axes: tuple[str, str], title: str):
    return scatter_2d(points, labels, title=title, label_name=_("digit"), axis_titles=axes, marker_size=4)


def render_training(trainer: Trainer, data: Split, drawn: np.ndarray | None) -> None:
    moment = rewind.moment("ae", [trainer])  # the model now, or at the step the history slider points at
    model, history = moment.model(trainer), trainer.history
    rows = lessons.reconstruction_rows(model, data.x_test[:GRID_COLUMNS], widgets.seed())
    noisy = model.config.noise != "none"
    grid, curves, latent = st.columns(3)
    grid.plotly_chart(image_grid(rows, GRID_COLUMNS, title=_("originals · noisy x̃ · reconstructions") if noisy
                                 else _("test originals over their reconstructions")), key="ae_live_grid")
    penalties = [name for name in ("sparsity penalty", "contractive penalty") if name in history.names]
    curves.plotly_chart(loss_curves(history, ["train loss", "test loss", *penalties], log_y=True,
                                    title=_("Reconstruction error · penalties (before λ)") if penalties
                                    else _("Reconstruction error"), marker=moment.step,
                                    legend_rows=2 + len(penalties)),  # a third of the width: a row per name
                        key="ae_live_curves")
    k = model.config.latent_dim
    title = _("codes of the test set") if k <= 2 else _("codes of the test set (PCA of the {k}-D codes)").format(k=k)
    axes = {1: ("h", _("random jitter")), 2: ("h₁", "h₂")}.get(k, ("PC 1", "PC 2"))
    codes = lessons.codes(model, data.x_test)
    if not np.isfinite(codes).all():
        latent.error(_("The codes are not finite (the model has diverged): press ↺ Reset."))
        return
    points = lessons.latent_map(codes, "PCA", widgets.seed())
    origin, plane_axes = lessons.latent_plane(codes)
    markers = []
    if drawn is not None:  # the student's digit: its code on the map, its reconstruction under the curves
        markers.append({"xy": lessons.on_plane(lessons.codes(model, drawn[None]), origin, plane_axes)[0],
                        "label": _("your digit")})
        pair = np.concatenate([drawn, lessons.reconstructions(model, drawn[None])[0]])  # (2, S, S)
        curves.image(list(ink(pair, 112 // pair.shape[-1])), caption=[_("your digit"), _("reconstruction")])
    with latent:  # the map under its title, beside the grid and the curves; how to use it under the map
        st.markdown(f"**{title}**")
        where = latent_pad.Plane(origin, plane_axes, latent_pad.square_around(points))
        if not latent_pad.plane("ae_pad", model, where, latent_pad.Points(points, data.y_test, markers=markers),
                                trainer=moment.pad_trainer(trainer)):
            st.plotly_chart(latent_figure(points, data.y_test, axes, title), key="ae_live_latent")
        st.caption(_("Move the pointer over the map: your browser decodes the point under it with the weights "
                     "of the last couple of seconds."))


def reconstructions_png(model: Autoencoder, images: np.ndarray, seed: int) -> Callable[[], bytes]:
    """The reconstruction grid as PNG bytes, made only when the student downloads it."""
    return lambda: png_grid(lessons.reconstruction_rows(model, images, seed), GRID_COLUMNS)


def training_section() -> None:
    controls, result = widgets.controls_and_result((2, 5))
    with controls:
        switch = st.container()  # the A/B toggle, above the controls it compares
        dataset = widgets.image_dataset_picker("ae")
        data = split(dataset, widgets.seed())
        choices = architecture_controls() | regulariser_controls()
        try:
            config = AutoencoderConfig(input_shape=data.image_shape, **choices)
        except ValueError as error:
            st.error(_("This autoencoder cannot be built: {error}").format(error=plain(error)))
            return
        learning_rate, batch_size = widgets.learning_controls("ae", learning_rate=3e-3, batch_size=128)
        train = TrainConfig(learning_rate=learning_rate, batch_size=batch_size)
        offered = fits_pretrained(dataset, config) and widgets.pretrained(PRETRAINED) is not None
        start_pretrained = offered and st.toggle(
            _("Start from the pretrained AE (784-128-32-2, trained on this MNIST split)"), value=True,
            help=_("Its latent map is meaningful at once. ↺ Reset starts again from random weights."),
            **widgets.kept("ae_pretrained"))
        layers = replace(config, **{field: getattr(AE_MNIST_CONFIG, field) for field in REGULARISER_FIELDS})
        spec = (dataset, widgets.seed(), layers, start_pretrained)
        current = {"learning_rate": learning_rate, "batch_size": batch_size,
                   **{field: getattr(config, field) for field in REGULARISER_FIELDS}}
        comparable = [setting for setting in AB_SETTINGS if setting.name != "noise_level" or config.noise != "none"]
        with result:
            comparison = ab.controls("ae", comparable, current, switch)
            if comparison is not None:
                ab_section(comparison, current, config, spec,
                           lambda: build_trainer(config, dataset, train, start_pretrained), data)
                return
        try:  # the budget is checked before anything is built, and again on every change
            trainer = widgets.session_trainer("ae", spec, lambda: build_trainer(config, dataset, train, start_pretrained))
            trainer.configure(learning_rate=learning_rate, batch_size=batch_size,
                              **{field: getattr(config, field) for field in REGULARISER_FIELDS})
        except OverBudget as error:
            st.error(str(error), icon="⚖️")
            return
        widgets.upload_into("ae", trainer, Autoencoder, AutoencoderConfig)
        if config.architecture == "dense":
            greedy_controls(trainer, data, spec)
    with result:
        panel = st.container()  # filled after the drawing pad below, whose digit the live map marks
        drawn = your_digit(data)
        with panel:
            widgets.training_panel("ae", trainer, lambda: render_training(trainer, data, drawn), history=True)
        weights, picture = st.columns(2)
        with weights:
            widgets.download_model(trainer.model, "autoencoder.safetensors", key="ae_download_weights")
        with picture:
            widgets.download_png(reconstructions_png(trainer.model, data.x_test[:GRID_COLUMNS], widgets.seed()),
                                 "reconstructions.png", key="ae_download_grid")
        widgets.download_run("ae", trainer, recipe(config, dataset, train, start_pretrained).setup())
        tsne_map(trainer, data, spec)


def ab_section(comparison: ab.Comparison, current: dict, config: AutoencoderConfig, spec: tuple,
               build: Callable[[], Trainer], data: Split) -> None:
    """Two runs of the Train section's autoencoder from the same start, one setting apart; their test
    reconstructions side by side."""

    def plan(settings: dict) -> tuple[dict, Cost]:
        run = replace(config, **{field: settings[field] for field in REGULARISER_FIELDS})
        return settings, lessons.step_cost(run, settings["batch_size"], len(data.x_test))

    def picture(model: Autoencoder, title: str) -> go.Figure:
        rows = lessons.reconstruction_rows(model, data.x_test[:GRID_COLUMNS], widgets.seed())
        return image_grid(rows, GRID_COLUMNS, title=title, height=AB_PICTURE_HEIGHT)

    try:
        trainers = ab.runs("ae", spec, build, comparison, current, plan, lessons.LOWER)
    except OverBudget as error:
        st.error(str(error), icon="⚖️")
        return
    ab.panel("ae", comparison, trainers, ["train loss", "test loss"], _("Reconstruction error"), picture, log_y=True)


def your_digit(data: Split) -> np.ndarray | None:
    """A digit drawn by the student, prepared like the dataset's: (1, S, S), or None."""
    st.markdown(f"**{_('Your own digit')}**")
    return draw_pad.digit_beside("ae_drawing", data.image_shape[-1], _(
        "Draw a digit: the map above marks its code, and its reconstruction appears beside the map. "
        "Both follow the model while it trains."))[0]


def tsne_map(trainer: Trainer, data: Split, spec: tuple) -> None:
    if trainer.model.config.latent_dim <= 2:
        return
    label = _("Compute a t-SNE map of the first {count} test codes (about a second)").format(count=TSNE_POINTS)
    if st.button(label, key="ae_tsne", disabled=trainer.playing,
                 help=_("t-SNE's cost grows faster than the number of points; the class server's budget is "
                        "{count} points per map.").format(count=TSNE_POINTS)):
        with st.spinner("t-SNE…"):
            codes = lessons.codes(trainer.model, data.x_test[:TSNE_POINTS])
            if np.isfinite(codes).all():
                points = lessons.latent_map(codes, "t-SNE", widgets.seed())
                st.session_state["ae_tsne_map"] = (spec, trainer.step_count, points)
            else:
                st.error(_("The codes are not finite (the model has diverged): press ↺ Reset first."))
    stored = st.session_state.get("ae_tsne_map")
    if stored is not None and stored[0] == spec:
        title = _("t-SNE of the codes at step {step}").format(step=number(stored[1], 0))
        st.plotly_chart(latent_figure(stored[2], data.y_test[:TSNE_POINTS], ("t-SNE 1", "t-SNE 2"), title),
                        key="ae_tsne_chart")


def greedy_controls(trainer: Trainer, data: Split, spec: tuple) -> None:
    st.markdown(_("**Greedy layer-wise pre-training: one autoencoder at a time**"))
    st.caption(_("Before end-to-end training was easy, deep autoencoders were built one shallow autoencoder at a "
                 "time: the first learns to reconstruct x, the second to reconstruct the first one's code, and so on; "
                 "the trained layers are then stacked and fine-tuned together with ▶ Play."))
    st.latex(r"\begin{gathered}h_0 = x, \qquad h_i = f_i(h_{i-1}), \\"
             r" \min_{f_i, g_i} \lVert h_{i-1} - g_i(f_i(h_{i-1}))\rVert^2\end{gathered}")
    steps = st.select_slider(_("Steps per layer pair"), (50, 100, 200, 500, 1000), 200,
                             **widgets.kept("ae_greedy_steps"))
    try:
        check(lessons.greedy_cost(trainer.model.config, trainer.config.batch_size, len(data.x_test)), lessons.LOWER)
        refused = None
    except OverBudget as error:
        refused = _("Pre-training keeps a second copy of this model beside it. {reason}").format(reason=error)
    st.button(_("Pre-train from random weights, layer by layer"), key="ae_greedy", on_click=pretrain_greedily,
              args=(trainer, data, steps, spec), disabled=trainer.playing or refused is not None)
    if refused is not None:
        st.caption(refused)
    stored = st.session_state.get("ae_greedy_job")
    if stored is None or stored[0] != spec:
        return
    job = stored[1]
    if not job.done:
        widgets.run_in_slices("ae_greedy", [job], _("Pre-training layer pairs"),
                              on_done=lambda: hand_over(trainer, job))
    else:
        losses = "; ".join(number(loss, 4) for loss in job.losses)  # not ", ": Spanish writes 0,0123
        st.caption(_("Final loss of each layer pair, outermost first: {losses}. Now press ▶ Play to fine-tune.")
                   .format(losses=losses))


def render_pca(trainer: Trainer, points: np.ndarray, test: np.ndarray) -> None:
    """The training cloud in 3-D with both planes; the held-out points' two maps (a third as many markers to draw
    at every refresh). The 3-D scene is sent last: a browser without a graphics card takes ~0.2 s to draw it, and
    the counters and flat charts sent before it show meanwhile."""
    model = trainer.model
    space, maps = st.columns([3, 2])
    maps.metric(_("Principal angle between the two planes"), f"{number(trainer.history.last(lessons.ANGLE), 2)}°")
    maps.plotly_chart(loss_curves(trainer.history, [lessons.ANGLE], title=_("angle to PCA's plane (°)"))
                      .update_layout(height=250), key="ae_pca_angle")
    projection = lessons.pca_projection(points, 2, test)
    sectors = lessons.angular_sectors(projection)
    left, right = st.columns(2)
    left.plotly_chart(scatter_2d(projection, sectors, title=_("PCA projection"), label_name=_("slice"),
                                 axis_titles=("PC 1", "PC 2"), legend_rows=3), key="ae_pca_projection")
    right.plotly_chart(scatter_2d(lessons.codes(model, test), sectors, title=_("linear AE codes h = W x + b"),
                                  label_name=_("slice"), axis_titles=("h₁", "h₂"), legend_rows=3), key="ae_pca_codes")
    planes = {_("linear AE"): lessons.linear_plane(model), "PCA": lessons.pca_plane(points, 2)}
    space.plotly_chart(widgets.heavy_figure("ae_pca_space", trainer, lambda: planes_3d(
        points, planes, title=_("the cloud and the two reconstruction planes")), every=SPACE_EVERY), key="ae_pca_space")


def pca_section() -> None:
    controls, result = widgets.controls_and_result()
    seed = widgets.seed()
    points, test = cloud_3d(CLOUD_POINTS, seed), cloud_3d(CLOUD_POINTS // 3, seed + 1)
    with controls:
        st.caption(_("A linear autoencoder with squared error cannot do better than PCA, and it gets there: its "
                     "decoder's columns span the same plane as the top principal components (Baldi & Hornik, 1989). "
                     "The codes need not be the principal coordinates themselves, only an invertible linear mix of "
                     "them: colours mark slices of PCA's map, and the AE's map is the same picture rotated, stretched "
                     "or mirrored."))
        st.latex(r"\begin{gathered}\min_{W, W'} \sum_n \lVert x_n - W' W x_n \rVert^2 \\ \Longrightarrow\;"
                 r" \operatorname{span}(W') = \operatorname{span}(u_1, \dots, u_k) \\"
                 r" \cos\theta_{\max} = \sigma_{\min}(Q_{AE}^\top Q_{PCA})\end{gathered}")
        learning_rate, batch_size = widgets.learning_controls("ae_pca", learning_rate=3e-3, batch_size=64)
    config = AutoencoderConfig(input_shape=(3,), architecture="linear", latent_dim=2, output="identity")
    train = TrainConfig(learning_rate=learning_rate, batch_size=batch_size, eval_every=10)
    clouds = (Source(points, f"cloud_3d({CLOUD_POINTS}, {seed})", CLOUD),
              Source(test, f"cloud_3d({CLOUD_POINTS // 3}, {seed + 1})", CLOUD))
    pca_recipe = Recipe(lessons.make_trainer, (config, *clouds, train, seed), title="Linear autoencoder and PCA")
    trainer = widgets.session_trainer("ae_pca", seed, lambda: pca_recipe.build(widgets.device()))
    trainer.configure(learning_rate=learning_rate, batch_size=batch_size)
    with result:
        widgets.training_panel("ae_pca", trainer, lambda: render_pca(trainer, points, test))
        widgets.download_run("ae_pca", trainer, pca_recipe.setup())


def studied_model() -> tuple[Autoencoder, str, Split] | None:
    """The model the Train section trains, with its dataset and split; None (with a way there) before it exists."""
    built = widgets.built_trainer("ae")
    if built is None:
        st.info(_("These views study the autoencoder of the Train section, which has not been built yet."))
        st.button(_("Open Train"), key="ae_open_train", on_click=widgets.open_section, args=("ae_section", "Train"))
        return None
    trainer, (dataset, seed, *_rest) = built
    return trainer.model, dataset, split(dataset, seed)


def anomaly_section(model: Autoencoder, data: Split) -> None:
    controls, result = widgets.controls_and_result()
    with controls:
        st.caption(_("An autoencoder reconstructs well what looks like its training data. A large reconstruction "
                     "error flags an input unlike the rest: a badly written digit, a smudge, or data from elsewhere."))
        st.latex(latex_text(_("score")) + r"(x) = \tfrac{1}{D}\lVert x - g(f(x))\rVert^2")
        count = st.slider(_("Worst-reconstructed test images to show"), 5, 30, 10,
                          **widgets.kept("ae_worst_count"))
    errors = lessons.reconstruction_errors(model, data.x_test)
    if not np.isfinite(errors).all():
        result.error(_("The reconstruction errors are not finite (the model has diverged): press ↺ Reset in Train."))
        return
    worst = lessons.worst_reconstructed(errors, count)
    threshold = float(errors[worst[-1]])
    originals = data.x_test[worst]
    with result:
        st.plotly_chart(image_grid(np.concatenate([originals, lessons.reconstructions(model, originals)]), count,
                                   title=_("the worst reconstructed, over their reconstructions")), key="ae_worst")
        st.caption(_("Their labels: {labels}. Computed for the model as it is now (⏸ pause to refresh).")
                   .format(labels=" ".join(str(label) for label in data.y_test[worst])))
        st.plotly_chart(error_histogram(errors, threshold, title=_("reconstruction error per test image")),
                        key="ae_errors")


def labels_section(model: Autoencoder, dataset: str, data: Split) -> None:
    controls, result = widgets.controls_and_result((1, 2))
    with controls:
        st.caption(_("Labels are expensive, images are cheap. The autoencoder learned from the images alone; now fit "
                     "a logistic regression on a few labelled examples, once on its k-number codes and once on the "
                     "raw pixels, and compare on the test set."))
        st.latex(r"\begin{gathered}p(y = c \mid z) = \operatorname{softmax}(W z + b)_c \\ "
                 r" z = f(x) \ \ " + latex_text(_("or")) + r" \ \ z = x\end{gathered}")
        labels = st.slider(_("Labelled training examples"), 50, 1000, 100, 50, **widgets.kept("ae_labels"))
    seed = widgets.seed()
    try:
        codes = lessons.few_label_accuracy(lessons.codes(model, data.x_train), lessons.codes(model, data.x_test),
                                           data, labels, seed)
    except ValueError as error:  # codes of a diverged model
        result.error(_("Cannot fit on these codes: {error}. Press ↺ Reset in Train.").format(error=error))
        return
    pixels = pixel_accuracy(dataset, seed, labels)
    with result:
        on_codes, on_pixels = st.columns(2)
        difference = ("+" if codes >= pixels else "") + percent(codes - pixels)
        on_codes.metric(_("On the AE codes (k = {k})").format(k=model.config.latent_dim), percent(codes),
                        _("{difference} vs pixels").format(difference=difference))
        on_pixels.metric(_("On raw pixels (D = {pixels})").format(pixels=int(np.prod(data.image_shape))),
                         percent(pixels))
        st.caption(_("Two numbers per image keep the coarse layout of the digits, not enough to separate ten classes "
                     "with straight lines. Train with k = 8 to 32 and keep 50–100 labels: there the codes usually "
                     "win; with many labels the pixels catch up. Computed for the model as it is now (⏸ pause to "
                     "refresh)."))


st.title(_("🗜️ Autoencoder"))
st.write(_(
    "An autoencoder learns to copy its input through a bottleneck: the encoder squeezes each image into k numbers, "
    "the decoder rebuilds the image from them. Copying is only hard because k is small, and that constraint forces "
    "the network to find the patterns the images share. Choose an architecture and a latent size, add regularisers, "
    "train, and watch the reconstructions and the map of codes take shape."
))
section = widgets.section_picker("ae_section", SECTIONS)
if section == "Train":
    training_section()
elif section == "Linear AE = PCA":
    pca_section()
else:
    studied = studied_model()
    if studied is not None and section == "Anomalies":
        anomaly_section(studied[0], studied[2])
    elif studied is not None:
        labels_section(*studied)

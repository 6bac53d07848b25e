"""Autoencoder: squeeze digits through a bottleneck and see what the code is forced to learn."""

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import streamlit as st

from playground import autoencoder_lessons as lessons
from playground.data import Split, cloud_3d, split
from playground.figures import image_grid, loss_curves, png_grid, scatter_2d
from playground.figures.autoencoder import error_histogram, planes_3d
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
from ui import routing, widgets
from ui.i18n import N_, _, latex_text, number, percent

routing.through_app()  # a direct link on a fresh server still runs through app.py

PRETRAINED = "ae_mnist"  # the pretrained dense AE the page starts from
GRID_COLUMNS = 10  # test digits in the reconstruction grid
PENALTY_WEIGHTS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
REGULARISER_FIELDS = Autoencoder.live_settings  # they change mid-run; the layers need a new model
CLOUD_POINTS = 600  # training points of the 3-D cloud (and a third as many test points)
ARCHITECTURE_NAMES = {"dense": N_("Dense (stacked)"), "conv": N_("Convolutional"), "linear": N_("Linear (= PCA)")}
SECTIONS = (N_("Train"), N_("Linear AE = PCA"), N_("Anomalies"), N_("Few labels"))


@st.cache_data
def pixel_accuracy(dataset: str, seed: int, labels: int) -> float:
    data = split(dataset, seed)
    return lessons.few_label_accuracy(data.x_train, data.x_test, data, labels, seed)


def hidden_sizes(text: str) -> tuple[int, ...]:
    """'128, 32' → (128, 32); a message and the default when the text is not a list of positive integers."""
    try:
        sizes = tuple(int(part) for part in text.replace(",", " ").split())
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1 or max(sizes) > 2048:
        st.warning(_("Hidden sizes must be whole numbers between 1 and 2048, e.g. `128, 32`; using {sizes}.")
                   .format(sizes=AE_MNIST_CONFIG.hidden_sizes))
        return AE_MNIST_CONFIG.hidden_sizes
    return sizes


def architecture_controls() -> dict:
    architecture = st.radio(_("Architecture"), ARCHITECTURES, key="ae_architecture",
                            format_func=lambda name: _(ARCHITECTURE_NAMES[name]),
                            horizontal=True, persist_state=widgets.PERSIST)
    latent_dim = st.slider(_("Latent size k"), 1, MAX_LATENT_DIM, AE_MNIST_CONFIG.latent_dim, key="ae_latent_dim",
                           persist_state=widgets.PERSIST)
    st.latex(r"x \in \mathbb{R}^D \xrightarrow{f} h \in \mathbb{R}^k \xrightarrow{g} \hat x \in \mathbb{R}^D")
    choices: dict = dict(architecture=architecture, latent_dim=latent_dim)
    if architecture == "dense":
        text = st.text_input(_("Hidden sizes (the decoder mirrors them)"), "128, 32", key="ae_hidden_sizes",
                             persist_state=widgets.PERSIST)
        choices["hidden_sizes"] = hidden_sizes(text)
    if architecture == "linear":
        choices["output"] = "identity"
        st.caption(_("No activation anywhere: x̂ = W′(W x + b) + b′, a projection onto a k-dimensional plane."))
    else:
        choices["activation"] = st.selectbox(_("Activation"), tuple(ACTIVATIONS), key="ae_activation",
                                             persist_state=widgets.PERSIST)
    if architecture == "conv":
        st.caption(_("Encoder: 3×3 convolutions with stride 2 (16, 32 channels); decoder: transposed convolutions."))
    return choices


def regulariser_controls() -> dict:
    st.markdown(_("**Regularisers** (combine freely; they change mid-run)"))
    st.latex(r"\begin{aligned}\mathcal{L} &= \tfrac{1}{D}\lVert x - g(f(\tilde x))\rVert^2 + \lambda_1 \lVert h\rVert_1"
             r" \\ &\quad + \lambda_2 \lVert J_f(\tilde x)\rVert_F^2, \qquad h = f(\tilde x)\end{aligned}")
    noise = st.selectbox(_("Denoising: corruption"), NOISES, key="ae_noise", format_func=_,
                         persist_state=widgets.PERSIST)
    level = st.slider(_("Noise level (σ or p)"), 0.0, 1.0, AE_MNIST_CONFIG.noise_level, 0.05, key="ae_noise_level",
                      disabled=noise == "none", persist_state=widgets.PERSIST)
    st.latex(r"\tilde x = x \odot m,\ m_i \sim \mathrm{Bernoulli}(1-p)" if noise == "masking"
             else r"\tilde x = x + \varepsilon,\ \varepsilon \sim \mathcal{N}(0, \sigma^2 I)")
    sparsity = st.select_slider(_("Sparse: λ₁"), PENALTY_WEIGHTS, 0.0, key="ae_sparsity_weight",
                                persist_state=widgets.PERSIST)
    st.latex(r"\lambda_1 \lVert h \rVert_1 = \lambda_1 \sum_j |h_j|")
    contraction = st.select_slider(_("Contractive: λ₂"), PENALTY_WEIGHTS, 0.0, key="ae_contractive_weight",
                                   persist_state=widgets.PERSIST)
    st.latex(r"\lambda_2 \lVert J_f(x)\rVert_F^2"
             r" = \lambda_2 \sum_{i,j} \Big(\frac{\partial h_j}{\partial x_i}\Big)^2")
    noise_level = level if noise != "none" else AE_MNIST_CONFIG.noise_level  # an unused level must not rebuild
    return dict(noise=noise, noise_level=noise_level, sparsity_weight=sparsity, contractive_weight=contraction)


def fits_pretrained(dataset: str, config: AutoencoderConfig) -> bool:
    """The pretrained weights fit any config that differs from theirs only in the regularisers,
    on the split they were trained on (else test images would include their training images)."""
    same_layers = replace(config, **{field: getattr(AE_MNIST_CONFIG, field) for field in REGULARISER_FIELDS})
    return dataset == "MNIST 28×28" and same_layers == AE_MNIST_CONFIG and widgets.seed() == AE_MNIST_SPLIT_SEED


def build_trainer(config: AutoencoderConfig, data: Split, train: TrainConfig, start_pretrained: bool) -> Trainer:
    trainer = lessons.make_trainer(config, data.x_train, data.x_test, train, widgets.seed(), widgets.device())
    if start_pretrained:
        trainer.start_from(widgets.pretrained(PRETRAINED).state_dict(), N_("pretrained"))
    return trainer


def pretrain_greedily(trainer: Trainer, data: Split, steps: int, spec: tuple) -> None:
    """Button callback: from fresh weights, one layer pair at a time, then hand the stack back for fine-tuning."""
    trainer.start_from(None)
    model = trainer.model
    train = replace(trainer.config, eval_every=steps)
    losses = lessons.greedy_pretrain(model, data.x_train, steps, train, widgets.seed())
    st.session_state["ae_greedy_losses"] = (spec, losses)
    trainer.start_from(model.state_dict(), N_("greedy pre-trained"))


def latent_figure(points: np.ndarray, labels: np.ndarray, axes: tuple[str, str], title: str):
    return scatter_2d(points, labels, title=title, label_name=_("digit"), axis_titles=axes, marker_size=4)


def render_training(trainer: Trainer, data: Split) -> None:
    model, history = trainer.model, trainer.history
    rows = lessons.reconstruction_rows(model, data.x_test[:GRID_COLUMNS], widgets.seed())
    noisy = model.config.noise != "none"
    st.plotly_chart(image_grid(rows, GRID_COLUMNS, title=_("originals · noisy x̃ · reconstructions") if noisy
                               else _("test originals over their reconstructions")), key="ae_live_grid")
    curves, latent = st.columns(2)
    penalties = [name for name in ("sparsity penalty", "contractive penalty") if name in history.names]
    curves.plotly_chart(loss_curves(history, ["train loss", "test loss", *penalties], log_y=True,
                                    title=_("Reconstruction error · penalties (before λ)") if penalties
                                    else _("Reconstruction error")),
                        key="ae_live_curves")
    k = model.config.latent_dim
    title = _("codes of the test set") if k <= 2 else _("codes of the test set (PCA of the {k}-D codes)").format(k=k)
    axes = {1: ("h", _("random jitter")), 2: ("h₁", "h₂")}.get(k, ("PC 1", "PC 2"))
    points = lessons.latent_map(lessons.codes(model, data.x_test), "PCA", widgets.seed())
    latent.plotly_chart(latent_figure(points, data.y_test, axes, title), key="ae_live_latent")


def reconstructions_png(model: Autoencoder, images: np.ndarray, seed: int) -> Callable[[], bytes]:
    """The reconstruction grid as PNG bytes, made only when the student downloads it."""
    return lambda: png_grid(lessons.reconstruction_rows(model, images, seed), GRID_COLUMNS)


def training_section() -> None:
    controls, result = widgets.controls_and_result((2, 5))
    with controls:
        dataset = widgets.image_dataset_picker("ae")
        data = split(dataset, widgets.seed())
        choices = architecture_controls() | regulariser_controls()
        try:
            config = AutoencoderConfig(input_shape=data.image_shape, **choices)
        except ValueError as error:
            st.error(_("This autoencoder cannot be built: {error}").format(error=error))
            return
        learning_rate, batch_size = widgets.learning_controls("ae", learning_rate=3e-3, batch_size=128)
        train = TrainConfig(learning_rate=learning_rate, batch_size=batch_size)
        start_pretrained = fits_pretrained(dataset, config) and widgets.pretrained(PRETRAINED) is not None and st.toggle(
            _("Start from the pretrained AE (784-128-32-2, trained on this MNIST split)"), value=True,
            key="ae_pretrained",
            help=_("Its latent map is meaningful at once. ↺ Reset starts again from random weights."),
            persist_state=widgets.PERSIST)
        layers = replace(config, **{field: getattr(AE_MNIST_CONFIG, field) for field in REGULARISER_FIELDS})
        spec = (dataset, widgets.seed(), layers, start_pretrained)
        trainer = widgets.session_trainer("ae", spec, lambda: build_trainer(config, data, train, start_pretrained))
        trainer.configure(learning_rate=learning_rate, batch_size=batch_size,
                          **{field: getattr(config, field) for field in REGULARISER_FIELDS})
        widgets.upload_into("ae", trainer, Autoencoder, AutoencoderConfig)
        if config.architecture == "dense":
            greedy_controls(trainer, data, spec)
    with result:
        widgets.training_panel("ae", trainer, lambda: render_training(trainer, data))
        weights, picture = st.columns(2)
        with weights:
            widgets.download_model(trainer.model, "autoencoder.safetensors", key="ae_download_weights")
        with picture:
            widgets.download_png(reconstructions_png(trainer.model, data.x_test[:GRID_COLUMNS], widgets.seed()),
                                 "reconstructions.png", key="ae_download_grid")
        tsne_map(trainer, data, spec)


def tsne_map(trainer: Trainer, data: Split, spec: tuple) -> None:
    if trainer.model.config.latent_dim <= 2:
        return
    if st.button(_("Compute a t-SNE map of the current codes (a few seconds)"), key="ae_tsne",
                 disabled=trainer.playing):
        with st.spinner("t-SNE…"):
            points = lessons.latent_map(lessons.codes(trainer.model, data.x_test), "t-SNE", widgets.seed())
            st.session_state["ae_tsne_map"] = (spec, trainer.step_count, points)
    stored = st.session_state.get("ae_tsne_map")
    if stored is not None and stored[0] == spec:
        title = _("t-SNE of the codes at step {step}").format(step=number(stored[1], 0))
        st.plotly_chart(latent_figure(stored[2], data.y_test, ("t-SNE 1", "t-SNE 2"), title), key="ae_tsne_chart")


def greedy_controls(trainer: Trainer, data: Split, spec: tuple) -> None:
    st.markdown(_("**Greedy layer-wise pre-training: one autoencoder at a time**"))
    st.caption(_("Before end-to-end training was easy, deep autoencoders were built one shallow autoencoder at a "
                 "time: the first learns to reconstruct x, the second to reconstruct the first one's code, and so on; "
                 "the trained layers are then stacked and fine-tuned together with ▶ Play."))
    st.latex(r"\begin{gathered}h_0 = x, \qquad h_i = f_i(h_{i-1}), \\"
             r" \min_{f_i, g_i} \lVert h_{i-1} - g_i(f_i(h_{i-1}))\rVert^2\end{gathered}")
    steps = st.select_slider(_("Steps per layer pair"), (50, 100, 200, 500, 1000), 200, key="ae_greedy_steps",
                             persist_state=widgets.PERSIST)
    st.button(_("Pre-train from random weights, layer by layer"), key="ae_greedy", disabled=trainer.playing,
              on_click=pretrain_greedily, args=(trainer, data, steps, spec))
    stored = st.session_state.get("ae_greedy_losses")
    if stored is not None and stored[0] == spec:
        losses = "; ".join(number(loss, 4) for loss in stored[1])  # not ", ": Spanish writes 0,0123
        st.caption(_("Final loss of each layer pair, outermost first: {losses}. Now press ▶ Play to fine-tune.")
                   .format(losses=losses))


def render_pca(trainer: Trainer, points: np.ndarray) -> None:
    model = trainer.model
    space, maps = st.columns([3, 2])
    planes = {_("linear AE"): lessons.linear_plane(model), "PCA": lessons.pca_plane(points, 2)}
    space.plotly_chart(planes_3d(points, planes, title=_("the cloud and the two reconstruction planes")),
                       key="ae_pca_space")
    maps.metric(_("Principal angle between the two planes"), f"{number(trainer.history.last(lessons.ANGLE), 2)}°")
    maps.plotly_chart(loss_curves(trainer.history, [lessons.ANGLE], title=_("angle to PCA's plane (°)")),
                      key="ae_pca_angle")
    projection = lessons.pca_projection(points, 2)
    sectors = lessons.angular_sectors(projection)
    left, right = st.columns(2)
    left.plotly_chart(scatter_2d(projection, sectors, title=_("PCA projection"), label_name=_("slice"),
                                 axis_titles=("PC 1", "PC 2")), key="ae_pca_projection")
    right.plotly_chart(scatter_2d(lessons.codes(model, points), sectors, title=_("linear AE codes h = W x + b"),
                                  label_name=_("slice"), axis_titles=("h₁", "h₂")), key="ae_pca_codes")


def pca_section() -> None:
    controls, result = widgets.controls_and_result((1, 3))
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
    trainer = widgets.session_trainer(
        "ae_pca", seed, lambda: lessons.make_trainer(config, points, test, train, seed, widgets.device()))
    trainer.configure(learning_rate=learning_rate, batch_size=batch_size)
    with result:
        widgets.training_panel("ae_pca", trainer, lambda: render_pca(trainer, points))


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
    controls, result = widgets.controls_and_result((1, 3))
    with controls:
        st.caption(_("An autoencoder reconstructs well what looks like its training data. A large reconstruction "
                     "error flags an input unlike the rest: a badly written digit, a smudge, or data from elsewhere."))
        st.latex(latex_text(_("score")) + r"(x) = \tfrac{1}{D}\lVert x - g(f(x))\rVert^2")
        count = st.slider(_("Worst-reconstructed test images to show"), 5, 30, 10, key="ae_worst_count",
                          persist_state=widgets.PERSIST)
    errors = lessons.reconstruction_errors(model, data.x_test)
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
        st.latex(r"p(y = c \mid z) = \operatorname{softmax}(W z + b)_c, \qquad "
                 + latex_text(_("{codes} or {pixels}"), codes=r"z = f(x) \ ", pixels=r"\ z = x"))
        labels = st.slider(_("Labelled training examples"), 50, 1000, 100, 50, key="ae_labels",
                           persist_state=widgets.PERSIST)
    seed = widgets.seed()
    codes = lessons.few_label_accuracy(lessons.codes(model, data.x_train), lessons.codes(model, data.x_test), data,
                                       labels, seed)
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

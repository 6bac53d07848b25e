"""GAN trainer: watch a generator and a discriminator play min–max, on the plane and on digits."""

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from playground import gan_lessons as lessons
from playground.budgets import Cost, OverBudget
from playground.data import DISTRIBUTIONS_2D, MODE_STD, mode_centres, sample_2d
from playground.figures import image_grid, loss_curves
from playground.figures.gan import game_plane
from playground.interpolation import slerp
from playground.models.dcgan import DCGAN
from playground.models.gan import GAN, LOSSES, PROBABILITY_LOSSES, GANConfig
from playground.recipes.gan import recipe_name
from playground.export import Recipe, points_source, pretrained_source
from playground.trainer import OPTIMIZERS, Trainer
from ui import ab, rewind, routing, widgets
from ui.components import draw_pad, latent_pad
from ui.i18n import N_, _, latex_text, number, percent

routing.through_app()  # a direct link on a fresh server still runs through app.py

ARROWS = 150  # fake points that get a gradient arrow
WIDTHS = (8, 16, 32, 64, 128, 256)
PRESET_RATES = {rate for preset in lessons.PRESETS.values() for rate in (preset.generator_lr, preset.discriminator_lr)}
GAN_LEARNING_RATES = tuple(sorted({*widgets.LEARNING_RATES, *PRESET_RATES}))  # every preset's rate is on the slider
SAMPLE_ROWS = 4  # rows of the live image grid, ten samples each
DRAWN = N_("drawn by you")  # the target a student draws on the plane (or loads from a CSV file)

VALUE = (r"\begin{aligned}&\min_G \max_D V(D, G) \\ &= \mathbb E_{x \sim p_r}\big[\log D(x)\big] \\"
         r" &+ \mathbb E_{z \sim \mathcal N(0, I)}\big[\log\big(1 - D(G(z))\big)\big]\end{aligned}")
D_STAR = (r"\begin{gathered}D^*(x) = \frac{p_r(x)}{p_r(x) + p_g(x)} \\ p_g = p_r \;\Rightarrow\; D^* = \tfrac12,"
          r" \\ V(D^*, G) = -2\log 2\end{gathered}")
LOSS_FORMULAS = {  # each player's half of the game, as the loss it minimises, and what it means for G
    "saturating": (r"\begin{aligned}L_D = &-\mathbb E\big[\log D(x)\big] \\ &- \mathbb E\big[\log(1 - D(G(z)))\big]"
                   r"\end{aligned}",
                   r"L_G = \mathbb E\big[\log(1 - D(G(z)))\big]",
                   N_("The minimax game itself: flat where D(G(z)) ≈ 0, so a G that D sees through learns slowly.")),
    "non-saturating": (r"\begin{aligned}L_D = &-\mathbb E\big[\log D(x)\big] \\ &- \mathbb E\big[\log(1 - D(G(z)))\big]"
                       r"\end{aligned}",
                       r"L_G = -\mathbb E\big[\log D(G(z))\big]",
                       N_("The same fixed point, but steep where D(G(z)) ≈ 0: G learns fastest when it is worst.")),
    "hinge": (r"\begin{aligned}L_D = &\;\mathbb E\big[\max(0, 1 - D(x))\big] \\"
              r" &+ \mathbb E\big[\max(0, 1 + D(G(z)))\big]\end{aligned}",
              r"L_G = -\mathbb E\big[D(G(z))\big]",
              N_("D is an unbounded critic, not a probability.")),
}
K_STEPS = (  # lines of words (N_) with formulas in their {placeholders}
    (N_("repeat: {k_times} ascend {gradient}"),
     {"k_times": r"&k \times \big[", "gradient": r"\nabla_{\theta_D} V\big]"}),
    (N_("then {once} descend {gradient}"), {"once": r"&1 \times \big[", "gradient": r"\nabla_{\theta_G} L_G\big]"}),
)
QUALITY = (
    (N_("high quality: {distance}"), {"distance": r"\lVert G(z) - \mu_m \rVert < 3\sigma"}),
    (N_("mode {m} covered: {share}{newline}of its fair share"), {"m": "m", "share": r"\ge 20\,\%", "newline": r"\\"}),
)
CONDITIONAL_VALUE = (r"\begin{aligned}&\min_G \max_D \; \mathbb E_{x, y}\big[\log D(x \mid y)\big] \\"
                     r" &+ \mathbb E_{z, y}\big[\log\big(1 - D(G(z \mid y) \mid y)\big)\big]\end{aligned}")
PRESET_EXPLANATIONS = {
    "it works": N_("Equal learning rates, Adam with β₁ = 0.5, one D step per G step: all 8 modes within a few "
                   "hundred steps."),
    "mode collapse": N_("G learns 20× faster than D. D is a slow, smooth judge with one best-looking spot, and G "
                        "throws all its points onto that spot; D then slowly turns against it and G jumps to the "
                        "next one."),
    "fix: k = 5 D steps": N_("Same learning rates, but D gets 5 updates per G update (Goodfellow's k). D keeps up, "
                             "so it tells G where *every* mode is and the spots G piles onto are quickly marked fake."),
    widgets.CUSTOM: N_("Your own settings. Pick a preset to fill the controls with it again (and start a fresh "
                       "game)."),
}
AB_SETTINGS = (ab.Setting("generator_lr", N_("G learning rate"), "η_G", GAN_LEARNING_RATES),
               ab.Setting("discriminator_lr", N_("D learning rate"), "η_D", GAN_LEARNING_RATES),
               ab.Setting("disc_steps_per_gen_step", N_("k: D steps per G step"), "k", tuple(range(1, 11))),
               ab.BATCH_SIZE)
SECTIONS = (N_("2-D game"), N_("Digits (DCGAN, conditional GAN)"))
SLERP = r"z(t) = \frac{\sin((1-t)\Omega)}{\sin\Omega} z_a + \frac{\sin(t\Omega)}{\sin\Omega} z_b"


def in_words(lines: tuple[tuple[str, dict[str, str]], ...], environment: str = "gathered") -> str:
    """Formula lines whose words are translated (N_-marked, with formulas in their placeholders), one per row."""
    rows = r" \\ ".join(latex_text(_(words), **formulas) for words, formulas in lines)
    return rf"\begin{{{environment}}}{rows}\end{{{environment}}}"


# ---- 2-D settings: the presets fill the controls, the controls make the settings ------------------

def preset_state(settings: lessons.GANSettings) -> dict[str, object]:
    model = settings.model
    return {"gan_loss": model.loss, "gan_noise_dim": model.noise_dim,
            "gan_generator_width": model.generator_width, "gan_generator_depth": model.generator_depth,
            "gan_discriminator_width": model.discriminator_width, "gan_discriminator_depth": model.discriminator_depth,
            "gan_generator_lr": settings.generator_lr, "gan_discriminator_lr": settings.discriminator_lr,
            "gan_optimizer": settings.optimizer, "gan_batch_size": settings.batch_size,
            "gan_disc_steps_per_gen_step": settings.disc_steps_per_gen_step}


def game_controls() -> tuple[str, lessons.GANSettings]:
    """The data, a preset, and every setting of the two players (a preset fills them; changing a net's
    shape or the loss restarts the game, rates, k and the batch size change mid-run)."""
    distribution = st.selectbox(_("Target distribution p_r"), (*DISTRIBUTIONS_2D, DRAWN), format_func=_,
                                **widgets.kept("gan_distribution"))
    preset = widgets.preset_picker(_("Preset"), "gan_preset", {name: preset_state(settings) for name, settings in
                                                            lessons.PRESETS.items()},
                                   on_pick=lambda: widgets.discard_trainer("gan"))
    st.caption(_(PRESET_EXPLANATIONS[preset]))
    st.latex(VALUE)
    loss = st.radio(_("Loss"), LOSSES, horizontal=True, format_func=_, **widgets.kept("gan_loss"))
    discriminator_loss, generator_loss, meaning = LOSS_FORMULAS[loss]
    st.latex(discriminator_loss)
    st.latex(generator_loss)
    st.caption(_(meaning))
    g, d = st.columns(2)
    g.markdown(_("**Generator G**"))
    d.markdown(_("**Discriminator D**"))
    model = GANConfig(
        noise_dim=g.slider(_("Noise dimension"), 1, 8, **widgets.kept("gan_noise_dim")),
        generator_width=g.select_slider(_("G width"), WIDTHS, **widgets.kept("gan_generator_width")),
        generator_depth=g.slider(_("G hidden layers"), 1, 4, **widgets.kept("gan_generator_depth")),
        discriminator_width=d.select_slider(_("D width"), WIDTHS, **widgets.kept("gan_discriminator_width")),
        discriminator_depth=d.slider(_("D hidden layers"), 1, 4, **widgets.kept("gan_discriminator_depth")),
        loss=loss,
    )
    settings = lessons.GANSettings(
        model=model,
        generator_lr=g.select_slider(_("G learning rate"), GAN_LEARNING_RATES,
                                     format_func="{:g}".format, **widgets.kept("gan_generator_lr")),
        discriminator_lr=d.select_slider(_("D learning rate"), GAN_LEARNING_RATES,
                                         format_func="{:g}".format, **widgets.kept("gan_discriminator_lr")),
        optimizer=st.radio(_("Optimiser"), OPTIMIZERS, horizontal=True, **widgets.kept("gan_optimizer")),
        batch_size=st.select_slider(_("Batch size"), widgets.BATCH_SIZES, **widgets.kept("gan_batch_size")),
        disc_steps_per_gen_step=st.slider(_("k: D steps per G step"), 1, 10,
                                          **widgets.kept("gan_disc_steps_per_gen_step")),
    )
    st.latex(in_words(K_STEPS, "aligned"))
    return distribution, settings


def game_recipe(distribution: str | np.ndarray, settings: lessons.GANSettings) -> Recipe:
    """How the game is built, for the trainer and for the exported script (drawn points travel as a literal)."""
    if isinstance(distribution, str):
        target, title = distribution, f"GAN on {distribution}"
    else:
        target, title = points_source(distribution), "GAN on points drawn by a student"
    return Recipe(lessons.make_trainer, (settings.model, settings.train_config(), target, widgets.seed()), title=title)


def game_trainer(distribution: str | np.ndarray, settings: lessons.GANSettings):
    """This session's 2-D game: rebuilt when the data or a net changes; rates, k, batch size change mid-run."""
    data = distribution if isinstance(distribution, str) else distribution.tobytes()
    try:  # the budget is checked before anything is built, and again on every change
        trainer = widgets.session_trainer("gan", (data, settings.model, widgets.seed()),
                                          lambda: game_recipe(distribution, settings).build(widgets.device()))
        trainer.configure(**vars(settings.train_config()))
    except OverBudget as error:
        st.error(str(error), icon="⚖️")
        st.stop()
    return trainer


# ---- 2-D game section -----------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=16)
def sampled_points(distribution: str, seed: int) -> np.ndarray:
    return sample_2d(distribution, lessons.PLANE_POINTS, np.random.default_rng(seed))[0]


def real_points(distribution: str | np.ndarray, seed: int) -> np.ndarray:
    """At most PLANE_POINTS real points: samples of a named distribution, or every n-th of the student's."""
    if isinstance(distribution, str):
        return sampled_points(distribution, seed)
    return distribution[:: -(-len(distribution) // lessons.PLANE_POINTS)]


def one_player_step(trainer, player: str) -> None:
    trainer.step(1, only=player)


def view_controls(trainer) -> tuple[bool, bool]:
    """What the plane shows, and the one-player buttons: D's step repaints the background, G's moves the fakes."""
    show_mapping = st.toggle(_("G's mapping of the z-grid"), **widgets.kept("gan_show_mapping"),
                             help=_("Lines of the (z₁, z₂)-plane pushed through G: where they bunch up, G puts "
                                    "mass."))
    show_arrows = st.toggle(_("Gradient arrows on fakes"), **widgets.kept("gan_show_arrows"),
                            help=_("−∂L_G/∂x: where G's next update pushes each fake point (up D's slope)."))
    d_only, g_only = st.columns(2)
    d_only.button(_("Train D only (1 step)"), key="gan_train_d", on_click=one_player_step,
                  args=(trainer, "discriminator"), disabled=trainer.playing)
    g_only.button(_("Train G only (1 step)"), key="gan_train_g", on_click=one_player_step,
                  args=(trainer, "generator"), disabled=trainer.playing)
    return show_mapping, show_arrows


def plane_figure(model: GAN, distribution: str | np.ndarray, title: str, show_mapping: bool = False,
                 show_arrows: bool = False) -> go.Figure:
    """The plane: real points, G's fakes from a fixed noise batch over D's verdict, and optionally G's mapping
    of the z-grid and the gradient arrows on the fakes."""
    z = lessons.fixed_noise(model, lessons.PLANE_POINTS, widgets.seed())
    with torch.no_grad():
        fake = model.generate(z).cpu().numpy()
    ticks, verdict = lessons.discriminator_grid(model)
    return game_plane(
        real_points(distribution, widgets.seed()), fake, ticks, verdict,
        probability=model.config.loss in PROBABILITY_LOSSES,
        mapping=lessons.generator_mapping(model) if show_mapping else None,
        arrows=lessons.generator_gradients(model, z[:ARROWS]) if show_arrows else None, title=title,
    )


def ab_section(comparison: ab.Comparison, current: dict, distribution: str | np.ndarray,
               settings: lessons.GANSettings) -> None:
    """Two games from the same seed, one setting apart: both losses on one chart, both planes side by side."""

    def plan(values: dict) -> tuple[dict, Cost]:
        train = replace(settings, **values).train_config()
        return vars(train), lessons.step_cost(settings.model, train)

    data = distribution if isinstance(distribution, str) else distribution.tobytes()
    try:
        trainers = ab.runs("gan", (data, settings.model, widgets.seed()),
                           lambda: game_recipe(distribution, settings).build(widgets.device()), comparison, current,
                           plan, lessons.LOWER)
    except OverBudget as error:
        st.error(str(error), icon="⚖️")
        return
    except ValueError as error:  # too few of the student's points, so far
        st.info(_("Add points to start the game: {reason}").format(reason=error))
        return
    ab.panel("gan", comparison, trainers, ["D loss", "G loss"], _("Losses"),
             lambda model, title: plane_figure(model, distribution, title))


def game_section() -> None:
    controls, result = widgets.controls_and_result((1, 2))
    with controls:
        switch = st.container()  # the A/B toggle, above the controls it compares
        name, settings = game_controls()
        current = {setting.name: getattr(settings, setting.name) for setting in AB_SETTINGS}
    with result:
        comparison = ab.controls("gan", AB_SETTINGS, current, switch)
        distribution = name if name != DRAWN else draw_pad.points_or_csv("gan_points", lessons.EXTENT, _(
            "Click or drag on the plane to add points: the GAN learns to draw points like them. A new point starts "
            "a fresh game."))  # a name, or the student's points
    if comparison is not None:
        with result:
            ab_section(comparison, current, distribution, settings)
        return
    try:
        trainer = game_trainer(distribution, settings)
    except ValueError as error:  # too few of the student's points, so far
        result.info(_("Add points to start the game: {reason}").format(reason=error))
        return
    with controls:
        show_mapping, show_arrows = view_controls(trainer)
        st.latex(D_STAR)
    lines = lessons.equilibrium_lines(settings.model.loss)

    def render() -> None:
        moment = rewind.moment("gan", [trainer])  # the game now, or at the step the history slider points at
        title = _("{distribution}: real, fake and D's verdict (blue: real, red: fake)").format(distribution=_(name))
        figure = plane_figure(moment.model(trainer), distribution, title, show_mapping, show_arrows)
        plane, losses = st.columns([3, 2])
        plane.plotly_chart(figure, key="gan_plane")
        losses.plotly_chart(loss_curves(trainer.history, ["D loss", "G loss"], title=_("Losses"),
                                        reference_lines=lines["losses"], marker=moment.step, legend_rows=2),
                        key="gan_losses")  # a narrow column: a legend row per name
        outputs, quality = st.columns(2)
        outputs.plotly_chart(loss_curves(trainer.history, ["D(x)", "D(G(z))"], title=_("Mean D(x) and D(G(z))"),
                                         reference_lines=lines["D outputs"], marker=moment.step), key="gan_outputs")
        if name in MODE_STD:
            covered, fraction = quality.columns(2)
            covered.metric(_("Modes covered"), f"{number(trainer.history.last('modes covered'), 0)} / "
                                               f"{len(mode_centres(name))}")
            fraction.metric(_("High-quality samples"), percent(trainer.history.last("high-quality fraction"), 0))
            quality.plotly_chart(widgets.heavy_figure("gan_quality", trainer, lambda: loss_curves(
                trainer.history, ["mode coverage", "high-quality fraction"],
                title=_("Mode coverage · high-quality fraction"), marker=moment.step, legend_rows=2)), key="gan_quality")
            quality.latex(in_words(QUALITY))
        else:
            quality.info(_("Mode coverage is measured on the Gaussian mixtures (ring of 8, grid 5×5)."))

    with result:
        widgets.training_panel("gan", trainer, render, history=True)
        widgets.download_run("gan", trainer, game_recipe(distribution, settings).setup())


# ---- digits section -------------------------------------------------------------------------------

def image_recipe(dataset: str, conditional: bool, from_pretrained: bool) -> Recipe:
    name = recipe_name(dataset, conditional)
    start = widgets.pretrained(name) if from_pretrained else None
    source = None if start is None else pretrained_source(name, start)
    return Recipe(lessons.make_image_trainer, (dataset, conditional, widgets.seed()), {"start": source},
                  title=f"{'Conditional GAN' if conditional else 'DCGAN'} on {dataset}")


def image_trainer(dataset: str, conditional: bool, from_pretrained: bool):
    recipe = image_recipe(dataset, conditional, from_pretrained)
    spec = (dataset, conditional, recipe.kwargs["start"] is not None, widgets.seed())
    return widgets.session_trainer("gan_image", spec, lambda: recipe.build(widgets.device()))


def keep_walk_position(t: float) -> None:
    st.session_state["gan_interp_t"] = t


def interpolation(trainer: Trainer, labels: torch.Tensor | None) -> None:
    model: DCGAN = trainer.model
    st.markdown(_("**Walk between two noise vectors**"))
    left, right, note = st.columns([1, 1, 3], vertical_alignment="bottom")
    seed_a = left.number_input(_("z_a seed"), 0, 10_000, 1, **widgets.kept("gan_z_a"))
    seed_b = right.number_input(_("z_b seed"), 0, 10_000, 2, **widgets.kept("gan_z_b"))
    note.caption(_("Drag t under the image: your browser runs the generator at every point of the arc."))
    st.latex(SLERP)
    z_a, z_b = (lessons.fixed_noise(model, 1, seed)[0].cpu().numpy() for seed in (seed_a, seed_b))
    strip = lessons.draw(model, torch.from_numpy(slerp(z_a, z_b, np.linspace(0, 1, 9))),
                         None if labels is None else labels[:9])
    walk, path = st.columns([2, 5])
    with walk:
        latent_pad.path("gan_walk", model, z_a, z_b, "spherical", st.session_state.get("gan_interp_t", 0.0),
                        label=None if labels is None else int(labels[0]), trainer=trainer,
                        on_release=keep_walk_position)
    path.plotly_chart(image_grid(strip, columns=9, title=_("t = 0, 0.125, …, 1")), key="gan_interp_strip")


def image_section() -> None:
    controls, result = widgets.controls_and_result((1, 2))
    with controls:
        st.caption(_("DCGAN made GANs work on images: G upsamples noise with transposed convolutions and batch norm, "
                     "D downsamples with strided convolutions. The grid shows the same noise batch at every refresh, "
                     "so you watch G change, not the dice. A conditional GAN also feeds the digit y to both players."))
        dataset = widgets.image_dataset_picker("gan_image", default="Digits 8×8")
        conditional = st.toggle(_("Conditional GAN: G and D see the digit"), value=True,
                                **widgets.kept("gan_conditional"))
        from_pretrained = st.toggle(_("Start from the pretrained model"), value=True,
                                    help=_("Trained offline with these settings; ↺ Reset returns to it."),
                                    **widgets.kept("gan_image_pretrained"))
        st.latex(CONDITIONAL_VALUE if conditional else VALUE)
        trainer = image_trainer(dataset, conditional, from_pretrained)
    labels = torch.arange(10).repeat(SAMPLE_ROWS) if conditional else None  # (40,): columns are digits 0–9

    def render() -> None:
        moment = rewind.moment("gan_image", [trainer])  # G now, or at the step the history slider points at
        z = lessons.fixed_noise(trainer.model, 10 * SAMPLE_ROWS, widgets.seed())  # (40, noise_dim)
        grid, curves = st.columns([3, 2])
        title = _("Fixed noise, columns = digits 0–9") if conditional else _("Samples from a fixed noise batch")
        grid.plotly_chart(widgets.heavy_figure("gan_image_samples", trainer, lambda: image_grid(
            lessons.draw(moment.model(trainer), z, labels), columns=10, title=title)), key="gan_image_samples")
        curves.plotly_chart(loss_curves(trainer.history, ["D loss", "G loss"], title=_("Losses"),
                                        reference_lines=lessons.equilibrium_lines("non-saturating")["losses"],
                                        marker=moment.step, legend_rows=2), key="gan_image_losses")  # narrow

    with result:
        widgets.training_panel("gan_image", trainer, render, history=True)
        if conditional:
            digit = st.select_slider(_("Digit y to draw"), range(10), value=7,
                                     **widgets.kept("gan_digit"))
            z = lessons.fixed_noise(trainer.model, 10, widgets.seed() + 1)  # (10, noise_dim)
            row = lessons.draw(trainer.model, z, torch.full((10,), digit))
            title = _("G(z | y = {digit}) for ten z").format(digit=digit)
            st.plotly_chart(image_grid(row, columns=10, title=title), key="gan_digit_row")
            interpolation(trainer, torch.full((9,), digit))
        else:
            interpolation(trainer, None)
        widgets.download_model(trainer.model, f"{recipe_name(dataset, conditional)}.safetensors",
                               key="gan_image_download")
        widgets.download_run("gan_image", trainer, image_recipe(dataset, conditional, from_pretrained).setup())


# ---- the page -------------------------------------------------------------------------------------

st.title(_("⚔️ GAN trainer"))
st.write(_(
    "A generator G turns noise z into samples; a discriminator D says real (1) or fake (0). D learns to tell "
    "them apart, G learns to fool D, and neither ever sees a formula for the data. If the game reaches its "
    "equilibrium, G's samples are distributed like the data and D can only guess: D = ½ everywhere. On the "
    "plane you can watch every piece of this: D's verdict as a background, the fakes moving up its slope, and "
    "the ways the game goes wrong (mode collapse, vanishing gradients)."
))
if widgets.section_picker("gan_section", SECTIONS) == SECTIONS[0]:
    game_section()
else:
    image_section()

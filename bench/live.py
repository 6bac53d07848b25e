"""Family 2, live loop: training speed while the page's charts refresh, over the bare loop's.

While ▶ Play is on, `ui.widgets.training_panel` runs a fragment that trains for
TRAIN_SLICE_SECONDS and then redraws the page's live charts. We replay that cycle
without a browser: the page's own trainer (with its evaluation) runs a slice, then the
figures its `render()` draws are built and prepared as `st.plotly_chart` prepares them
(rebuilt with validation, serialised to JSON). Goal ≥ 0.8 of the bare loop's speed: at most
a fifth of the time goes to anything but training, i.e. slice / (slice + draw) ≥ 0.8.

The charts are drawn with the history a student has after HISTORY_STEPS steps (minutes of
play), since the loss curves send every recorded point at each refresh.
"""

import statistics
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import plotly.io
import plotly.tools
import torch

from bench.table import Goal, Row
from bench.timing import calibrate, clock, per_second, rate, synchronise
from bench.workloads import (
    DATASET,
    DIFFUSION_CONFIG,
    DIFFUSION_DISTRIBUTION,
    DIFFUSION_TRAINING,
    GAN_DISTRIBUTION,
    GAN_SETTINGS,
    PAGE_TRAINING,
    SEED,
    VAE_CONFIG,
    WORKLOADS,
    Workload,
)
from playground import autoencoder_lessons, diffusion_lessons, gan_lessons, vae_lessons
from playground.data import sample_2d, split
from playground.figures import image_grid, loss_curves, scatter_2d
from playground.figures.diffusion import density
from playground.figures.gan import game_plane
from playground.recipes.autoencoder import AE_MNIST_CONFIG
from playground.trainer import History, Trainer
from ui.widgets import REFRESH_SECONDS, TRAIN_SLICE_SECONDS

PAIRS = 6  # fragment cycles per page, each followed by a bare block as long as a slice
GAN_POINTS = 500  # real and fake points the page plots
DIFFUSION_POINTS = 500  # DDIM-10 samples the diffusion page redraws
HISTORY_STEPS = 10_000  # recorded before the charts are timed: about 5 minutes of play on a CPU


@dataclass(frozen=True)
class LivePage:
    workload: Workload  # the same model, optimiser and batches as a bare loop
    trainer: Callable[[torch.device], Trainer]  # as the page builds it, evaluation included
    figures: Callable[[Trainer], list[go.Figure]]  # what the page's render() draws


def send(figure: go.Figure) -> str:
    """What `st.plotly_chart` does to a figure on the server before it is sent."""
    validated = plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True)
    return plotly.io.to_json(validated, validate=False)


def ae_figures(trainer: Trainer) -> list[go.Figure]:
    """pages/autoencoder.py render_training: loss curves, reconstructions, test codes."""
    data = split(DATASET, SEED)
    rows = autoencoder_lessons.reconstruction_rows(trainer.model, data.x_test[:10], SEED)
    codes = autoencoder_lessons.latent_map(autoencoder_lessons.codes(trainer.model, data.x_test), "PCA", SEED)
    return [loss_curves(trainer.history, ["train loss", "test loss"], log_y=True, title="Reconstruction error"),
            image_grid(rows, 10, title="test originals over their reconstructions"),
            scatter_2d(codes, data.y_test, title="codes of the test set", label_name="digit", marker_size=4)]


def vae_figures(trainer: Trainer) -> list[go.Figure]:
    """pages/vae.py training_tab render: loss curves and the decoded 10×10 grid."""
    shown = ("reconstruction", "kl", "total", "test reconstruction", "test kl")
    names = [name for name in shown if name in trainer.history.names]
    return [loss_curves(trainer.history, names, log_y=True, title="Loss per image"),
            image_grid(vae_lessons.latent_grid(trainer.model, 10, 3.0), 10, title="decoder(z)")]


def gan_figures(trainer: Trainer) -> list[go.Figure]:
    """pages/gan.py game_tab render, toggles off: the plane under D's verdict and three metric charts."""
    model = trainer.model
    with torch.no_grad():
        fake = model.generate(gan_lessons.fixed_noise(model, GAN_POINTS, SEED)).cpu().numpy()
    real = sample_2d(GAN_DISTRIBUTION, GAN_POINTS, np.random.default_rng(SEED))[0]
    ticks, verdict = gan_lessons.discriminator_grid(model)
    lines = gan_lessons.equilibrium_lines(model.config.loss)
    return [game_plane(real, fake, ticks, verdict, title="real, fake and D's verdict"),
            loss_curves(trainer.history, ["D loss", "G loss"], title="Losses", reference_lines=lines["losses"]),
            loss_curves(trainer.history, ["D(x)", "D(G(z))"], title="Mean D(x) and D(G(z))",
                        reference_lines=lines["D outputs"]),
            loss_curves(trainer.history, ["modes covered", "high-quality fraction"], title="Modes covered")]


def diffusion_figures(trainer: Trainer) -> list[go.Figure]:
    """pages/diffusion.py training_tab render on 2-D data: ε-loss, MMD curve and the density of DDIM-10 samples."""
    drawn = diffusion_lessons.sample(trainer.model, DIFFUSION_POINTS, torch.Generator().manual_seed(SEED), 10, 0.0,
                                     None, diffusion_lessons.POINT_RANGE)
    return [loss_curves(trainer.history, ["loss"], log_y=True, title="ε-loss per coordinate"),
            loss_curves(trainer.history, ["MMD"], title="MMD of DDIM-10 samples"),
            density(drawn.cpu().numpy(), title="DDIM-10 samples, fixed noise")]


def ae_trainer(device: torch.device) -> Trainer:
    data = split(DATASET, SEED)
    return autoencoder_lessons.make_trainer(AE_MNIST_CONFIG, data.x_train, data.x_test, PAGE_TRAINING, SEED, device)


def vae_trainer(device: torch.device) -> Trainer:
    return vae_lessons.make_trainer(VAE_CONFIG, split(DATASET, SEED), PAGE_TRAINING, SEED, device)


def gan_trainer(device: torch.device) -> Trainer:
    return gan_lessons.make_trainer(GAN_SETTINGS.model, GAN_SETTINGS.train_config(), GAN_DISTRIBUTION, SEED, device)


def diffusion_trainer(device: torch.device) -> Trainer:
    return diffusion_lessons.make_trainer(DIFFUSION_DISTRIBUTION, DIFFUSION_CONFIG, DIFFUSION_TRAINING, SEED, device)


PAGES = tuple(LivePage(workload, trainer, figures) for workload, trainer, figures in zip(
    WORKLOADS, (ae_trainer, vae_trainer, gan_trainer, diffusion_trainer),
    (ae_figures, vae_figures, gan_figures, diffusion_figures), strict=True))


def aged_history(history: History, steps: int) -> History:
    """The history after `steps` steps of play: each series repeated, at its own recording interval."""
    aged = History()
    for name in history.names:
        recorded, values = history.series(name)
        interval = recorded[1] - recorded[0] if len(recorded) > 1 else 1
        count = max(1, steps // interval)
        aged.steps[name] = [interval * (i + 1) for i in range(count)]
        aged.values[name] = [values[i % len(values)] for i in range(count)]
    return aged


def measure(device: torch.device) -> list[Row]:
    return [measure_page(page, device) for page in PAGES]


def measure_page(page: LivePage, device: torch.device) -> Row:
    """Cycles of the page's trainer and charts, each followed by a bare block; the share is computed, not waited.

    The slice is TRAIN_SLICE_SECONDS of wall time, which a busy machine fills with fewer steps;
    so training speed and drawing cost are measured on the throughput clock, and the live speed
    is what they give with a full slice: training speed × slice / (slice + draw).
    """
    trainer, (_, bare) = page.trainer(device), page.workload.bare(device)
    steps = calibrate(bare, TRAIN_SLICE_SECONDS, device)
    trainer.step(trainer.config.eval_every)
    trainer.history = aged_history(trainer.history, HISTORY_STEPS)
    now = clock(device)

    def cycle() -> tuple[float, float]:
        """Training speed (steps per second of the clock) in one slice, and the seconds its charts took."""
        synchronise(device)
        start = now()
        done = trainer.run_for(TRAIN_SLICE_SECONDS)
        synchronise(device)
        trained = now()
        for figure in page.figures(trainer):
            send(figure)
        return done / (trained - start), now() - trained

    cycle()
    training, draws, bare_rates = [], [], []
    for _ in range(PAIRS):
        speed, seconds = cycle()
        training.append(speed)
        draws.append(seconds)
        bare_rates.append(rate(lambda: bare(steps), device))
    efficiency = statistics.median(a / b for a, b in zip(training, bare_rates))  # evaluation included
    draw = statistics.median(draws)
    share = TRAIN_SLICE_SECONDS / (TRAIN_SLICE_SECONDS + draw)
    paced = TRAIN_SLICE_SECONDS / max(REFRESH_SECONDS, TRAIN_SLICE_SECONDS + draw)
    return Row(
        f"live loop: {page.workload.name} page", statistics.median(training) * share, per_second("steps", device),
        statistics.median(bare_rates), "bare loop", efficiency * share, Goal("≥", 0.8),
        note=(f"{TRAIN_SLICE_SECONDS} s slice + {1000 * draw:.0f} ms of charts (history of {HISTORY_STEPS:,} steps): "
              f"slice/(slice+draw) = {share:.2f}, times {efficiency:.2f} for the page's evaluation while training. "
              f"Paced by run_every = {REFRESH_SECONDS} s, the fragment would train at {efficiency * paced:.2f}× "
              "the bare speed."),
        extra={"training_rates": training, "bare_rates": bare_rates, "draw_seconds": draws},
    )

"""Family 2, live loop: what each refresh of a page's live charts costs, and a lone student's training speed.

While ▶ Play is on, `ui.widgets.training_panel` runs a fragment that redraws the page's live
charts and then trains a slice of CPU time (its turn at the FairScheduler). We replay that cycle
without a browser (in the other order, which costs the same): the page's own trainer (with its
evaluation) runs a slice, then the figures its `render()` draws are built and prepared as
`st.plotly_chart` prepares them (`to_dict`, serialised to JSON).

Two goals. A redraw costs at most 10 ms of CPU on every page, on average over refreshes (a page
rebuilds its heavy figures, `widgets.heavy_figure`, on every HEAVY_EVERY-th refresh and sends them
again as they were in between): a class of thirty refreshes many times a second, and the scheduler
lengthens everybody's refresh interval in proportion to the redraw's cost. And
a lone student trains at ≥ 0.8 of the bare loop's speed: the scheduler gives them a slice of
REFRESH_SECONDS minus their redraw and its idle share, so slice / refresh ≥ 0.8.

The charts are drawn with the history a student has after HISTORY_STEPS steps (minutes of
play), since the loss curves send (thinned) recorded points at each refresh.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import plotly.graph_objects as go
import plotly.io
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
from playground import autoencoder_lessons, diffusion_lessons, gan_lessons, rnn_lessons, vae_lessons, word2vec_lessons
from playground.data import sample_2d, split
from playground.figures import image_grid, loss_curves, scatter_2d
from playground.figures.diffusion import density
from playground.figures.gan import game_plane
from playground.figures.rnn import compare_cells, forecast
from playground.recipes.autoencoder import AE_MNIST_CONFIG
from playground.scheduler import ShareConfig, paced
from playground.sequences import TEST_STREAM, ForecastTask, series
from playground.trainer import History, TrainConfig, Trainer
from playground.word2vec_data import Word2VecDataConfig, lee_text
from ui.widgets import HEAVY_EVERY, REFRESH_SECONDS

PAIRS = 6  # fragment cycles per page, each followed by a bare block as long as a slice
REDRAWS = 15  # redraws timed per page (median)
DIFFUSION_POINTS = 500  # DDIM-10 samples the diffusion page redraws
HISTORY_STEPS = 10_000  # recorded before the charts are timed: about 5 minutes of play on a CPU
REDRAW_GOAL_MS = 10.0
ROLLOUT_STEPS = 30  # the RNN page's default roll-out
LONE = ShareConfig(refresh_seconds=REFRESH_SECONDS)  # the panel's scheduler, with one student playing


Chart = tuple[Callable[[], go.Figure], bool]  # builds one figure; True if the page draws it as a heavy figure


@dataclass(frozen=True)
class LivePage:
    name: str
    trainer: Callable[[torch.device], Trainer]  # as the page builds it, evaluation included
    charts: Callable[[Trainer], list[Chart]]  # what the page's render() draws
    workload: Workload | None = None  # the same model, optimiser and batches as a bare loop (None: redraw only)


def send(figure: go.Figure) -> str:
    """What `st.plotly_chart` does to a figure on the server before it is sent."""
    return plotly.io.to_json(figure.to_dict(), validate=False)


def ae_charts(trainer: Trainer) -> list[Chart]:
    """pages/autoencoder.py render_training: loss curves, reconstructions, test codes (heavy)."""
    data = split(DATASET, SEED)

    def codes() -> go.Figure:
        points = autoencoder_lessons.latent_map(autoencoder_lessons.codes(trainer.model, data.x_test), "PCA", SEED)
        return scatter_2d(points, data.y_test, title="codes of the test set", label_name="digit", marker_size=4)

    def reconstructions() -> go.Figure:
        rows = autoencoder_lessons.reconstruction_rows(trainer.model, data.x_test[:10], SEED)
        return image_grid(rows, 10, title="test originals over their reconstructions")

    curves = partial(loss_curves, trainer.history, ["train loss", "test loss"], log_y=True,
                     title="Reconstruction error", legend_rows=2)
    return [(curves, False), (reconstructions, False), (codes, True)]


def vae_charts(trainer: Trainer) -> list[Chart]:
    """pages/vae.py training_tab render: loss curves and the decoded 10×10 grid (heavy)."""
    shown = ("reconstruction", "kl", "total", "test reconstruction", "test kl")
    names = [name for name in shown if name in trainer.history.names]
    return [(partial(loss_curves, trainer.history, names, log_y=True, title="Loss per image", legend_rows=len(names)),
             False),
            (lambda: image_grid(vae_lessons.latent_grid(trainer.model, 10, 3.0), 10, title="decoder(z)"), True)]


def gan_charts(trainer: Trainer) -> list[Chart]:
    """pages/gan.py game_tab render, toggles off: the plane under D's verdict and three metric charts."""
    model, lines = trainer.model, gan_lessons.equilibrium_lines(trainer.model.config.loss)

    def plane() -> go.Figure:
        with torch.no_grad():
            fake = model.generate(gan_lessons.fixed_noise(model, gan_lessons.PLANE_POINTS, SEED)).cpu().numpy()
        real = sample_2d(GAN_DISTRIBUTION, gan_lessons.PLANE_POINTS, np.random.default_rng(SEED))[0]
        return game_plane(real, fake, *gan_lessons.discriminator_grid(model), title="real, fake and D's verdict")

    return [(plane, False),
            (partial(loss_curves, trainer.history, ["D loss", "G loss"], title="Losses",
                     reference_lines=lines["losses"], legend_rows=2), False),
            (partial(loss_curves, trainer.history, ["D(x)", "D(G(z))"], title="Mean D(x) and D(G(z))",
                     reference_lines=lines["D outputs"]), False),
            (partial(loss_curves, trainer.history, ["mode coverage", "high-quality fraction"],
                     title="Mode coverage · high-quality fraction", legend_rows=2), True)]


def diffusion_charts(trainer: Trainer) -> list[Chart]:
    """pages/diffusion.py training_tab render on 2-D data: ε-loss, MMD curve (heavy), DDIM-10 samples (heavy)."""

    def samples() -> go.Figure:
        drawn = diffusion_lessons.sample(trainer.model, DIFFUSION_POINTS, torch.Generator().manual_seed(SEED), 10,
                                         0.0, None, diffusion_lessons.POINT_RANGE)
        return density(drawn.cpu().numpy(), title="DDIM-10 samples, fixed noise")

    return [(partial(loss_curves, trainer.history, ["loss"], log_y=True, title="ε-loss per coordinate"), False),
            (partial(loss_curves, trainer.history, ["MMD"], title="MMD of DDIM-10 samples"), True),
            (samples, True)]


def rnn_charts(trainer: Trainer) -> list[Chart]:
    """pages/rnn.py forecast_live, the default LSTM: its forecast of a test series and its loss curves."""
    task = ForecastTask()
    example = series(task.series, 1, task.window + ROLLOUT_STEPS, np.random.default_rng(SEED + TEST_STREAM))[0]
    values, model = example[: task.window], trainer.model

    def forecast_chart() -> go.Figure:
        with torch.no_grad():
            predictions = rnn_lessons.one_step_predictions(model, values)
            future = rnn_lessons.rollout(model, values, ROLLOUT_STEPS)
        return forecast(values, predictions, example[task.window:], future, title="LSTM on a test series", legend_rows=4)

    return [(forecast_chart, False),
            (partial(compare_cells, {"LSTM": trainer.history}, "loss", "Mean squared error", log_y=True), False)]


def word2vec_charts(trainer: Trainer) -> list[Chart]:
    """pages/embeddings.py word2vec render: the SGNS loss and the classifier's certainty."""
    return [(partial(loss_curves, trainer.history, ["loss", "σ(real pair)", "σ(noise pair)"], title="SGNS loss"),
             False)]


def ae_trainer(device: torch.device) -> Trainer:
    data = split(DATASET, SEED)
    return autoencoder_lessons.make_trainer(AE_MNIST_CONFIG, data.x_train, data.x_test, PAGE_TRAINING, SEED, device)


def vae_trainer(device: torch.device) -> Trainer:
    return vae_lessons.make_trainer(VAE_CONFIG, split(DATASET, SEED), PAGE_TRAINING, SEED, device)


def gan_trainer(device: torch.device) -> Trainer:
    return gan_lessons.make_trainer(GAN_SETTINGS.model, GAN_SETTINGS.train_config(), GAN_DISTRIBUTION, SEED, device)


def diffusion_trainer(device: torch.device) -> Trainer:
    return diffusion_lessons.make_trainer(DIFFUSION_DISTRIBUTION, DIFFUSION_CONFIG, DIFFUSION_TRAINING, SEED, device)


def rnn_trainer(device: torch.device) -> Trainer:
    task = ForecastTask()
    config = rnn_lessons.model_config(task, "LSTM", 32)
    train = TrainConfig(learning_rate=3e-3, batch_size=32, grad_clip=1.0, eval_every=25)  # the page's defaults
    return rnn_lessons.build_trainer(task, config, train, SEED, device)


def word2vec_trainer(device: torch.device) -> Trainer:
    return word2vec_lessons.make_trainer(lee_text(), Word2VecDataConfig(), "skip-gram", 50,
                                         TrainConfig(learning_rate=0.01, batch_size=256), SEED, device)


PAGES = (
    *(LivePage(workload.name, trainer, charts, workload) for workload, trainer, charts in zip(
        WORKLOADS, (ae_trainer, vae_trainer, gan_trainer, diffusion_trainer),
        (ae_charts, vae_charts, gan_charts, diffusion_charts), strict=True)),
    LivePage("RNN forecast", rnn_trainer, rnn_charts),
    LivePage("word2vec", word2vec_trainer, word2vec_charts),
)


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
    return [row for page in PAGES for row in measure_page(page, device)]


class Redraws:
    """A page's refreshes as its `render()` draws them: every chart built and sent, except that a heavy one
    is built on every HEAVY_EVERY-th refresh only (as while playing) and sent again as it was in between."""

    def __init__(self, page: LivePage, trainer: Trainer):
        self.charts, self.count, self.kept = page.charts(trainer), 0, {}

    def __call__(self) -> float:
        """One refresh; its CPU seconds."""
        start = time.thread_time()
        for index, (build, heavy) in enumerate(self.charts):
            if not heavy or self.count % HEAVY_EVERY == 0:
                self.kept[index] = build()
            send(self.kept[index])
        self.count += 1
        return time.thread_time() - start


def measure_page(page: LivePage, device: torch.device) -> list[Row]:
    """The redraw's cost; with a workload, also a lone student's refresh cycles against bare blocks."""
    trainer = page.trainer(device)
    trainer.step(trainer.config.eval_every)
    trainer.history = aged_history(trainer.history, HISTORY_STEPS)
    redraw = Redraws(page, trainer)
    redraw()  # warm-up
    draws = [redraw() for _ in range(REDRAWS)]
    draw = statistics.mean(draws)
    slowest = f"the slowest refresh {1000 * max(draws):.0f} ms"
    note = (f"CPU time of one refresh's charts, mean of {REDRAWS} (heavy figures built on every {HEAVY_EVERY}rd): "
            "the page's live figures computed (model outputs included), built and serialised as st.plotly_chart "
            f"does, with a history of {HISTORY_STEPS:,} steps; {slowest}")
    rows = [Row(f"live redraw: {page.name} page", 1000 * draw, "ms", goal=Goal("≤", REDRAW_GOAL_MS, on="ours"),
                note=note if page is PAGES[0] else slowest, extra={"redraw_seconds": draws})]
    if page.workload is not None:
        rows.append(lone_student(page, trainer, redraw, draw, device))
    return rows


def lone_student(page: LivePage, trainer: Trainer, redraw: Redraws, draw: float, device: torch.device) -> Row:
    """A lone student's refresh cycles, each followed by a bare block. Their slice is what the scheduler gives
    them, REFRESH_SECONDS minus their redraw, on the CPU clock. Training speed and redraw cost are measured on the
    throughput clock; the live speed is what they give over a refresh: speed × slice / max(refresh, slice + redraw).
    """
    _, bare = page.workload.bare(device)
    pace = paced(LONE, players=1, draw_seconds=draw)
    steps = calibrate(bare, pace.slice_seconds, device)
    now = clock(device)

    def cycle() -> float:
        """Training speed (steps per second of the clock) in one slice, then the redraw."""
        synchronise(device)
        start = now()
        done = trainer.run_for(pace.slice_seconds, clock=now)
        synchronise(device)
        speed = done / (now() - start)
        redraw()
        return speed

    cycle()
    training, bare_rates = [], []
    for _ in range(PAIRS):
        training.append(cycle())
        bare_rates.append(rate(lambda: bare(steps), device))
    efficiency = statistics.median(a / b for a, b in zip(training, bare_rates))  # evaluation included
    share = pace.slice_seconds / max(pace.refresh_seconds, pace.slice_seconds + draw)
    return Row(
        f"live loop: {page.name} page, one student", statistics.median(training) * share,
        per_second("steps", device), statistics.median(bare_rates), "bare loop", efficiency * share, Goal("≥", 0.8),
        note=(f"the scheduler's slice for a lone student, {pace.slice_seconds:.3f} s of CPU, then a "
              f"{1000 * draw:.0f} ms redraw, every {pace.refresh_seconds} s: slice/refresh = {share:.2f}, times "
              f"{efficiency:.2f} for the page's evaluation while training"),
        extra={"training_rates": training, "bare_rates": bare_rates, "slice_seconds": pace.slice_seconds},
    )

"""An exported run reproduces the page's run in a plain Python process: same steps, same loss."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from playground.data import split
from playground.export import Recipe, Setup, Source, history_csv, points_source, script
from playground.models.vae import VAEConfig
from playground.trainer import TrainConfig
from playground.vae_lessons import make_trainer

ROOT = Path(__file__).resolve().parent.parent
CONFIG = VAEConfig(image_size=8, latent_dim=2, hidden=32)
TRAIN = TrainConfig(learning_rate=3e-3, batch_size=32, eval_every=10)
SETUP = Setup(
    imports=("from playground.data import split", "from playground.models.vae import VAEConfig",
             "from playground.trainer import TrainConfig", "from playground.vae_lessons import make_trainer"),
    build=f"make_trainer({CONFIG!r}, split('Digits 8×8', 3), {TRAIN!r}, 3, 'cpu')",
    title="VAE on the 8×8 digits",
)


def run(source: str, tmp_path: Path) -> dict[str, float]:
    path = tmp_path / "run.py"
    path.write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_exported_run_with_mid_run_changes_ends_at_the_same_loss(tmp_path):
    trainer = make_trainer(CONFIG, split("Digits 8×8", 3), TRAIN, 3, "cpu")
    trainer.run_for(0.05, max_steps=17)  # slices of any length: the result depends on steps only
    trainer.configure(kl_weight=4.0, learning_rate=1e-3)
    trainer.step(23)
    trainer.configure(batch_size=64)
    trainer.step(5)
    exported = run(script(SETUP, trainer), tmp_path)
    ours = {name: trainer.history.last(name) for name in trainer.history.names}
    assert exported.keys() == ours.keys()
    assert exported == pytest.approx(ours, rel=1e-6, abs=1e-9)


def test_a_run_from_uploaded_or_rewound_weights_is_not_exported_as_if_it_came_from_the_seed():
    trainer = make_trainer(CONFIG, split("Digits 8×8", 3), TRAIN, 3, "cpu")
    trainer.step(12)
    trainer.fork(5)
    with pytest.raises(ValueError, match="rewound"):
        script(SETUP, trainer)
    trainer.start_from(trainer.model.state_dict(), "uploaded")
    with pytest.raises(ValueError, match="uploaded"):
        script(SETUP, trainer)


# ---- every page's trainer, written by its Recipe: the arguments the page builds it with -----------------

def gan_run():
    from playground import gan_lessons
    from playground.models.gan import GANConfig

    settings = gan_lessons.GANSettings(model=GANConfig(generator_width=16, discriminator_width=16), batch_size=32)
    recipe = Recipe(gan_lessons.make_trainer, (settings.model, settings.train_config(), "ring of 8", 3), title="GAN")
    trainer = recipe.build("cpu")
    trainer.step(30)
    trainer.step(1, only="discriminator")
    trainer.configure(player_updates=(("discriminator", 3),), batch_size=16)
    trainer.step(12)
    return trainer, recipe


def dcgan_run():
    from playground import gan_lessons
    from playground.pretrain import load_pretrained

    start = Source(load_pretrained("gan_cgan_digits8"), "load_pretrained('gan_cgan_digits8')",
                   ("from playground.pretrain import load_pretrained",))
    recipe = Recipe(gan_lessons.make_image_trainer, ("Digits 8×8", True, 3), {"start": start}, title="cGAN")
    trainer = recipe.build("cpu")
    trainer.step(3)
    return trainer, recipe


def autoencoder_run():
    from playground import autoencoder_lessons
    from playground.models.autoencoder import AutoencoderConfig
    from playground.pretrain import load_pretrained
    from playground.recipes.autoencoder import AE_MNIST_CONFIG

    data = split("MNIST 28×28", 0)
    images = (Source(data.x_train, "split('MNIST 28×28', 0).x_train", ("from playground.data import split",)),
              Source(data.x_test, "split('MNIST 28×28', 0).x_test", ("from playground.data import split",)))
    config: AutoencoderConfig = AE_MNIST_CONFIG
    train = TrainConfig(learning_rate=3e-3, batch_size=32)
    start = "trainer.start_from(load_pretrained('ae_mnist').state_dict(), 'pretrained')"
    recipe = Recipe(autoencoder_lessons.make_trainer, (config, *images, train, 0), title="AE", then=start,
                    then_imports=("from playground.pretrain import load_pretrained",))
    trainer = recipe.build("cpu")
    trainer.start_from(load_pretrained("ae_mnist").state_dict(), "pretrained")
    trainer.step(10)
    trainer.configure(noise="gaussian", noise_level=0.3, sparsity_weight=1e-3)
    trainer.step(5)
    return trainer, recipe


def rnn_run():
    from playground import rnn_lessons
    from playground.sequences import MemoryTask

    task = MemoryTask(12)
    config = rnn_lessons.model_config(task, "LSTM", 8, 1, 2.0)
    train = TrainConfig(learning_rate=1e-2, batch_size=16, grad_clip=1.0, eval_every=5)
    trainer = rnn_lessons.build_trainer(task, config, train, 3, "cpu")
    trainer.step(12)
    trainer.configure(learning_rate=3e-3)
    trainer.step(4)
    return trainer, Recipe(rnn_lessons.build_trainer, (task, config, train, 3), title="LSTM")


def word2vec_run():
    from playground import word2vec_lessons
    from playground.word2vec_data import Word2VecDataConfig, lee_text

    corpus = Source(lee_text(), "lee_text()", ("from playground.word2vec_data import lee_text",))
    data = Word2VecDataConfig(window=2, negatives=3)
    train = TrainConfig(learning_rate=0.01, batch_size=64)
    trainer = word2vec_lessons.make_trainer(lee_text(), data, "CBOW", 10, train, 3, "cpu")
    trainer.step(6)
    return trainer, Recipe(word2vec_lessons.make_trainer, (corpus, data, "CBOW", 10, train, 3), title="word2vec")


def seq2seq_run():
    from playground import seq2seq_lessons
    from playground.seq2seq_data import DigitTask

    task = DigitTask("reverse", 1, 5)
    config = seq2seq_lessons.model_config(task, hidden_size=16)
    train = TrainConfig(learning_rate=3e-3, batch_size=16, eval_every=5)
    trainer = seq2seq_lessons.build_trainer(task, config, train, 3, "cpu")
    trainer.step(6)
    trainer.configure(teacher_forcing=0.5)
    trainer.step(4)
    return trainer, Recipe(seq2seq_lessons.build_trainer, (task, config, train, 3), title="seq2seq")


def diffusion_run():
    from playground import diffusion_lessons

    dataset = diffusion_lessons.POINT_DATASETS[0]
    train = TrainConfig(learning_rate=1e-3, batch_size=64, eval_every=10)
    recipe = Recipe(diffusion_lessons.make_trainer, (dataset, diffusion_lessons.default_model(dataset), train, 3),
                    title="diffusion")
    trainer = recipe.build("cpu")
    trainer.step(12)
    trainer.configure(batch_size=32)
    trainer.step(8)
    return trainer, recipe


def diffusion_drawn_run():
    """The diffusion page on a student's points: they reach the script as a literal array."""
    import numpy as np

    from playground import diffusion_lessons

    points = np.random.default_rng(1).uniform(-2, 2, (30, 2)).astype(np.float32)
    literal = points_source(points)
    train = TrainConfig(learning_rate=1e-3, batch_size=32, eval_every=10)
    recipe = Recipe(diffusion_lessons.make_trainer, (literal, diffusion_lessons.POINT_MODEL, train, 3),
                    title="diffusion on drawn points")
    trainer = recipe.build("cpu")
    trainer.step(15)
    return trainer, recipe


@pytest.mark.parametrize("page_run", [gan_run, dcgan_run, autoencoder_run, rnn_run, word2vec_run, seq2seq_run,
                                      diffusion_run, diffusion_drawn_run])
def test_every_pages_trainer_exported_from_its_recipe_ends_at_the_same_metrics(page_run, tmp_path):
    trainer, recipe = page_run()
    exported = run(script(recipe.setup(), trainer), tmp_path)
    ours = {name: trainer.history.last(name) for name in trainer.history.names}
    assert exported == pytest.approx(ours, rel=1e-5, abs=1e-7)


def test_the_history_as_csv_has_a_row_per_step_and_a_column_per_metric():
    trainer = make_trainer(CONFIG, split("Digits 8×8", 3), TRAIN, 3, "cpu")
    trainer.step(12)
    rows = list(csv.DictReader(io.StringIO(history_csv(trainer.history))))
    assert [int(row["step"]) for row in rows] == list(range(13))  # step 0: the first evaluation
    assert rows[0]["total"] == "" and float(rows[10]["test kl"]) == trainer.history.series("test kl")[1][1]
    assert float(rows[12]["total"]) == trainer.history.last("total")

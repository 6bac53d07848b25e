"""The budget's formulas proved against the models they estimate: parameters exactly (each model's own count),
FLOPs exactly where torch's FlopCounterMode counts them (matrix products and convolutions); and the check
refuses with a message that names what to lower, before anything is built."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from playground import autoencoder_lessons, budgets, gan_lessons, rnn_lessons, vae_lessons, word2vec_lessons
from playground.models.autoencoder import Autoencoder, AutoencoderConfig
from playground.models.gan import GAN, GANConfig
from playground.models.rnn import CELLS, SequenceModel
from playground.models.vae import VAE, VAEConfig
from playground.models.word2vec import Word2Vec, Word2VecConfig
from playground.sequences import CharTask, MemoryTask, lee_corpus
from playground.trainer import TrainConfig
from playground.word2vec_data import Word2VecDataConfig


def parameters(model: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def forward_flops(run) -> int:
    with FlopCounterMode(display=False) as counter:
        run()
    return counter.get_total_flops()


@pytest.mark.parametrize("config", [
    AutoencoderConfig(), AutoencoderConfig(hidden_sizes=(300, 100, 50), latent_dim=7),
    AutoencoderConfig(input_shape=(3,), architecture="linear", output="identity"),
    AutoencoderConfig(architecture="conv", latent_dim=16), AutoencoderConfig(input_shape=(1, 8, 8), architecture="conv"),
], ids=["dense", "deep", "linear", "conv", "conv-8x8"])
def test_autoencoder_cost_counts_its_parameters_and_flops(config):
    model, x = Autoencoder(config), torch.zeros(3, *config.input_shape)
    cost = autoencoder_lessons.forward_cost(config)
    assert cost.parameters == parameters(model)
    assert 3 * cost.flops == forward_flops(lambda: model(x))


@pytest.mark.parametrize("config", [VAEConfig(), VAEConfig(architecture="conv", latent_dim=16, image_size=8)])
def test_vae_cost_counts_its_parameters_and_flops(config):
    model, x = VAE(config), torch.zeros(3, 1, config.image_size, config.image_size)
    cost = vae_lessons.forward_cost(config)
    assert cost.parameters == parameters(model)
    assert 3 * cost.flops == forward_flops(lambda: model(x))


@pytest.mark.parametrize("cell", CELLS)
def test_recurrent_cost_counts_parameters_and_the_flops_of_the_hand_written_cells(cell):
    task = MemoryTask(length=6)
    config = rnn_lessons.model_config(task, cell, hidden_size=8, num_layers=2)
    model, x = SequenceModel(config), torch.zeros(3, task.length, task.channels)
    cost = rnn_lessons.forward_cost(task, config)
    assert cost.parameters == parameters(model)
    head = budgets.dense([config.hidden_size, config.output_size]).flops  # the head reads the last state only
    assert 3 * (cost.flops - head) == forward_flops(lambda: rnn_lessons.unroll(model, x))


def test_char_model_cost_counts_the_embedding_and_the_head_at_every_step():
    task = CharTask(lee_corpus()[:5_000], 16)
    config = rnn_lessons.model_config(task, "GRU", 16)
    assert rnn_lessons.forward_cost(task, config).parameters == parameters(SequenceModel(config))


def test_gan_and_word2vec_costs_count_their_parameters():
    model = GANConfig(generator_width=16, discriminator_depth=2)
    assert gan_lessons.step_cost(model, TrainConfig()).parameters == parameters(GAN(model))
    words = Word2VecConfig(vocab_size=50, embedding_dim=8)
    assert word2vec_lessons.step_cost(words, Word2VecDataConfig(), 16).parameters == parameters(Word2Vec(words))


def test_a_training_step_is_three_forward_passes_plus_its_evaluation():
    per_sample = budgets.Cost(parameters=10, activations=4, flops=100.0)
    assert budgets.training_step(per_sample, 8, evaluated=5) == budgets.Cost(10, 32, 100.0 * (3 * 8 + 5))
    assert budgets.Cost(1, 2, 3.0) + budgets.Cost(4, 5, 6.0) == budgets.Cost(5, 7, 9.0)


@pytest.mark.parametrize(("cost", "says"), [
    (budgets.Cost(parameters=budgets.MAX_PARAMETERS + 1), "parameters"),
    (budgets.Cost(activations=budgets.MEMORY_BYTES // 12 + 1), "MB per request"),
    (budgets.Cost(flops=budgets.STEP_FLOPS * 2), "GFLOP"),
])
def test_the_check_refuses_with_what_to_lower(cost, says):
    with pytest.raises(budgets.OverBudget, match=f"{says}.*Lower the knobs"):
        budgets.check(cost, "the knobs")
    budgets.check(budgets.Cost(parameters=budgets.MAX_PARAMETERS, flops=budgets.STEP_FLOPS), "nothing")


def test_the_lesson_factories_refuse_before_building_anything():
    """The RNN page at its maxima (the issue's 14 s and 4 GB step): refused by the formula, not by trying."""
    task = CharTask(lee_corpus(), 128)
    config = rnn_lessons.model_config(task, "LSTM", 256, 3)
    with pytest.raises(budgets.OverBudget, match="Lower the hidden units"):
        rnn_lessons.build_trainer(task, config, TrainConfig(batch_size=1024))
    heavy = AutoencoderConfig(hidden_sizes=(2048, 2048))
    with pytest.raises(budgets.OverBudget, match="parameters"):
        autoencoder_lessons.make_trainer(heavy, torch.zeros(4, 1, 28, 28).numpy(), torch.zeros(2, 1, 28, 28).numpy(),
                                         TrainConfig(), 0, torch.device("cpu"))

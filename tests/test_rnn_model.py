"""The RNN lesson's library: cells against torch, task shapes, and the lesson's claims on small budgets."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from playground.checkpoints import from_bytes, to_bytes
from playground.models.rnn import CELLS, RNNConfig, SequenceModel, gru_cell, lstm_cell, rnn_cell
from playground.rnn_lessons import (
    build_trainer,
    gradient_norms,
    hidden_states,
    model_config,
    one_step_predictions,
    perplexity,
    rollout,
    sample_text,
    unroll,
)
from playground.sequences import (
    MOTIFS,
    CharTask,
    ForecastTask,
    MemoryTask,
    PatternTask,
    clean_pasted,
    evaluation_batch,
    lee_corpus,
    series,
)
from playground.trainer import TrainConfig

TEXT = "the cat sat on the mat. " * 40
TASKS = {
    "forecast": ForecastTask("sum of sines", window=12, horizon=3),
    "classify": PatternTask(length=10),
    "char": CharTask(TEXT, length=8),
    "memory": MemoryTask(length=9, symbols=3),
}


def _batch(task, n=5, seed=0):
    return tuple(torch.from_numpy(a) for a in evaluation_batch(task, n, seed))


@pytest.mark.parametrize("cell, step, torch_cell", [
    ("RNN", rnn_cell, nn.RNNCell), ("LSTM", lstm_cell, nn.LSTMCell), ("GRU", gru_cell, nn.GRUCell)])
def test_hand_written_cells_match_torch(cell, step, torch_cell):
    torch.manual_seed(0)
    reference = torch_cell(3, 5)
    x, h, c = torch.randn(4, 3), torch.randn(4, 5), torch.randn(4, 5)
    state = (h, c) if cell == "LSTM" else (h,)
    weights = (reference.weight_ih, reference.weight_hh, reference.bias_ih, reference.bias_hh)
    expected = reference(x, state if cell == "LSTM" else h)
    expected = expected if cell == "LSTM" else (expected,)
    for mine, theirs in zip(step(x, state, *weights), expected, strict=True):
        torch.testing.assert_close(mine, theirs)


@pytest.mark.parametrize("cell", CELLS)
def test_unrolling_by_hand_matches_the_torch_layer(cell):
    torch.manual_seed(0)
    model = SequenceModel(RNNConfig(cell=cell, input_size=2, hidden_size=6, num_layers=2))
    x = torch.randn(3, 7, 2)
    states = unroll(model, x)
    hidden, final = model.rnn(x)
    torch.testing.assert_close(torch.stack([h for h, *_ in states], 1), hidden)
    if cell == "LSTM":
        torch.testing.assert_close(states[-1][1], final[1][-1])  # the top layer's last c_T


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("name", TASKS)
def test_every_cell_fits_every_task(cell, name):
    task = TASKS[name]
    model = SequenceModel(model_config(task, cell, hidden_size=8, num_layers=2))
    x, y = _batch(task)
    outputs, _ = model(x)
    assert outputs.shape == (5, x.shape[1], model.config.output_size)
    loss, metrics = model.loss((x, y))
    assert loss.ndim == 0 and math.isfinite(loss.item())
    expected = {"forecast": {"loss"}, "classify": {"loss", "accuracy"}, "memory": {"loss", "accuracy"},
                "char": {"loss", "perplexity"}}[name]
    assert set(metrics) == expected
    assert hidden_states(model, x[0]).shape == (8, x.shape[1])


def test_tasks_make_the_targets_they_promise():
    rng = np.random.default_rng(3)
    x, y = TASKS["forecast"].generate(4, np.random.default_rng(3))
    values = series("sum of sines", 4, 15, rng)
    np.testing.assert_array_equal(x[:, :, 0], values[:, :12])
    np.testing.assert_array_equal(y[:, 4], values[:, 5:8])  # step 4 predicts values 5, 6, 7
    x, y = PatternTask(length=12, noise=0.0).generate(20, np.random.default_rng(0))
    for row, label in zip(x[:, :, 0], y):
        assert any(np.allclose(row[s:s + 4], MOTIFS[label]) for s in range(9))
    x, y = TASKS["memory"].generate(20, np.random.default_rng(0))  # three symbols, then the marker channel
    np.testing.assert_array_equal(x[:, 0, :3].argmax(1), y)
    assert (x[:, :, :3].sum(2) == 1).all()  # one symbol at every step, the answer's and the distractors' alike
    assert (x[:, 0, 3] == 1).all() and (x[:, 1:, 3] == 0).all()  # only the marker tells the answer apart
    x, y = TASKS["char"].generate(6, np.random.default_rng(0))
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])


def test_bad_settings_say_what_is_allowed():
    with pytest.raises(ValueError, match="cell must be one of"):
        RNNConfig(cell="Transformer")
    with pytest.raises(ValueError, match="vocabulary"):
        RNNConfig(head="char_lm", output_size=3, vocabulary="aab")
    with pytest.raises(ValueError, match="unknown series"):
        ForecastTask("stock market")
    with pytest.raises(ValueError, match="at least 200"):
        clean_pasted("too short")
    assert len(clean_pasted("word " * 50_000)) == 100_000


def test_forecasting_loss_falls():
    task = ForecastTask("noisy sine", window=20, horizon=2)
    config = TrainConfig(learning_rate=1e-2, batch_size=32, eval_every=60)
    trainer = build_trainer(task, model_config(task, "GRU", hidden_size=16), config)
    before = trainer.history.last("test loss")
    trainer.step(60)
    assert trainer.history.last("test loss") < 0.3 * before


def test_gradient_norms_give_one_value_per_step_and_vanish_in_a_plain_rnn():
    task = MemoryTask(length=40)
    batch = _batch(task, n=16)
    norms = {}
    for cell in ("RNN", "LSTM"):
        torch.manual_seed(0)
        norms[cell] = gradient_norms(SequenceModel(model_config(task, cell, 16, keep_gate_bias=4.0)), batch)
        assert norms[cell].shape == (40,) and np.isfinite(norms[cell]).all()
    assert norms["RNN"][0] < 1e-4 * norms["RNN"][-1]  # the first step barely hears the last step's error
    assert norms["LSTM"][0] > 1e-2 * norms["LSTM"][-1]  # through the forget gate and c_t it still does


def test_rollout_feeds_its_own_predictions_back():
    task = ForecastTask(window=10, horizon=3)
    torch.manual_seed(0)
    model = SequenceModel(model_config(task, "LSTM", 8)).eval()
    values = series("noisy sine", 1, 10, np.random.default_rng(0))[0]
    future = rollout(model, values, steps=7)
    assert future.shape == (7,)
    np.testing.assert_allclose(future[0], one_step_predictions(model, values)[-1], rtol=1e-5)
    np.testing.assert_allclose(future[3], one_step_predictions(model, np.r_[values, future[:3]])[-1], rtol=1e-4)


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    targets = torch.randint(0, 27, (100,))
    assert perplexity(torch.zeros(100, 27), targets) == pytest.approx(27)


def test_temperature_towards_zero_gives_the_arg_max_sequence():
    task = TASKS["char"]
    torch.manual_seed(0)
    model = SequenceModel(model_config(task, "GRU", 16)).eval()
    tokens = list(task.vocabulary.index(c) for c in "the ")
    for _ in range(12):  # greedy decoding, re-reading the whole text every time
        tokens.append(int(model(torch.tensor([tokens]))[0][0, -1].argmax()))
    greedy = "".join(task.vocabulary[t] for t in tokens[4:])
    assert sample_text(model, "the ", 12, temperature=1e-4, seed=1) == greedy
    assert sample_text(model, "the ", 12, temperature=0) == greedy
    hot = {sample_text(model, "the ", 12, temperature=2.0, seed=s) for s in range(4)}
    assert len(hot) > 1  # a high temperature varies


def test_char_model_round_trips_with_its_vocabulary():
    task = CharTask(lee_corpus()[:5000], length=16)
    model = SequenceModel(model_config(task, "LSTM", 8))
    copy = from_bytes(to_bytes(model), SequenceModel, RNNConfig)
    assert copy.config.vocabulary == task.vocabulary
    x, _ = _batch(task)
    torch.testing.assert_close(copy(x)[0], model.eval()(x)[0])

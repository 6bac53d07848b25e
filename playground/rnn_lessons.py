r"""What the RNN page shows besides loss curves, each a pure function of a model.

  * `build_trainer` — one trainer per (task, cell), so the three cells meet the same data and seed.
  * `rollout` — forecasting beyond the data: the predictions are fed back as the next inputs.
  * `gradient_norms` — ‖∂ℓ_T/∂h_t‖ for every step t: how far back the last step's error reaches.
    By the chain rule ∂ℓ_T/∂h_t = ∂ℓ_T/∂h_T ∏_{k=t+1}^{T} ∂h_k/∂h_{k−1}, a product that shrinks
    geometrically in a plain RNN (the vanishing gradient) and much less through gates.
  * `hidden_states` — the units × time matrix of one sequence, for a heat-map.
  * `sample_text` — a character model writing: p_i ∝ exp(logit_i / temperature), primed by a text.
  * `perplexity` — exp of the mean negative log-likelihood; a uniform guess over V characters scores V.
  * `step_cost` — what one training step costs, checked against playground.budgets before a trainer is built.
"""

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from playground import budgets
from playground.export import Recipe, Source
from playground.inference import device_of
from playground.models.rnn import CELL_STEPS, RNNConfig, SequenceModel, State
from playground.seeding import seeded
from playground.sequences import (
    PATTERNS,
    ForecastTask,
    MemoryTask,
    CharTask,
    PatternTask,
    Task,
    TaskBatches,
    decode,
    encode,
    evaluation_batch,
    lee_corpus,
)
from playground.trainer import TrainConfig, Trainer
from playground.wording import N_

CHAR_EMBEDDING = 32  # width of the character embedding, the char model's input_size
TEST_SEQUENCES = 128  # sequences in each task's fixed test batch
TEST_METRICS = {"loss": N_("test loss"), "accuracy": N_("test accuracy"), "perplexity": N_("test perplexity")}
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}  # weight blocks per layer: the gates and the candidate
KEPT_PER_UNIT = {"RNN": 1, "GRU": 4, "LSTM": 4}  # numbers torch's fused layers keep per unit and step (measured)
LOWER = N_("the hidden units, the layers, the sequence length or the batch size, or train fewer cells side by side")


def sequence_length(task: Task) -> int:
    return task.window if isinstance(task, ForecastTask) else task.length


def forward_cost(task: Task, config: RNNConfig) -> budgets.Cost:
    """One sequence through the embedding (characters), the recurrent layers and the head."""
    steps, c = sequence_length(task), config
    cost = budgets.recurrent(GATES[c.cell], KEPT_PER_UNIT[c.cell], c.input_size, c.hidden_size, c.num_layers, steps)
    head = budgets.dense([c.hidden_size, c.output_size]) + budgets.Cost(activations=c.output_size)  # and its softmax
    cost += head if c.head == "seq2vec" else budgets.repeated(head, steps)
    if c.head == "char_lm":
        cost += budgets.Cost(parameters=c.output_size * c.input_size, activations=steps * c.input_size)
    return cost


def step_cost(task: Task, configs: Sequence[RNNConfig], batch_size: int) -> budgets.Cost:
    """One refresh of models trained side by side: a step each, and the evaluation that may follow it."""
    return sum((budgets.training_step(forward_cost(task, config), batch_size, TEST_SEQUENCES) for config in configs),
               budgets.Cost())


def model_config(task: Task, cell: str, hidden_size: int, num_layers: int = 1,
                 keep_gate_bias: float = 1.0) -> RNNConfig:
    """The network shape a task needs: its inputs per step, its head and its outputs."""
    shared = dict(cell=cell, hidden_size=hidden_size, num_layers=num_layers, keep_gate_bias=keep_gate_bias)
    if isinstance(task, ForecastTask):
        return RNNConfig(head="seq2seq", input_size=1, output_size=task.horizon, **shared)
    if isinstance(task, PatternTask):
        return RNNConfig(head="seq2vec", input_size=1, output_size=len(PATTERNS), **shared)
    if isinstance(task, MemoryTask):
        return RNNConfig(head="seq2vec", input_size=task.channels, output_size=task.symbols, **shared)
    return RNNConfig(head="char_lm", input_size=CHAR_EMBEDDING, output_size=len(task.vocabulary),
                     vocabulary=task.vocabulary, **shared)


def build_trainer(task: Task, config: RNNConfig, train_config: TrainConfig, seed: int = 0,
                  device: torch.device | str = "cpu") -> Trainer:
    """A trainer on fresh batches of `task`, scored every `eval_every` steps on a fixed test batch.
    OverBudget, before anything is allocated, when a step would cost too much (now or after a change)."""

    def budget(train: TrainConfig, live_settings: dict) -> None:
        budgets.check(step_cost(task, [config], train.batch_size), LOWER)

    budget(train_config, {})
    x, y = (torch.from_numpy(array).to(device) for array in evaluation_batch(task, TEST_SEQUENCES, seed))

    def evaluate(model: SequenceModel) -> dict[str, float]:
        _, metrics = model.loss((x, y))
        return {TEST_METRICS[name]: float(value) for name, value in metrics.items()}

    return Trainer(seeded(SequenceModel, config), TaskBatches(task, device), train_config,
                   evaluate=evaluate, seed=seed, device=device, budget=budget)


def recipe(task: Task, config: RNNConfig, train_config: TrainConfig, seed: int = 0) -> Recipe:
    """`build_trainer`'s recipe; a character task is written by its corpus, not by its repr (text and vocabulary)."""
    if isinstance(task, CharTask):
        text = "lee_corpus()" if task.text == lee_corpus() else repr(task.text)
        task = Source(task, f"CharTask({text}, {task.length})", ("from playground.sequences import CharTask, lee_corpus",))
    return Recipe(build_trainer, (task, config, train_config, seed), title=f"{config.cell} on a {config.head} task")


@torch.no_grad()
def one_step_predictions(model: SequenceModel, values: np.ndarray) -> np.ndarray:
    """For every step t of a series (T,), the model's prediction of the next value: (T,)."""
    x = torch.as_tensor(values, dtype=torch.float32, device=device_of(model))[None, :, None]  # (1, T, 1)
    outputs, _ = model(x)  # (1, T, horizon)
    return outputs[0, :, 0].cpu().numpy()


@torch.no_grad()
def rollout(model: SequenceModel, values: np.ndarray, steps: int) -> np.ndarray:
    """Continue a series (T,) by `steps` values, feeding each predicted block back in as input."""
    x = torch.as_tensor(values, dtype=torch.float32, device=device_of(model))[None, :, None]  # (1, T, 1)
    outputs, state = model(x)
    future: list[float] = []
    while len(future) < steps:
        block = outputs[0, -1]  # (horizon,): the next values after everything read so far
        future.extend(block.tolist())
        outputs, state = model(block[None, :, None], state)  # read the block as if it were data
    return np.array(future[:steps], dtype=np.float32)


def unroll(model: SequenceModel, x: Tensor) -> list[State]:
    """The top layer's states at steps 1..T ((h_t,) or (h_t, c_t), each (B, H)), by the hand-written cells.

    Same numbers as `model.rnn`, but every state is its own node of the graph, so its gradient can be read.
    """
    config, inputs = model.config, model.inputs(x)  # (B, T, I)
    for layer in range(config.num_layers):
        weights, state, states = model.layer_weights(layer), model.zero_state(len(x)), []
        for t in range(inputs.shape[1]):
            state = CELL_STEPS[config.cell](inputs[:, t], state, *weights)
            states.append(state)
        inputs = torch.stack([h for h, *_ in states], dim=1)  # (B, T, H): the next layer's inputs
    return states


def gradient_norms(model: SequenceModel, batch: tuple[Tensor, Tensor]) -> np.ndarray:
    """‖∂ℓ_T/∂s_t‖ for t = 1..T: the norm of the last step's loss gradient w.r.t. the state s_t.

    s_t is h_t, and (h_t, c_t) for the LSTM, whose memory travels in c_t; the norm runs over the
    batch and the units.
    """
    x, targets = batch
    with torch.enable_grad():
        states = unroll(model, x)
        last_targets = targets if model.config.head == "seq2vec" else targets[:, -1:]
        loss, _ = model.loss_of_hidden(states[-1][0][:, None], last_targets)  # the loss at the last step only
        gradients = torch.autograd.grad(loss, [tensor for state in states for tensor in state])
    per_step = torch.stack([g.square().sum() for g in gradients]).view(len(states), -1)  # (T, 1 or 2)
    return per_step.sum(1).sqrt().cpu().numpy()


@torch.no_grad()
def hidden_states(model: SequenceModel, x: Tensor) -> np.ndarray:
    """The top layer's units × time matrix (H, T) for one input sequence x (T, …)."""
    hidden, _ = model.rnn(model.inputs(x[None].to(device_of(model))))  # (1, T, H)
    return hidden[0].T.cpu().numpy()


def perplexity(logits: Tensor, targets: Tensor) -> float:
    """exp(−(1/N) Σ log p(target_n)) for logits (N, V) and targets (N,)."""
    return float(F.cross_entropy(logits, targets).exp())


@torch.no_grad()
def sample_text(model: SequenceModel, prime: str, length: int, temperature: float = 1.0, seed: int = 0) -> str:
    """`length` characters after `prime`; temperature 0 always takes the most likely one (arg-max)."""
    if temperature < 0:
        raise ValueError("temperature must be 0 (arg-max) or positive")
    vocabulary = model.config.vocabulary
    tokens = encode(prime, vocabulary)
    if not len(tokens):  # start from a space, as after the end of a word
        tokens = encode(" ", vocabulary) if " " in vocabulary else np.zeros(1, dtype=np.int64)
    generator = torch.Generator().manual_seed(seed)
    logits, state = model(torch.as_tensor(tokens, device=device_of(model))[None])  # (1, T, V)
    written: list[int] = []
    for _ in range(length):
        last = logits[0, -1].float().cpu()  # (V,)
        if temperature == 0:
            token = int(last.argmax())
        else:
            token = int(torch.multinomial(F.softmax(last / temperature, dim=0), 1, generator=generator))
        written.append(token)
        logits, state = model(torch.tensor([[token]], device=device_of(model)), state)
    return decode(written, vocabulary)

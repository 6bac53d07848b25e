r"""Recurrent networks: a plain RNN, an LSTM and a GRU behind one interface.

A recurrent layer feeds its output back (Elman 1990): y_t = φ(W_x x_t + W_y y_{t−1} + b),
the same weights at every step of the unrolled sequence. Plain RNNs forget long
dependencies because ∂loss/∂h_t shrinks (or explodes) geometrically going back in time;
the LSTM (Hochreiter & Schmidhuber 1997) adds a cell state c_t guarded by input, forget and
output gates, and the GRU (Cho et al. 2014) merges them into an update gate z and a reset
gate r. The gate equations are written out below exactly as torch.nn computes them
(tests check them against torch.nn.LSTMCell / GRUCell), so the lesson's formulas are code.

One `SequenceModel` serves every task through its head:
  * "seq2seq": regression at every step (forecasting: the next `output_size` values),
  * "seq2vec": class logits from the last step (classification, long memory),
  * "char_lm": characters in, the next character's logits at every step (a language model).
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from playground.budgets import CHARACTER_VOCABULARY, MAX_HIDDEN_LAYERS
from playground.wording import N_

CELLS = ("RNN", "LSTM", "GRU")
HEADS = ("seq2seq", "seq2vec", "char_lm")
State = tuple[Tensor, ...]  # (h,) for RNN and GRU, (h, c) for LSTM; each (B, H)


# ---- one time step, by hand: the lesson's equations ----------------------------------------
def rnn_cell(x: Tensor, state: State, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> State:
    """h_t = tanh(W_x x_t + W_h h_{t−1} + b). x: (B, I), h: (B, H)."""
    (h,) = state
    return (torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh),)


def lstm_cell(x: Tensor, state: State, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> State:
    """i, f, o = σ(·), g = tanh(·); c_t = f ⊙ c_{t−1} + i ⊙ g; h_t = o ⊙ tanh(c_t). Stacked i, f, g, o."""
    h, c = state
    i, f, g, o = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=1)  # each (B, H)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def gru_cell(x: Tensor, state: State, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> State:
    """r, z = σ(·); n = tanh(W_n x + r ⊙ (U_n h + b)); h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}. Stacked r, z, n."""
    (h,) = state
    x_r, x_z, x_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)  # each (B, H)
    h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return ((1 - z) * n + z * h,)


CELL_STEPS = {"RNN": rnn_cell, "LSTM": lstm_cell, "GRU": gru_cell}
LAYERS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


@dataclass(frozen=True)
class RNNConfig:
    cell: str = "LSTM"  # one of CELLS
    head: str = "seq2seq"  # one of HEADS
    input_size: int = 1  # features per step; for "char_lm" the width of the character embedding
    hidden_size: int = 32  # units per recurrent layer (H)
    num_layers: int = 1  # stacked recurrent layers
    output_size: int = 1  # seq2seq: values predicted per step; seq2vec: classes; char_lm: len(vocabulary)
    vocabulary: str = ""  # char_lm only: the characters, a character's index is its token id
    keep_gate_bias: float = 1.0  # initial bias of the LSTM forget gate and the GRU update gate (below)

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, not {self.cell!r}")
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, not {self.head!r}")
        if min(self.input_size, self.hidden_size, self.num_layers, self.output_size) < 1:
            raise ValueError("input_size, hidden_size, num_layers and output_size must be at least 1")
        if self.num_layers > MAX_HIDDEN_LAYERS or len(self.vocabulary) > CHARACTER_VOCABULARY:
            raise ValueError(f"at most {MAX_HIDDEN_LAYERS} layers and {CHARACTER_VOCABULARY} characters")
        distinct = len(set(self.vocabulary)) == len(self.vocabulary) >= 2
        if self.head == "char_lm" and not (distinct and self.output_size == len(self.vocabulary)):
            raise ValueError("char_lm needs 2 or more distinct characters in vocabulary, and output_size = its length")
        if self.head != "char_lm" and self.vocabulary:
            raise ValueError("only the char_lm head takes a vocabulary")
        if not -5 <= self.keep_gate_bias <= 10:
            raise ValueError("keep_gate_bias must be between -5 and 10")


class SequenceModel(nn.Module):
    """Inputs (B, T, input_size) floats, or (B, T) token ids for char_lm → outputs (B, T, output_size)."""

    def __init__(self, config: RNNConfig):
        super().__init__()
        self.config = config
        c = config
        self.embed = nn.Embedding(c.output_size, c.input_size) if c.head == "char_lm" else None
        self.rnn = LAYERS[c.cell](c.input_size, c.hidden_size, c.num_layers, batch_first=True)
        self.head = nn.Linear(c.hidden_size, c.output_size)
        self.init_weights()

    @torch.no_grad()
    def init_weights(self, generator: torch.Generator | None = None) -> None:
        """Start the gates that keep the old state (LSTM f, GRU z) at σ(bias) instead of σ(0) = ½.

        At ½ a memory halves every step, so its gradient vanishes after a few dozen steps even in
        an LSTM; a bias b keeps a share σ(b) per step (b = 4: 98 %), so gradients reach back far
        enough for the gates to learn (Gers et al. 2000). The LSTM's input gate starts at
        σ(−b) = 1 − f, writing as much as it forgets, like the GRU (chrono initialisation,
        Tallec & Ollivier 2018). The plain RNN has no gate to bias.
        """
        if self.config.cell == "RNN":
            return
        h, bias = self.config.hidden_size, self.config.keep_gate_bias
        for layer in range(self.config.num_layers):
            _, _, b_ih, b_hh = self.layer_weights(layer)
            b_ih[h : 2 * h], b_hh[h : 2 * h] = bias, 0.0  # rows h..2h: f in (i, f, g, o), z in (r, z, n)
            if self.config.cell == "LSTM":
                b_ih[:h], b_hh[:h] = -bias, 0.0  # i = 1 − f: write as much as is forgotten

    def inputs(self, x: Tensor) -> Tensor:
        """What the first recurrent layer reads: embedded characters or the raw features. (B, T, I)"""
        return self.embed(x) if self.embed is not None else x

    def forward(self, x: Tensor, state: Tensor | State | None = None) -> tuple[Tensor, Tensor | State]:
        """Outputs at every step (B, T, O) and the final state, to continue a sequence later."""
        hidden, state = self.rnn(self.inputs(x), state)  # (B, T, H)
        return self.head(hidden), state

    def loss(self, batch: tuple[Tensor, Tensor], generator: torch.Generator | None = None) -> tuple[Tensor, dict[str, Tensor]]:
        """The head's loss on a batch; nothing random here, so `generator` is unused."""
        x, targets = batch
        hidden, _ = self.rnn(self.inputs(x))  # (B, T, H), the top layer's h_t
        return self.loss_of_hidden(hidden, targets)

    def loss_of_hidden(self, hidden: Tensor, targets: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """The head's loss from the top layer's states h_1..h_T, so gradients w.r.t. each h_t can be read."""
        if self.config.head == "seq2seq":  # targets (B, T, O): mean squared error at every step
            loss = F.mse_loss(self.head(hidden), targets)
            return loss, {N_("loss"): loss}
        if self.config.head == "seq2vec":  # targets (B,): the class, read from the last state only
            logits = self.head(hidden[:, -1])  # (B, classes)
            loss = F.cross_entropy(logits, targets)
            return loss, {N_("loss"): loss, N_("accuracy"): (logits.argmax(1) == targets).float().mean()}
        logits = self.head(hidden)  # char_lm, targets (B, T): the next character at every step
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())  # mean −log p(next char)
        return loss, {N_("loss"): loss, N_("perplexity"): loss.exp()}

    def layer_weights(self, layer: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """W_ih (gates·H, I), W_hh (gates·H, H), b_ih, b_hh of one recurrent layer, as torch stores them."""
        return tuple(getattr(self.rnn, f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def zero_state(self, batch_size: int) -> State:
        """h_0 = 0 (and c_0 = 0 for the LSTM) for one layer. Each (B, H)."""
        h = self.head.weight.new_zeros(batch_size, self.config.hidden_size)
        return (h, torch.zeros_like(h)) if self.config.cell == "LSTM" else (h,)

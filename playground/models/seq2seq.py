r"""Sequence to sequence, with and without attention.

An encoder RNN reads the source characters x_1..x_S into states h_1..h_S; a decoder RNN
writes the target one token at a time, each output fed back as the next input, until it
writes the end symbol (Sutskever et al. 2014; Cho et al. 2014):

    h_j = GRU(E x_j, h_{j-1}),  h_j = [h→_j ; h←_j] when bidirectional,   s_0 = tanh(W_b [h→_S ; h←_1] + b_b)
    s_t = GRU([E y_{t-1} ; c_t], s_{t-1}),   p(y_t | y_{<t}, x) = softmax(W_o [s_t ; c_t] + b_o)

Without attention the context is one vector for the whole sentence, c_t = c = [h→_S ; h←_1]:
everything the decoder will ever know about the source is squeezed into it. With attention
(Bahdanau et al. 2015) the decoder looks back at every source state at every step:

    e_tj = score(s_{t-1}, h_j),   α_t = softmax(e_t),   c_t = Σ_j α_tj h_j
    additive (Bahdanau):  score(s, h) = v^T tanh(W_s s + W_h h)
    dot (Luong):          score(s, h) = s^T W h

(Luong et al. 2015 call the dot form with W "general" and score s_t after the step; here both
forms score s_{t-1} as Bahdanau's does, so that the score is the only difference between them.)
α_t is a distribution over the source characters: the attention matrix the page draws.
Training uses teacher forcing: with probability `teacher_forcing` a step reads the true
previous character, otherwise the model's own guess (scheduled sampling, Bengio et al. 2015).
"""

from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from playground.seq2seq_data import BOS, EOS, PAD, SPECIALS
from playground.wording import N_

CELLS = ("GRU", "LSTM")
ATTENTIONS = ("none", "additive", "dot")
State = tuple[Tensor, ...]  # (s,) for the GRU, (s, cell) for the LSTM; each (B, H)


@dataclass(frozen=True)
class Seq2SeqConfig:
    source_characters: str  # a character's token id is SPECIALS + its index (0, 1, 2: padding, start, end)
    target_characters: str
    cell: str = "GRU"  # one of CELLS, for the encoder and the decoder
    attention: str = "additive"  # one of ATTENTIONS; "none" squeezes the source into one vector
    bidirectional: bool = True  # the encoder also reads right to left; each direction gets hidden_size / 2
    embedding_dim: int = 32  # width of the character embeddings E
    hidden_size: int = 128  # decoder state s_t, and encoder state h_j (both directions together)
    max_output_length: int = 11  # decoding stops after this many tokens, the end symbol included
    teacher_forcing: float = 1.0  # share of training steps that read the true previous character

    def __post_init__(self):
        for name in ("source_characters", "target_characters"):
            text = getattr(self, name)
            if len(text) < 1 or len(set(text)) != len(text):
                raise ValueError(f"{name} must hold one or more distinct characters")
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, not {self.cell!r}")
        if self.attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {ATTENTIONS}, not {self.attention!r}")
        if not (1 <= self.embedding_dim <= 512 and 2 <= self.hidden_size <= 1024 and self.hidden_size % 2 == 0):
            raise ValueError("embedding_dim must be 1–512 and hidden_size an even number from 2 to 1024")
        if not (1 <= self.max_output_length <= 64 and 0 <= self.teacher_forcing <= 1):
            raise ValueError("max_output_length must be 1–64 and teacher_forcing between 0 and 1")


class Memory(NamedTuple):
    """What the decoder may read of the source."""

    values: Tensor  # (B, S, H): h_1..h_S
    keys: Tensor  # (B, S, H): W_h h_j, computed once per source
    mask: Tensor  # (B, S): True on real characters, False on padding
    summary: Tensor  # (B, H): [h→_S ; h←_1], the whole source in one vector


class Attention(nn.Module):
    """α = softmax(score(s, h_j)) over the source, and the context c = Σ_j α_j h_j."""

    def __init__(self, kind: str, size: int):
        super().__init__()
        self.kind = kind
        self.key = nn.Linear(size, size, bias=kind == "additive")  # W_h (additive) or W (dot)
        self.query = nn.Linear(size, size, bias=False) if kind == "additive" else None  # W_s
        self.v = nn.Linear(size, 1, bias=False) if kind == "additive" else None

    def forward(self, state: Tensor, memory: Memory) -> tuple[Tensor, Tensor]:
        """state s (B, H) -> context (B, H), weights α (B, S)."""
        if self.kind == "additive":
            scores = self.v(torch.tanh(self.query(state)[:, None] + memory.keys))[..., 0]  # (B, S)
        else:
            scores = (memory.keys @ state[:, :, None])[..., 0]  # s^T W h_j: (B, S)
        weights = F.softmax(scores.masked_fill(~memory.mask, -torch.inf), dim=1)
        return (weights[:, None] @ memory.values)[:, 0], weights


class Decoding(nn.Module):
    """What every contender of the race shares, given its `encode`, `decode_step` and `forward`."""

    def loss(self, batch: tuple[Tensor, Tensor, Tensor],
             generator: torch.Generator) -> tuple[Tensor, dict[str, Tensor]]:
        """Mean −log p(y_t | y_<t, x) over the real target tokens (end symbol included, padding not)."""
        source, lengths, target = batch
        log_probs, _ = self(source, lengths, target, self.config.teacher_forcing, generator)
        loss = F.nll_loss(log_probs.flatten(0, 1), target.flatten(), ignore_index=PAD)
        real, hits = target != PAD, log_probs.argmax(2) == target  # (B, T) each
        return loss, {N_("loss"): loss, N_("token accuracy"): (hits & real).sum() / real.sum(),
                      N_("exact match"): (hits | ~real).all(1).float().mean()}

    @torch.no_grad()
    def greedy(self, source: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor | None]:
        """The most likely token at every step: ids (B, T) and attention (B, T, S) or None; T ≤ max_output_length."""
        memory, state = self.encode(source, lengths)
        previous = torch.full_like(source[:, 0], BOS)
        tokens, attention = [], []
        for _ in range(self.config.max_output_length):
            log_probs, state, weights = self.decode_step(previous, state, memory)
            previous = log_probs.argmax(1)
            tokens.append(previous)
            attention.append(weights)
            if bool((torch.stack(tokens, 1) == EOS).any(1).all()):
                break
        return torch.stack(tokens, 1), None if attention[0] is None else torch.stack(attention, 1)


class Seq2Seq(Decoding):
    """Source ids (B, S) and lengths (B,) -> log-probabilities of the target, and the attention matrix."""

    live_settings = ("teacher_forcing",)  # may change while training runs (Trainer.configure)

    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        self.config = c = config
        rnn, directions = getattr(nn, c.cell), 2 if c.bidirectional else 1
        self.source_embedding = nn.Embedding(SPECIALS + len(c.source_characters), c.embedding_dim, padding_idx=PAD)
        self.encoder = rnn(c.embedding_dim, c.hidden_size // directions, batch_first=True,
                           bidirectional=c.bidirectional)
        self.bridge = nn.Linear(c.hidden_size, c.hidden_size)  # s_0 = tanh(W_b c + b_b)
        self.attention = Attention(c.attention, c.hidden_size) if c.attention != "none" else None
        self.target_embedding = nn.Embedding(SPECIALS + len(c.target_characters), c.embedding_dim)
        self.decoder = getattr(nn, f"{c.cell}Cell")(c.embedding_dim + c.hidden_size, c.hidden_size)
        self.output = nn.Linear(2 * c.hidden_size, SPECIALS + len(c.target_characters))  # W_o [s_t ; c_t]

    def encode(self, source: Tensor, lengths: Tensor) -> tuple[Memory, State]:
        """The source states (packed, so padding never enters an RNN) and the decoder's first state."""
        packed = pack_padded_sequence(self.source_embedding(source), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        outputs, final = self.encoder(packed)
        values, _ = pad_packed_sequence(outputs, batch_first=True, total_length=source.shape[1])  # (B, S, H)
        last = final[0] if self.config.cell == "LSTM" else final  # (directions, B, H / directions)
        summary = torch.cat(list(last), dim=1)  # (B, H): [h→_S ; h←_1]
        keys = self.attention.key(values) if self.attention is not None else values
        state = torch.tanh(self.bridge(summary))
        states = (state, torch.zeros_like(state)) if self.config.cell == "LSTM" else (state,)
        return Memory(values, keys, source != PAD, summary), states

    def decode_step(self, previous: Tensor, state: State, memory: Memory) -> tuple[Tensor, State, Tensor | None]:
        """One output step: previous tokens (B,) -> log-probabilities (B, V), the new state, weights α (B, S)."""
        if self.attention is None:
            context, weights = memory.summary, None
        else:
            context, weights = self.attention(state[0], memory)  # looks with s_{t-1}
        inputs = torch.cat([self.target_embedding(previous), context], dim=1)  # (B, E + H)
        state = self.decoder(inputs, state if self.config.cell == "LSTM" else state[0])
        state = state if self.config.cell == "LSTM" else (state,)
        return F.log_softmax(self.output(torch.cat([state[0], context], dim=1)), dim=1), state, weights

    def forward(self, source: Tensor, lengths: Tensor, target: Tensor, teacher_forcing: float = 1.0,
                generator: torch.Generator | None = None) -> tuple[Tensor, Tensor | None]:
        """Log-probabilities (B, T, V) of each target position, and the attention (B, T, S) or None.

        Step t reads target[:, t-1] with probability `teacher_forcing` (a coin per example and
        step, drawn from `generator`), else the model's own most likely token at t-1.
        """
        memory, state = self.encode(source, lengths)
        previous = torch.full_like(target[:, 0], BOS)  # (B,)
        outputs, attention = [], []
        for t in range(target.shape[1]):
            log_probs, state, weights = self.decode_step(previous, state, memory)
            outputs.append(log_probs)
            attention.append(weights)
            previous = target[:, t]
            if teacher_forcing < 1:
                coins = torch.rand(previous.shape, generator=generator, device=generator.device).to(previous.device)
                previous = torch.where(coins < teacher_forcing, previous, log_probs.argmax(1))
        weights = None if self.attention is None else torch.stack(attention, dim=1)
        return torch.stack(outputs, dim=1), weights

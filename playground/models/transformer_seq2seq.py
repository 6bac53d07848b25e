r"""A one-layer Transformer encoder–decoder (Vaswani et al. 2017): the race's third contender.

No recurrence at all: every character attends to every other at once, so the whole target is
trained in one parallel pass. Scaled dot-product attention, with several heads side by side,

    Attention(Q, K, V) = softmax(Q K^T / √d_k) V,

is used three times: the encoder's self-attention over the source, the decoder's masked
self-attention (a character sees only those written before it), and the decoder's
cross-attention over the encoder's outputs, whose weights (averaged over heads) are the
attention matrix the page draws. Each sub-layer adds its input back and normalises
(x + sublayer(x), then LayerNorm). Positions enter as learned embeddings added to the
characters' (a model must not register non-parameter buffers such as a sinusoid table);
dropout is 0, since the trainer owns every random draw.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from playground.models.seq2seq import Decoding, Memory, State
from playground.seq2seq_data import BOS, PAD, SPECIALS


@dataclass(frozen=True)
class TransformerSeq2SeqConfig:
    source_characters: str  # a character's token id is SPECIALS + its index, as in Seq2SeqConfig
    target_characters: str
    d_model: int = 64  # width of every embedding and sub-layer
    heads: int = 4  # attention heads, each of width d_model / heads
    feedforward: int = 128  # hidden width of the position-wise feed-forward nets
    max_source_length: int = 64  # positions with an embedding, for the source
    max_output_length: int = 11  # decoding stops after this many tokens, the end symbol included
    teacher_forcing: float = 1.0  # below 1: a first pass guesses, and some inputs are replaced by the guesses

    def __post_init__(self):
        if len(set(self.source_characters)) != len(self.source_characters) or not self.source_characters or \
                len(set(self.target_characters)) != len(self.target_characters) or not self.target_characters:
            raise ValueError("source_characters and target_characters must hold one or more distinct characters")
        if not (1 <= self.heads <= 16 and 2 <= self.d_model <= 512 and self.d_model % self.heads == 0):
            raise ValueError("d_model must be 2–512 and a multiple of heads (1–16)")
        if not (1 <= self.feedforward <= 2048 and 1 <= self.max_source_length <= 512):
            raise ValueError("feedforward must be 1–2048 and max_source_length 1–512")
        if not (1 <= self.max_output_length <= 64 and 0 <= self.teacher_forcing <= 1):
            raise ValueError("max_output_length must be 1–64 and teacher_forcing between 0 and 1")


class DecoderLayer(nn.Module):
    """Masked self-attention, cross-attention over the source (weights kept), feed-forward; each x + f(x), normed."""

    def __init__(self, c: TransformerSeq2SeqConfig):
        super().__init__()
        self.self_attention = nn.MultiheadAttention(c.d_model, c.heads, dropout=0.0, batch_first=True)
        self.cross_attention = nn.MultiheadAttention(c.d_model, c.heads, dropout=0.0, batch_first=True)
        self.feedforward = nn.Sequential(nn.Linear(c.d_model, c.feedforward), nn.ReLU(),
                                         nn.Linear(c.feedforward, c.d_model))
        self.norms = nn.ModuleList(nn.LayerNorm(c.d_model) for _ in range(3))

    def forward(self, y: Tensor, memory: Memory) -> tuple[Tensor, Tensor]:
        """y (B, T, D) -> (B, T, D), and the cross-attention weights (B, T, S)."""
        future = torch.ones(y.shape[1], y.shape[1], dtype=torch.bool, device=y.device).triu(1)  # True: hidden
        y = self.norms[0](y + self.self_attention(y, y, y, attn_mask=future, need_weights=False)[0])
        attended, weights = self.cross_attention(y, memory.values, memory.values, key_padding_mask=~memory.mask)
        y = self.norms[1](y + attended)
        return self.norms[2](y + self.feedforward(y)), weights


class TransformerSeq2Seq(Decoding):
    """The same interface as `Seq2Seq`: encode, decode_step, forward, loss, greedy."""

    live_settings = ("teacher_forcing",)

    def __init__(self, config: TransformerSeq2SeqConfig):
        super().__init__()
        self.config = c = config
        self.source_embedding = nn.Embedding(SPECIALS + len(c.source_characters), c.d_model, padding_idx=PAD)
        self.target_embedding = nn.Embedding(SPECIALS + len(c.target_characters), c.d_model)
        self.positions = nn.Embedding(max(c.max_source_length, c.max_output_length), c.d_model)
        self.encoder = nn.TransformerEncoderLayer(c.d_model, c.heads, c.feedforward, dropout=0.0, batch_first=True)
        self.decoder = DecoderLayer(c)
        self.output = nn.Linear(c.d_model, SPECIALS + len(c.target_characters))

    def embed(self, embedding: nn.Embedding, ids: Tensor) -> Tensor:
        """Characters (B, L) -> √D · E x + P, (B, L, D); the scale keeps characters louder than positions."""
        return embedding(ids) * math.sqrt(self.config.d_model) + self.positions.weight[: ids.shape[1]]

    def encode(self, source: Tensor, lengths: Tensor) -> tuple[Memory, State]:
        """The encoder's outputs (padding masked out of every attention), and an empty decoder prefix."""
        if source.shape[1] > self.config.max_source_length:
            raise ValueError(f"sources longer than {self.config.max_source_length} characters have no positions")
        mask = source != PAD
        values = self.encoder(self.embed(self.source_embedding, source), src_key_padding_mask=~mask)  # (B, S, D)
        summary = (values * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)  # (B, D): the mean output
        return Memory(values, values, mask, summary), (source.new_zeros(len(source), 0),)

    def decode_all(self, inputs: Tensor, memory: Memory) -> tuple[Tensor, Tensor]:
        """Every position at once: inputs (B, T) -> log-probabilities (B, T, V), cross-attention (B, T, S)."""
        y, weights = self.decoder(self.embed(self.target_embedding, inputs), memory)
        return F.log_softmax(self.output(y), dim=2), weights

    def decode_step(self, previous: Tensor, state: State, memory: Memory) -> tuple[Tensor, State, Tensor]:
        """The prefix read so far is the state: it grows by `previous` (B,), then the last position is read."""
        inputs = torch.cat([state[0], previous[:, None]], dim=1)  # (B, t)
        log_probs, weights = self.decode_all(inputs, memory)
        return log_probs[:, -1], (inputs,), weights[:, -1]

    def forward(self, source: Tensor, lengths: Tensor, target: Tensor, teacher_forcing: float = 1.0,
                generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """Log-probabilities (B, T, V) and cross-attention (B, T, S), teacher forced in one pass.

        Below full teacher forcing, a first pass without gradients guesses every position, and each input
        is the true previous character with probability `teacher_forcing`, else that guess (Mihaylova &
        Martins 2019: scheduled sampling for Transformers).
        """
        memory, _ = self.encode(source, lengths)
        inputs = torch.cat([torch.full_like(target[:, :1], BOS), target[:, :-1]], dim=1)  # (B, T)
        if teacher_forcing < 1:
            with torch.no_grad():
                guesses = self.decode_all(inputs, memory)[0].argmax(2)
            coins = torch.rand(inputs.shape, generator=generator, device=generator.device).to(inputs.device)
            mixed = torch.where(coins < teacher_forcing, inputs, torch.cat([inputs[:, :1], guesses[:, :-1]], 1))
            inputs = torch.cat([inputs[:, :1], mixed[:, 1:]], dim=1)  # the start symbol is never a guess
        return self.decode_all(inputs, memory)

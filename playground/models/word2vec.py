r"""word2vec: skip-gram and CBOW with negative sampling (Mikolov et al. 2013).

Each word has two vectors: v_w when it is the input and u_w when it is the word to predict.
As in word2vec.c, both architectures predict the centre word c from its context: skip-gram
from each context word's v on its own, CBOW from the mean of their v's. Instead of a
softmax over the whole vocabulary, negative sampling (SGNS) asks a logistic classifier to
tell the real pair from K noise words drawn from P_n(w) ∝ count(w)^0.75:

    L = −log σ(u_c · h) − Σ_{k=1..K} log σ(−u_{n_k} · h),
    h = v_o of one context word o (skip-gram), or the mean of the context's v's (CBOW),

averaged over the batch's (context, centre) pairs. The K noise words are drawn once per
centre and shared by its context words (word2vec.c draws them per pair): every pair still
sees K draws from P_n, and all scores of one centre are one small matrix product.

Words that share contexts are pushed towards the same u's, so their v's end up close:
Firth's "a word is known by the company it keeps". The v's are the embeddings we keep.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from playground.wording import N_, _

ARCHITECTURES = ("skip-gram", "CBOW")


@dataclass(frozen=True)
class Word2VecConfig:
    vocab_size: int  # words in the vocabulary, most frequent first
    embedding_dim: int = 50  # length of each word vector
    architecture: str = "skip-gram"  # one of ARCHITECTURES

    def __post_init__(self):
        if self.vocab_size < 2:
            raise ValueError(_("vocab_size must be at least 2, not {size}").format(size=self.vocab_size))
        if not 2 <= self.embedding_dim <= 300:
            raise ValueError(_("embedding_dim must be between 2 and 300, not {dim}").format(dim=self.embedding_dim))
        if self.architecture not in ARCHITECTURES:
            raise ValueError(_("architecture must be one of {choices}, not {architecture}").format(
                choices=ARCHITECTURES, architecture=repr(self.architecture)))


def negative_sampling_loss(
    hidden: torch.Tensor, outputs: torch.Tensor, weights: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """SGNS loss −log σ(u_c·h) − Σ_k log σ(−u_k·h), averaged over the pairs that count.

    hidden (B, J, D): J input vectors per example; outputs (B, 1 + K, D): the true word's u,
    then its K noise words'; weights (B, J): 1 for a pair that counts, 0 for padding. Also
    returns σ of the real and of the noise scores, (B, J) and (B, J, K): how sure the
    classifier is of each.
    """
    scores = torch.bmm(hidden, outputs.transpose(1, 2))  # (B, J, 1 + K)
    real, noise = scores[..., 0], scores[..., 1:]  # (B, J), (B, J, K)
    per_pair = -(F.logsigmoid(real) + F.logsigmoid(-noise).sum(2))  # (B, J)
    loss = (per_pair * weights).sum() / weights.sum().clamp_min(1)
    return loss, torch.sigmoid(real), torch.sigmoid(noise)


class Word2Vec(nn.Module):
    """Input vectors v (the embeddings) and output vectors u, trained by the SGNS loss."""

    def __init__(self, config: Word2VecConfig):
        super().__init__()
        self.config = config
        self.input_vectors = nn.Embedding(config.vocab_size, config.embedding_dim)  # v_w
        self.output_vectors = nn.Embedding(config.vocab_size, config.embedding_dim)  # u_w
        self.init_weights()

    @torch.no_grad()
    def init_weights(self, generator: torch.Generator | None = None) -> None:
        """word2vec.c's start: small random v, zero u, so every score starts at 0."""
        bound = 0.5 / self.config.embedding_dim
        nn.init.uniform_(self.input_vectors.weight, -bound, bound, generator=generator)
        nn.init.zeros_(self.output_vectors.weight)

    def hidden(self, context: torch.Tensor, context_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """h (B, J, D) and which h count (B, J): skip-gram's J = 2W context vectors, or CBOW's one mean of them."""
        vectors = self.input_vectors(context)  # (B, 2W, D)
        if self.config.architecture == "skip-gram":
            return vectors, context_mask.float()
        weights = context_mask.float().unsqueeze(2)  # (B, 2W, 1)
        mean = (vectors * weights).sum(1, keepdim=True) / weights.sum(1, keepdim=True).clamp_min(1)  # (B, 1, D)
        return mean, context_mask.any(1, keepdim=True).float()  # a centre with an empty window does not count

    def loss(
        self, batch: tuple[torch.Tensor, ...], generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """SGNS on a batch whose noise words were drawn with it; `generator` is unused here."""
        context, context_mask, centre, negatives = batch  # (B, 2W), (B, 2W), (B,), (B, K)
        hidden, weights = self.hidden(context, context_mask)
        outputs = self.output_vectors(torch.cat([centre.unsqueeze(1), negatives], dim=1))  # (B, 1 + K, D)
        loss, real, noise = negative_sampling_loss(hidden, outputs, weights)
        pairs = weights.sum().clamp_min(1)
        return loss, {N_("loss"): loss, N_("σ(real pair)"): (real * weights).sum() / pairs,
                      N_("σ(noise pair)"): (noise.mean(2) * weights).sum() / pairs}

    def embeddings(self) -> torch.Tensor:
        """The learned word vectors v, (V, D), detached."""
        return self.input_vectors.weight.detach()

r"""word2vec: skip-gram and CBOW with negative sampling (Mikolov et al. 2013).

Each word has two vectors: v_w when it is the input and u_w when it is the word to predict.
Skip-gram predicts a context word o from the centre c; CBOW predicts the centre from the
mean of its context vectors. Instead of a softmax over the whole vocabulary, negative
sampling (SGNS) asks a logistic classifier to tell the real pair from K noise words drawn
from P_n(w) ∝ count(w)^0.75:

    L = −log σ(u_o · h) − Σ_{k=1..K} log σ(−u_{n_k} · h),   h = v_c (skip-gram) or mean of v_context (CBOW)

Words that share contexts are pushed towards the same u's, so their v's end up close:
Firth's "a word is known by the company it keeps". The v's are the embeddings we keep.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

ARCHITECTURES = ("skip-gram", "CBOW")


@dataclass(frozen=True)
class Word2VecConfig:
    vocab_size: int  # words in the vocabulary, most frequent first
    embedding_dim: int = 50  # length of each word vector
    architecture: str = "skip-gram"  # one of ARCHITECTURES

    def __post_init__(self):
        if self.vocab_size < 2:
            raise ValueError(f"vocab_size must be at least 2, not {self.vocab_size}")
        if not 2 <= self.embedding_dim <= 300:
            raise ValueError(f"embedding_dim must be between 2 and 300, not {self.embedding_dim}")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, not {self.architecture!r}")


def negative_sampling_loss(
    hidden: torch.Tensor, positive: torch.Tensor, negatives: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """SGNS loss −log σ(u_o·h) − Σ_k log σ(−u_k·h), averaged over the batch.

    hidden (B, D), positive (B, D), negatives (B, K, D); also returns σ of the real and
    of the noise scores, (B,) and (B, K): how sure the classifier is of each.
    """
    real = (hidden * positive).sum(dim=1)  # (B,)
    noise = torch.bmm(negatives, hidden.unsqueeze(2)).squeeze(2)  # (B, K)
    loss = -(F.logsigmoid(real) + F.logsigmoid(-noise).sum(dim=1)).mean()
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

    def hidden(self, batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(h (B, D), target ids (B,), noise ids (B, K)) from a skip-gram or a CBOW batch."""
        if self.config.architecture == "skip-gram":
            centre, context, negatives = batch
            return self.input_vectors(centre), context, negatives
        context, context_mask, centre, negatives = batch  # (B, 2W), (B, 2W), (B,), (B, K)
        weights = context_mask.float().unsqueeze(2)  # (B, 2W, 1)
        mean = (self.input_vectors(context) * weights).sum(1) / weights.sum(1).clamp_min(1)  # (B, D)
        return mean, centre, negatives

    def loss(
        self, batch: tuple[torch.Tensor, ...], generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """SGNS on a batch whose noise words were drawn with it; `generator` is unused here."""
        hidden, target, negatives = self.hidden(batch)
        loss, real, noise = negative_sampling_loss(hidden, self.output_vectors(target), self.output_vectors(negatives))
        return loss, {"loss": loss, "σ(real pair)": real.mean(), "σ(noise pair)": noise.mean()}

    def embeddings(self) -> torch.Tensor:
        """The learned word vectors v, (V, D), detached."""
        return self.input_vectors.weight.detach()

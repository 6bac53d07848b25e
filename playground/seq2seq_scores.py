r"""How good is a translation? Exact match, character accuracy, BLEU and chrF, perplexity, where attention looks.

BLEU (Papineni et al. 2002) compares n-grams of the outputs with those of the references over
a whole corpus: p_n is the share of output n-grams found in the reference, each counted at most
as often as the reference has it (clipped), and a brevity penalty punishes outputs shorter than
the references, since precision alone would reward writing little:

    BLEU = BP · exp(Σ_{n=1}^{4} ¼ log p_n),   BP = min(1, exp(1 − r / c))   (c, r: output, reference length)

Everything depends on what an n-gram is made of: sacrebleu's default tokeniser "13a" splits
"1972-08-04" into 5 tokens (1972 - 08 - 04), "char" into 10 characters, "none" keeps one token,
so there are no 2-grams at all and BLEU is 0 whatever the model writes. The scores here are
sacrebleu's own (Post 2018), the field's reference implementation; chrF (Popović 2015) is an
F-score over character n-grams, which suits short strings better.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.metrics.bleu import BLEUScore
from sacrebleu.metrics.chrf import CHRFScore

from playground.inference import device_of, evaluating
from playground.models.seq2seq import Seq2Seq
from playground.seq2seq_data import PAD, Example, as_batch
from playground.seq2seq_lessons import translate_all

TOKENISERS = ("13a", "char", "none")  # sacrebleu's names; 13a is its default (the WMT standard)
ISO_FIELDS = {"year": range(0, 4), "month": range(5, 7), "day": range(8, 10)}  # positions in "1972-08-04"


def exact_match(outputs: list[str], references: list[str]) -> float:
    """Share of outputs equal to their reference, character for character."""
    return float(np.mean([o == r for o, r in zip(outputs, references, strict=True)]))


def character_accuracy(outputs: list[str], references: list[str]) -> float:
    """Characters right at their position, over the longer of output and reference (so both extra
    and missing characters count as wrong), summed over the corpus."""
    right = sum(sum(a == b for a, b in zip(o, r)) for o, r in zip(outputs, references, strict=True))
    return right / max(1, sum(max(len(o), len(r)) for o, r in zip(outputs, references)))


def bleu(outputs: list[str], references: list[str], tokeniser: str = "13a") -> tuple[BLEUScore, str]:
    """sacrebleu's corpus BLEU with one reference per output (score, precisions, bp, counts, totals),
    and its signature: the settings that make a BLEU comparable with another."""
    if tokeniser not in TOKENISERS:
        raise ValueError(f"tokeniser must be one of {TOKENISERS}, not {tokeniser!r}")
    metric = BLEU(tokenize=tokeniser)
    return metric.corpus_score(outputs, [references]), str(metric.get_signature())


def tokens(text: str, tokeniser: str) -> list[str]:
    """What BLEU counts n-grams of: `text` split by one of TOKENISERS."""
    return BLEU(tokenize=tokeniser).tokenizer(text).split()


def chrf(outputs: list[str], references: list[str]) -> CHRFScore:
    """sacrebleu's corpus chrF (character 6-grams, β = 2)."""
    return CHRF().corpus_score(outputs, [references])


@torch.no_grad()
def perplexity(model: Seq2Seq, examples: list[Example]) -> float:
    """exp(−(1/N) Σ log p(y_t | y_<t, x)) over every target token (the end included), teacher forced.

    A uniform guess over the V target tokens scores V; a perfect model scores 1.
    """
    batch = as_batch(examples, model.config.source_characters, model.config.target_characters, device_of(model))
    with evaluating(model):
        log_probs, _ = model(*batch)
    return math.exp(float(F.nll_loss(log_probs.flatten(0, 1), batch[2].flatten(), ignore_index=PAD)))


@dataclass(frozen=True)
class Scores:
    outputs: list[str]
    exact_match: float
    character_accuracy: float
    bleu: BLEUScore
    bleu_signature: str
    chrf: CHRFScore
    perplexity: float


def score(model: Seq2Seq, examples: list[Example], tokeniser: str = "13a") -> Scores:
    """Every score of a model's greedy outputs on a test set."""
    outputs, references = translate_all(model, examples), [e.target for e in examples]
    return Scores(outputs, exact_match(outputs, references), character_accuracy(outputs, references),
                  *bleu(outputs, references, tokeniser), chrf(outputs, references), perplexity(model, examples))


@torch.no_grad()
def attention_hits(model: Seq2Seq, examples: list[Example]) -> dict[str, float]:
    """For the year, month and day of ISO dates: the share of their output characters whose
    attention peaks (arg-max over the source) inside the span where the source writes that field.

    Teacher forced, so every example is judged at the same output positions.
    """
    batch = as_batch(examples, model.config.source_characters, model.config.target_characters, device_of(model))
    with evaluating(model):
        _, attention = model(*batch)  # (B, T, S)
    if attention is None:
        raise ValueError("this model has no attention to look at")
    peaks = attention.argmax(2).cpu().numpy()  # (B, T)
    hits: dict[str, list[bool]] = {field: [] for field in ISO_FIELDS}
    for example, row in zip(examples, peaks):
        for field, start, end in example.spans:
            hits[field] += [start <= row[t] < end for t in ISO_FIELDS[field]]
    return {field: float(np.mean(values)) for field, values in hits.items() if values}

"""What the seq2seq page does with a model besides training: build the racing trainers, translate typed text.

  * `build_trainer` — one trainer per contender; all meet the same batches and the same seed,
    and are scored every `eval_every` steps on one fixed held-out test set.
  * `check_source` — typed text as the model can read it, or a ValueError that says why not.
  * `translate` — greedy decoding: the most likely character at every step.
  * `beam_search` — keeps the `width` most likely prefixes at every step instead of one, so a
    first character that looked worse but leads to a likelier whole output can still win.
"""

from dataclasses import dataclass

import numpy as np
import torch

from playground.inference import device_of, evaluating
from playground.models.seq2seq import Memory, Seq2Seq, Seq2SeqConfig
from playground.models.transformer_seq2seq import TransformerSeq2Seq, TransformerSeq2SeqConfig
from playground.seeding import seeded
from playground.seq2seq_data import (BOS, EOS, PAD, Example, Seq2SeqBatches, Task, as_batch, decode, encode,
                                     held_out_examples)
from playground.trainer import TrainConfig, Trainer
from playground.wording import N_, _

LEARNING_RATE, BATCH_SIZE, HIDDEN_SIZE = 3e-3, 64, 64  # the page's defaults: dates learnt in ~200 steps
EVAL_EVERY = 25  # steps between scores on the held-out test set while training
TEST_EXAMPLES = 256  # held-out examples scored while training: exact match moves in steps of 0.4 %
MAX_TYPED_CHARS = 60  # longer typed text is refused (every task's sources are shorter)
MAX_BEAM_WIDTH = 10  # a beam of 10 over ≤ 21 steps: a few milliseconds per search
MODELS = {Seq2SeqConfig: Seq2Seq, TransformerSeq2SeqConfig: TransformerSeq2Seq}  # every contender, by its config
Config = Seq2SeqConfig | TransformerSeq2SeqConfig
Model = Seq2Seq | TransformerSeq2Seq


def model_config(task: Task, cell: str = "GRU", attention: str = "additive", bidirectional: bool = True,
                 hidden_size: int = HIDDEN_SIZE, teacher_forcing: float = 1.0) -> Seq2SeqConfig:
    """The network a task needs: its two vocabularies and its longest output, plus the chosen architecture."""
    return Seq2SeqConfig(task.source_characters, task.target_characters, cell=cell, attention=attention,
                         bidirectional=bidirectional, hidden_size=hidden_size,
                         max_output_length=task.max_target_length + 1, teacher_forcing=teacher_forcing)


def transformer_config(task: Task, d_model: int = HIDDEN_SIZE, teacher_forcing: float = 1.0
                       ) -> TransformerSeq2SeqConfig:
    """The one-layer Transformer for a task, as wide as the recurrent contenders' states."""
    return TransformerSeq2SeqConfig(task.source_characters, task.target_characters, d_model=d_model,
                                    feedforward=2 * d_model, max_source_length=MAX_TYPED_CHARS,
                                    max_output_length=task.max_target_length + 1, teacher_forcing=teacher_forcing)


def build_trainer(task: Task, config: Config, train_config: TrainConfig, seed: int = 0,
                  device: torch.device | str = "cpu") -> Trainer:
    """A trainer on fresh batches of `task`, scored on TEST_EXAMPLES held-out examples (greedy exact match)."""
    examples = held_out_examples(task, TEST_EXAMPLES, seed)
    source, lengths, target = as_batch(examples, task.source_characters, task.target_characters, device)

    def evaluate(model: Model) -> dict[str, float]:
        log_probs, _ = model(source, lengths, target)
        loss = float(torch.nn.functional.nll_loss(log_probs.flatten(0, 1), target.flatten(), ignore_index=PAD))
        outputs = [decode(row, task.target_characters) for row in model.greedy(source, lengths)[0]]
        exact = np.mean([output == example.target for output, example in zip(outputs, examples)])
        return {N_("test loss"): loss, N_("test exact match"): float(exact)}

    return Trainer(seeded(MODELS[type(config)], config), Seq2SeqBatches(task, device), train_config, evaluate=evaluate,
                   seed=seed, device=device)


def check_source(text: str, characters: str) -> tuple[str, str]:
    """The typed text without the characters the model never saw nor spaces around it, and those characters.

    ValueError, with a sentence a student can act on, when nothing readable is left or it is too long.
    """
    if len(text) > MAX_TYPED_CHARS:
        raise ValueError(_("that is {count} characters; the model reads at most {limit}").format(
            count=f"{len(text):,}", limit=MAX_TYPED_CHARS))
    unseen = "".join(sorted(set(text) - set(characters)))
    kept = "".join(char for char in text if char in characters).strip()
    if not kept:
        raise ValueError(_("there is nothing to translate: type some characters the model knows"))
    return kept, unseen


@dataclass(frozen=True)
class Translation:
    output: str  # the decoded characters, without the end symbol
    log_prob: float  # log p(output, end | source) under the model; without the end when cut off
    attention: np.ndarray | None  # (tokens, len(source)): α of every written token, the end included if written
    ended: bool = True  # False: cut off at max_output_length before writing the end symbol


def _source(model: Model, text: str) -> tuple[torch.Tensor, torch.Tensor]:
    device = device_of(model)
    return encode([text], model.config.source_characters).to(device), torch.tensor([len(text)], device=device)


def translate(model: Model, text: str) -> Translation:
    """Greedy decoding of one source text (already checked by `check_source`)."""
    return beam_search(model, text, width=1)[0]


def beam_search(model: Model, text: str, width: int) -> list[Translation]:
    """The `width` most likely outputs found by beam search, best first; width 1 is greedy decoding.

    Each step extends every kept prefix by every character, and keeps the `width` extensions with
    the highest total log-probability; a prefix that writes the end symbol is finished. The search
    stops when no unfinished prefix can beat the `width`-th finished one (log-probabilities only fall).
    Prefixes still unfinished at max_output_length come after every finished one, marked `ended=False`.
    """
    if not 1 <= width <= MAX_BEAM_WIDTH:
        raise ValueError(f"beam width must be between 1 and {MAX_BEAM_WIDTH}")
    with evaluating(model):
        memory, state = model.encode(*_source(model, text))
        memory = Memory(*(part.expand(width, *part.shape[1:]) for part in memory))
        scores = torch.zeros(1, device=memory.values.device)  # (k,): log p of each kept prefix
        tokens = torch.full((1, 1), BOS, device=scores.device)  # (k, t + 1)
        attention = memory.values.new_zeros(1, 0, len(text))  # (k, t, S)
        finished: list[Translation] = []
        for _ in range(model.config.max_output_length):
            k = len(scores)
            log_probs, state, weights = model.decode_step(tokens[:, -1], state, Memory(*(m[:k] for m in memory)))
            log_probs[:, [PAD, BOS]] = -torch.inf  # a prefix may end, never pad or start again
            totals, flat = (scores[:, None] + log_probs).flatten().topk(min(width, log_probs.numel()))
            parent, token = flat // log_probs.shape[1], flat % log_probs.shape[1]
            tokens = torch.cat([tokens[parent], token[:, None]], dim=1)
            step = weights[parent] if weights is not None else attention.new_zeros(len(parent), len(text))
            attention = torch.cat([attention[parent], step[:, None]], dim=1)
            state = tuple(s[parent] for s in state)
            done = token == EOS
            finished += [_translation(model, tokens[i], totals[i], attention[i], weights is not None)
                         for i in done.nonzero()[:, 0].tolist()]
            keep = ~done
            scores, tokens, attention = totals[keep], tokens[keep], attention[keep]
            state = tuple(s[keep] for s in state)
            best = sorted((t.log_prob for t in finished), reverse=True)
            if not len(scores) or (len(best) >= width and float(scores.max()) <= best[width - 1]):
                break
        cut_off = [_translation(model, tokens[i], scores[i], attention[i], weights is not None, ended=False)
                   for i in range(len(scores))]
    ranked = sorted(finished, key=lambda t: -t.log_prob) + sorted(cut_off, key=lambda t: -t.log_prob)
    return ranked[:width]


def _translation(model: Model, tokens: torch.Tensor, log_prob: torch.Tensor, attention: torch.Tensor,
                 attends: bool, ended: bool = True) -> Translation:
    return Translation(decode(tokens[1:], model.config.target_characters), float(log_prob),
                       attention.cpu().numpy() if attends else None, ended)


def translate_all(model: Model, examples: list[Example], batch_size: int = 512) -> list[str]:
    """Greedy outputs for many sources at once (batched), e.g. a whole test set."""
    outputs: list[str] = []
    with evaluating(model):
        for start in range(0, len(examples), batch_size):
            chunk = examples[start : start + batch_size]
            source = encode([e.source for e in chunk], model.config.source_characters).to(device_of(model))
            lengths = torch.tensor([len(e.source) for e in chunk], device=source.device)
            outputs += [decode(row, model.config.target_characters) for row in model.greedy(source, lengths)[0]]
    return outputs

"""Family 5, word2vec: our skip-gram's training speed and quality vs gensim's, on lee_background.cor.

Same tokens, dimension, window, negatives, minimum count, subsampling threshold and epochs
for both (the embeddings page's defaults; gensim's 5 epochs). Speed is in training words
per second of wall time: words left after min_count and subsampling (gensim's "effective
words") times epochs. Both shrink each centre's window at random to 1..window and pair it
with every context word left (about window + 1 pairs per word); a batch of ours is
batch_size centre words with their windows, so one epoch is stream-length centres. gensim
runs multithreaded C (workers=2, lock-free SGD); ours is the page's PyTorch model in the
Trainer. The two alternate: a whole gensim training, a third of ours.
Quality: Spearman ρ between each model's cosine and GloVe's over every pair of a fixed word
list (the Lee vocabulary's frequency ranks 50–250, function words skipped), and on the
WordSim353 pairs inside the vocabulary (few pairs: noisy).
"""

import math
import time

import numpy as np
import torch
from scipy import stats

from bench.table import Goal, Row
from bench.timing import synchronise
from playground.benchmarks_words import evaluate_word_pairs
from playground.embeddings import WordVectors, load_glove
from playground.models.word2vec import Word2Vec, Word2VecConfig
from playground.seeding import seeded
from playground.trainer import TrainConfig, Trainer
from playground.word2vec_data import Word2VecBatches, Word2VecDataConfig, lee_text, tokenize

SEED = 0
DIMENSION = 50
DATA = Word2VecDataConfig(window=5, negatives=5, min_count=3, subsample=1e-3)  # the page's defaults
TRAINING = TrainConfig(batch_size=1024, learning_rate=1e-2)  # the page's default sliders (Adam)
EPOCHS = 5  # gensim's default
PAIRS = 3  # gensim trainings, each followed by a third of ours
MAX_SECONDS = 90.0  # ours stops here even short of EPOCHS (the note then says how far it got)
WORD_LIST = slice(50, 250)  # frequency ranks of the fixed word list


def gensim_training(documents: list[list[str]]) -> tuple[float, WordVectors]:
    """Words per second of one gensim training from scratch (vocabulary building not timed), and its vectors."""
    from gensim.models import Word2Vec as GensimWord2Vec  # seconds to import: only when this family runs

    model = GensimWord2Vec(vector_size=DIMENSION, window=DATA.window, negative=DATA.negatives, sg=1, workers=2,
                           min_count=DATA.min_count, sample=DATA.subsample, epochs=EPOCHS, seed=SEED)
    model.build_vocab(documents)
    start = time.perf_counter()
    trained_words, _ = model.train(documents, total_examples=model.corpus_count, epochs=EPOCHS)
    return trained_words / (time.perf_counter() - start), WordVectors(model.wv.index_to_key, model.wv.vectors)


def steps_per_second(trainer: Trainer, steps: int, seconds: float, device: torch.device) -> float:
    synchronise(device)
    start = time.perf_counter()
    done = trainer.run_for(seconds, max_steps=steps)
    synchronise(device)
    return done / (time.perf_counter() - start)


def measure(device: torch.device) -> list[Row]:
    documents = tokenize(lee_text())
    data = Word2VecBatches(documents, DATA, seed=SEED, device=device)
    trainer = Trainer(seeded(Word2Vec, Word2VecConfig(len(data.vocabulary), DIMENSION)), data, TRAINING,
                      seed=SEED, device=device)
    words_per_step = TRAINING.batch_size  # centre words
    total_steps = math.ceil(EPOCHS * len(data.tokens) / words_per_step)
    ours_rates, gensim_rates = [], []
    for index in range(PAIRS):
        speed, gensim_vectors = gensim_training(documents)
        gensim_rates.append(speed)
        steps = total_steps * (index + 1) // PAIRS - trainer.step_count
        ours_rates.append(words_per_step * steps_per_second(trainer, steps, MAX_SECONDS / PAIRS, device))
    epochs = trainer.step_count * words_per_step / len(data.tokens)
    ours_vectors = WordVectors(data.vocabulary.words, trainer.model.embeddings())
    shortfall = f" Ours reached only {epochs:.1f} epochs in {MAX_SECONDS:.0f} s." if epochs < EPOCHS - 1e-6 else ""
    speed_row = Row(
        "word2vec training speed", float(np.median(ours_rates)), "words/s", float(np.median(gensim_rates)),
        "gensim, 2 C threads", float(np.median(np.divide(ours_rates, gensim_rates))), Goal("≥", 1.0),
        note=(f"dim {DIMENSION}, window {DATA.window}, {DATA.negatives} negatives, min_count {DATA.min_count}, "
              f"sample {DATA.subsample:g}, {EPOCHS} epochs; ours batch {TRAINING.batch_size} centre words, Adam lr "
              f"{TRAINING.learning_rate:g}, PyTorch on {device.type}; gensim is multithreaded C (workers=2)."
              + shortfall),
        extra={"ours_words_per_s": ours_rates, "gensim_words_per_s": gensim_rates, "epochs": epochs,
               "stream_words": len(data.tokens), "vocabulary": len(data.vocabulary)},
    )
    quality = quality_row(ours_vectors, gensim_vectors, data.vocabulary.words, trainer.history.last("loss"))
    return [speed_row, quality]


def quality_row(ours: WordVectors, gensim: WordVectors, vocabulary: tuple[str, ...], final_loss: float) -> Row:
    glove = load_glove()
    words = [word for word in vocabulary[WORD_LIST] if word in glove.index]  # frequent, past the function words
    ours_pairs, gensim_pairs = evaluate_word_pairs(ours), evaluate_word_pairs(gensim)
    return Row(
        "word2vec quality: ρ with GloVe", glove_agreement(ours, glove, words), "",
        glove_agreement(gensim, glove, words), "gensim",
        note=(f"Spearman ρ of cosine vs GloVe's over all pairs of {len(words)} Lee words (ranks 50–250); "
              f"WordSim353 ρ on {len(ours_pairs.pairs)} in-vocabulary pairs: ours {ours_pairs.spearman:.2f}, "
              f"gensim {gensim_pairs.spearman:.2f}; ours' final loss {final_loss:.2f}."),
        extra={"wordsim353_ours": ours_pairs.spearman, "wordsim353_gensim": gensim_pairs.spearman, "words": words},
    )


def glove_agreement(vectors: WordVectors, glove: WordVectors, words: list[str]) -> float:
    """Spearman ρ between this model's cosine and GloVe's over every pair of `words`."""
    upper = np.triu_indices(len(words), k=1)
    ours, theirs = vectors.vectors(words), glove.vectors(words)  # (N, D) unit vectors each
    return float(stats.spearmanr((ours @ ours.T)[upper], (theirs @ theirs.T)[upper])[0])

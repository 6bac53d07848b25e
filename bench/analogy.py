"""Family 4, analogy query: a − b + c over all 400,000 GloVe words, ours vs gensim's `most_similar`.

Both answer from the same unit vectors (gensim gets a copy of ours) and return the top 10
with the inputs excluded; the queries are the page's presets, asked alternately by the two
(wall time, what a student waits); the ratio is the median over those pairs.
Goal: ratio ≤ 1.0, i.e. at least as fast as gensim.
"""

import itertools

import numpy as np
import torch

from bench.table import Goal, Row
from bench.timing import interleaved_latencies_ms
from playground.embeddings import ANALOGY_PRESETS, load_glove

REPEATS = 70  # queries per contender (the presets in turn)
TOP = 10


def measure(device: torch.device, repeats: int = REPEATS) -> list[Row]:
    from gensim.models import KeyedVectors  # seconds to import: only when this family runs

    glove = load_glove()
    reference = KeyedVectors(glove.dim)
    reference.add_vectors(glove.words, glove.unit.numpy())
    queries = list(ANALOGY_PRESETS.values())
    agree = all(
        [m.word for m in glove.analogy(a, b, c, k=TOP)] == [w for w, _ in reference.most_similar([a, c], [b], topn=TOP)]
        for a, b, c, _ in queries
    )
    ours_queries, reference_queries = itertools.cycle(queries), itertools.cycle(queries)

    def ours() -> None:
        a, b, c, _ = next(ours_queries)
        glove.analogy(a, b, c, k=TOP)

    def gensim() -> None:
        a, b, c, _ = next(reference_queries)
        reference.most_similar(positive=[a, c], negative=[b], topn=TOP)

    ours_ms, gensim_ms = interleaved_latencies_ms(ours, gensim, repeats, device)
    return [Row(
        f"analogy query, {len(glove):,} words (median)", float(np.median(ours_ms)), "ms", float(np.median(gensim_ms)),
        "gensim most_similar", float(np.median(ours_ms / gensim_ms)), Goal("≤", 1.0),
        note=(f"top-{TOP} answers of the {len(queries)} presets identical to gensim's: {'yes' if agree else 'NO'}; "
              f"p95 ours {np.percentile(ours_ms, 95):.1f} ms, gensim {np.percentile(gensim_ms, 95):.1f} ms. "
              "Our query runs on the CPU tensor of unit vectors (GloVe stays on the CPU)."),
        extra={"ours_ms": ours_ms.tolist(), "gensim_ms": gensim_ms.tolist(), "same_answers": agree},
    )]

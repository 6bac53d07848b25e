"""`make bench`: speed and latency of the playground, each beside a reference measured in the same run.

One module per family of figures (engine overhead, live loop, latent explorer, analogy
query, word2vec, app start); `python -m bench` runs them all, prints one table and writes
it to bench/results/latest.json and bench/RESULTS.md. Nothing here runs at import time.
"""

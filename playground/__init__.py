"""The library behind the deep-learning playground: data, models, one trainer, figures.

Nothing here imports Streamlit and nothing runs at import time, so every piece works
from plain pytest or a notebook as well as from the app's pages.
"""

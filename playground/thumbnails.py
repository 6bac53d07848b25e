"""The home page's lesson cards: one small figure per lesson, drawn by the pretrained models.

Each thumbnail is the lesson's own result in miniature (a reconstruction, a decoded
latent grid, generated digits, an LSTM's hidden state, parallel word offsets), so the
home page shows what each page teaches rather than describing it.
"""

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import torch

from playground import diffusion_lessons, embeddings, gan_lessons, rnn_lessons, seq2seq_lessons, vae_lessons
from playground.autoencoder_lessons import reconstructions
from playground.data import split
from playground.figures import image_grid
from playground.figures.embeddings import word_map
from playground.figures.rnn import hidden_state_map
from playground.figures.seq2seq import attention_map
from playground.pretrain import load_pretrained
from playground.sequences import encode

THUMBNAIL_HEIGHT = 220
RNN_PRIME = "the prime minister"
SEQ2SEQ_DATE = "jueves, 4 de agosto de 1972"


def _small(figure: go.Figure) -> go.Figure:
    figure.update_layout(height=THUMBNAIL_HEIGHT, title=None, showlegend=False, margin=dict(l=0, r=0, t=0, b=0))
    figure.update_traces(showscale=False, selector=dict(type="heatmap"))
    return figure


def autoencoder() -> go.Figure:
    """Eight test digits (top) over the 2-D autoencoder's reconstructions (bottom)."""
    originals = split("MNIST 28×28", 0).x_test[:8]
    return _small(image_grid(np.concatenate([originals, reconstructions(load_pretrained("ae_mnist"), originals)]), 8))


def vae() -> go.Figure:
    """The 2-D VAE's decoded manifold: a walk over latent space, every point a digit."""
    return _small(image_grid(vae_lessons.latent_grid(load_pretrained("vae_mnist_2d"), n=6, extent=2.0), 12))


def gan() -> go.Figure:
    """The conditional GAN asked for each digit 0–9, twice."""
    model = load_pretrained("gan_cgan_mnist")
    noise = gan_lessons.fixed_noise(model, 20, seed=0)
    return _small(image_grid(gan_lessons.draw(model, noise, torch.arange(20) % 10), 10))


def rnn() -> go.Figure:
    """The character LSTM's hidden state while it reads a phrase."""
    model = load_pretrained("rnn_char_lee")
    tokens = torch.from_numpy(encode(RNN_PRIME, model.config.vocabulary))
    with torch.no_grad():
        states = rnn_lessons.hidden_states(model, tokens)[:24]  # (units, T)
    return _small(hidden_state_map(states, ticks=list(RNN_PRIME)))


def embeddings_map() -> go.Figure:
    """man → woman, king → queen, …: GloVe's parallel offsets in a PCA plane."""
    pairs = embeddings.PROJECTION_PRESETS["male – female"][:5]
    vectors = embeddings.load_glove().vectors([word for pair in pairs for word in pair])
    return _small(word_map(embeddings.project(vectors, dims=2), pairs))


def seq2seq() -> go.Figure:
    """Where the pretrained date translator reads while it writes 1972-08-04: its attention matrix."""
    translation = seq2seq_lessons.translate(load_pretrained("seq2seq_dates_attention"), SEQ2SEQ_DATE)
    return _small(attention_map(translation.attention, SEQ2SEQ_DATE, translation.output))


def diffusion() -> go.Figure:
    """Three digits walked back from noise by the diffusion model in seven DDIM steps: each row from x_T to x_0."""
    model = load_pretrained("diffusion_digits8")
    run = diffusion_lessons.reverse_chain(model, 3, torch.Generator().manual_seed(0), steps=7, eta=0.0,
                                          labels=torch.tensor([2, 5, 8]), clip=1.0)
    rows = run.states.transpose(0, 1).reshape(-1, model.config.data_dim)  # (3 · 8, 64): a row of states per digit
    return _small(image_grid(diffusion_lessons.digit_images(rows), 8))


THUMBNAILS: dict[str, Callable[[], go.Figure]] = {  # by page file name
    "autoencoder": autoencoder, "vae": vae, "gan": gan, "rnn": rnn, "embeddings": embeddings_map,
    "seq2seq": seq2seq,
    "diffusion": diffusion,
}


@lru_cache(maxsize=None)  # one figure per lesson, drawn once per server process and shared read-only
def thumbnail(lesson: str) -> go.Figure:
    """The lesson's card figure (KeyError for a lesson without one); FileNotFoundError if its model is missing."""
    return THUMBNAILS[lesson]()

"""Entry point: routes to the lesson pages, draws the home page and the shared sidebar."""

from pathlib import Path

import streamlit as st

from playground.thumbnails import thumbnail
from ui import routing, widgets

LESSONS = (  # file, title, icon, what it teaches
    ("pages/autoencoder.py", "Autoencoder", "🗜️",
     "Squeeze digits through a bottleneck: stacked, convolutional and linear AEs, denoising, sparse and "
     "contractive variants, latent maps, and why a linear AE finds the same subspace as PCA."),
    ("pages/vae.py", "VAE latent explorer", "🧭",
     "Drag sliders over a continuous latent space and watch the decoder answer; the KL term, β, "
     "interpolation and sampling from the prior."),
    ("pages/gan.py", "GAN trainer", "⚔️",
     "Watch a generator and a discriminator play min–max on 2-D distributions and on digits; "
     "mode collapse and how to fix it."),
    ("pages/rnn.py", "RNN sequence demo", "🔁",
     "Plain RNN vs LSTM vs GRU on forecasting, classification, a character language model and long memory; "
     "vanishing gradients made visible."),
    ("pages/embeddings.py", "Embedding analogies", "🔤",
     "GloVe vectors: king − man + woman, neighbours, cosine similarity, projections, benchmarks, "
     "and word2vec trained live."),
)


def home() -> None:
    st.title("Deep-learning playground")
    st.write(
        "Train small neural networks live and watch them learn. Every page trains a real PyTorch model on real "
        "data (MNIST digits, GloVe vectors, text) while you change its hyperparameters. Press **▶ Play** to train, "
        "**⏸ Pause** to look closely, **⏭ Step** to advance a few steps, **↺ Reset** to start again."
    )
    st.caption(f"Running on: {widgets.device_label()}. Pretrained models load instantly, so every page shows "
               "something meaningful before you train.")
    columns = st.columns(2)
    for index, (page, (path, title, icon, blurb)) in enumerate(zip(lesson_pages(), LESSONS)):
        with columns[index % 2].container(border=True):
            st.subheader(f"{icon} {title}")
            try:
                with st.spinner("Drawing the lessons' thumbnails with their pretrained models…"):
                    figure = thumbnail(Path(path).stem)  # once per server process, shared by every session
                st.plotly_chart(figure, key=f"home_{Path(path).stem}",
                                config={"staticPlot": True, "displayModeBar": False})
            except FileNotFoundError:
                st.caption("Its pretrained model is missing: `make pretrained` draws this thumbnail.")
            st.write(blurb)
            st.page_link(page, label=f"Open {title}", icon="➡️")


def lesson_pages() -> list[st.Page]:
    return [st.Page(path, title=title, icon=icon) for path, title, icon, _ in LESSONS]


def sidebar() -> None:
    st.sidebar.number_input("Random seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="seed",
                            help="Every page seeds its data split, initial weights and sampling with this number.")
    st.sidebar.caption(f"Device: {widgets.device_label()}")


st.set_page_config(page_title="Deep-learning playground", page_icon="🧠", layout="wide")
navigation = st.navigation([st.Page(home, title="Home", icon="🏠", default=True), *lesson_pages()])
sidebar()
routing.run(navigation)

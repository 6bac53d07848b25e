"""Entry point: routes to the lesson pages, draws the home page and the shared sidebar."""

from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from playground.thumbnails import thumbnail
from ui import guide, heap, links, presentation, routing, widgets
from ui.i18n import LANGUAGES, N_, _, browser_language

LESSONS = (  # file, title, icon, what it teaches
    ("pages/autoencoder.py", N_("Autoencoder"), "🗜️",
     N_("Squeeze digits through a bottleneck: stacked, convolutional and linear AEs, denoising, sparse and "
     "contractive variants, latent maps, and why a linear AE finds the same subspace as PCA.")),
    ("pages/vae.py", N_("VAE latent explorer"), "🧭",
     N_("Drag sliders over a continuous latent space and watch the decoder answer; the KL term, β, "
     "interpolation and sampling from the prior.")),
    ("pages/gan.py", N_("GAN trainer"), "⚔️",
     N_("Watch a generator and a discriminator play min–max on 2-D distributions and on digits; "
     "mode collapse and how to fix it.")),
    ("pages/diffusion.py", N_("Diffusion lab"), "🌫️",
     N_("Drown 2-D points and digits in noise step by step, train a network to undo one step, and sample by "
     "walking back: DDPM vs DDIM, the score field, guidance, and diffusion beside a VAE and a GAN.")),
    ("pages/rnn.py", N_("RNN sequence demo"), "🔁",
     N_("Plain RNN vs LSTM vs GRU on forecasting, classification, a character language model and long memory; "
     "vanishing gradients made visible.")),
    ("pages/embeddings.py", N_("Embedding analogies"), "🔤",
     N_("GloVe vectors: king − man + woman, neighbours, cosine similarity, projections, benchmarks, "
     "and word2vec trained live.")),
    ("pages/seq2seq.py", N_("Seq2seq & attention"), "🔀",
     N_("Translate Spanish dates to ISO with an encoder–decoder; race attention against one squeezed vector, "
     "see where it looks, compare greedy and beam search, and score with BLEU.")),
)


def home() -> None:
    st.title(_("Deep-learning playground"))
    st.write(_(
        "Train small neural networks live and watch them learn. Every page trains a real PyTorch model on real "
        "data (MNIST digits, GloVe vectors, text) while you change its hyperparameters. Press **▶ Play** to train, "
        "**⏸ Pause** to look closely, **⏭ Step** to advance a few steps, **↺ Reset** to start again."
    ))
    st.caption(_("Running on: {device}. Pretrained models load instantly, so every page shows something "
                 "meaningful before you train.").format(device=widgets.device_label()))
    columns = st.columns(2)
    for index, (page, (path, title, icon, blurb)) in enumerate(zip(lesson_pages(), LESSONS)):
        with columns[index % 2].container(border=True):
            st.subheader(f"{icon} {_(title)}")
            try:
                with st.spinner(_("Drawing the lessons' thumbnails with their pretrained models…")):
                    figure = thumbnail(Path(path).stem)  # once per server process, shared by every session
                st.plotly_chart(figure, key=f"home_{Path(path).stem}",
                                config={"staticPlot": True, "displayModeBar": False})
            except FileNotFoundError:
                st.caption(_("Its pretrained model is missing: `make pretrained` draws this thumbnail."))
            st.write(_(blurb))
            st.page_link(page, label=_("Open {lesson}").format(lesson=_(title)), icon="➡️")
    guide.home_list()


def lesson_pages() -> list[st.Page]:
    return [st.Page(path, title=_(title), icon=icon) for path, title, icon, _blurb in LESSONS]


def language_picker() -> None:
    """First in the sidebar, so that every title below is drawn in the chosen language; kept in ?lang=."""
    links.language_code()
    st.sidebar.selectbox("🌐 Idioma · Language", tuple(LANGUAGES), format_func=LANGUAGES.get, key="lang",
                         index=tuple(LANGUAGES).index(browser_language()), bind="query-params")


def sidebar() -> tuple[DeltaGenerator, DeltaGenerator]:
    """The seed and the device; returns the places of the share button and the teacher panel, drawn last."""
    st.sidebar.number_input(_("Random seed"), min_value=0, max_value=2**31 - 1, step=1,
                            help=_("Every page seeds its data split, initial weights and sampling with this number."),
                            **widgets.kept("seed"))
    presentation.toggle()
    st.sidebar.caption(_("Device: {device}").format(device=widgets.device_label()))
    return st.sidebar.container(), st.sidebar.container()


present = presentation.requested()
st.set_page_config(page_title="Deep-learning playground", page_icon="🧠", layout="wide",
                   initial_sidebar_state="collapsed" if present else "auto")
presentation.style(present)
language_picker()
navigation = st.navigation([st.Page(home, title=_("Home"), icon="🏠", default=True), *lesson_pages()])
links.begin()
guide.follow_link(navigation.url_path)
share_place, teacher_place = sidebar()
guide.panel(navigation.url_path)
links.style()
routing.run(navigation)
links.finish()
links.share(share_place)
links.teacher_panel(teacher_place)
heap.settle_after_first_run(navigation.url_path)

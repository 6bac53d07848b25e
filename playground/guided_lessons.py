"""Guided lessons: a teacher's questions, asked on the page that answers them.

A lesson is a few steps. Each step sets the page's controls (`settings`, by widget key), asks the
student to predict what will happen (one of `choices`, or a number), trains the page's panel for
`steps` steps (or only looks), measures what happened (`measure`: a trainer's history or a
model's answer) and explains it with a formula. Predicting first, then seeing, is the point:
the measurement is shown beside the prediction.

Nothing here imports Streamlit: ui/guide.py draws a lesson, through a `Lab` that reaches the
page's trainers and models, and tests run the measurements without a browser. Text is marked
with `N_` for translation and translated where it is shown (playground/wording.py).
"""

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from playground.embeddings import load_glove
from playground.rnn_lessons import sample_text
from playground.sequences import lee_corpus
from playground.trainer import Trainer
from playground.wording import N_


class Lab(Protocol):
    """What a measurement may look at: the page's trainers, its pretrained models and its controls."""

    def trainer(self, key: str) -> Trainer | None: ...

    def pretrained(self, name: str): ...

    def setting(self, key: str) -> object: ...


Measure = Callable[[Lab], float]


@dataclass(frozen=True)
class Choice:
    """One answer to a question; it came true when the measured value lies in [low, high)."""

    label: str
    low: float = -math.inf
    high: float = math.inf

    def holds(self, value: float) -> bool:
        return self.low <= value < self.high


@dataclass(frozen=True)
class Step:
    title: str
    question: str
    measured: str  # what the measurement is, e.g. "modes covered"
    measure: Measure
    explanation: str
    formula: str  # LaTeX shown with the explanation
    settings: Mapping[str, object] = field(default_factory=dict)  # widget key → value, set when the step opens
    choices: tuple[Choice, ...] = ()  # empty: the student predicts a number
    steps: int = 0  # training steps of the page's panel `panel` between the prediction and the measurement
    panel: str = ""  # the training panel's key (its lead trainer has the same key)
    percent: bool = False  # the measured value (and a numeric prediction) is a fraction shown in %
    change: bool = False  # measure the change over the step's training, not the value after it


@dataclass(frozen=True)
class Lesson:
    id: str  # its link: ?lesson=<id>
    title: str
    page: str  # the page file, e.g. "pages/gan.py"
    summary: str
    steps: tuple[Step, ...]


class NotMeasurable(ValueError):
    """The measurement has nothing to read yet (e.g. its trainer was not built): the guide says so."""


# ---- measurements --------------------------------------------------------------------------------

def metric(trainer: str, name: str, over: int = 1) -> Measure:
    """The mean of the last `over` values of `name` in the history of the trainer `trainer`."""
    def measure(lab: Lab) -> float:
        found = lab.trainer(trainer)
        values = found.history.series(name)[1][-over:] if found is not None else []
        if not values:
            raise NotMeasurable(f"{trainer} has recorded no {name!r} yet")
        return sum(values) / len(values)

    return measure


def real_word_share(model_name: str, prime: str, length: int, seed: int) -> Measure:
    """The share of the words a character model writes (at the page's temperature) that occur in its corpus."""
    def measure(lab: Lab) -> float:
        text = sample_text(lab.pretrained(model_name), prime, length, float(lab.setting("rnn_temperature")), seed)
        words = re.findall(r"[a-z]+", text.lower())
        known = corpus_words()
        return sum(word in known for word in words) / max(1, len(words))

    return measure


def corpus_words() -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]+", lee_corpus().lower()))


def analogy_rank(a: str, b: str, c: str, expected: str, k: int = 10) -> Measure:
    """Where `expected` ranks among GloVe's answers to a − b + c (3CosAdd); k + 1 when not in the top k."""
    def measure(lab: Lab) -> float:
        words = [match.word for match in load_glove().analogy(a, b, c, k=k)]
        return float(words.index(expected) + 1 if expected in words else k + 1)

    return measure


# ---- the lessons ---------------------------------------------------------------------------------

LINEAR_AE = r"\min_{W, W'} \sum_n \lVert x_n - W' W x_n \rVert^2 \;\Longrightarrow\; \operatorname{span}(W') = \operatorname{span}(u_1, u_2)"
KL = (r"D_{KL}\big(\mathcal N(\mu, \sigma^2)\,\|\,\mathcal N(0, I)\big)"
      r" = \tfrac12 \sum_j \left(\sigma_j^2 + \mu_j^2 - 1 - \log \sigma_j^2\right)")
BETA_LOSS = r"\mathcal L = \text{reconstruction} + \beta \cdot D_{KL}\big(q_\phi(z|x)\,\|\,\mathcal N(0, I)\big)"
K_STEPS = r"\text{repeat: } k \times \big[\text{ascend } \nabla_{\theta_D} V\big] \text{ then } 1 \times \big[\text{descend } \nabla_{\theta_G} L_G\big]"
D_STAR = (r"D^*(x) = \frac{p_r(x)}{p_r(x) + p_g(x)} \overset{p_g = p_r}{=} \tfrac12, \qquad "
          r"L_D = -\log D^*(x) - \log\big(1 - D^*(G(z))\big) = 2 \log 2 \approx 1.386")
GRADIENT = r"\frac{\partial \ell_T}{\partial h_t} = \frac{\partial \ell_T}{\partial h_T} \prod_{k=t+1}^{T} \frac{\partial h_k}{\partial h_{k-1}}"
CELL_STATE = r"c_t = f_t \odot c_{t-1} + i_t \odot g_t \quad\Rightarrow\quad \frac{\partial c_t}{\partial c_{t-1}} = f_t \approx 1"
SOFTMAX_T = r"p_i = \frac{\exp(z_i / \tau)}{\sum_j \exp(z_j / \tau)}"
KL_BANDS = (Choice(N_("below 5"), high=5), Choice(N_("5 to 20"), 5, 20), Choice(N_("above 20"), 20))  # nats
ANALOGY = r"\hat x = \arg\max_{x \notin \{a, b, c\}} \cos(x,\; a - b + c)"

LESSONS = (
    Lesson(
        "linear_ae_pca", N_("A linear autoencoder finds PCA's plane"), "pages/autoencoder.py",
        N_("Train a linear autoencoder on a 3-D cloud and measure the angle between its plane and PCA's."),
        (
            Step(N_("The angle to PCA"),
                 N_("A linear autoencoder with a 2-number code, trained on squared error: after 400 steps, how many "
                    "degrees will its plane be from the plane of PCA's first two components?"),
                 N_("largest principal angle (°)"), metric("ae_pca", "principal angle (°)"),
                 N_("The best a linear map through 2 numbers can do under squared error is to project onto the top "
                    "principal plane, and gradient descent gets there (Baldi & Hornik, 1989): the angle falls towards "
                    "0°. The codes themselves are only a linear mix of the principal coordinates."),
                 LINEAR_AE, settings={"ae_section": "Linear AE = PCA", "seed": 3}, steps=400, panel="ae_pca"),
        ),
    ),
    Lesson(
        "ae_vs_vae", N_("Autoencoder or VAE: a latent space without gaps"), "pages/vae.py",
        N_("Train the same network with and without the KL term and see how far its codes spread."),
        (
            Step(N_("No KL term"),
                 N_("β = 0: the network is an autoencoder with noise, nothing pulls its codes together. After 300 "
                    "steps, how far from N(0, I) will the test images' codes be, as a KL divergence?"),
                 N_("test KL (nats)"), metric("vae", "test kl"),
                 N_("Without the KL term the codes drift apart wherever reconstruction likes them: a large, uneven "
                    "cloud with empty regions that decode to nothing in particular."),
                 KL, settings={"vae_section": "Train", "vae_dataset": "Digits 8×8", "vae_latent_dim": 2,
                               "vae_kl_weight": 0.0, "seed": 3},
                 choices=KL_BANDS,
                 steps=300, panel="vae"),
            Step(N_("The KL term on"),
                 N_("The same run goes on with β = 1, the ELBO. After 300 more steps, will the KL be…"),
                 N_("test KL (nats)"), metric("vae", "test kl"),
                 N_("The KL term charges every code for leaving N(0, I), so the Gaussians overlap and the cloud "
                    "closes up: every point between codes now decodes to a digit. That is what lets a VAE "
                    "interpolate and sample."),
                 KL, settings={"vae_kl_weight": 1.0},
                 choices=KL_BANDS,
                 steps=300, panel="vae"),
        ),
    ),
    Lesson(
        "beta_kl", N_("β: how much the KL term weighs"), "pages/vae.py",
        N_("Raise β and watch the reconstruction pay for a tidier latent space."),
        (
            Step(N_("β = 1"),
                 N_("A VAE with β = 1 trains 300 steps on the 8×8 digits. What will the test reconstruction loss be "
                    "(per image)?"),
                 N_("test reconstruction loss"), metric("vae", "test reconstruction"),
                 N_("This is the ELBO's trade: reconstruction against the KL from the prior."),
                 BETA_LOSS, settings={"vae_section": "Train", "vae_dataset": "Digits 8×8", "vae_latent_dim": 2,
                                      "vae_kl_weight": 1.0, "seed": 3},
                 steps=300, panel="vae"),
            Step(N_("β = 8"),
                 N_("Now β = 8 for 300 more steps. The reconstruction loss will…"),
                 N_("test reconstruction loss"), metric("vae", "test reconstruction"),
                 N_("With β = 8 every nat of KL costs eight times as much, so the encoder keeps its codes close to "
                    "N(0, I) and carries less about each image: reconstructions blur and the loss rises."),
                 BETA_LOSS, settings={"vae_kl_weight": 8.0},
                 choices=(Choice(N_("fall"), high=0), Choice(N_("rise"), 0)), steps=300, panel="vae", change=True),
        ),
    ),
    Lesson(
        "mode_collapse", N_("Mode collapse, and its fix"), "pages/gan.py",
        N_("A generator that learns 20× faster than its judge piles its samples on one spot; k = 5 D steps fix it."),
        (
            Step(N_("G outruns D"),
                 N_("The mode collapse preset: G learns 20× faster than D. After 1,000 steps, how many of the "
                    "ring's 8 modes will G cover?"),
                 N_("modes covered"), metric("gan", "modes covered"),
                 N_("D is a slow, smooth judge with one best-looking spot, and G throws all its samples onto it; by "
                    "the time D turns against that spot, G jumps to the next one. Few modes are ever covered."),
                 K_STEPS, settings={"gan_section": "2-D game", "gan_distribution": "ring of 8",
                                    "gan_preset": "mode collapse", "seed": 1},
                 steps=1000, panel="gan"),
            Step(N_("k = 5 D steps per G step"),
                 N_("Same learning rates, but D now takes 5 steps for each of G's. After 1,000 steps, how many modes?"),
                 N_("modes covered"), metric("gan", "modes covered"),
                 N_("D keeps up: it tells G where every mode is, and any spot G piles onto is quickly marked fake, "
                    "so G has to spread out."),
                 K_STEPS, settings={"gan_preset": "fix: k = 5 D steps"}, steps=1000, panel="gan"),
        ),
    ),
    Lesson(
        "d_star", N_("D* = ½ and the 2·log 2 loss"), "pages/gan.py",
        N_("When the generator matches the data, the best discriminator can only guess."),
        (
            Step(N_("Where D's loss settles"),
                 N_("The preset that works, 1,000 steps. Where will D's loss settle (mean of the last 50 steps)?"),
                 N_("D loss (mean of the last 50 steps)"), metric("gan", "D loss", over=50),
                 N_("At the equilibrium p_g = p_r, so the best D answers ½ everywhere and pays −log ½ twice: on the "
                    "real and on the fake half of its batch."),
                 D_STAR, settings={"gan_section": "2-D game", "gan_distribution": "ring of 8",
                                   "gan_preset": "it works", "seed": 3},
                 steps=1000, panel="gan"),
            Step(N_("What D says about real data"),
                 N_("200 more steps. What will D say, on average, about real points?"),
                 N_("mean D(x), last 50 steps"), metric("gan", "D(x)", over=50),
                 N_("D(x) hovers at ½: it cannot tell real from fake any more."),
                 D_STAR, choices=(Choice(N_("near 0"), high=0.25), Choice(N_("near ½"), 0.25, 0.75),
                                  Choice(N_("near 1"), 0.75)),
                 steps=200, panel="gan"),
        ),
    ),
    Lesson(
        "vanishing_gradients", N_("Vanishing gradients: RNN against LSTM"), "pages/rnn.py",
        N_("Remember one symbol for 50 steps: the plain RNN's gradient fades, the LSTM's cell state carries it."),
        (
            Step(N_("The plain RNN"),
                 N_("The answer was shown 49 steps ago; chance is 25 %. After 300 steps, what accuracy will the plain "
                    "RNN reach on the test sequences?"),
                 N_("plain RNN test accuracy"), metric("rnn_memory_rnn", "test accuracy"),
                 N_("The error at the last step reaches step 1 through 49 Jacobians whose product shrinks "
                    "geometrically: the RNN never learns what to keep and stays near chance."),
                 GRADIENT, settings={"rnn_task": "memory", "rnn_section": "Train", "rnn_memory_cell": "RNN",
                                     "rnn_memory_compare": True, "rnn_memory_length": 50, "seed": 3},
                 steps=300, panel="rnn", percent=True),
            Step(N_("The LSTM beside it"),
                 N_("The LSTM trained on the same batches. Its accuracy after those steps was…"),
                 N_("LSTM test accuracy"), metric("rnn_memory_lstm", "test accuracy"),
                 N_("The LSTM's memory travels in its cell state c_t, added to rather than multiplied at each step; "
                    "with the forget gate near 1 the gradient reaches step 1 intact."),
                 CELL_STATE, choices=(Choice(N_("near chance (25 %)"), high=0.4), Choice(N_("well above chance"), 0.4)),
                 panel="rnn", percent=True),
        ),
    ),
    Lesson(
        "temperature", N_("Temperature in a character language model"), "pages/rnn.py",
        N_("Divide the logits by τ before the softmax: safe and repetitive, or inventive and misspelt."),
        (
            Step(N_("A low temperature"),
                 N_("The pretrained LSTM writes 300 characters at τ = 0.2. What share of its words are real words of "
                    "its corpus?"),
                 N_("real words"), real_word_share("rnn_char_lee", "The government ", 300, 3),
                 N_("At a low τ the softmax is nearly an arg-max: the model repeats its safest words."),
                 SOFTMAX_T, settings={"rnn_task": "char", "rnn_section": "Generate text", "rnn_char_source":
                                      "pretrained", "rnn_temperature": 0.2}, percent=True),
            Step(N_("A high temperature"),
                 N_("Now τ = 1.5. What share of real words?"),
                 N_("real words"), real_word_share("rnn_char_lee", "The government ", 300, 3),
                 N_("A high τ flattens the distribution: unlikely characters get drawn, and words fall apart."),
                 SOFTMAX_T, settings={"rnn_temperature": 1.5}, percent=True),
        ),
    ),
    Lesson(
        "analogies", N_("king − man + woman, and where analogies fail"), "pages/embeddings.py",
        N_("Vector arithmetic on GloVe finds queen, and misses smaller."),
        (
            Step(N_("king − man + woman"),
                 N_("Where will “queen” rank among the words closest to king − man + woman?"),
                 N_("rank of “queen”"), analogy_rank("king", "man", "woman", "queen"),
                 N_("The offset man → woman runs nearly parallel to king → queen, so the sum lands next to queen."),
                 ANALOGY, settings={"emb_section": "Analogies", "emb_analogy_preset": "king − man + woman",
                                    "emb_analogy_0": "king", "emb_analogy_1": "man", "emb_analogy_2": "woman"},
                 choices=(Choice(N_("first"), high=2), Choice(N_("in the top 10"), 2, 11),
                          Choice(N_("not in the top 10"), 11))),
            Step(N_("bigger − big + small"),
                 N_("And “smaller” for bigger − big + small?"),
                 N_("rank of “smaller”"), analogy_rank("bigger", "big", "small", "smaller"),
                 N_("GloVe answers “larger”: big and small occur in the same contexts, so their offset is short and "
                    "noisy, and the comparative of big wins. An analogy holds only where one direction carries the "
                    "relation."),
                 ANALOGY, settings={"emb_analogy_preset": "bigger − big + small", "emb_analogy_0": "bigger",
                                    "emb_analogy_1": "big", "emb_analogy_2": "small"},
                 choices=(Choice(N_("first"), high=2), Choice(N_("in the top 10"), 2, 11),
                          Choice(N_("not in the top 10"), 11))),
        ),
    ),
)
BY_ID = {lesson.id: lesson for lesson in LESSONS}

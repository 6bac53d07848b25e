"""Every request has a budget: what one student's click may cost the server the whole class shares.

A class runs one server process on a few cores. A request that took a gigabyte or a minute
of CPU would stall every other student, so each control, text box and upload is checked
against the numbers below *before* anything is allocated, and a request over budget gets a
message naming the setting to lower. The budget of one request on a 2-core class server:

    peak memory growth ≤ 300 MB,    CPU held at once ≤ 2 s

Training is estimated from three numbers each model family states (`Cost`, in the lesson
modules' `step_cost`), from formulas, never by building the model:

    P  parameters: each float32 weight also has a gradient, two Adam moments, a start copy
       and optimiser temporaries                                    →  memory 4 bytes × 6 P
    A  activations: numbers one training step keeps for its backward pass, with their
       gradients and temporaries                                    →  memory 4 bytes × 3 A
    F  FLOPs of one training step: backward ≈ 2 × forward, so 3 × forward, plus the
       forward passes of the evaluation that may follow it

    4 bytes × (6 P + 3 A) ≤ 300 MB,    P ≤ 8 M,    F ≤ 40 GFLOP (≈ 0.5 s on one core at ~80 GFLOP/s)

Every trainer on screen takes at least one step per refresh, so a page that trains models
side by side checks the sum of their costs. The other families are counts: characters in a
box, words, pairs, points in a figure, bytes of an upload (see the constants below).
"""

from dataclasses import dataclass

from playground.wording import _

MEMORY_BYTES = 300 * 2**20  # peak memory one request may add
STEP_FLOPS = 40e9  # one refresh's training, every trainer on screen together
FLOPS_PER_SECOND = 80e9  # one core of the 2-core machine these budgets were measured on (float32 matmul)
MAX_PARAMETERS = 8_000_000  # weights of any model built or uploaded (32 MB of float32)

# ---- uploads ----------------------------------------------------------------------------------
UPLOAD_MEGABYTES = 20  # = server.maxUploadSize in .streamlit/config.toml; our checkpoints are < 5 MB
HEADER_BYTES = 64 * 2**10  # a playground checkpoint's JSON header is ~2 KB; JSON is parsed only below this
MAX_TENSORS = 256  # entries in a checkpoint (the largest model here has ~30)

# ---- text: every box has max_chars, every list a count ----------------------------------------
MESSAGE_CHARACTERS = 300  # user text quoted in a message (a file name, a word, a model name) is cut here
WORD_CHARACTERS = 64  # one word box (GloVe's longest words are ~60-character URLs)
EXPRESSION_CHARACTERS = 200  # "king - man + woman"
EXPRESSION_TERMS = 10  # words in one expression
PAIRS_CHARACTERS = 2_000  # the projection's list of pairs
MAX_PAIRS = 50  # 100 points: t-SNE stays well under a second
ONE_HOT_CHARACTERS = 400  # the one-hot vocabulary box
ONE_HOT_WORDS = 30  # three N × N heat-maps, 2,700 cells (their JSON grows as N²)
UNKNOWN_WORDS_SHOWN = 3  # unknown words that get a message and spelling suggestions (~50 ms each) per request
HIDDEN_SIZES_CHARACTERS = 60  # the autoencoder's "128, 32" box
MAX_HIDDEN_LAYERS = 6  # entries in it
CHARACTER_VOCABULARY = 300  # distinct characters a character model may have (its softmax's width)
SAMPLED_UNITS = 256 * 3 * 300  # characters written × layers × hidden units per request (≈ 0.7 s for an LSTM)

# ---- long work: sliced (ui.widgets.JOB_SLICE_SECONDS at a time) or capped  ---------------------
TSNE_POINTS = 300  # a t-SNE map of this many points takes ~1 s of CPU; more are left out


class OverBudget(ValueError):
    """A request the class server refuses before allocating anything; the message says what to lower."""


@dataclass(frozen=True)
class Cost:
    """What a request holds and does: parameters P, activations A kept for backward, FLOPs F."""

    parameters: int = 0
    activations: int = 0
    flops: float = 0.0

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.parameters + other.parameters, self.activations + other.activations, self.flops + other.flops)

    @property
    def memory_bytes(self) -> int:
        return 4 * (6 * self.parameters + 3 * self.activations)


def repeated(cost: Cost, times: int) -> Cost:
    """The same layer applied `times` times (at every step of a sequence): its parameters count once."""
    return Cost(cost.parameters, cost.activations * times, cost.flops * times)


def training_step(per_sample: Cost, batch_size: int, evaluated: int = 0) -> Cost:
    """One update from a model's per-sample forward cost: backward ≈ 2 × forward, then an evaluation
    forward pass over `evaluated` test samples (it keeps no activations: no_grad)."""
    return Cost(per_sample.parameters, per_sample.activations * batch_size,
                per_sample.flops * (3 * batch_size + evaluated))


def check(cost: Cost, lower: str) -> None:
    """OverBudget, naming the settings to `lower` (N_-marked where it is written), when `cost` exceeds the budget."""
    if cost.parameters > MAX_PARAMETERS:
        raise OverBudget(_("This model would have {parameters} parameters; the class server's budget is {budget}. "
                           "Lower {lower}.").format(parameters=f"{cost.parameters:,}", budget=f"{MAX_PARAMETERS:,}",
                                                    lower=_(lower)))
    if cost.memory_bytes > MEMORY_BYTES:
        raise OverBudget(_("A training step would need about {megabytes} MB; the class server's budget is {budget} MB "
                           "per request. Lower {lower}.").format(megabytes=f"{cost.memory_bytes / 2**20:,.0f}",
                                                                 budget=MEMORY_BYTES // 2**20, lower=_(lower)))
    if cost.flops > STEP_FLOPS:
        raise OverBudget(_("A training step would take about {gflop} GFLOP (≈ {seconds} s of CPU at every refresh); "
                           "the class server's budget is {budget} GFLOP. Lower {lower}.").format(
                               gflop=f"{cost.flops / 1e9:,.0f}", seconds=f"{cost.flops / FLOPS_PER_SECOND:,.1f}",
                               budget=f"{STEP_FLOPS / 1e9:.0f}", lower=_(lower)))


# ---- per-sample forward costs of the layers every family is made of ---------------------------

def dense(widths: list[int]) -> Cost:
    """Linear layers widths[0] → widths[1] → …: P = Σ (wᵢ + 1) wᵢ₊₁, F = 2 Σ wᵢ wᵢ₊₁,
    A = the input and every layer's output (each is kept for the backward pass)."""
    pairs = list(zip(widths, widths[1:]))
    return Cost(sum((a + 1) * b for a, b in pairs), sum(widths), 2 * sum(a * b for a, b in pairs))


def convolution(channels_in: int, channels_out: int, kernel: int, positions: int, outputs: int) -> Cost:
    """A k×k convolution visiting `positions` places (output places; input places when transposed),
    each a (C_in·k²) × C_out product, and keeping the `outputs` numbers it writes."""
    weights = channels_in * channels_out * kernel**2
    return Cost(weights + channels_out, outputs, 2 * weights * positions)


def recurrent(gates: int, kept_per_unit: int, inputs: int, hidden: int, layers: int, steps: int) -> Cost:
    """`layers` recurrent layers of `hidden` units over `steps` steps; each step of each layer multiplies
    [x_t, h_{t-1}] by the (I + H) × gates·H matrix and keeps `kept_per_unit` numbers per unit."""
    widths = [inputs] + [hidden] * (layers - 1)
    parameters = sum(gates * hidden * (width + hidden + 2) for width in widths)
    flops = steps * sum(2 * gates * hidden * (width + hidden) for width in widths)
    return Cost(parameters, steps * layers * hidden * kept_per_unit, flops)

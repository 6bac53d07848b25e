"""Family 3, latent explorer latency: one slider move on the VAE page, from z to the image sent.

The page's decoder panel (pages/vae.py, a fragment) decodes z with the pretrained MNIST VAE
on the CPU (`load_pretrained` returns a CPU model), enlarges it with `ink` and hands it
to `st.image`, which encodes a PNG. We time exactly that: decode + ink + PNG encode.
Goal < 20 ms, for the median and for the 95th percentile.
"""

import io
import itertools

import numpy as np
import torch
from PIL import Image

from bench.table import Goal, Row
from bench.timing import latencies_ms
from playground import vae_lessons
from playground.figures.vae import ink
from playground.pretrain import load_pretrained

MODEL = "vae_mnist_2d"  # the page's default model
IMAGE_PIXELS = 196  # pages/vae.py shows the decoded digit this wide
REPEATS = 300
Z_RANGE = 4.0


def slider_move(model: torch.nn.Module, z: np.ndarray) -> bytes:
    """What one move of a slider costs the server: decode, enlarge, encode as PNG."""
    image = vae_lessons.decode(model, z)  # (1, 28, 28)
    pixels = ink(image, IMAGE_PIXELS // image.shape[-1])[0]  # (196, 196) uint8
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def measure(device: torch.device, repeats: int = REPEATS) -> list[Row]:
    model = load_pretrained(MODEL)
    codes = itertools.cycle(np.random.default_rng(0).uniform(-Z_RANGE, Z_RANGE, (repeats, model.config.latent_dim)))
    total = latencies_ms(lambda: slider_move(model, next(codes)), repeats, torch.device("cpu"))
    decode_only = latencies_ms(lambda: vae_lessons.decode(model, next(codes)), 5, torch.device("cpu"), warmup=0)
    note = (f"pretrained {MODEL} on the CPU as the page loads it; decode + ink + PNG encode ({IMAGE_PIXELS} px, what "
            f"st.image sends) over {repeats} random z; decode alone ≈ {np.median(decode_only):.2f} ms. "
            "Not counted: Streamlit's fragment rerun (8 sliders) and the browser round trip.")
    goal = Goal("<", 20, on="ours")
    return [
        Row("latent explorer: slider → image, median", float(np.median(total)), "ms", goal=goal, note=note,
            extra={"latencies_ms": total.tolist()}),
        Row("latent explorer: slider → image, p95", float(np.percentile(total, 95)), "ms", goal=goal),
    ]

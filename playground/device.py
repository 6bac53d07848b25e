"""Where tensors live: CUDA, then Apple MPS, then the CPU.

`PLAYGROUND_DEVICE` overrides the choice (e.g. `cpu` to compare speeds), and
`PLAYGROUND_THREADS` caps the CPU threads one process uses, so that a server
shared by a classroom does not let one session take every core.
"""

import os
from functools import lru_cache

import torch

DEFAULT_CPU_THREADS = 1  # a class shares one server: spinning thread pools of many sessions fight for the cores


def pick_device(override: str | None = None) -> torch.device:
    """The best available device, or the one named by `override` / $PLAYGROUND_DEVICE."""
    name = override or os.environ.get("PLAYGROUND_DEVICE", "").strip().lower()
    if name:
        if name.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"PLAYGROUND_DEVICE={name!r} but CUDA is not available here")
        if name == "mps" and not torch.backends.mps.is_available():
            raise ValueError("PLAYGROUND_DEVICE='mps' but Apple MPS is not available here")
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def cap_cpu_threads(threads: int | None = None) -> int:
    """Limit torch's intra-op threads to `threads` (or $PLAYGROUND_THREADS) and return it."""
    wanted = threads or int(os.environ.get("PLAYGROUND_THREADS", DEFAULT_CPU_THREADS))
    count = max(1, min(wanted, os.cpu_count() or 1))
    torch.set_num_threads(count)
    return count


def describe(device: torch.device) -> str:
    """A short human label for the sidebar, e.g. 'CUDA · NVIDIA H100' or 'CPU · 2 threads'."""
    if device.type == "cuda":
        return f"CUDA · {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "Apple MPS"
    threads = torch.get_num_threads()
    return f"CPU · {threads} thread{'' if threads == 1 else 's'}"


@lru_cache(maxsize=1)
def server_device() -> torch.device:
    """The device a server process trains on, chosen once, after capping its CPU threads."""
    cap_cpu_threads()
    return pick_device()

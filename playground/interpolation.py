"""Paths between two latent codes, shared by the VAE explorer and the GAN's noise slider.

    lerp(a, b; t)  = (1 − t)·a + t·b
    slerp(a, b; t) = sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b,   cos Ω = a·b / (|a||b|)

Under a Gaussian prior most mass lies on a shell; the straight line between two codes
cuts inside it, where the decoder or generator has seen little, while the great arc
(White 2016, "Sampling Generative Networks") keeps the codes' norms.
"""

import numpy as np


def lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Codes (T, D) on the straight line from a to b (each (D,)) at fractions t (T,)."""
    t = np.asarray(t, dtype=np.float32)[:, None]
    return ((1 - t) * a + t * b).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Codes (T, D) on the great arc from a to b at fractions t (T,).

    Parallel, opposite or zero codes have no unique arc (sin Ω ≈ 0): the line is returned.
    """
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    omega = np.arccos(np.clip(np.dot(a, b) / norms, -1, 1)) if norms > 0 else 0.0
    if np.sin(omega) < 1e-6:
        return lerp(a, b, t)
    t = np.asarray(t, dtype=np.float32)[:, None]
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(np.float32)

"""What every lesson does with a model outside training: find its device, run it in eval mode.

Inference must leave a model as it found it: a page may draw from the very model a
trainer is about to step, so `evaluating` restores train mode afterwards.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


def device_of(model: nn.Module) -> torch.device:
    """The device a model's parameters live on (inputs must go there)."""
    return next(model.parameters()).device


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Eval mode (batch norm's running statistics) and no autograd, then the model's old mode back."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)

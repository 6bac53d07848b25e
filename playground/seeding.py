"""Initial weights drawn from a run's own generator, never from torch's process-wide one.

A class server runs every student's trainer in one process. torch's global generator is
shared by all of them, so a model built with `nn.Linear(...)` as usual takes whatever
numbers the other sessions left in it: "same seed, same run" would hold only for a
student alone. `seeded(Model, config)` builds the model on the `meta` device (no numbers
drawn at all), allocates it, and draws every parameter from the `torch.Generator` it is
given, with the same distributions torch's own `reset_parameters` use:

    Linear, Conv, ConvTranspose:  W ~ U(−1/√fan_in, 1/√fan_in)  (kaiming_uniform with a = √5),
                                  b ~ U(−1/√fan_in, 1/√fan_in)
    RNN, LSTM, GRU (and cells):   every weight and bias ~ U(−1/√H, 1/√H)
    Embedding:                    N(0, 1), the padding row zero
    MultiheadAttention:           Xavier-uniform projections, zero biases
    LayerNorm, BatchNorm, …:      ones and zeros (deterministic)

A module that initialises something its own way (a gate bias, word2vec's small vectors)
does it in `init_weights(generator)`, called after its children's; its constructor calls
the same method without a generator, so building it directly (a notebook) works as usual.
"""

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

Builder = Callable[[torch.Generator], nn.Module]  # what a Trainer rebuilds its model with
CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
NORMS = (nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.RMSNorm)


def seeded(model_class: Callable[[Any], nn.Module], config: Any) -> Builder:
    """A builder of `model_class(config)` whose weights come only from the generator it is called with."""

    def build(generator: torch.Generator) -> nn.Module:
        with torch.device("meta"):
            model = model_class(config)
        model.to_empty(device=generator.device)
        initialise(model, generator)
        return model

    return build


@torch.no_grad()
def initialise(model: nn.Module, generator: torch.Generator) -> None:
    """Draw every parameter of `model` from `generator`; TypeError for a layer it does not know.

    Children are initialised before their parents, so a parent's rule (attention's zero output
    bias) has the last word, as in torch.
    """
    for module in reversed(list(model.modules())):
        _initialise_module(module, generator)
        if hasattr(module, "init_weights"):
            module.init_weights(generator)


def _initialise_module(module: nn.Module, generator: torch.Generator) -> None:
    if isinstance(module, (nn.Linear, *CONVOLUTIONS)):
        nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)  # U(±1/√fan_in)
        if module.bias is not None:
            bound = 1 / math.sqrt(_fan_in(module.weight)) if _fan_in(module.weight) else 0.0
            nn.init.uniform_(module.bias, -bound, bound, generator=generator)
    elif isinstance(module, (nn.RNNBase, nn.RNNCellBase)):
        bound = 1 / math.sqrt(module.hidden_size)
        for parameter in module.parameters(recurse=False):
            nn.init.uniform_(parameter, -bound, bound, generator=generator)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, generator=generator)
        if module.padding_idx is not None:
            module.weight[module.padding_idx].zero_()
    elif isinstance(module, nn.MultiheadAttention):
        _initialise_attention(module, generator)
    elif isinstance(module, NORMS):
        module.reset_parameters()  # ones and zeros, and fresh running statistics
    elif hasattr(module, "init_weights"):
        return  # the module draws its own parameters (called by `initialise`)
    elif any(True for _ in module.parameters(recurse=False)) or any(True for _ in module.buffers(recurse=False)):
        raise TypeError(f"seeding does not know how to initialise {type(module).__name__}; "
                        "give the model an init_weights(generator) that does")


def _fan_in(weight: torch.Tensor) -> int:
    """Inputs feeding one output: weight.shape[1] × the kernel's size (torch's rule for its bias bound)."""
    return weight.shape[1] * math.prod(weight.shape[2:])


def _initialise_attention(module: nn.MultiheadAttention, generator: torch.Generator) -> None:
    """torch's MultiheadAttention._reset_parameters, drawn from `generator`."""
    projections = (module.in_proj_weight, module.q_proj_weight, module.k_proj_weight, module.v_proj_weight)
    for weight in (w for w in projections if w is not None):
        nn.init.xavier_uniform_(weight, generator=generator)
    if module.in_proj_bias is not None:
        nn.init.zeros_(module.in_proj_bias)
        nn.init.zeros_(module.out_proj.bias)
    for extra in (module.bias_k, module.bias_v):
        if extra is not None:
            nn.init.xavier_normal_(extra, generator=generator)

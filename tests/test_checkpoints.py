"""Checkpoints: safetensors + JSON round trip; uploads never unpickle."""

import pickle
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from playground.checkpoints import from_bytes, load_checkpoint, save_checkpoint, to_bytes


@dataclass(frozen=True)
class TinyConfig:
    sizes: tuple[int, ...] = (3, 4, 2)  # a tuple, to check it survives JSON's lists


class Tiny(nn.Module):
    def __init__(self, config: TinyConfig):
        super().__init__()
        self.config = config
        self.layers = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(config.sizes, config.sizes[1:])])


class Other(Tiny):
    pass


def test_round_trip_on_disk_keeps_weights_and_config(tmp_path):
    model = Tiny(TinyConfig((3, 5, 2)))
    save_checkpoint(model, tmp_path / "tiny")
    assert (tmp_path / "tiny.safetensors").exists() and (tmp_path / "tiny.json").exists()
    loaded = load_checkpoint(tmp_path / "tiny", Tiny, TinyConfig)
    assert loaded.config == model.config and not loaded.training
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)


def test_round_trip_as_one_downloadable_file():
    model = Tiny(TinyConfig())
    loaded = from_bytes(to_bytes(model), Tiny, TinyConfig)
    x = torch.randn(2, 3)
    assert torch.equal(loaded.layers(x), model.layers(x))


@pytest.mark.parametrize("payload", [b"", b"not a checkpoint", pickle.dumps({"weights": [1, 2]}), b"\xff" * 64])
def test_anything_else_is_refused_with_a_message(payload):
    with pytest.raises(ValueError, match="not a playground"):
        from_bytes(payload, Tiny, TinyConfig)


def test_a_checkpoint_of_another_model_is_refused():
    with pytest.raises(ValueError, match="not a 'Other'"):
        from_bytes(to_bytes(Tiny(TinyConfig())), Other, TinyConfig)

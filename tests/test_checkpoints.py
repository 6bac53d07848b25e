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


def test_a_config_of_the_wrong_types_or_shape_is_refused_before_any_model_is_built():
    from playground.checkpoints import config_from_json

    assert config_from_json(TinyConfig, {"sizes": [3, 2]}) == TinyConfig((3, 2))
    for saved, says in ([1, 2], "config is list"), ("x", "config is str"), (None, "config is NoneType"), \
            ({"sizes": "32"}, "must be a list"), ({"sizes": [3, True]}, "must be int"), ({"width": 3}, "does not know"):
        with pytest.raises(ValueError, match=says):
            config_from_json(TinyConfig, saved)


def test_an_upload_over_the_parameter_budget_is_refused_from_its_header_alone():
    import json

    import safetensors.torch

    from playground.budgets import OverBudget

    claim = safetensors.torch.save({"w": torch.zeros(1)}, metadata={"playground": json.dumps(
        {"model": "Tiny", "config": {"sizes": [3, 4000, 4000]}})})  # 16 M parameters in a 200-byte file
    with pytest.raises(OverBudget, match="16,0"):
        from_bytes(claim, Tiny, TinyConfig)


def test_a_loaded_model_holds_the_files_tensors_and_refuses_nan():
    model = Tiny(TinyConfig())
    loaded = from_bytes(to_bytes(model), Tiny, TinyConfig)
    assert all(p.device.type == "cpu" and p.requires_grad for p in loaded.parameters())
    with torch.no_grad():
        model.layers[0].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite"):
        from_bytes(to_bytes(model), Tiny, TinyConfig)

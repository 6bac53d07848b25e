"""Weights as safetensors beside a JSON config: nothing is ever unpickled.

Every model keeps its frozen dataclass config in `model.config`, so a checkpoint is
`{name}.safetensors` (tensors only) plus `{name}.json` (`{"model": class, "config": ...}`),
and loading is `Model(Config(**saved_config))` followed by `load_state_dict`. The same
pair travels as one file for downloads and uploads, the JSON riding in the safetensors
header's metadata.
"""

import json
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar

import safetensors.torch
from torch import nn

from playground.wording import _

ModelT = TypeVar("ModelT", bound=nn.Module)

def _header(model: nn.Module) -> dict:
    return {"model": type(model).__name__, "config": asdict(model.config)}

def _tensors(model: nn.Module) -> dict:
    return {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}

def _rebuild(header: dict, tensors: dict, model_class: type[ModelT], config_class: type) -> ModelT:
    if header.get("model") != model_class.__name__:
        raise ValueError(_("this checkpoint holds a {found}, not a {expected}").format(
            found=repr(header.get("model")), expected=repr(model_class.__name__)))
    config = config_class(**{k: tuple(v) if isinstance(v, list) else v for k, v in header["config"].items()})
    model = model_class(config)
    model.load_state_dict(tensors)
    return model.eval()

def save_checkpoint(model: nn.Module, path: str | Path) -> None:
    """Write `path.safetensors` and `path.json` (path without suffix)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safetensors.torch.save_file(_tensors(model), str(path.with_suffix(".safetensors")))
    path.with_suffix(".json").write_text(json.dumps(_header(model), indent=2, sort_keys=True) + "\n")

def load_checkpoint(path: str | Path, model_class: type[ModelT], config_class: type) -> ModelT:
    """Rebuild a model saved by `save_checkpoint` (on the CPU, in eval mode)."""
    path = Path(path)
    header = json.loads(path.with_suffix(".json").read_text())
    return _rebuild(header, safetensors.torch.load_file(str(path.with_suffix(".safetensors"))), model_class, config_class)

def to_bytes(model: nn.Module) -> bytes:
    """One downloadable .safetensors file, its config in the header metadata."""
    return safetensors.torch.save(_tensors(model), metadata={"playground": json.dumps(_header(model))})

def from_bytes(data: bytes, model_class: type[ModelT], config_class: type) -> ModelT:
    """Rebuild a model from `to_bytes` output; anything else raises ValueError, never unpickles."""
    try:
        tensors = safetensors.torch.load(data)
        header_len = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + header_len]).get("__metadata__", {})
        header = json.loads(metadata["playground"])
    except Exception as error:  # malformed bytes raise many kinds of errors
        raise ValueError(_("this is not a playground .safetensors checkpoint")) from error
    try:
        return _rebuild(header, tensors, model_class, config_class)
    except (TypeError, RuntimeError, KeyError) as error:
        raise ValueError(_("this checkpoint does not fit a {model}: {error}").format(
            model=model_class.__name__, error=error)) from error

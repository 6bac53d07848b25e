"""Weights as safetensors beside a JSON config: nothing is ever unpickled.

Every model keeps its frozen dataclass config in `model.config`, so a checkpoint is
`{name}.safetensors` (tensors only) plus `{name}.json` (`{"model": class, "config": ...}`),
and loading is `Model(Config(**saved_config))` followed by `load_state_dict`. The same
pair travels as one file for downloads and uploads, the JSON riding in the safetensors
header's metadata.

An upload is checked before anything is allocated, cheapest first: its size, the size and
structure of its header (whatever JSON it holds), the config's settings and their types,
the model's parameter budget (playground.budgets) counted on the `meta` device, where
building a model allocates nothing, and every tensor's name, shape and dtype against that
model. Only then are the tensors read, checked for NaN and ±inf, and handed to the meta
model (`load_state_dict(assign=True)`), so the weights are never allocated twice.
"""

import json
import math
import typing
from dataclasses import asdict, fields
from pathlib import Path
from typing import TypeVar

import safetensors.torch
import torch
from torch import nn

from playground import budgets
from playground.wording import N_, _

ModelT = TypeVar("ModelT", bound=nn.Module)
DTYPES = {torch.float32: "F32", torch.int64: "I64"}  # what our models' state dicts hold, as safetensors names them
NOT_A_CHECKPOINT = N_("this is not a playground .safetensors checkpoint")
Index = dict[str, tuple[list[int], str]]  # tensor name -> (shape, dtype), read from the header alone


def _header(model: nn.Module) -> dict:
    return {"model": type(model).__name__, "config": asdict(model.config)}


def _tensors(model: nn.Module) -> dict:
    return {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}


def config_from_json(config_class: type, saved: object):
    """`config_class(**saved)` once `saved` is a dict of its settings with values of their types (lists
    become tuples); ValueError otherwise, and the config's own checks follow."""
    if not isinstance(saved, dict):
        raise ValueError(_("its config is {kind}, not a dict of settings").format(kind=type(saved).__name__))
    hints = typing.get_type_hints(config_class)
    unknown = sorted(set(saved) - {field.name for field in fields(config_class)})
    if unknown:
        raise ValueError(_("its config has settings a {config} does not know: {unknown}").format(
            config=config_class.__name__, unknown=unknown[:5]))
    return config_class(**{name: _typed(value, hints[name], name) for name, value in saved.items()})


def _typed(value: object, hint: object, name: str) -> object:
    """`value` as the type `hint` (int, float, bool, str or a tuple of one of them), or ValueError."""
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, list):
            raise ValueError(_("{name} must be a list, not {kind}").format(name=name, kind=type(value).__name__))
        return tuple(_typed(item, typing.get_args(hint)[0], name) for item in value)
    kinds = {bool: (bool,), int: (int,), float: (int, float), str: (str,)}
    if hint not in kinds or not isinstance(value, kinds[hint]) or (hint is not bool and isinstance(value, bool)):
        raise ValueError(_("{name} must be {wanted}, not {kind}").format(
            name=name, wanted=getattr(hint, "__name__", hint), kind=type(value).__name__))
    if hint is float and not math.isfinite(value):
        raise ValueError(_("{name} must be finite").format(name=name))
    return float(value) if hint is float else value


def _meta_model(header: object, model_class: type[ModelT], config_class: type) -> ModelT:
    """The checkpoint's model built on the meta device, once its header and budget pass."""
    if not isinstance(header, dict) or not isinstance(header.get("model"), str) or "config" not in header:
        raise ValueError(_(NOT_A_CHECKPOINT))
    if header["model"] != model_class.__name__:
        raise ValueError(_("this checkpoint holds a {found}, not a {expected}").format(
            found=repr(header["model"]), expected=repr(model_class.__name__)))
    config = config_from_json(config_class, header["config"])
    with torch.device("meta"):
        model = model_class(config)
    size = sum(tensor.numel() for tensor in model.state_dict().values())
    budgets.check(budgets.Cost(parameters=size), N_("the model's size (playground checkpoints are far smaller)"))
    return model


def _check_index(index: Index, model: nn.Module) -> None:
    """Every tensor the model needs, with its shape and dtype, and nothing else."""
    wanted = {name: (list(t.shape), DTYPES.get(t.dtype, str(t.dtype))) for name, t in model.state_dict().items()}
    if set(index) != set(wanted):
        missing, extra = sorted(set(wanted) - set(index)), sorted(set(index) - set(wanted))
        raise ValueError(_("its tensors do not fit this model (missing {missing}, unexpected {extra})").format(
            missing=missing[:3], extra=extra[:3]))
    wrong = [name for name in wanted if index[name] != wanted[name]]
    if wrong:
        raise ValueError(_("{name} is {found} (shape, dtype); this model needs {wanted}").format(
            name=wrong[0], found=index[wrong[0]], wanted=wanted[wrong[0]]))


def _load(model: ModelT, tensors: dict[str, torch.Tensor]) -> ModelT:
    bad = next((name for name, t in tensors.items() if t.is_floating_point() and not torch.isfinite(t).all()), None)
    if bad is not None:
        raise ValueError(_("its weights contain NaN or infinite values ({name})").format(name=bad))
    model.load_state_dict(tensors, assign=True)  # the meta model takes these tensors as its own
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
    model = _meta_model(json.loads(path.with_suffix(".json").read_text()), model_class, config_class)
    tensors = safetensors.torch.load_file(str(path.with_suffix(".safetensors")))
    _check_index({name: (list(t.shape), DTYPES.get(t.dtype, str(t.dtype))) for name, t in tensors.items()}, model)
    return _load(model, tensors)


def to_bytes(model: nn.Module) -> bytes:
    """One downloadable .safetensors file, its config in the header metadata."""
    return safetensors.torch.save(_tensors(model), metadata={"playground": json.dumps(_header(model))})


def read_header(data: bytes) -> tuple[object, Index]:
    """The playground header (any JSON value) and the tensor index of a .safetensors file; ValueError if
    the file is too large, its header too long, or either is not what safetensors and playground write."""
    if len(data) > budgets.UPLOAD_MEGABYTES * 2**20:
        raise ValueError(_("the file is larger than {megabytes} MB; playground checkpoints are much smaller")
                         .format(megabytes=budgets.UPLOAD_MEGABYTES))
    length = int.from_bytes(data[:8], "little")
    if len(data) < 8 or not 2 <= length <= min(budgets.HEADER_BYTES, len(data) - 8):
        raise ValueError(_(NOT_A_CHECKPOINT))
    try:
        entries = json.loads(data[8 : 8 + length])
        metadata = entries.pop("__metadata__")
        playground = json.loads(metadata["playground"])
        index = {name: (list(entry["shape"]), entry["dtype"]) for name, entry in entries.items()}
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        raise ValueError(_(NOT_A_CHECKPOINT)) from error
    if len(index) > budgets.MAX_TENSORS:
        raise ValueError(_("it holds {count} tensors; playground models have far fewer").format(
            count=f"{len(index):,}"))
    return playground, index


def from_bytes(data: bytes, model_class: type[ModelT], config_class: type) -> ModelT:
    """Rebuild a model from `to_bytes` output, checked before anything is allocated (see above);
    anything else raises ValueError (playground.budgets.OverBudget for a model too large), never unpickles."""
    header, index = read_header(data)
    try:
        model = _meta_model(header, model_class, config_class)
    except (TypeError, RuntimeError) as error:  # a config that passes its types yet cannot build a model
        raise ValueError(_("this checkpoint does not fit a {model}: {error}").format(
            model=model_class.__name__, error=error)) from error
    _check_index(index, model)
    try:
        tensors = safetensors.torch.load(data)
    except Exception as error:  # malformed data after a sound header raises many kinds of errors
        raise ValueError(_(NOT_A_CHECKPOINT)) from error
    return _load(model, tensors)

"""The pretrained models in `pretrained/`: a registry of recipes and the command that remakes them.

Each module in `playground/recipes/` lists `RECIPES`: a name, the model's class and config
class, and a deterministic function that trains it. `python -m playground.pretrain`
(or `make pretrained`) retrains every recipe (or those named) and writes
`pretrained/{name}.safetensors` + `pretrained/{name}.json`.
"""

import argparse
import importlib
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from playground import recipes as recipes_package
from playground.checkpoints import load_checkpoint, save_checkpoint

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"
PRETRAIN_THREADS = 1  # fixed, so that float reductions (and the files) come out the same every time
RECIPE_DEVICE = "cpu"  # every recipe trains here, whatever the machine has: the same files everywhere


@dataclass(frozen=True)
class Recipe:
    name: str  # file stem in pretrained/, e.g. "vae_mnist_2d"
    model_class: type[nn.Module]
    config_class: type
    train: Callable[[], nn.Module]  # deterministic: its trainer's seed fixes every random draw
    description: str = ""


def all_recipes() -> dict[str, Recipe]:
    """Every recipe of every module in playground/recipes/, by name."""
    found: dict[str, Recipe] = {}
    for module_info in pkgutil.iter_modules(recipes_package.__path__):
        module = importlib.import_module(f"{recipes_package.__name__}.{module_info.name}")
        for recipe in module.RECIPES:
            if recipe.name in found:
                raise ValueError(f"two recipes are named {recipe.name!r}")
            found[recipe.name] = recipe
    return found


def load_pretrained(name: str) -> nn.Module:
    """A fresh copy (CPU, eval mode) of the pretrained model `name`; raises if it was never made."""
    recipe = all_recipes().get(name)
    if recipe is None:
        raise ValueError(f"no pretrained model is named {name!r}")
    path = PRETRAINED_DIR / name
    if not path.with_suffix(".safetensors").exists():
        raise FileNotFoundError(f"{path}.safetensors is missing: run `make pretrained`")
    return load_checkpoint(path, recipe.model_class, recipe.config_class)


@lru_cache(maxsize=None)  # keys are recipe names: load_pretrained refuses any other
def shared_pretrained(name: str) -> nn.Module:
    """The pretrained model `name`, loaded once per server process and shared read-only by every session.

    A process-level cache, not Streamlit's: a client's "clear cache" message cannot evict it."""
    return load_pretrained(name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="recipes to remake (default: all)")
    args = parser.parse_args(argv)
    recipes = all_recipes()
    unknown = set(args.names) - set(recipes)
    if unknown:
        parser.error(f"unknown recipes {sorted(unknown)}; known: {sorted(recipes)}")
    torch.set_num_threads(PRETRAIN_THREADS)
    for name in args.names or sorted(recipes):
        start = time.perf_counter()
        model = recipes[name].train().cpu().eval()
        save_checkpoint(model, PRETRAINED_DIR / name)
        print(f"{name}: {time.perf_counter() - start:.1f} s, {sum(p.numel() for p in model.parameters()):,} parameters")


if __name__ == "__main__":
    main()

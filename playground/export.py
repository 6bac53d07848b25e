"""Take a run home: the page's run as a Python script that reproduces it without Streamlit.

A page knows how it built its trainer (`Setup`: the imports and one expression, from the same
lesson factory the page calls); the trainer knows what happened since (`started_with`, and the
`replay` log of mid-run changes and one-player steps). The script rebuilds the trainer, replays
the log at the same steps and trains to the same step: same seed, same data order, same noise,
so it ends at the same weights and the same loss (`python run.py` prints the last metrics).
"""

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass

import numpy as np
import torch

from playground.data import split
from playground.trainer import History, Trainer

EXPORTABLE_STARTS = ("random", "pretrained")  # uploaded weights do not travel inside a script


@dataclass(frozen=True)
class Setup:
    imports: tuple[str, ...]  # e.g. "from playground.vae_lessons import make_trainer"
    build: str  # one expression that builds the trainer, e.g. "make_trainer(VAEConfig(), 'MNIST 28×28', ...)"
    start: str = ""  # statements run after building it, e.g. starting from a pretrained file
    title: str = "a run"  # what the script's docstring calls it


@dataclass(frozen=True)
class Source:
    """An argument as the page has it (`value`) and as a script writes it (`code`), where its repr would not do:
    arrays as `split('MNIST 28×28', 3).x_train`, a pretrained model as `load_pretrained('ae_mnist')`."""

    value: object = field(compare=False)
    code: str
    imports: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return self.code

    def part(self, name: str) -> "Source":
        """An attribute of the argument, e.g. the training images of a split: `split(…).x_train`."""
        return Source(getattr(self.value, name), f"{self.code}.{name}", self.imports)


def split_source(dataset: str, seed: int) -> Source:
    """The split `split(dataset, seed)` of an image dataset, as a recipe argument."""
    return Source(split(dataset, seed), f"split({dataset!r}, {seed})", ("from playground.data import split",))


def points_source(points: np.ndarray) -> Source:
    """A student's own points (N, 2), drawn or uploaded, as a recipe argument: a literal array in the script."""
    return Source(points, f"np.array({points.tolist()!r}, dtype=np.float32)", ("import numpy as np",))


def pretrained_source(name: str, model: torch.nn.Module) -> Source:
    """The pretrained model `name` (the page's shared copy), as a recipe argument."""
    return Source(model, f"load_pretrained({name!r})", ("from playground.pretrain import load_pretrained",))


@dataclass(frozen=True)
class Recipe:
    """A lesson factory and the arguments a page builds its trainer with: it builds the page's trainer
    (`build`, on the page's device) and writes the same call into the script (`setup`, on the CPU).

    `then` are statements the script runs after building, e.g. starting from a pretrained file.
    """

    factory: Callable[..., Trainer]
    args: tuple = ()
    kwargs: Mapping[str, object] = field(default_factory=dict)
    title: str = "a run"
    then: str = ""
    then_imports: tuple[str, ...] = ()

    def build(self, device: torch.device | str) -> Trainer:
        kwargs = {name: _value(argument) for name, argument in self.kwargs.items()}
        return self.factory(*map(_value, self.args), **kwargs, device=device)

    def setup(self) -> Setup:
        """The call written from the arguments' reprs, with their imports, on the CPU (the script runs anywhere)."""
        factory = self.factory
        imports = {f"from {factory.__module__} import {factory.__name__}", *self.then_imports}
        for value in (*self.args, *self.kwargs.values()):
            imports |= _imports(value)
        arguments = [repr(value) for value in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        arguments.append("device='cpu'")
        return Setup(tuple(sorted(imports)), f"{factory.__name__}({', '.join(arguments)})", self.then, self.title)


def _value(argument: object) -> object:
    return argument.value if isinstance(argument, Source) else argument


def _imports(value: object) -> set[str]:
    """What a script must import for `repr(value)` to run: dataclasses' classes, nested ones too."""
    if isinstance(value, Source):
        return set(value.imports)
    if isinstance(value, (tuple, list)):
        return set().union(*map(_imports, value))
    if is_dataclass(value) and not isinstance(value, type):
        own = {f"from {type(value).__module__} import {type(value).__qualname__}"}
        return own.union(*(_imports(getattr(value, item.name)) for item in fields(value) if item.repr))
    return set()


def script(setup: Setup, trainer: Trainer) -> str:
    """The source of a runnable script that reproduces `trainer`'s run up to its current step."""
    if trainer.start_name not in EXPORTABLE_STARTS or trainer.forked_at is not None:
        raise ValueError("this run started from uploaded weights or a rewound step, which a script cannot rebuild")
    lines = [
        f'"""{setup.title}: exported from the deep-learning playground, {trainer.step_count:,} steps, '
        f'seed {trainer.seed}. Run: python {{this file}}."""',
        "",
        "import json",
        "",
        "import torch",
        "",
        *setup.imports,
        "",
        "torch.set_num_threads(1)  # the playground's own setting: float sums in the same order",
        f"trainer = {setup.build}",
        *([setup.start] if setup.start else []),
        f"trainer.configure(**{trainer.started_with!r})",
    ]
    for step, event in trainer.replay:
        lines.append(f"trainer.step({step} - trainer.step_count)")
        if "configure" in event:
            lines.append(f"trainer.configure(**{event['configure']!r})")
        else:
            lines.append(f"trainer.step({event['steps']}, only={event['only']!r})")
    lines += [
        f"trainer.step({trainer.step_count} - trainer.step_count)",
        "print(json.dumps({name: trainer.history.last(name) for name in trainer.history.names}))",
        "",
    ]
    return "\n".join(lines)


def history_csv(history: History) -> str:
    """The metric history as CSV: one row per step that recorded anything, one column per metric (blank: not
    recorded at that step, e.g. a test score between evaluations)."""
    rows: dict[int, dict[str, float]] = {}
    for name in history.names:
        for step, value in zip(*history.series(name)):
            rows.setdefault(step, {})[name] = value
    text = io.StringIO()
    writer = csv.DictWriter(text, ["step", *history.names], lineterminator="\n")
    writer.writeheader()
    writer.writerows({"step": step, **values} for step, values in sorted(rows.items()))
    return text.getvalue()

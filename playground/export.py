"""Take a run home: the page's run as a Python script that reproduces it without Streamlit.

A page knows how it built its trainer (`Setup`: the imports and one expression, from the same
lesson factory the page calls); the trainer knows what happened since (`started_with`, and the
`replay` log of mid-run changes and one-player steps). The script rebuilds the trainer, replays
the log at the same steps and trains to the same step: same seed, same data order, same noise,
so it ends at the same weights and the same loss (`python run.py` prints the last metrics).
"""

from dataclasses import dataclass

from playground.trainer import Trainer

EXPORTABLE_STARTS = ("random", "pretrained")  # uploaded weights do not travel inside a script


@dataclass(frozen=True)
class Setup:
    imports: tuple[str, ...]  # e.g. "from playground.vae_lessons import make_trainer"
    build: str  # one expression that builds the trainer, e.g. "make_trainer(VAEConfig(), 'MNIST 28×28', ...)"
    start: str = ""  # statements run after building it, e.g. starting from a pretrained file
    title: str = "a run"  # what the script's docstring calls it


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

"""An exported run reproduces the page's run in a plain Python process: same steps, same loss."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from playground.data import split
from playground.export import Setup, script
from playground.models.vae import VAEConfig
from playground.trainer import TrainConfig
from playground.vae_lessons import make_trainer

ROOT = Path(__file__).resolve().parent.parent
CONFIG = VAEConfig(image_size=8, latent_dim=2, hidden=32)
TRAIN = TrainConfig(learning_rate=3e-3, batch_size=32, eval_every=10)
SETUP = Setup(
    imports=("from playground.data import split", "from playground.models.vae import VAEConfig",
             "from playground.trainer import TrainConfig", "from playground.vae_lessons import make_trainer"),
    build=f"make_trainer({CONFIG!r}, split('Digits 8×8', 3), {TRAIN!r}, 3, 'cpu')",
    title="VAE on the 8×8 digits",
)


def run(source: str, tmp_path: Path) -> dict[str, float]:
    path = tmp_path / "run.py"
    path.write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_exported_run_with_mid_run_changes_ends_at_the_same_loss(tmp_path):
    trainer = make_trainer(CONFIG, split("Digits 8×8", 3), TRAIN, 3, "cpu")
    trainer.run_for(0.05, max_steps=17)  # slices of any length: the result depends on steps only
    trainer.configure(kl_weight=4.0, learning_rate=1e-3)
    trainer.step(23)
    trainer.configure(batch_size=64)
    trainer.step(5)
    exported = run(script(SETUP, trainer), tmp_path)
    ours = {name: trainer.history.last(name) for name in trainer.history.names}
    assert exported.keys() == ours.keys()
    assert exported == pytest.approx(ours, rel=1e-6, abs=1e-9)


def test_a_run_from_uploaded_or_rewound_weights_is_not_exported_as_if_it_came_from_the_seed():
    trainer = make_trainer(CONFIG, split("Digits 8×8", 3), TRAIN, 3, "cpu")
    trainer.step(12)
    trainer.fork(5)
    with pytest.raises(ValueError, match="rewound"):
        script(SETUP, trainer)
    trainer.start_from(trainer.model.state_dict(), "uploaded")
    with pytest.raises(ValueError, match="uploaded"):
        script(SETUP, trainer)

"""The pretrained registry: every recipe has its files, they load, and remaking is deterministic."""

import pytest
import torch

from playground import pretrain
from playground.data import ShuffledBatches
from playground.pretrain import Recipe, all_recipes, load_pretrained
from playground.seeding import seeded
from playground.trainer import TrainConfig, Trainer
from tests.test_checkpoints import Tiny, TinyConfig


@pytest.mark.parametrize("name", sorted(all_recipes()))
def test_every_recipe_has_small_loadable_files(name):
    recipe = all_recipes()[name]
    model = load_pretrained(name)
    assert isinstance(model, recipe.model_class) and not model.training
    assert (pretrain.PRETRAINED_DIR / f"{name}.safetensors").stat().st_size < 5 * 2**20


def test_unknown_name_is_refused():
    with pytest.raises(ValueError, match="no pretrained model"):
        load_pretrained("resnet152")


class TinyRegression(Tiny):
    def loss(self, batch, generator):
        x, y = batch
        loss = ((self.layers(x) - y) ** 2).mean()
        return loss, {"loss": loss}


def train_tiny() -> TinyRegression:
    x = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    trainer = Trainer(seeded(TinyRegression, TinyConfig()), ShuffledBatches(x, x[:, :2]),
                      TrainConfig(batch_size=16), seed=0)
    trainer.step(20)
    return trainer.model


def test_remaking_writes_identical_files(tmp_path, monkeypatch):
    recipe = Recipe("tiny", TinyRegression, TinyConfig, train_tiny)
    monkeypatch.setattr(pretrain, "all_recipes", lambda: {"tiny": recipe})
    threads = torch.get_num_threads()
    written = []
    for run in ("first", "second"):
        monkeypatch.setattr(pretrain, "PRETRAINED_DIR", tmp_path / run)
        pretrain.main(["tiny"])
        written.append((tmp_path / run / "tiny.safetensors").read_bytes())
    torch.set_num_threads(threads)
    assert written[0] == written[1]
    assert (tmp_path / "first" / "tiny.json").read_text() == (tmp_path / "second" / "tiny.json").read_text()

"""The autoencoder page's pretrained model: a dense 784-128-32-2 AE on MNIST, so that its latent map means
something before any training."""

from playground.autoencoder_lessons import make_trainer
from playground.data import split
from playground.models.autoencoder import Autoencoder, AutoencoderConfig
from playground.pretrain import RECIPE_DEVICE, Recipe
from playground.trainer import TrainConfig

AE_MNIST_CONFIG = AutoencoderConfig()  # dense, hidden (128, 32), latent 2, ReLU, sigmoid output, no regulariser
AE_MNIST_SPLIT_SEED = 0  # the page's default seed, so that its test images were never trained on
AE_MNIST_STEPS = 3000


def train_ae_mnist() -> Autoencoder:
    data = split("MNIST 28×28", AE_MNIST_SPLIT_SEED)
    train = TrainConfig(learning_rate=3e-3, batch_size=128, eval_every=1000)
    trainer = make_trainer(AE_MNIST_CONFIG, data.x_train, data.x_test, train, seed=0, device=RECIPE_DEVICE)
    trainer.step(AE_MNIST_STEPS)
    return trainer.model


RECIPES = [
    Recipe("ae_mnist", Autoencoder, AutoencoderConfig, train_ae_mnist,
           "Dense 784-128-32-2 autoencoder, MNIST 5k train split (seed 0), 3,000 Adam steps"),
]

"""The diffusion model (playground/models/diffusion.py), its lessons (playground/diffusion_lessons.py) and its
pretrained files: schedules and q(x_t|x_0) against their definitions, the samplers against Ho et al.'s step,
determinism, and the quality bars."""

import math

import numpy as np
import pytest
import torch

from playground import diffusion_lessons as lessons
from playground.data import split
from playground.models.diffusion import (
    LINEAR_BETAS, MAX_BETA, Diffusion, DiffusionConfig, alpha_bars, epsilon_loss, noisy, sinusoidal,
)
from playground.pretrain import load_pretrained
from playground.seeding import seeded
from playground.trainer import TrainConfig

TINY = DiffusionConfig(hidden=16, depth=1, time_features=8, steps=20)
TINY_DIGITS = DiffusionConfig(data_dim=64, num_classes=10, hidden=16, depth=1, time_features=8, steps=20)


def build(config: DiffusionConfig, seed: int = 0) -> Diffusion:
    return seeded(Diffusion, config)(torch.Generator().manual_seed(seed))


# ---- schedules and the forward process ----------------------------------------------------------------

def betas_of(alpha_bar: torch.Tensor) -> torch.Tensor:
    return 1 - alpha_bar[1:] / alpha_bar[:-1]  # β_t = 1 − ᾱ_t / ᾱ_{t−1}, t = 1..T


def test_linear_schedule_is_ho_et_als_and_leaves_data_in_x_T_when_T_is_small():
    alpha_bar = alpha_bars("linear", 1000)
    betas = betas_of(alpha_bar)
    assert alpha_bar[0] == 1 and len(alpha_bar) == 1001
    torch.testing.assert_close(betas[[0, -1]], torch.tensor(LINEAR_BETAS, dtype=torch.float64))
    assert alpha_bar[-1].sqrt() < 0.01  # T = 1000: pure noise
    assert alpha_bars("linear", 50)[-1].sqrt() > 0.75  # T = 50: three quarters of x_0 survive


@pytest.mark.parametrize("steps", [10, 50, 1000])
def test_cosine_schedule_follows_its_formula_and_reaches_noise_for_any_T(steps):
    alpha_bar = alpha_bars("cosine", steps)
    t = torch.arange(steps, dtype=torch.float64)  # the clipped last step aside
    f = torch.cos((t / steps + 0.008) / 1.008 * math.pi / 2) ** 2
    torch.testing.assert_close(alpha_bar[:-1], f / f[0])
    assert (alpha_bar.diff() < 0).all() and alpha_bar[-1].sqrt() < 0.01 and betas_of(alpha_bar).max() <= MAX_BETA + 1e-12


def test_noisy_is_t_single_noising_steps_in_one_go():
    """q(x_t|x_0) from the closed form agrees with t applications of q(x_s|x_{s−1}) = N(√(1−β_s) x_{s−1}, β_s I)."""
    generator = torch.Generator().manual_seed(0)
    x0, t, n = torch.tensor([[1.5, -0.5]]), 30, 100_000
    alpha_bar = alpha_bars("linear", 100)
    chained = x0.repeat(n, 1)
    for beta in betas_of(alpha_bar)[:t].float():
        chained = (1 - beta).sqrt() * chained + beta.sqrt() * torch.randn(n, 2, generator=generator)
    direct = noisy(x0.repeat(n, 1), torch.full((n,), t), torch.randn(n, 2, generator=generator), alpha_bar)
    a = float(alpha_bar[t])
    for samples in (chained, direct):
        torch.testing.assert_close(samples.mean(0), a**0.5 * x0[0], atol=0.01, rtol=0)
        torch.testing.assert_close(samples.var(0), torch.full((2,), 1 - a), atol=0.01, rtol=0)


def test_x_T_is_standard_normal_with_the_cosine_schedule_and_not_with_linear_at_T_50():
    data = lessons.real_sample("two moons", 20_000, seed=0)
    x_T = lessons.forward_sample(data, 50, "cosine", 50, seed=1)
    np.testing.assert_allclose(x_T.mean(0), 0, atol=0.03)
    np.testing.assert_allclose(np.cov(x_T, rowvar=False), np.eye(2), atol=0.03)
    cosine, linear = lessons.prior_gap(data, "cosine", 50), lessons.prior_gap(data, "linear", 50)
    assert cosine["sqrt_alpha_bar_T"] < 0.001 and cosine["mean"] < 1e-4 and cosine["covariance"] < 1e-4
    assert linear["sqrt_alpha_bar_T"] == pytest.approx(0.78, abs=0.01) and linear["covariance"] > 0.3
    x_T = lessons.forward_sample(data, 50, "linear", 50, seed=1)  # the closed form agrees with the samples
    assert np.abs(np.cov(x_T, rowvar=False) - np.eye(2)).max() == pytest.approx(linear["covariance"], abs=0.03)
    assert np.abs(x_T.mean(0)).max() == pytest.approx(linear["mean"], abs=0.02)


# ---- the network and its loss --------------------------------------------------------------------------

def test_config_says_what_is_allowed():
    for bad, message in (({"schedule": "sigmoid"}, "schedule must be one of"), ({"steps": 0}, "between 1 and 1000"),
                         ({"time_features": 7}, "even"), ({"label_dropout": 1.0}, "label_dropout")):
        with pytest.raises(ValueError, match=message):
            DiffusionConfig(**bad)


def test_sinusoidal_features_are_sines_then_cosines_of_t():
    features = sinusoidal(torch.tensor([0, 3]), 8)
    assert features.shape == (2, 8)
    torch.testing.assert_close(features[0], torch.tensor([0.0] * 4 + [1.0] * 4))
    assert features[1, 0] == pytest.approx(math.sin(3)) and features[1, 4] == pytest.approx(math.cos(3))


def test_loss_is_the_squared_error_of_the_noise_at_a_random_step():
    model, x0 = build(TINY), torch.randn(64, 2, generator=torch.Generator().manual_seed(1))
    loss, metrics = model.loss((x0,), torch.Generator().manual_seed(2))
    replay = torch.Generator().manual_seed(2)  # the same draws, in the loss's order: t, then ε
    t = torch.randint(1, TINY.steps + 1, (64,), generator=replay)
    noise = torch.randn(64, 2, generator=replay)
    expected = epsilon_loss(noise, model(noisy(x0, t, noise, model.alpha_bar()), t))
    torch.testing.assert_close(loss, expected)
    assert metrics["loss"] is loss
    assert epsilon_loss(noise, torch.zeros_like(noise)).item() == pytest.approx(1.0, abs=0.2)  # E ε² = 1


def test_label_dropout_hides_a_share_p_of_labels_as_the_null_label(monkeypatch):
    model, seen = build(DiffusionConfig(**{**vars(TINY_DIGITS), "label_dropout": 0.3})), []
    monkeypatch.setattr(model.label, "forward", lambda labels: seen.append(labels) or torch.zeros(len(labels), 16))
    model.loss((torch.zeros(10_000, 64), torch.full((10_000,), 4)), torch.Generator().manual_seed(0))
    hidden = (seen[0] == 10).float().mean().item()
    assert hidden == pytest.approx(0.3, abs=0.02) and set(seen[0].tolist()) == {4, 10}


def test_guidance_extrapolates_from_the_unconditional_guess():
    model = build(TINY_DIGITS)
    x, t, y = torch.randn(5, 64, generator=torch.Generator().manual_seed(0)), torch.full((5,), 7), torch.arange(5)
    conditional, unconditional = model(x, t, y), model(x, t, model.unlabelled(5, x.device))
    torch.testing.assert_close(model.guided_epsilon(x, t, y, 0.0), conditional)
    torch.testing.assert_close(model.guided_epsilon(x, t, y, 2.0), 3 * conditional - 2 * unconditional)
    torch.testing.assert_close(model.guided_epsilon(x, t, None), unconditional)


# ---- samplers ------------------------------------------------------------------------------------------

def test_timesteps_are_the_ddim_papers_uniform_steps():
    assert lessons.timesteps(50, 10).tolist() == [46, 41, 36, 31, 26, 21, 16, 11, 6, 1, 0]
    assert lessons.timesteps(20, 20).tolist() == list(range(20, -1, -1))
    with pytest.raises(ValueError, match="between 1 and T = 20"):
        lessons.timesteps(20, 21)


def test_a_ddim_step_with_eta_one_is_ho_et_als_ddpm_step():
    """x_{t−1} = 1/√α_t (x_t − β_t/√(1 − ᾱ_t) ε) + σ_t z with σ_t² = β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) β_t (eq. 11)."""
    generator = torch.Generator().manual_seed(0)
    x, epsilon, z = (torch.randn(8, 2, generator=generator, dtype=torch.float64) for _ in range(3))
    alpha_bar = alpha_bars("cosine", 50)
    for t in (50, 25, 1):
        a_t, a_s = float(alpha_bar[t]), float(alpha_bar[t - 1])
        alpha, beta = a_t / a_s, 1 - a_t / a_s
        sigma = ((1 - a_s) / (1 - a_t) * beta) ** 0.5
        ddpm = (x - beta / (1 - a_t) ** 0.5 * epsilon) / alpha**0.5 + sigma * z
        ours, _ = lessons.denoise_step(x, epsilon, a_t, a_s, 1.0, z, clip=None)
        torch.testing.assert_close(ours, ddpm)


def test_samplers_are_deterministic_by_seed_and_ddim_with_eta_zero_draws_only_x_T():
    model = build(TINY)
    first = lessons.sample(model, 50, torch.Generator().manual_seed(3))
    torch.testing.assert_close(first, lessons.sample(model, 50, torch.Generator().manual_seed(3)), rtol=0, atol=0)
    assert not torch.equal(first, lessons.sample(model, 50, torch.Generator().manual_seed(4)))
    generator = torch.Generator().manual_seed(3)
    run = lessons.reverse_chain(model, 50, generator, steps=5, eta=0.0)
    assert run.t == [17, 13, 9, 5, 1, 0] and run.states.shape == (6, 50, 2) and run.guesses.shape == (5, 50, 2)
    after_x_T = torch.Generator().manual_seed(3)
    torch.randn(50, 2, generator=after_x_T)
    assert torch.equal(generator.get_state(), after_x_T.get_state())  # nothing drawn but x_T


def test_training_is_deterministic_by_seed_and_leaves_the_global_generator_alone():
    global_state = torch.random.get_rng_state()
    runs = []
    for seed in (0, 0, 1):
        trainer = lessons.make_trainer("Digits 8×8", TINY_DIGITS, TrainConfig(batch_size=16, eval_every=10), seed)
        trainer.step(10)
        runs.append((trainer.history.series("loss")[1], trainer.history.last("agreement")))
    assert runs[0] == runs[1] and runs[0][0] != runs[2][0]
    assert torch.equal(torch.random.get_rng_state(), global_state)


def test_sampling_cost_grows_with_steps_and_guidance_and_bounds_the_samples():
    guided = DiffusionConfig(**{**vars(TINY_DIGITS), "guidance_scale": 1.0})
    assert lessons.sampling_cost(guided, 10, 20) == 2 * lessons.sampling_cost(TINY_DIGITS, 10, 20)
    assert lessons.max_samples(lessons.POINT_MODEL, 200, 2000) < lessons.max_samples(lessons.POINT_MODEL, 50, 2000)
    assert lessons.max_samples(lessons.POINT_MODEL, 1, 2000) == 2000


# ---- measures ------------------------------------------------------------------------------------------

def test_mmd_is_zero_for_one_sample_and_grows_with_a_shift():
    points = lessons.real_sample("two moons", 500, seed=0).astype(np.float64)
    shifts = [lessons.mmd(points + [shift, 0], points) for shift in (0.0, 0.1, 0.5, 2.0)]
    assert shifts[0] == 0 and shifts == sorted(shifts) and shifts[-1] > 0.3
    one_kernel = np.exp(-((points[:, None] - points[None] - [0.1, 0]) ** 2).sum(-1) / 2)  # width 1: k(x + s, y)
    same = np.exp(-((points[:, None] - points[None]) ** 2).sum(-1) / 2)
    expected = np.sqrt(2 * same.mean() - 2 * one_kernel.mean())
    assert lessons.mmd(points + [0.1, 0], points, bandwidths=(1.0,)) == pytest.approx(expected, rel=1e-6)


def test_the_digit_classifier_reads_real_test_digits():
    data = split(lessons.DIGITS, 0)
    assert lessons.agreement(data.x_test[:, 0], data.y_test) > 0.95


# ---- quality bars --------------------------------------------------------------------------------------

def mmd_to_fresh(points: torch.Tensor, dataset: str = "two moons", references: int = 3) -> float:
    """Mean MMD of points to several fresh samples of the same size (one reference alone is noisy)."""
    return float(np.mean([lessons.mmd(points.numpy(), lessons.real_sample(dataset, len(points), 100 + k))
                          for k in range(references)]))


def fresh_floor(n: int, dataset: str = "two moons", references: int = 3) -> float:
    return float(np.mean([lessons.mmd(lessons.real_sample(dataset, n, 200 + k), lessons.real_sample(dataset, n, 100 + k))
                          for k in range(references)]))


def test_pretrained_moons_model_matches_fresh_data_and_ddim_10_nearly_matches_ddpm():
    model, n = load_pretrained("diffusion_moons"), 1000
    ddpm = mmd_to_fresh(lessons.sample(model, n, torch.Generator().manual_seed(0), clip=lessons.POINT_RANGE))
    ddim = mmd_to_fresh(lessons.sample(model, n, torch.Generator().manual_seed(0), 10, 0.0, clip=lessons.POINT_RANGE))
    assert ddpm < 3 * fresh_floor(n) and ddim < 2 * ddpm


@pytest.mark.parametrize("name", ["ring8", "spiral", "swiss_roll"])
def test_pretrained_models_of_the_other_distributions_match_fresh_data(name):
    dataset = {"ring8": "ring of 8", "spiral": "spiral", "swiss_roll": "swiss roll"}[name]
    points = lessons.sample(load_pretrained(f"diffusion_{name}"), 1000, torch.Generator().manual_seed(0), clip=3.0)
    assert mmd_to_fresh(points, dataset) < 3 * fresh_floor(1000, dataset)


def test_two_thousand_steps_from_scratch_reach_the_moons_bar():
    trainer = lessons.make_trainer("two moons", lessons.POINT_MODEL, TrainConfig(batch_size=128, eval_every=500))
    trainer.step(2000)
    points = lessons.sample(trainer.model, 1000, torch.Generator().manual_seed(0), clip=lessons.POINT_RANGE)
    assert mmd_to_fresh(points) < 3 * fresh_floor(1000)
    steps, mmds = trainer.history.series("MMD")
    assert steps == [0, 500, 1000, 1500, 2000] and mmds[-1] < mmds[0] / 3


def test_pretrained_digits_are_the_class_asked_for():
    model, labels = load_pretrained("diffusion_digits8"), torch.arange(200) % 10
    for scale, bar in ((1.0, 0.9), (0.0, 0.85)):
        images = lessons.digit_images(lessons.sample(model, 200, torch.Generator().manual_seed(0), labels=labels,
                                                     clip=1.0, guidance_scale=scale))
        assert lessons.agreement(images, labels.numpy()) >= bar, scale


def test_digit_training_lowers_the_loss():
    trainer = lessons.make_trainer("Digits 8×8", lessons.DIGIT_MODEL, TrainConfig(batch_size=128, eval_every=1000))
    trainer.step(200)
    losses = trainer.history.series("loss")[1]
    assert np.mean(losses[-20:]) < 0.6 * np.mean(losses[:20])


def test_the_epsilon_field_points_back_towards_the_data():
    model = load_pretrained("diffusion_moons")
    grid, epsilon = lessons.epsilon_field(model, t=5, resolution=11)
    outer = np.abs(grid).max(1) > 2.5  # grid points far from the moons
    assert ((-epsilon[outer] * grid[outer]).sum(1) < 0).mean() > 0.9  # −ε̂ points inwards


def test_a_students_points_are_checked_and_the_fresh_data_is_drawn_from_them():
    points = np.random.default_rng(0).uniform(-3, 3, (50, 2)).astype(np.float32)
    assert np.array_equal(lessons.own_points(points), points) and not lessons.is_digits(points)
    with pytest.raises(ValueError, match="between −3 and 3"):
        lessons.own_points(points * 2)  # x̂₀ is clipped to [−3, 3]²: such points could never be drawn
    with pytest.raises(ValueError, match="at least 8 points"):
        lessons.own_points(points[:3])
    drawn = lessons.real_sample(points, 400, seed=1)
    assert drawn.shape == (400, 2) and np.isin(drawn, points).all()  # rows of the student's, with replacement
    assert lessons.default_model(points) == lessons.POINT_MODEL and lessons.clip_range(points) == lessons.POINT_RANGE

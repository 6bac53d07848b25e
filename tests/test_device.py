"""Device choice: CUDA, then MPS, then CPU; the environment variable overrides."""

import pytest
import torch

from playground import device


def test_cpu_when_no_accelerator(monkeypatch):
    monkeypatch.delenv("PLAYGROUND_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert device.pick_device() == torch.device("cpu")


def test_cuda_first_then_mps(monkeypatch):
    monkeypatch.delenv("PLAYGROUND_DEVICE", raising=False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.pick_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device.pick_device().type == "mps"


def test_environment_override_and_its_check(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DEVICE", "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.pick_device() == torch.device("cpu")
    monkeypatch.setenv("PLAYGROUND_DEVICE", "cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        device.pick_device()


def test_thread_cap(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setenv("PLAYGROUND_THREADS", "1")
    try:
        assert device.cap_cpu_threads() == 1 and torch.get_num_threads() == 1
        assert device.describe(torch.device("cpu")) == "CPU · 1 thread"
    finally:
        torch.set_num_threads(before)

"""Device choice and autocast."""

from __future__ import annotations

import contextlib

import pytest
import torch

from agents.models import ModelError, autocast_context, pick_device


def test_cpu_is_always_available():
    assert pick_device("cpu") == torch.device("cpu")


def test_auto_picks_cuda_only_when_present():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device().type == expected


def test_unknown_preference_raises():
    with pytest.raises(ModelError, match="device preference"):
        pick_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without cuda")
def test_cuda_without_cuda_raises():
    with pytest.raises(ModelError, match="no CUDA"):
        pick_device("cuda")


def test_cpu_autocast_changes_nothing():
    assert isinstance(autocast_context("cpu"), contextlib.nullcontext)

"""The fusion registry: built-ins, checks on registration, lookup errors."""

from __future__ import annotations

import pytest
from torch import nn

from agents.models import FUSIONS, Fusion, ModelConfig, ModelError, build_fusion
from agents.models.fusion import register_fusion


def test_builtin_fusions_are_registered():
    assert {"single_stream", "dual_stream", "film", "late_fusion", "energy"} <= set(FUSIONS)
    for name, cls in FUSIONS.items():
        assert cls.name == name


def test_registering_a_non_fusion_class_fails():
    with pytest.raises(ModelError, match="not a subclass of Fusion"):
        register_fusion("not_a_fusion")(nn.Linear)


def test_registering_a_fusion_without_forward_fails():
    with pytest.raises(ModelError, match="forward"):

        @register_fusion("no_forward")
        class NoForward(Fusion):
            pass


def test_registering_a_taken_name_fails():
    with pytest.raises(ModelError, match="already registered"):

        @register_fusion("single_stream")
        class Other(Fusion):
            def forward(self, state, text, image, return_attention=False):
                raise AssertionError


def test_bad_name_fails():
    with pytest.raises(ModelError, match="identifier"):
        register_fusion("two words")


def test_unknown_fusion_lists_the_registered_ones():
    with pytest.raises(ModelError, match="single_stream"):
        build_fusion(ModelConfig(fusion="no_such_fusion"))

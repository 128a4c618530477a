"""Several models as one policy: the mixture of their action distributions worked out by
hand, an ensemble of copies acting as the model alone, each member's state carried,
reset and cut apart on its own, and bad ensembles refused with a message."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from agents.evaluation.ensemble import EnsemblePolicy, EnsembleState, ModelEnsemble, mixture_logits
from agents.evaluation.model_policy import ModelPolicy
from agents.models import ModelConfig, MultimodalTransformer, RecurrentState
from agents.models.errors import ModelError
from vlnenv.actions import Action
from vlnenv.eval.evaluate import evaluate


class CountingModel:
    """Stands in for a model: its state counts the steps since it was cleared (plus
    ``start``), and it is sure of ``STOP`` once the count reaches ``stop_at`` (else of
    ``FORWARD``)."""

    def __init__(self, stop_at: int, start: int = 0, read_parts: bool = True) -> None:
        self.config = ModelConfig(read_parts=read_parts)
        self.device = torch.device("cpu")
        self.stop_at, self.start = stop_at, start

    def eval(self) -> CountingModel:
        return self

    def initial_state(self, batch: int) -> RecurrentState:
        return RecurrentState(torch.full((batch, 1), float(self.start)))

    def act(self, obs, state):
        hidden = state.hidden + 1  # (B, 1)
        logits = torch.zeros(len(hidden), len(Action))  # (B, A)
        stop = hidden[:, 0] >= self.stop_at
        logits[stop, Action.STOP] = 50.0
        logits[~stop, Action.FORWARD] = 50.0
        return logits, torch.zeros(len(hidden)), RecurrentState(hidden)


def obs_of(texts: list[str]) -> dict:
    n = len(texts)
    return {"image": np.zeros((n, 56, 56, 3), np.uint8), "direction": np.zeros(n, np.int64),
            "carrying": np.zeros(n, np.int64), "gps": np.zeros((n, 2), np.int64),
            "instruction": np.array(texts, dtype=object)}


def test_the_mixture_is_the_mean_of_the_members_distributions():
    a = torch.tensor([[0.0, math.log(3.0)]])  # softmax: 1/4, 3/4
    b = torch.tensor([[math.log(3.0), 0.0]])  # softmax: 3/4, 1/4
    assert torch.allclose(mixture_logits([a, b]), torch.log(torch.tensor([[0.5, 0.5]])))
    c = torch.tensor([[0.0, 0.0]])  # 1/2, 1/2: the mean with a is 3/8, 5/8
    assert torch.allclose(mixture_logits([a, c]).exp(), torch.tensor([[3 / 8, 5 / 8]]))
    z = torch.randn(4, 7)
    assert torch.allclose(mixture_logits([z, z, z]), torch.log_softmax(z, -1), atol=1e-6)
    # one member sure of action 1 against two leaning to action 0: the mean decides
    sure = torch.tensor([[-50.0, 50.0]])
    lean = torch.log(torch.tensor([[0.6, 0.4]]))  # (0.6 + 0.6 + 0) / 3 = 0.4 for action 0
    assert mixture_logits([lean, lean, sure]).argmax(-1).item() == 1
    firm = torch.log(torch.tensor([[0.8, 0.2]]))  # (0.8 + 0.8 + 0) / 3 = 0.53 for action 0
    assert mixture_logits([firm, firm, sure]).argmax(-1).item() == 0
    with pytest.raises(ModelError, match="at least one"):
        mixture_logits([])


def test_copies_of_a_model_act_as_the_model_alone():
    torch.manual_seed(0)
    model = MultimodalTransformer(ModelConfig(n_embd=32, n_head=2, n_text_layer=1,
                                              n_vision_layer=1, n_fusion_layer=1)).eval()
    alone = evaluate(ModelPolicy(model), "tiny", "val_unseen", episodes=4, batch=2)
    policy = EnsemblePolicy(ModelEnsemble([model, model]), ["a", "b"])
    together = evaluate(policy, "tiny", "val_unseen", episodes=4, batch=2)
    assert [r["actions"] for r in together] == [r["actions"] for r in alone]
    one_by_one = evaluate(policy, "tiny", "val_unseen", episodes=4, batch=1)
    assert [r["actions"] for r in one_by_one] == [r["actions"] for r in alone]
    config = policy.config()
    assert config["name"] == "ensemble" and config["members"] == ["a", "b"]
    assert config["path"] == "a+b" and len(config["model"]) == 2


def test_each_member_keeps_its_own_state_and_all_are_reset_together():
    early, late = CountingModel(stop_at=2), CountingModel(stop_at=5, start=10)
    policy = ModelPolicy(ModelEnsemble([early, late]), read_parts=False)
    state = policy.initial_state(2)
    assert isinstance(state.model, EnsembleState)
    assert [s.hidden.shape[0] for s in state.model.members] == [2, 2]
    for _ in range(2):
        actions, state = policy.act(obs_of(["a", "b"]), state, [{}, {}])
    assert [s.hidden[:, 0].tolist() for s in state.model.members] == [[2, 2], [12, 12]]
    assert actions.tolist() == [Action.STOP, Action.STOP]  # both members sure of STOP
    state = policy.reset_done(state, np.array([True, False]))
    assert [s.hidden[:, 0].tolist() for s in state.model.members] == [[0, 2], [0, 12]]
    rows = [state.model.select(b) for b in (1, 0)]
    swapped = EnsembleState.cat(rows)
    assert [s.hidden[:, 0].tolist() for s in swapped.members] == [[2, 0], [12, 0]]


def test_a_sequence_read_in_parts_clears_every_members_state_at_the_switch():
    members = [CountingModel(stop_at=2), CountingModel(stop_at=2)]
    policy = ModelPolicy(ModelEnsemble(members))
    text = "Go to the kitchen, then go to the nursery."
    state = policy.initial_state(1)
    actions = []
    for _ in range(3):
        acted, state = policy.act(obs_of([text]), state, [{}])
        actions.append(int(acted[0]))
    # part 1 done at step 2: part 2 read at once from cleared states (count 1), stop at 3
    assert actions == [Action.FORWARD, Action.FORWARD, Action.STOP]
    assert state.readings[0].current == 1
    assert [s.hidden[:, 0].tolist() for s in state.model.members] == [[2], [2]]


def test_bad_ensembles_are_refused_with_the_reason():
    with pytest.raises(ModelError, match="at least one model"):
        ModelEnsemble([])
    with pytest.raises(ModelError, match="member 1: reads instructions with read_parts=False"):
        ModelEnsemble([CountingModel(1), CountingModel(1, read_parts=False)])
    with pytest.raises(ModelError, match="2 sources for 1 members"):
        EnsemblePolicy(ModelEnsemble([CountingModel(1)]), ["a", "b"])

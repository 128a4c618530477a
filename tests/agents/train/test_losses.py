"""The imitation losses on sequences small enough to work out by hand."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from agents.models import ModelConfig, MultimodalTransformer
from agents.models.cell_labels import CELL_CLASSES
from agents.train.losses import (
    accuracy,
    action_loss,
    cell_loss,
    goal_choice_loss,
    goal_loss,
    leg_loss,
    progress_loss,
    progress_targets,
    seen_cells,
    words_loss,
)


def test_action_loss_of_a_two_step_sequence_by_hand():
    logits = torch.zeros(1, 2, 7)  # step 0: uniform over 7 actions -> -log(1/7)
    logits[0, 1, 0] = math.log(6.0)  # step 1: p(0) = 6 / (6 + 6) = 1/2 -> -log(1/2)
    targets = torch.tensor([[3, 0]])
    both = torch.ones(1, 2, dtype=torch.bool)
    expected = (math.log(7) + math.log(2)) / 2
    assert float(action_loss(logits, targets, both)) == pytest.approx(expected)
    first = torch.tensor([[True, False]])
    assert float(action_loss(logits, targets, first)) == pytest.approx(math.log(7))
    assert float(accuracy(logits, targets, both)) == pytest.approx(0.5)  # argmax 0 hits step 1


def test_progress_loss_and_targets_by_hand():
    assert progress_targets(4).tolist() == [0.25, 0.5, 0.75, 1.0]
    progress = torch.tensor([[0.5, 0.5]])
    targets = torch.tensor([[0.25, 1.0]])
    mask = torch.tensor([[True, True]])
    assert float(progress_loss(progress, targets, mask)) == pytest.approx((0.0625 + 0.25) / 2)
    assert float(progress_loss(progress, targets, torch.zeros_like(mask))) == 0.0


def test_sequence_loss_equals_the_loss_of_two_single_steps():
    model = MultimodalTransformer(ModelConfig(n_embd=32, n_head=2, n_text_layer=1,
                                              n_vision_layer=1, n_fusion_layer=1), seed=3)
    model.requires_grad_(False)
    gen = torch.Generator().manual_seed(0)
    image = torch.randint(0, 256, (2, 2, 56, 56, 3), generator=gen, dtype=torch.uint8)
    obs = {"image": image, "direction": torch.tensor([[0, 1], [2, 3]]),
           "carrying": torch.zeros(2, 2, dtype=torch.long),
           "instruction": ["Go to the kitchen.", "Bring me a pillow."]}
    targets = torch.tensor([[2, 6], [1, 2]])
    done = torch.tensor([[True, False], [True, False]])
    out = model.forward_sequence(obs, None, done)
    loss = action_loss(out.logits, targets, torch.ones_like(done))
    # by hand: step 0 from the zero state, step 1 from the state step 0 left
    one = {"instruction": obs["instruction"], "carrying": torch.zeros(2, dtype=torch.long)}
    step0 = model({**one, "image": image[:, 0], "direction": obs["direction"][:, 0]}, None)
    step1 = model({**one, "image": image[:, 1], "direction": obs["direction"][:, 1]},
                  step0.state)
    nll = [F.cross_entropy(s.logits, targets[:, t], reduction="none")
           for t, s in enumerate((step0, step1))]
    assert float(loss) == pytest.approx(float(torch.cat(nll).mean()), rel=1e-5)


def test_seen_cells_are_those_with_a_lit_pixel():
    image = torch.zeros(1, 1, 6, 6, 3, dtype=torch.uint8)  # a 3 x 3 view of 2-pixel tiles
    image[0, 0, 0, 5, 2] = 9  # one pixel of cell (0, 2)
    image[0, 0, 4:, 2:4] = 200  # the whole of cell (2, 1), the agent's
    assert seen_cells(image, 2)[0, 0].tolist() == [False, False, True, False, False,
                                                  False, False, True, False]


def test_goal_loss_counts_seen_cells_only():
    image = torch.zeros(1, 1, 6, 6, 3, dtype=torch.uint8)
    image[0, 0, 4:, :] = 50  # the bottom row of cells is seen
    logits = torch.zeros(1, 1, 9)
    logits[0, 0, 0] = 100.0  # an unseen cell: confidently wrong, but not counted
    logits[0, 0, 7] = math.log(3.0)  # p = 3/4 on a seen target cell -> -log(3/4)
    targets = torch.zeros(1, 1, 9, dtype=torch.bool)
    targets[0, 0, 7] = True
    expected = (math.log(2) + math.log(4 / 3) + math.log(2)) / 3  # cells 6, 7, 8
    assert float(goal_loss(logits, targets, image)) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"model\.goal\b"):
        goal_loss(None, targets, image)


def test_cell_loss_sums_the_label_kinds_over_seen_cells_only():
    classes = (3, 2, 2)  # a 2 x 2 view; only cell 2 is seen (its base is not void)
    logits = torch.zeros(1, 1, 4, 7)
    logits[0, 0, 0, 0] = -50.0  # an unseen cell, confidently wrong: not counted
    logits[0, 0, 2, :3] = torch.tensor([0.0, math.log(2.0), 0.0])  # base p = 1/2 on class 1
    targets = torch.zeros(1, 1, 4, 3, dtype=torch.uint8)
    targets[0, 0, 2] = torch.tensor([1, 1, 0])  # kind and colour: uniform over 2 -> log 2
    expected = math.log(2) + math.log(2) + math.log(2)
    assert float(cell_loss(logits, targets, classes)) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"model\.cells"):
        cell_loss(None, targets, classes)


def _bottom_row_seen() -> torch.Tensor:
    image = torch.zeros(1, 1, 6, 6, 3, dtype=torch.uint8)
    image[0, 0, 4:, :] = 50  # of the 3 x 3 view, cells 6, 7, 8 are seen
    return image


def test_goal_choice_loss_ranks_the_seen_target_against_seen_cells_and_not_in_view():
    image = _bottom_row_seen()
    logits = torch.zeros(1, 1, 9)
    logits[0, 0, 0] = 100.0  # an unseen cell: not a candidate
    logits[0, 0, 7] = math.log(2.0)  # target: exp 2 against 1 + 1 (cells 6, 8) + 1 (none)
    targets = torch.zeros(1, 1, 9, dtype=torch.bool)
    targets[0, 0, 7] = True
    assert float(goal_choice_loss(logits, targets, image)) == pytest.approx(math.log(5 / 2))
    targets[0, 0, 8] = True  # two target cells: -log((2 + 1) / 5)
    assert float(goal_choice_loss(logits, targets, image)) == pytest.approx(math.log(5 / 3))


def test_goal_choice_loss_picks_not_in_view_when_no_target_is_seen():
    image = _bottom_row_seen()
    logits = torch.full((1, 2, 9), 0.0)
    targets = torch.zeros(1, 2, 9, dtype=torch.bool)
    targets[0, 0, 1] = True  # a target that is not seen counts as not in view
    # each step: "not in view" (score 0) against cells 6, 7, 8 (score 0) -> log 4
    assert float(goal_choice_loss(logits, targets, image)) == pytest.approx(math.log(4))
    with pytest.raises(ValueError, match=r"model\.goal\b"):
        goal_choice_loss(None, targets, image)


def test_goal_losses_average_only_over_the_steps_that_have_targets():
    image = _bottom_row_seen().expand(1, 2, 6, 6, 3)
    logits = torch.zeros(1, 2, 9)
    logits[0, 0, 7] = math.log(2.0)  # step 0: log(5 / 2) as above
    logits[0, 1, 6] = 50.0  # step 1 (left out): a huge loss were it counted
    targets = torch.zeros(1, 2, 9, dtype=torch.bool)
    targets[0, :, 7] = True
    steps = torch.tensor([[True, False]])
    assert float(goal_choice_loss(logits, targets, image, steps)) == pytest.approx(
        math.log(5 / 2))
    # bce: the three seen cells of step 0 only; sigmoid(log 2) = 2/3 for the target
    expected = (math.log(2) + math.log(1.5) + math.log(2)) / 3
    assert float(goal_loss(logits, targets, image, steps)) == pytest.approx(expected)
    assert float(goal_choice_loss(logits, targets, image, torch.zeros(1, 2, dtype=bool))) == 0


def test_leg_loss_is_minus_the_log_of_the_attention_on_the_leg_by_hand():
    weights = torch.tensor([[[0.1, 0.6, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25]]])  # (1, 2, 4)
    targets = torch.zeros(1, 2, 6, dtype=torch.bool)  # L = 6 > L' = 4: trimmed padding
    targets[0, :, 1:3] = True
    targets[0, :, 5] = True  # past the trimmed tokens: ignored
    both = torch.tensor([[True, True]])
    expected = (-math.log(0.8) - math.log(0.5)) / 2
    assert float(leg_loss(weights, targets, both)) == pytest.approx(expected)
    first = torch.tensor([[True, False]])
    assert float(leg_loss(weights, targets, first)) == pytest.approx(-math.log(0.8))
    assert float(leg_loss(weights, targets, torch.zeros(1, 2, dtype=torch.bool))) == 0.0
    with pytest.raises(ValueError, match="model.track"):
        leg_loss(None, targets, both)


def test_words_loss_averages_the_labelled_kinds_by_hand():
    logits = torch.zeros(1, 3, sum(CELL_CLASSES))  # flat: -log p = log K_a
    logits[0, 1, CELL_CLASSES[0] + 2] = math.log(4.0)  # kind 2 four times as likely
    targets = torch.tensor([[[5, -1, -1], [-1, 2, 1], [-1, -1, -1]]])  # room; object; none
    k_kind = CELL_CLASSES[1]
    want = (math.log(CELL_CLASSES[0]) + math.log(k_kind - 1 + 4) - math.log(4)
            + math.log(CELL_CLASSES[2])) / 3
    assert float(words_loss(logits, targets)) == pytest.approx(want)
    assert float(words_loss(logits, torch.full((1, 3, 3), -1))) == 0.0
    with pytest.raises(ValueError, match="model.match"):
        words_loss(None, targets)

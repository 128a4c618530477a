"""``energy``: the action as the variable of a Markov random field, scored by an energy of
unary potentials per modality plus a learned pairwise text–vision potential, normalised
by the partition over the actions (LeCun et al., 2006, "A Tutorial on Energy-Based
Learning"; the unary and pairwise potentials of conditional random fields, Lafferty et
al., 2001, "Conditional Random Fields: Probabilistic Models for Segmenting and Labeling
Sequence Data")::

    E(a) = U_text(a) + U_image(a) + U_state(a) + P(a)
    p(a) = exp(-E(a)) / Z,   Z = sum_b exp(-E(b))   (b over the n_actions actions)

* ``U_text(a) = w_a · t + b_a``: a linear map of the instruction summary ``t``;
* ``U_image(a) = w'_a · mean_j c_j + b'_a``: a linear map of the mean of the cell tokens;
* ``U_state(a) = w''_a · h + b''_a``: a linear map of the fused state token ``h``;
* ``P(a) = -log (1/N) sum_i exp(-t^T W_a v_i)``: a bilinear potential between the text
  summary and each of the ``N`` view tokens ``v_i``, with the view token the instruction
  is about as a latent variable ``i`` (uniform prior) summed out of ``exp(-E)``. Each
  ``W_a = Q_t^T diag(m_a) Q_v`` has rank ``r = PAIR_RANK``, with ``(r, C)`` bases ``Q_t``,
  ``Q_v`` shared by the actions and a mixing row ``m_a`` per action (``2 C r + r n_actions``
  parameters, not ``n_actions C^2``).

The logits are ``log p(a) = -E(a) - log Z``, already normalised (``makes_logits``, as
``late_fusion``'s product of experts, which is the same sum of log-potentials).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from agents.models.fusion import ContextFusion, FusionOutput, register_fusion
from agents.models.layers import Block, ReadBlock
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput

#: Rank ``r`` of each action's bilinear text–vision map ``W_a``.
PAIR_RANK = 16


def pairwise_energy(text: Tensor, image: Tensor, mix: Tensor) -> Tensor:
    """The pairwise text–vision potential of every action, the view token summed out:
    ``P(a) = -log (1/N) sum_i exp(-e_ai)`` with ``e_ai = sum_k mix[a, k] text_k image_ik``
    (``= t^T W_a v_i`` with the projections ``text = Q_t t``, ``image_i = Q_v v_i``).

    Args:
        text: ``(B, r)`` the projected instruction summary.
        image: ``(B, N, r)`` the projected view tokens.
        mix: ``(A, r)`` each action's weights of the ``r`` rank-one terms.

    Returns:
        ``(B, A)`` energies; all zero when ``mix`` is zero.
    """
    e = torch.einsum("bk,bnk,ak->ban", text, image, mix)  # (B, A, N)
    return math.log(e.shape[-1]) - torch.logsumexp(-e, dim=-1)  # (B, A)


@register_fusion("energy")
class EnergyFusion(ContextFusion):
    """Actions scored by the energy of the module docstring; the fused state is the state
    token after one read of a state-independent context.

    Context (no dependence on the state, so a sequence computes it for all ``B * T``
    steps at once): ``config.n_fusion_layer`` pre-norm Transformer layers over
    ``[t; v_1..v_N]`` (the summary and the view tokens), layer-normed, behind one *energy
    token* holding the state-independent energy ``U_text + U_image + P`` of each action in
    its first ``n_actions`` channels (zeros after): ``(B, 2 + N, C)``, its last ``V*V``
    tokens the view cells (what the goal head reads).

    Read (every step): the state token reads ``[t; v]`` (the context less the energy
    token) by cross-attention and a feed-forward layer (:class:`ReadBlock`); ``h =
    ln_f(s)`` is the fused state and the features of the value and progress heads, and
    ``U_state`` a linear map of it. Attention maps: ``fusion.<i>`` ``(B, H, 1+N, 1+N)``
    for the context layers and ``fusion.<n_fusion_layer>`` ``(B, H, 1, 1+N)`` for the read.

    Raises:
        ModelError: ``config.n_actions`` is larger than ``config.n_embd`` (the energy
            token would not hold the energies).
    """

    makes_logits = True

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        C, A = config.n_embd, config.n_actions
        if A > C:
            raise ModelError(f"fusion 'energy' keeps the {A} actions' energies in one token "
                             f"of n_embd={C} channels; expected n_actions <= n_embd")
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_fusion_layer))
        self.ln_ctx = nn.LayerNorm(C, bias=config.bias)
        self.read_block = ReadBlock(config)
        self.ln_f = nn.LayerNorm(C, bias=config.bias)
        self.text_unary = nn.Linear(C, A, bias=config.bias)
        self.image_unary = nn.Linear(C, A, bias=config.bias)
        self.state_unary = nn.Linear(C, A, bias=config.bias)
        self.pair_text = nn.Linear(C, PAIR_RANK, bias=False)
        self.pair_image = nn.Linear(C, PAIR_RANK, bias=False)
        self.pair_mix = nn.Linear(PAIR_RANK, A, bias=False)

    def context_energy(self, text: TextOutput, image: VisionOutput) -> Tensor:
        """``(B, A)`` the state-independent energy ``U_text + U_image + P`` (float32)."""
        t = text.summary  # (B, C)
        u_text = self.text_unary(t).float()  # (B, A)
        u_image = self.image_unary(image.summary).float()  # (B, A)
        pair = pairwise_energy(self.pair_text(t).float(),
                               self.pair_image(image.tokens).float(),
                               self.pair_mix.weight.float())  # (B, A)
        return u_text + u_image + pair  # (B, A)

    def context(
        self, text: TextOutput, image: VisionOutput, return_attention: bool = False
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """See :meth:`ContextFusion.context`: ``(B, 2 + N, C)`` ``[energy; t; v]``."""
        x = torch.cat([text.summary[:, None], image.tokens], dim=1)  # (B, 1+N, C)
        maps = {}
        for i, block in enumerate(self.blocks):
            x, w = block(x, None, return_attention)  # (B, 1+N, C)
            if w is not None:
                maps[f"fusion.{i}"] = w
        x = self.ln_ctx(x)  # (B, 1+N, C)
        energy = self.context_energy(text, image)  # (B, A)
        token = F.pad(energy, (0, x.shape[-1] - energy.shape[-1]))  # (B, C)
        return torch.cat([token[:, None], x], dim=1), maps  # (B, 2+N, C)

    def read(
        self, state: Tensor, context: Tensor, return_attention: bool = False
    ) -> FusionOutput:
        """See :meth:`ContextFusion.read`: ``log p = log_softmax(-(E_context + U_state))``."""
        s, w = self.read_block(state, context[:, 1:], None, return_attention)  # (B, 1, C)
        h = self.ln_f(s[:, 0])  # (B, C)
        energy = (context[:, 0, :self.config.n_actions].float()
                  + self.state_unary(h).float())  # (B, A)
        logits = F.log_softmax(-energy, dim=-1)  # (B, A)
        maps = {} if w is None else {f"fusion.{len(self.blocks)}": w}
        return FusionOutput(h, h, logits, maps)

"""``MultimodalTransformer``: the recurrent vision-and-language policy (text encoder,
vision encoder, a fusion from the registry, a state token carried across steps as in
Recurrent VLN-BERT (Hong et al., 2021), and action, value and progress heads)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from agents.models import io
from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from agents.models.explore import ExploreMemory
from agents.models.fusion import ContextFusion, build_fusion
from agents.models.inputs import InstructionCache, batch_observations, instruction_ids
from agents.models.match import (
    AttributeReader,
    TokenReader,
    attribute_match,
    room_context,
    room_match,
)
from agents.models.memory import GoalMemory
from agents.models.text import PAD_ID, TextEncoder, TextOutput, trim_padding
from agents.models.tiles import CELL_CLASSES, FLOOR_LABELS, ROOM_TYPES
from agents.models.vision import VisionEncoder, VisionOutput
from vlnenv.language.vocab import Tokenizer


class PolicyOutput(NamedTuple):
    """Outputs of one step (leading dims ``(B,)``) or of a sequence (``(B, T)``)."""

    logits: Tensor
    """``(*D, n_actions)`` action logits (normalised log-probabilities for late fusion)."""
    value: Tensor
    """``(*D,)`` state value."""
    progress: Tensor
    """``(*D,)`` progress estimate in (0, 1)."""
    state: Tensor
    """``(B, state_size)`` the recurrent state after the (last) step (``C`` numbers, then
    the goal map of a model with ``config.goal_memory``, then the explore map of one with
    ``config.explore_memory``)."""
    attention: dict[str, Tensor]
    """Attention weights by layer (``text.<i>``, ``vision.<i>``, ``fusion.<i>...``) when
    asked for, else empty."""
    goal: Tensor | None = None
    """``(B, T, V*V)`` goal-in-view scores of every view cell (``forward_sequence`` of a
    model with ``config.goal_head``), else ``None``."""
    cells: Tensor | None = None
    """``(B, T, V*V, sum(CELL_CLASSES))`` what-is-in-this-cell logits of every view cell
    (``forward_sequence`` of a model with ``config.cell_head``; base, kind and colour
    logits side by side, see :data:`CELL_CLASSES`), else ``None``."""
    match: Tensor | None = None
    """``(B, T, sum(CELL_CLASSES))`` what the instruction names, as the goal match's text
    head reads it (``forward_sequence`` of a model with ``config.goal_match``; base, kind
    and colour logits side by side, then with ``config.match_room`` the ``ROOM_TYPES``
    room-type logits), else ``None``."""


def _attention_maps(text: TextOutput, vision: VisionOutput,
                    fusion: dict[str, Tensor]) -> dict[str, Tensor]:
    """Every layer's attention weights by name: ``text.<i>``, ``vision.<i>``, then the
    fusion's own."""
    maps = {f"text.{i}": w for i, w in enumerate(text.attention)}
    maps.update({f"vision.{i}": w for i, w in enumerate(vision.attention)})
    maps.update(fusion)
    return maps


class MultimodalTransformer(nn.Module):
    """The multimodal policy; every submodule is built from ``config``.

    Args:
        config: sizes and switches; :meth:`ModelConfig.default` when ``None``.
        tokenizer: the vocabulary for string instructions; the one shipped with vlnenv when
            ``None``. Its size must equal ``config.vocab_size``.
        seed: seed of the weight initialisation (its own generator; global RNG untouched).

    Raises:
        ModelError: the tokenizer does not match the config, or the fusion is unknown.
    """

    def __init__(
        self, config: ModelConfig | None = None, tokenizer: Tokenizer | None = None, seed: int = 0
    ) -> None:
        super().__init__()
        config = config or ModelConfig.default()
        tokenizer = tokenizer or Tokenizer()
        if tokenizer.vocab_size != config.vocab_size:
            raise ModelError(f"tokenizer has {tokenizer.vocab_size} tokens but "
                             f"config.vocab_size is {config.vocab_size}")
        self.config = config
        self.tokenizer = tokenizer
        self.instructions = InstructionCache(tokenizer, config.max_text_len)
        self.text = TextEncoder(config)
        self.vision = VisionEncoder(config)
        self.state_emb = nn.Parameter(torch.zeros(config.n_embd))
        self.fusion = build_fusion(config)
        self.action_head = (None if self.fusion.makes_logits
                            else nn.Linear(config.n_embd, config.n_actions, bias=config.bias))
        self.value_head = nn.Linear(config.n_embd, 1, bias=config.bias)
        self.progress_head = nn.Linear(config.n_embd, 1, bias=config.bias)
        if config.goal_head and not isinstance(self.fusion, ContextFusion):
            raise ModelError(f"goal_head needs a fusion with a per-step context (film); "
                             f"{config.fusion!r} has none")
        self.goal_head = (nn.Linear(config.n_embd, 1, bias=config.bias) if config.goal_head
                          else None)
        self.cell_head = (nn.Linear(config.n_embd, sum(CELL_CLASSES), bias=config.bias)
                          if config.cell_head else None)
        self.match_head: nn.Module | None = None
        if config.goal_match:
            readers = {"attend": AttributeReader, "tokens": TokenReader}
            classes = CELL_CLASSES + ((ROOM_TYPES,) if config.match_room else ())
            self.match_head = (readers[config.match_reader](config.n_embd, classes, config.bias)
                               if config.match_reader in readers
                               else nn.Linear(config.n_embd, sum(classes), bias=config.bias))
        self.memory = GoalMemory(config) if config.goal_memory else None
        self.explore = ExploreMemory(config) if config.explore_memory else None
        self._init_weights(torch.Generator().manual_seed(seed))

    # ------------------------------------------------------------------ construction
    def _init_weights(self, gen: torch.Generator) -> None:
        """GPT-2 initialisation, once, from ``gen``: normal(0, 0.02) weights and
        embeddings, zero biases, unit layer norms, and residual output projections scaled
        by ``1 / sqrt(2 * layers)``."""
        c = self.config
        depth = c.n_text_layer + c.n_vision_layer + c.n_fusion_layer
        resid_std = 0.02 / math.sqrt(2 * max(depth, 1))
        for module in self.modules():
            if isinstance(module, nn.Linear):
                std = resid_std if getattr(module, "residual_out", False) else 0.02
                nn.init.normal_(module.weight, 0.0, std, generator=gen)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, 0.0, 0.02, generator=gen)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        nn.init.normal_(self.state_emb, 0.0, 0.02, generator=gen)

    @property
    def device(self) -> torch.device:
        """Where the parameters are."""
        return self.state_emb.device

    def num_parameters(self) -> int:
        """Number of parameters."""
        return sum(p.numel() for p in self.parameters())

    def optim_groups(self, weight_decay: float) -> list[dict[str, Any]]:
        """Parameter groups for an optimiser: weight decay on matrices and embeddings
        (``dim >= 2``), none on biases, norms and vectors."""
        params = [p for p in self.parameters() if p.requires_grad]
        return [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]

    @property
    def state_size(self) -> int:
        """Numbers in the recurrent state: ``C``, plus the goal map's ``M * M`` with
        ``config.goal_memory``, plus the explore map's ``M * M`` with
        ``config.explore_memory``."""
        return (self.config.n_embd + (0 if self.memory is None else self.memory.size)
                + (0 if self.explore is None else self.explore.size))

    def initial_state(self, batch: int, device: torch.device | str | None = None) -> Tensor:
        """``(batch, state_size)`` the state at the start of an episode (zeros)."""
        return torch.zeros(batch, self.state_size, device=device or self.device)

    # ------------------------------------------------------------------ encoders
    def _masked(
        self, ids: Tensor, image: Tensor, mask_instruction: bool | None, blank_image: bool | None
    ) -> tuple[Tensor, Tensor]:
        if self.config.mask_instruction if mask_instruction is None else mask_instruction:
            ids = torch.full_like(ids, PAD_ID)  # (..., L)
        if self.config.blank_image if blank_image is None else blank_image:
            image = torch.zeros_like(image)  # (..., S, S, 3)
        return ids, image

    def encode_text(self, text: str | Sequence[str] | Tensor) -> Tensor:
        """``(B, C)`` instruction summaries (the encoded ``<cls>``) of one string, a list
        of strings, or ``(B, L)`` token ids."""
        texts = [text] if isinstance(text, str) else text
        ids = instruction_ids(texts, self.instructions, self.device)  # (B, L)
        return self.text(ids).summary  # (B, C)

    def encode_image(
        self, images: Any, direction: Any = None, carrying: Any = None, gps: Any = None
    ) -> Tensor:
        """``(B, C)`` view summaries (mean of the encoded cell tokens) of ``(B, S, S, 3)``
        images (numpy or torch, 0..255), with optional ``(B,)`` headings and carried ids
        and ``(B, 2)`` gps (needed by a model with ``config.gps``)."""
        dev = self.device
        image = torch.as_tensor(images, device=dev)  # (B, S, S, 3)
        d = None if direction is None else torch.as_tensor(direction, dtype=torch.long,
                                                            device=dev)  # (B,)
        c = None if carrying is None else torch.as_tensor(carrying, dtype=torch.long,
                                                           device=dev)  # (B,)
        g = None if gps is None else torch.as_tensor(gps, dtype=torch.long, device=dev)
        return self.vision(image, d, c, gps=g).summary  # (B, C)

    # ------------------------------------------------------------------ one step
    def _outputs(self, features: Tensor, logits: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        """Action logits (the fusion's own, else the action head's), value and progress
        of ``(*D, C)`` fused features: ``(*D, A)``, ``(*D,)``, ``(*D,)``."""
        if logits is None:
            logits = self.action_head(features).float()  # (*D, A)
        value = self.value_head(features).squeeze(-1).float()  # (*D,)
        progress = torch.sigmoid(self.progress_head(features).squeeze(-1).float())  # (*D,)
        return logits, value, progress

    def _step(
        self, text: TextOutput, vision: VisionOutput, state: Tensor, return_attention: bool
    ) -> PolicyOutput:
        if not self.config.recurrent:
            state = torch.zeros_like(state)  # (B, C)
        token = (state + self.state_emb)[:, None]  # (B, 1, C)
        fused = self.fusion(token, text, vision, return_attention)
        logits, value, progress = self._outputs(fused.features, fused.logits)  # (B, A), (B,)
        new_state = fused.state.float() if self.config.recurrent else torch.zeros_like(state)
        maps = _attention_maps(text, vision, fused.attention) if return_attention else {}
        return PolicyOutput(logits, value, progress, new_state, maps)

    def forward(
        self,
        obs: Mapping[str, Any],
        state: Tensor | None = None,
        *,
        mask_instruction: bool | None = None,
        blank_image: bool | None = None,
        return_attention: bool = False,
    ) -> PolicyOutput:
        """One step on a batch of observations.

        Args:
            obs: ``image`` (B, S, S, 3), ``direction`` (B,), ``carrying`` (B,),
                ``instruction`` (B strings, or (B, L) ids) and ``gps`` (B, 2) (read only
                by a model with ``config.gps``), numpy or torch.
            state: ``(B, state_size)`` recurrent state; :meth:`initial_state` when ``None``.
            mask_instruction: feed only ``<pad>`` ids (``None``: ``config.mask_instruction``).
            blank_image: feed zero images (``None``: ``config.blank_image``).
            return_attention: also return every layer's attention weights.

        Returns:
            Logits, value, progress, the next state and the attention maps.
        """
        batch = batch_observations(obs, self.instructions, self.device, n_lead=1)
        ids, image = self._masked(batch.ids, batch.image, mask_instruction, blank_image)
        if state is None:
            state = self.initial_state(image.shape[0])
        text = self.text(ids, return_attention)  # (B, L, C)
        vision = self.vision(image, batch.direction, batch.carrying, return_attention,
                             gps=batch.gps)
        if self.memory is not None:
            return self._memory_step(text, vision, image, batch.gps, batch.direction, state,
                                     return_attention)
        return self._step(text, vision, state, return_attention)

    def instruction_labels(self, text: TextOutput) -> Tensor | None:
        """``(N, K)`` what the instruction names (the goal match's text head: a linear map of
        the summary, or with ``config.match_reader = "attend"`` / ``"tokens"`` an
        :class:`AttributeReader` / :class:`TokenReader` over the tokens); ``None`` without
        ``config.goal_match``."""
        if self.match_head is None:
            return None
        if isinstance(self.match_head, AttributeReader | TokenReader):
            return self.match_head(text.tokens, text.padding)  # (N, K)
        return self.match_head(text.summary)  # (N, K)

    def _goal_logits(self, ctx: Tensor, vision: VisionOutput, words: Tensor | None,
                     cells: Tensor | None = None) -> Tensor:
        """``(..., V*V)`` goal scores of the view cells from a ``(..., S, C)`` context; with
        ``config.goal_match`` plus :func:`attribute_match` of the ``(N, K)`` match-head
        logits ``words`` and the ``(N, V*V, K)`` cell logits (computed here when ``None``),
        and with ``config.match_room`` plus :func:`room_match` of the words' last ``R``
        logits and the cells' :func:`room_context`; ``N`` the context's leading dims
        flattened."""
        n_cells = vision.tokens.shape[1] - vision.n_ego
        goal = self.goal_head(ctx[..., -n_cells:, :]).squeeze(-1).float()  # (..., V*V)
        if self.match_head is None:
            return goal
        if cells is None:
            cells = self.cell_head(vision.cells)  # (N, V*V, K)
        K = sum(CELL_CLASSES)
        match = attribute_match(words[:, :K], cells.detach(), CELL_CLASSES)  # (N, V*V)
        if self.config.match_room:
            view = math.isqrt(n_cells)
            rooms = room_context(cells.detach()[..., :CELL_CLASSES[0]], view,
                                 FLOOR_LABELS)  # (N, V*V, R)
            match = match + room_match(words[:, K:], rooms)  # (N, V*V)
        return goal + match.view(goal.shape)  # (..., V*V)

    def _memory_step(self, text: TextOutput, vision: VisionOutput, image: Tensor, gps: Tensor,
                     direction: Tensor, state: Tensor, return_attention: bool) -> PolicyOutput:
        """One step of a model with ``config.goal_memory``: the context, the goal map's
        write and read, then the state token (plus the read-out) reads the context."""
        C, MM = self.config.n_embd, self.memory.size
        hidden, goal_map = state[:, :C], state[:, C:C + MM]  # (B, C), (B, M*M)
        ctx, maps = self.fusion.context(text, vision, return_attention)  # (B, S, C)
        cells = None if self.cell_head is None else self.cell_head(vision.cells)  # (B, V*V, K)
        words = self.instruction_labels(text)  # (B, K) or None
        goal = self._goal_logits(ctx, vision, words, cells)  # (B, V*V)
        index = self.memory.places(image, gps, direction)  # (B, V*V) written once, read twice
        recall, goal_map = self.memory(goal_map, goal, image, gps, direction,
                                       index)  # (B, C), (B, M*M)
        if self.explore is not None:
            seen, explore_map = self.explore(state[:, C + MM:], cells, index, gps, direction,
                                             goal_map)
            recall = recall + seen  # (B, C)
            goal_map = torch.cat([goal_map, explore_map], dim=1)  # (B, 2*M*M)
        fused = self.fusion.read((hidden + self.state_emb + recall)[:, None], ctx,
                                 return_attention)
        logits, value, progress = self._outputs(fused.features, fused.logits)  # (B, A), (B,)
        new_state = torch.cat([fused.state.float(), goal_map], dim=1)  # (B, state_size)
        maps = (_attention_maps(text, vision, {**maps, **fused.attention}) if return_attention
                else {})
        return PolicyOutput(logits, value, progress, new_state, maps)

    def act(
        self,
        obs: Mapping[str, Any],
        state: Tensor | None = None,
        *,
        mask_instruction: bool | None = None,
        blank_image: bool | None = None,
    ) -> tuple[Tensor, Tensor, Tensor]:
        """``(logits (B, A), value (B,), new_state (B, state_size))`` for one step; see
        :meth:`forward`."""
        out = self(obs, state, mask_instruction=mask_instruction, blank_image=blank_image)
        return out.logits, out.value, out.state

    # ------------------------------------------------------------------ sequences
    def forward_sequence(
        self,
        obs_seq: Mapping[str, Any],
        state: Tensor | None,
        done_mask: Any,
        *,
        mask_instruction: bool | None = None,
        blank_image: bool | None = None,
    ) -> PolicyOutput:
        """Run ``T`` steps of ``B`` environments (behaviour cloning, recurrent PPO).

        The encoders run once over all ``B * T`` observations (each distinct instruction
        once); only the fusion steps through time.

        Args:
            obs_seq: ``image`` (B, T, S, S, 3), ``direction`` (B, T), ``carrying`` (B, T),
                ``instruction`` per environment (B strings or (B, L) ids) or per step
                (B lists of T strings or (B, T, L) ids), and ``gps`` (B, T, 2) (read only
                by a model with ``config.gps``).
            state: ``(B, state_size)`` state before the first step; zeros when ``None``.
            done_mask: ``(B, T)`` bool, True where step ``t`` starts a new episode: the
                state is reset to :meth:`initial_state` before that step.
            mask_instruction: as in :meth:`forward`.
            blank_image: as in :meth:`forward`.

        Returns:
            ``(B, T, A)`` logits, ``(B, T)`` values and progress, and the final
            ``(B, state_size)`` state; ``goal`` and ``cells`` with ``config.goal_head`` /
            ``config.cell_head``.
        """
        batch = batch_observations(obs_seq, self.instructions, self.device, n_lead=2)
        ids, image = self._masked(batch.ids, batch.image, mask_instruction, blank_image)
        B, T = image.shape[:2]
        done = torch.as_tensor(done_mask, dtype=torch.bool, device=self.device)  # (B, T)
        if tuple(done.shape) != (B, T):
            raise ModelError(f"done_mask must have shape {(B, T)}, got {tuple(done.shape)}")
        gps = None if batch.gps is None else batch.gps.flatten(0, 1)  # (B*T, 2)
        vision = self.vision(image.flatten(0, 1), batch.direction.flatten(0, 1),
                             batch.carrying.flatten(0, 1), gps=gps)  # (B*T, N, C)
        vis_tokens = vision.tokens.view(B, T, *vision.tokens.shape[1:])  # (B, T, N, C)
        if ids.dim() == 2:
            text = self.text(ids)  # (B, L, C)
            txt_tokens = text.tokens[:, None].expand(-1, T, -1, -1)  # (B, T, L, C)
            txt_pad = text.padding[:, None].expand(-1, T, -1)  # (B, T, L)
        else:
            flat = trim_padding(ids.flatten(0, 1))  # (B*T, L)
            uniq, inverse = torch.unique(flat, dim=0, return_inverse=True)  # (U, L), (B*T,)
            text = self.text(uniq)  # (U, L, C)
            txt_tokens = text.tokens[inverse].view(B, T, *text.tokens.shape[1:])  # (B,T,L,C)
            txt_pad = text.padding[inverse].view(B, T, -1)  # (B, T, L)
        state = self.initial_state(B) if state is None else state  # (B, C)
        cells = flat_cells = None
        if self.cell_head is not None:
            flat_cells = self.cell_head(vision.cells)  # (B*T, V*V, K)
            cells = flat_cells.float().view(B, T, *flat_cells.shape[1:])  # (B, T, V*V, K)
        if isinstance(self.fusion, ContextFusion):
            return self._read_sequence(txt_tokens, txt_pad, vision, done, state, image,
                                       batch.gps, batch.direction,
                                       flat_cells)._replace(cells=cells)
        steps = []
        for t in range(T):
            state = state.masked_fill(done[:, t, None], 0.0)  # (B, C)
            out = self._step(TextOutput(txt_tokens[:, t], txt_pad[:, t], []),
                             VisionOutput(vis_tokens[:, t], vision.n_ego, []), state, False)
            state = out.state  # (B, C)
            steps.append(out)
        logits = torch.stack([o.logits for o in steps], dim=1)  # (B, T, A)
        value = torch.stack([o.value for o in steps], dim=1)  # (B, T)
        progress = torch.stack([o.progress for o in steps], dim=1)  # (B, T)
        return PolicyOutput(logits, value, progress, state, {}, None, cells)

    def _read_sequence(self, txt_tokens: Tensor, txt_pad: Tensor, vision: VisionOutput,
                       done: Tensor, state: Tensor, image: Tensor, gps: Tensor | None,
                       direction: Tensor, cells: Tensor | None = None) -> PolicyOutput:
        """``forward_sequence`` for a :class:`ContextFusion`: the context of all ``B * T``
        steps in one batch, then only the state token's read (and with
        ``config.goal_memory`` the goal map's write and read) steps through time."""
        B, T = done.shape
        C = self.config.n_embd
        text = TextOutput(txt_tokens.flatten(0, 1), txt_pad.flatten(0, 1), [])  # (B*T, L, C)
        ctx, _ = self.fusion.context(text, vision)  # (B*T, S, C)
        ctx = ctx.view(B, T, *ctx.shape[1:])  # (B, T, S, C)
        words = self.instruction_labels(text)  # (B*T, K) or None
        goal = (None if self.goal_head is None
                else self._goal_logits(ctx, vision, words, cells))  # (B, T, V*V)
        MM = 0 if self.memory is None else self.memory.size
        hidden, goal_map = state[:, :C], state[:, C:C + MM]  # (B, C), (B, M*M) (M = 0: none)
        recall = None
        if self.memory is not None:
            index = self.memory.places(image, gps, direction)  # (B, T, V*V)
            recall, goal_maps = self.memory.sequence(goal_map, goal, image, gps, direction,
                                                     done, index)  # (B, T, C), (B, T, M*M)
            goal_map = goal_maps[:, -1]  # (B, M*M)
        if self.explore is not None:
            seen, explore_map = self.explore.sequence(
                state[:, C + MM:], cells.view(B, T, *cells.shape[1:]), index, gps, direction,
                done, goal_maps)  # (B, T, C), (B, M*M)
            recall = recall + seen  # (B, T, C)
            goal_map = torch.cat([goal_map, explore_map], dim=1)  # (B, 2*M*M)
        feats = []
        for t in range(T):
            hidden = hidden.masked_fill(done[:, t, None], 0.0)  # (B, C)
            if not self.config.recurrent:
                hidden = torch.zeros_like(hidden)
            query = hidden + self.state_emb  # (B, C)
            if recall is not None:
                query = query + recall[:, t]
            fused = self.fusion.read(query[:, None], ctx[:, t])
            hidden = fused.state.float() if self.config.recurrent else torch.zeros_like(hidden)
            feats.append(fused)
        state = torch.cat([hidden, goal_map], dim=1)  # (B, state_size)
        features = torch.stack([f.features for f in feats], dim=1)  # (B, T, C)
        own = (torch.stack([f.logits for f in feats], dim=1)  # (B, T, A)
               if feats[0].logits is not None else None)
        logits, value, progress = self._outputs(features, own)  # (B, T, A), (B, T), (B, T)
        match = None if words is None else words.float().view(B, T, -1)  # (B, T, K)
        return PolicyOutput(logits, value, progress, state, {}, goal, match=match)

    # ------------------------------------------------------------------ files
    def save_pretrained(self, directory: str | os.PathLike[str]) -> Path:
        """Write config, weights and vocabulary into ``directory`` (see
        :mod:`agents.models.io`) and return it."""
        return io.write_checkpoint(directory, self.config, self.state_dict(), self.tokenizer)

    @classmethod
    def from_pretrained(
        cls, directory: str | os.PathLike[str], device: torch.device | str | None = None
    ) -> MultimodalTransformer:
        """The model saved in ``directory`` by :meth:`save_pretrained`, on ``device``
        (CPU when ``None``), in eval mode.

        Raises:
            ModelError: a file is missing, corrupt (its SHA-256 or CRC), holds weights that
                are not finite, or does not match the config.
        """
        config = io.read_config(directory)
        tokenizer = io.read_tokenizer(directory)
        if tokenizer.vocab_size != config.vocab_size:
            raise ModelError(f"{Path(directory) / io.VOCAB_FILE}: {tokenizer.vocab_size} tokens "
                             f"but config.vocab_size is {config.vocab_size}")
        state = io.read_weights(directory)
        try:
            model = cls(config, tokenizer)
        except (RuntimeError, MemoryError) as err:  # a config too large to build here
            raise ModelError(f"{Path(directory) / io.CONFIG_FILE}: the model it describes "
                             f"cannot be built ({type(err).__name__}: "
                             f"{(str(err).splitlines() or [''])[0][:200]})") from None
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as err:
            raise ModelError(f"{Path(directory) / io.WEIGHTS_FILE}: weights do not fit the "
                             f"config: {' '.join(str(err).split())[:500]}") from None
        io.verify_files(directory)  # last: the checks above name a wrong file more precisely
        return model.to(device or "cpu").eval()

"""``MultimodalTransformer``: the recurrent vision-and-language policy (text encoder,
vision encoder, a fusion from the registry, a state token carried across steps as in
Recurrent VLN-BERT (Hong et al., 2021), and action, value and progress heads)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from agents.models import model_folder
from agents.models.cell_labels import CELL_CLASSES
from agents.models.config import ModelConfig
from agents.models.cue import CUE_CLASSES, PLAIN, PLAIN_PRIOR, cue_scores
from agents.models.errors import ModelError
from agents.models.explore import ExploreMemory
from agents.models.fusion import FusionOutput, build_fusion
from agents.models.inputs import (
    InstructionCache,
    ObservationBatch,
    batch_observations,
    instruction_ids,
)
from agents.models.legacy import upgrade_state
from agents.models.match import AttributeReader, attribute_match
from agents.models.memory import GoalMemory
from agents.models.outputs import PolicyOutput, attention_maps
from agents.models.state import RecurrentState
from agents.models.step import StatefulPart, StepContext
from agents.models.text import PAD_ID, TextEncoder, TextOutput, trim_padding
from agents.models.track import InstructionTracker
from agents.models.vision import VisionEncoder, VisionOutput
from vlnenv.language.vocab import Tokenizer


class MultimodalTransformer(nn.Module):
    """The multimodal policy; every submodule is built from ``config``: the core (text and
    vision encoders, the fusion, the state token ``state_emb``, the action, value and
    progress heads), then the optional parts that are on (``goal_head``, ``cell_head``,
    ``match_head``, ``memory``, ``explore``, ``tracker``; ``None`` when off).

    Args:
        config: sizes and parts; ``ModelConfig.preset("default")`` when ``None``.
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
        config = config or ModelConfig.preset("default")
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
        if config.goal is not None and not self.fusion.has_context:
            raise ModelError(f"ModelConfig.goal needs a fusion with a per-step context "
                             f"(has_context: film, energy); {config.fusion!r} has none")
        C = config.n_embd
        self.goal_head = None if config.goal is None else nn.Linear(C, 1, bias=config.bias)
        self.cell_head = (None if config.cells is None
                          else nn.Linear(C, sum(CELL_CLASSES), bias=config.bias))
        self.match_head: nn.Module | None = None
        if config.match is not None:
            self.match_head = (AttributeReader(C, CELL_CLASSES, config.bias)
                               if config.match.reader == "attend"
                               else nn.Linear(C, sum(CELL_CLASSES), bias=config.bias))
        self.memory = None if config.memory is None else GoalMemory(config)
        self.cue_head = (AttributeReader(C, (CUE_CLASSES,), config.bias)
                         if config.memory is not None and config.memory.cue else None)
        self.explore = None if config.explore is None else ExploreMemory(config)
        self.tracker = None if config.track is None else InstructionTracker(config)
        self._init_weights(torch.Generator().manual_seed(seed))
        if self.memory is not None:
            self.memory.start_here_at_zero()
        if self.cue_head is not None and config.bias:  # start reading every instruction plain
            with torch.no_grad():
                self.cue_head.heads[0].bias[PLAIN] = PLAIN_PRIOR

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

    def initial_state(self, batch: int, device: torch.device | str | None = None
                      ) -> RecurrentState:
        """The state of ``batch`` episodes at their start (zeros): ``hidden`` ``(batch, C)``
        and the ``(batch, M*M)`` map of each stateful part that is on."""
        size = (2 * self.config.radius + 1) ** 2  # M * M
        return RecurrentState.zeros(batch, self.config.n_embd, size, self.state_fields,
                                    device or self.device)

    def load_state(self, saved: Any, where: str = "state") -> RecurrentState:
        """A recurrent state as a checkpoint holds it (:meth:`RecurrentState.to_dict`, or the
        flat tensor of older checkpoints: :func:`agents.models.legacy.upgrade_state`)."""
        return upgrade_state(saved, self.state_fields, self.config.n_embd, where)

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

    # ------------------------------------------------------------------ steps
    def _outputs(self, features: Tensor, logits: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        """Action logits (the fusion's own, else the action head's), value and progress
        of ``(*D, C)`` fused features: ``(*D, A)``, ``(*D,)``, ``(*D,)``."""
        if logits is None:
            logits = self.action_head(features).float()  # (*D, A)
        value = self.value_head(features).squeeze(-1).float()  # (*D,)
        progress = torch.sigmoid(self.progress_head(features).squeeze(-1).float())  # (*D,)
        return logits, value, progress

    @property
    def state_fields(self) -> tuple[str, ...]:
        """The :class:`RecurrentState` map fields of the parts that are on, in order."""
        return tuple(f for p in self.stateful_parts for f in p.fields)

    @property
    def stateful_parts(self) -> list[StatefulPart]:
        """The optional parts that own a field of the recurrent state, in the order they
        step (each sees the state and context the ones before it left)."""
        return [p for p in (self.memory, self.explore) if p is not None]

    def instruction_labels(self, text: TextOutput) -> Tensor | None:
        """``(N, K)`` what the instruction names (the goal match's text head: a linear map of
        the summary, or with ``config.match.reader = "attend"`` an :class:`AttributeReader`
        over the tokens); ``None`` without ``config.match``."""
        if self.match_head is None:
            return None
        if isinstance(self.match_head, AttributeReader):
            return self.match_head(text.tokens, text.padding)  # (N, K)
        return self.match_head(text.summary)  # (N, K)

    def read_words(self, ids: Tensor) -> tuple[Tensor, Tensor | None]:
        """What the word readers read off ``(N, L)`` token ids, text only: ``(N, K)`` the
        goal match's label logits (:meth:`instruction_labels`) and ``(N, CUE_CLASSES)`` the
        cue reader's (``None`` without ``config.memory.cue``).

        Raises:
            ModelError: the model has no goal match (``config.match``).
        """
        if self.match_head is None:
            raise ModelError("read_words needs a model with the goal match (model.match)")
        text = self.text(ids)  # (N, L, C)
        cue = None if self.cue_head is None else self.cue_head(text.tokens, text.padding)
        return self.instruction_labels(text), cue  # (N, K), (N, CUE_CLASSES) or None

    def _goal_logits(self, ctx: Tensor, vision: VisionOutput, words: Tensor | None,
                     cells: Tensor | None) -> Tensor:
        """``(B, T, V*V)`` goal scores of the view cells from the ``(B, T, S, C)`` context;
        with ``config.match`` plus :func:`attribute_match` of the ``(B*T, K)`` match-head
        logits ``words`` and the ``(B*T, V*V, K)`` cell logits ``cells``."""
        n_cells = vision.tokens.shape[1] - vision.n_ego
        goal = self.goal_head(ctx[..., -n_cells:, :]).squeeze(-1).float()  # (B, T, V*V)
        if words is None or cells is None:
            return goal
        match = attribute_match(words, cells.detach(), CELL_CLASSES)  # (B*T, V*V)
        return goal + match.view(goal.shape)  # (B, T, V*V)

    def _parts(self, context: StepContext, state: RecurrentState
               ) -> tuple[Tensor | None, RecurrentState]:
        """Each stateful part's :meth:`~agents.models.step.StatefulPart.step` over the
        context's ``T`` steps, in order: the sum of their ``(B, T, C)`` biases (``None``
        without parts) and the state with their fields advanced."""
        bias = None
        for part in self.stateful_parts:
            part_bias, state, aux = part.step(context, state)  # (B, T, C)
            context = context._replace(**aux)
            bias = part_bias if bias is None else bias + part_bias  # (B, T, C)
        return bias, state

    def _step(self, hidden: Tensor, bias: Tensor | None, step_context: Any,
              track: tuple[Tensor, Tensor] | None, return_attention: bool,
              track_weights: bool = False) -> FusionOutput:
        """One step of ``B`` episodes, the one both :meth:`forward` and
        :meth:`forward_sequence` run: the state token (the ``(B, C)`` ``hidden`` plus its
        type embedding plus the parts' ``(B, C)`` bias; with ``config.track``, then its
        read of the step's instruction: ``track`` is its ``(B, L, 2C)`` tracker keys and
        ``(B, L)`` padding) reads the step's part of the fusion's context (an item of
        ``Fusion.step_contexts``); the fused state is the next ``hidden``. The tracker's
        ``(B, H, 1, L)`` weights are in the output's ``attention["track"]`` when
        ``return_attention`` or ``track_weights``."""
        if not self.config.recurrent:
            hidden = torch.zeros_like(hidden)
        query = (hidden + self.state_emb)[:, None]  # (B, 1, C)
        if bias is not None:
            query = query + bias[:, None]  # (B, 1, C)
        weights = None
        if track is not None:
            query, weights = self.tracker(query, *track,
                                          return_attention or track_weights)  # (B, 1, C)
        out = self.fusion.read_at(query, step_context, return_attention)
        return out if weights is None else out._replace(attention={**out.attention,
                                                                   "track": weights})

    def _unroll(self, batch: ObservationBatch, state: RecurrentState | None,
                done: Tensor | None, return_attention: bool = False,
                track_weights: bool = False) -> PolicyOutput:
        """``T`` steps of ``B`` episodes (``batch`` with leading dims ``(B, T)``; ids ``(B, L)``
        or ``(B, T, L)``): the encoders, the fusion's context and the heads that do not
        depend on the state run once over all ``B * T`` steps; then :meth:`_step` runs
        each step, resetting the state where ``done`` ``(B, T)`` is True. With
        ``track_weights`` (and ``config.track``) the output's ``track`` holds the
        tracker's ``(B, T, L)`` attention, the mean over heads."""
        image, ids = batch.image, batch.ids
        B, T = image.shape[:2]
        gps = None if batch.gps is None else batch.gps.flatten(0, 1)  # (B*T, 2)
        vision = self.vision(image.flatten(0, 1), batch.direction.flatten(0, 1),
                             batch.carrying.flatten(0, 1), return_attention,
                             gps=gps)  # (B*T, N, C)
        if ids.dim() == 2:
            text = self.text(ids, return_attention)  # (B, L, C)

            def spread(x: Tensor) -> Tensor:  # (B, ...) per episode -> (B, T, ...)
                return x[:, None].expand(B, T, *x.shape[1:])
        else:
            flat = trim_padding(ids.flatten(0, 1))  # (B*T, L)
            uniq, inverse = torch.unique(flat, dim=0, return_inverse=True)  # (U, L), (B*T,)
            text = self.text(uniq, return_attention)  # (U, L, C)

            def spread(x: Tensor) -> Tensor:  # (U, ...) per distinct text -> (B, T, ...)
                return x[inverse].view(B, T, *x.shape[1:])
        txt_tokens, txt_pad = spread(text.tokens), spread(text.padding)  # (B,T,L,C), (B,T,L)
        # the tracker's keys, projected once per distinct instruction: (B, T, L, 2C)
        track_keys = None if self.tracker is None else spread(self.tracker.keys(text.tokens))
        ctx, maps = self.fusion.sequence_context(txt_tokens, txt_pad, vision, return_attention)
        cells = None if self.cell_head is None else self.cell_head(vision.cells)  # (B*T, P, K)
        words = (None if self.match_head is None else self.instruction_labels(
            TextOutput(txt_tokens.flatten(0, 1), txt_pad.flatten(0, 1), [])))  # (B*T, K)
        goal = (None if self.goal_head is None
                else self._goal_logits(ctx, vision, words, cells))  # (B, T, V*V)
        step_cells = None if cells is None else cells.view(B, T, *cells.shape[1:])
        cue_logits = cue = said = None
        if self.cue_head is not None:  # read once per distinct instruction, then spread
            cue_logits = spread(self.cue_head(text.tokens, text.padding)).flatten(0, 1)
            cue, said = cue_scores(cue_logits.detach(), cells.detach())  # (B*T, P), (B*T,)
            cue, said = cue.view(B, T, -1), said.view(B, T)  # (B, T, P), (B, T)
        state = self.initial_state(B) if state is None else state
        bias, state = self._parts(StepContext(image, batch.direction, batch.gps, done, goal,
                                              step_cells, carrying=batch.carrying, cue=cue,
                                              cue_said=said),
                                  state)  # (B, T, C)
        hidden = state.hidden  # (B, C)
        contexts = self.fusion.step_contexts(ctx)  # T steps' contexts
        biases = [None] * T if bias is None else bias.unbind(1)  # T x (B, C)
        steps = []
        for t in range(T):
            if done is not None:
                hidden = hidden.masked_fill(done[:, t, None], 0.0)  # (B, C)
            track = None if track_keys is None else (track_keys[:, t], txt_pad[:, t])
            fused = self._step(hidden, biases[t], contexts[t], track, return_attention,
                               track_weights)
            hidden = fused.state.float() if self.config.recurrent else torch.zeros_like(hidden)
            steps.append(fused)
        state = state._replace(hidden=hidden)
        features = torch.stack([f.features for f in steps], dim=1)  # (B, T, C)
        own = (torch.stack([f.logits for f in steps], dim=1)  # (B, T, A)
               if steps[0].logits is not None else None)
        logits, value, progress = self._outputs(features, own)  # (B, T, A), (B, T), (B, T)
        pointer = None
        if track_weights and self.tracker is not None:
            pointer = torch.stack([f.attention["track"].float().mean(1)[:, 0] for f in steps],
                                  dim=1)  # (B, T, L)
        if return_attention:
            maps = attention_maps(text, vision, {**maps, **steps[-1].attention})
        return PolicyOutput(logits, value, progress, state, maps, goal,
                            None if step_cells is None else step_cells.float(),
                            None if words is None else words.float().view(B, T, -1), pointer,
                            None if cue_logits is None else cue_logits.float().view(B, T, -1))

    def forward(
        self,
        obs: Mapping[str, Any],
        state: RecurrentState | None = None,
        *,
        mask_instruction: bool | None = None,
        blank_image: bool | None = None,
        return_attention: bool = False,
    ) -> PolicyOutput:
        """One step on a batch of observations (:meth:`forward_sequence` of one step).

        Args:
            obs: ``image`` (B, S, S, 3), ``direction`` (B,), ``carrying`` (B,),
                ``instruction`` (B strings, or (B, L) ids) and ``gps`` (B, 2) (read only
                by a model with ``config.gps``), numpy or torch.
            state: the recurrent state; :meth:`initial_state` when ``None``.
            mask_instruction: feed only ``<pad>`` ids (``None``: ``config.mask_instruction``).
            blank_image: feed zero images (``None``: ``config.blank_image``).
            return_attention: also return every layer's attention weights.

        Returns:
            Logits ``(B, A)``, value and progress ``(B,)``, the next state, the attention
            maps, and the heads' outputs of the step (``goal`` ``(B, V*V)``, ``cells``,
            ``match``) of a model with those parts.
        """
        batch = batch_observations(obs, self.instructions, self.device, n_lead=1)
        ids, image = self._masked(batch.ids, batch.image, mask_instruction, blank_image)
        batch = ObservationBatch(image[:, None], batch.direction[:, None],
                                 batch.carrying[:, None], ids,
                                 None if batch.gps is None else batch.gps[:, None])
        out = self._unroll(batch, state, None, return_attention)
        return PolicyOutput(*(x if x is None or isinstance(x, dict | RecurrentState) else x[:, 0]
                              for x in out))

    def act(
        self,
        obs: Mapping[str, Any],
        state: RecurrentState | None = None,
        *,
        mask_instruction: bool | None = None,
        blank_image: bool | None = None,
    ) -> tuple[Tensor, Tensor, RecurrentState]:
        """``(logits (B, A), value (B,), new_state)`` for one step; see :meth:`forward`."""
        out = self(obs, state, mask_instruction=mask_instruction, blank_image=blank_image)
        return out.logits, out.value, out.state

    def forward_sequence(
        self,
        obs_seq: Mapping[str, Any],
        state: RecurrentState | None,
        done_mask: Any,
        *,
        mask_instruction: bool | None = None,
        blank_image: bool | None = None,
        track_weights: bool = False,
    ) -> PolicyOutput:
        """Run ``T`` steps of ``B`` environments (behaviour cloning, recurrent PPO).

        The encoders, the fusion's context and the goal, cell and match heads run once
        over all ``B * T`` observations (each distinct instruction once); only
        :meth:`_step` (the stateful parts and the state token's read) steps through time.

        Args:
            obs_seq: ``image`` (B, T, S, S, 3), ``direction`` (B, T), ``carrying`` (B, T),
                ``instruction`` per environment (B strings or (B, L) ids) or per step
                (B lists of T strings or (B, T, L) ids), and ``gps`` (B, T, 2) (read only
                by a model with ``config.gps``).
            state: the state before the first step; :meth:`initial_state` when ``None``.
            done_mask: ``(B, T)`` bool, True where step ``t`` starts a new episode: the
                state is reset to :meth:`initial_state` before that step.
            mask_instruction: as in :meth:`forward`.
            blank_image: as in :meth:`forward`.
            track_weights: also return the tracker's ``(B, T, L)`` attention over the
                instruction tokens (``track``; a model with ``config.track``).

        Returns:
            ``(B, T, A)`` logits, ``(B, T)`` values and progress, the final state; ``goal``,
            ``cells`` and ``match`` with ``config.goal`` / ``config.cells`` /
            ``config.match``; ``track`` with ``track_weights``.
        """
        batch = batch_observations(obs_seq, self.instructions, self.device, n_lead=2)
        ids, image = self._masked(batch.ids, batch.image, mask_instruction, blank_image)
        B, T = image.shape[:2]
        done = torch.as_tensor(done_mask, dtype=torch.bool, device=self.device)  # (B, T)
        if tuple(done.shape) != (B, T):
            raise ModelError(f"done_mask must have shape {(B, T)}, got {tuple(done.shape)}")
        return self._unroll(batch._replace(ids=ids, image=image), state, done,
                            track_weights=track_weights)

    # ------------------------------------------------------------------ files
    def save_pretrained(self, directory: str | os.PathLike[str]) -> Path:
        """Write config, weights and vocabulary into ``directory`` (see
        :mod:`agents.models.model_folder`) and return it."""
        return model_folder.write_checkpoint(directory, self.config, self.state_dict(),
                                             self.tokenizer)

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
        return model_folder.load_model(cls, directory, device)

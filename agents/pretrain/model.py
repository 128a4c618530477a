"""``PretrainModel``: the policy's encoders (``text``, ``vision``, ``fusion``, built and
initialised exactly as in :class:`~agents.models.policy.MultimodalTransformer`, under the
same names) with one head per objective, and the objectives' losses on a batch."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from agents.models.config import ModelConfig
from agents.models.errors import ModelError
from agents.models.policy import MultimodalTransformer
from agents.models.text import TextOutput
from agents.models.vision import VisionOutput
from agents.pretrain.contrastive import ContrastiveHead, retrieval_logits
from agents.pretrain.data import Batch
from agents.pretrain.itm import MatchHead, hard_negatives
from agents.pretrain.mlm import MLMHead, mask_tokens, mlm_loss
from agents.pretrain.qa import QAHead
from agents.pretrain.speaker import Speaker
from agents.pretrain.trajectory import TrajectoryHead

#: Every objective, by its ``--objectives`` name.
OBJECTIVES: tuple[str, ...] = ("contrastive", "itm", "mlm", "caption", "trajectory", "qa")
#: Parameter-name prefixes of the encoders (the parts a policy can load).
ENCODER_PARTS: tuple[str, ...] = ("text", "vision", "fusion")


def check_objectives(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` as a tuple, in :data:`OBJECTIVES` order.

    Raises:
        ModelError: a name is unknown, or none is given.
    """
    unknown = sorted(set(names) - set(OBJECTIVES))
    if unknown or not names:
        raise ModelError(f"objectives must be some of {list(OBJECTIVES)}, got {list(names)}")
    return tuple(o for o in OBJECTIVES if o in names)


class PretrainModel(nn.Module):
    """Encoders plus heads.

    Args:
        config: the encoders' config (its ``fusion`` decides single- or dual-stream).
        seed: seed of the encoders' initialisation (the policy's) and of the heads' (drawn
            under ``torch.random.fork_rng``, so torch's global RNG is left as it was).
        proj_dim: width of the contrastive projections.
    """

    def __init__(self, config: ModelConfig, seed: int = 0, proj_dim: int = 64) -> None:
        super().__init__()
        policy = MultimodalTransformer(config, seed=seed)
        self.config = config
        self.text, self.vision, self.fusion = policy.text, policy.vision, policy.fusion
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.contrastive = ContrastiveHead(config.n_embd, proj_dim)
            self.itm = MatchHead(config.n_embd)
            self.mlm = MLMHead(config)
            self.speaker = Speaker(config)
            self.trajectory = TrajectoryHead(config, proj_dim)
            self.qa = QAHead(config.n_embd)

    @property
    def device(self) -> torch.device:
        return self.contrastive.logit_scale.device

    def encoder_state(self) -> dict[str, Tensor]:
        """The encoders' weights, under the policy's parameter names."""
        return {k: v for k, v in self.state_dict().items() if k.split(".")[0] in ENCODER_PARTS}

    def views(self, image: Tensor) -> VisionOutput:
        """The vision encoder on ``(B, S, S, 3)`` views. A model with ``config.gps`` (the
        quickstart's) embeds the way back to the start in its ego token; a pretraining
        view has no start, so it is read as at its start, facing east (``gps = 0``,
        ``direction = 0``: one constant ego token); otherwise no ego token is added."""
        if self.config.gps is None:
            return self.vision(image)
        zeros = torch.zeros(image.shape[0], dtype=torch.long, device=image.device)  # (B,)
        return self.vision(image, zeros, gps=zeros[:, None].expand(-1, 2))

    def path_frames(self, path: Tensor) -> Tensor:
        """``(B, K, C)`` per-view summaries of ``(B, K, S, S, 3)`` views along paths."""
        B, K = path.shape[:2]
        return self.views(path.flatten(0, 1)).summary.view(B, K, -1)  # (B, K, C)

    def forward(self, batch: Batch, objectives: Sequence[str], gen: torch.Generator
                ) -> dict[str, Tensor]:
        """:meth:`losses` (so that ``DistributedDataParallel`` sees the call)."""
        return self.losses(batch, objectives, gen)

    def losses(self, batch: Batch, objectives: Sequence[str], gen: torch.Generator
               ) -> dict[str, Tensor]:
        """The loss of each objective on ``batch``; ``gen`` draws masks and negatives."""
        out: dict[str, Tensor] = {}
        vis = self.views(batch.image)  # (B, N, C)
        txt = self.text(batch.caption)  # (B, L, C)
        if "contrastive" in objectives:
            out["contrastive"] = self.contrastive(vis.summary, txt.summary)
        if "itm" in objectives:
            with torch.no_grad():
                sim = retrieval_logits(self.contrastive.image_proj(vis.summary),
                                       self.contrastive.text_proj(txt.summary))  # (B, B)
            neg = hard_negatives(sim, batch.scene, gen)  # (B,)
            out["itm"] = self.itm(self.fusion, txt, vis, neg)
        if "mlm" in objectives:
            inputs, labels = mask_tokens(batch.caption.cpu(), self.config.vocab_size, gen)
            masked = self.text(inputs.to(self.device))  # (B, L', C)
            labels = labels[:, :masked.tokens.shape[1]].to(self.device)  # (B, L')
            out["mlm"] = (mlm_loss(self.mlm(masked.tokens, masked.padding), labels)
                          + mlm_loss(self.mlm(masked.tokens, masked.padding, vis.tokens),
                                     labels)) / 2
        frames = None
        if {"caption", "trajectory"} & set(objectives):
            frames = self.path_frames(batch.path)  # (Bp, K, C)
            words = self.text(batch.instruction)  # (Bp, Lt, C)
        if "caption" in objectives:
            out["caption"] = (self.speaker(batch.caption, vis.tokens)
                              + self.speaker(batch.instruction,
                                             self.trajectory.frames(frames))) / 2
        if "trajectory" in objectives:
            out["trajectory"] = self.trajectory(frames, words.summary)
        if "qa" in objectives:
            question: TextOutput = self.text(batch.question)  # (B, Lq, C)
            out["qa"] = self.qa(self.fusion, question, vis, batch.answer)
        return out

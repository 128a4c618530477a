"""How much of a policy's own returns can a value head on its features explain?

PPO's advantages are only as good as its critic. The policy's value head is a linear map
of the features its action head reads (``MultimodalTransformer.value_head``), so the best
any value head of that form can do on the policy's own roll-outs is a least-squares fit.
This script plays the policy as PPO's roll-outs do (:class:`agents.rl.rollout.Lanes`:
sampled actions, part by part for a part reader), takes the Monte-Carlo returns
(``gamma``, GAE with lambda 1, bootstrapped after the last roll-out), and reports the
explained variance ``EV = 1 - Var(R - V) / Var(R)`` of

* a least-squares linear map of the features (with a bias), fitted on the rows of the
  first two thirds of the roll-outs and scored on those of the last third (other
  episodes, but for those that ran on across that cut);
* the same of the progress head's estimate alone;
* a two-layer tanh MLP of the standardised features (Adam, 3,000 steps of 512 rows), to
  see whether more capacity on the same features would help;
* the same fits of *privileged* features, what the environment knows and the policy does
  not (:func:`privileged`: the geodesic distance to the goal, the steps used and left, the
  part being read, the family), alone and beside the policy's features: the ceiling of an
  asymmetric critic (Pinto et al. 2018, "Asymmetric Actor Critic for Image-Based Robot
  Learning") that reads the house.

Usage::

    python scripts/value_ceiling.py --policy runs/quickstart/model --suite small [--rollouts 24]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from torch import Tensor

from agents.evaluation.parts import Reading
from agents.models import MultimodalTransformer
from agents.rl.config import RLEnvConfig
from agents.rl.gae import gae
from agents.rl.ppo import explained_variance
from agents.rl.rollout import Episodes, Lanes, make_env
from vlnenv.language.instructions import FAMILIES
from vlnenv.suites.load import load_suite
from vlnenv.vector import BatchedGridHouseEnv

#: The columns of :func:`privileged`, then one per family.
PRIVILEGED = ("goal distance / 32", "gamma ** goal distance", "steps used / max_steps",
              "steps left / 100", "gamma ** distance if it fits in the steps left, else 0",
              "part read / parts", "parts left / 4", "carrying")


def privileged(env: BatchedGridHouseEnv, readings: list[Reading | None],
               gamma: float) -> np.ndarray:
    """``(N, 8 + 5)`` what ``env``'s lanes know now that the policy does not: the columns
    of :data:`PRIVILEGED` (the distance ``d`` is the geodesic cells to the nearest cell of
    the instruction's goal, a route's or sequence's last: the ``goal_dist`` layer, as in
    the ``distance_to_goal`` info), then the family one-hot. A lane that reads its
    instruction whole (``readings[i]`` ``None``) reads part 0 of 1."""
    world = env.world
    d = world.grids.layers["goal_dist"].take(world.pos).astype(np.float64)  # (N,)
    left = (world.max_steps - world.steps).astype(np.float64)  # (N,)
    part = np.array([0 if r is None else r.current for r in readings], np.float64)  # (N,)
    parts = np.array([1 if r is None else len(r.parts) for r in readings], np.float64)
    family = np.zeros((env.num_envs, len(FAMILIES)))  # (N, 5)
    for i in range(env.num_envs):
        family[i, FAMILIES.index(env.episode(i).family)] = 1.0
    return np.column_stack([d / 32, gamma ** d, world.steps / world.max_steps, left / 100,
                            np.where(d <= left, gamma ** d, 0.0), part / parts,
                            (parts - part) / 4, world.carry_obs > 0, family])


class PrivilegedLanes(Lanes):
    """:class:`Lanes` that also keep :func:`privileged` of each step's observation in
    :attr:`rows` (``(N, 13)`` a step, in order)."""

    def __init__(self, env: BatchedGridHouseEnv, model: MultimodalTransformer, seed: int,
                 gamma: float) -> None:
        super().__init__(env, model, seed)
        self.gamma = gamma
        self.rows: list[np.ndarray] = []

    def _step(self, action: np.ndarray, ended: Episodes) -> np.ndarray:
        self.rows.append(privileged(self.env, self.readings, self.gamma))  # before the step
        return super()._step(action, ended)


def collect(model: MultimodalTransformer, suite: str, lanes: int, rollouts: int, steps: int,
            gamma: float, seed: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``(rows, C)`` features, ``(rows,)`` Monte-Carlo returns, ``(rows,)`` progress
    estimates and ``(rows, 13)`` privileged features of ``rollouts`` roll-outs of
    ``steps`` steps of ``lanes`` lanes, lane by lane in time order."""
    env = make_env(RLEnvConfig(suite=suite, lanes=lanes), load_suite(suite), lanes)
    play = PrivilegedLanes(env, model, seed, gamma)
    gen = torch.Generator().manual_seed(seed)
    seen: dict[str, Tensor] = {}
    hook = model.value_head.register_forward_hook(
        lambda _m, inputs, _out: seen.__setitem__("features", inputs[0].detach()))
    feats, rets, progress, priv = [], [], [], []
    try:
        for _ in range(rollouts):
            play.rows.clear()
            b, _ = play.collect(model, steps, gen)
            p = torch.from_numpy(np.stack(play.rows))  # (T, N, 13)
            priv.append(p.transpose(0, 1).reshape(-1, p.shape[-1]))
            _, ret = gae(b.rewards, b.values, b.starts, b.last_value, b.last_start, gamma, 1.0)
            with torch.no_grad():
                out = model.forward_sequence(b.lanes(torch.arange(lanes)), b.state0,
                                             b.resets.T)
            f = seen["features"]  # (N, T, C)
            feats.append(f.reshape(-1, f.shape[-1]))
            rets.append(ret.T.reshape(-1))  # (N*T,)
            progress.append(out.progress.reshape(-1))
    finally:
        hook.remove()
    return (torch.cat(feats).double(), torch.cat(rets).double(), torch.cat(progress).double(),
            torch.cat(priv).double())


def linear_ev(x: Tensor, returns: Tensor, cut: int) -> tuple[float, float]:
    """EV of the least-squares ``x w + b`` fitted on rows ``[:cut]``: on them, and on the
    rows after."""
    x1 = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], 1)  # (rows, C + 1)
    w = torch.linalg.lstsq(x1[:cut], returns[:cut, None]).solution  # (C + 1, 1)
    pred = (x1 @ w)[:, 0]
    return (explained_variance(pred[:cut], returns[:cut]),
            explained_variance(pred[cut:], returns[cut:]))


def mlp_ev(x: Tensor, returns: Tensor, cut: int, hidden: int, seed: int) -> tuple[float, float]:
    """EV of a two-layer tanh MLP of the features standardised on rows ``[:cut]``, trained
    there: on them, and on the rows after."""
    torch.manual_seed(seed)
    xf, rf = x.float(), returns.float()
    z = (xf - xf[:cut].mean(0)) / (xf[:cut].std(0) + 1e-6)  # (rows, C)
    net = torch.nn.Sequential(torch.nn.Linear(z.shape[1], hidden), torch.nn.Tanh(),
                              torch.nn.Linear(hidden, hidden), torch.nn.Tanh(),
                              torch.nn.Linear(hidden, 1))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for _ in range(3000):
        idx = torch.randint(0, cut, (512,))
        loss = ((net(z[idx])[:, 0] - rf[idx]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        pred = net(z)[:, 0].double()
    return (explained_variance(pred[:cut], returns[:cut]),
            explained_variance(pred[cut:], returns[cut:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policy", required=True, help="a model folder")
    parser.add_argument("--suite", default="small")
    parser.add_argument("--lanes", type=int, default=16)
    parser.add_argument("--rollouts", type=int, default=6)
    parser.add_argument("--steps", type=int, default=128)
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = MultimodalTransformer.from_pretrained(args.policy)
    x, returns, progress, priv = collect(model, args.suite, args.lanes, args.rollouts,
                                         args.steps, args.gamma, args.seed)
    cut = len(returns) * 2 // 3
    print(f"{len(returns)} rows ({args.lanes} lanes x {args.rollouts} x {args.steps} steps), "
          f"returns mean {float(returns.mean()):.3f}, std {float(returns.std()):.3f}")
    print("explained variance        fitted rows   held-out rows")
    for name, (fit, held) in (
            ("linear on the features", linear_ev(x, returns, cut)),
            ("linear on progress", linear_ev(progress[:, None], returns, cut)),
            ("MLP 64 on the features", mlp_ev(x, returns, cut, 64, args.seed)),
            ("MLP 256 on the features", mlp_ev(x, returns, cut, 256, args.seed)),
            ("linear on privileged", linear_ev(priv, returns, cut)),
            ("MLP 64 on privileged", mlp_ev(priv, returns, cut, 64, args.seed)),
            ("linear on both", linear_ev(torch.cat([x, priv], 1), returns, cut)),
            ("MLP 64 on both", mlp_ev(torch.cat([x, priv], 1), returns, cut, 64, args.seed))):
        print(f"{name:<25} {fit:>11.3f} {held:>15.3f}")


if __name__ == "__main__":
    main()

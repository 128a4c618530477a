"""DAgger: the learner's visited states are labelled by the explorer that has seen the
learner's own history, and every iteration grows the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents.train.checkpoint import load_model
from agents.train.dagger import collect_rollouts, rollout_episodes, train_dagger
from agents.train.data.demo_set import load_demos
from agents.train.errors import TrainError
from vlnenv.expert.explorer import Explorer
from vlnenv.expert.oracle import Oracle
from vlnenv.expert.route_teacher import route_action
from vlnenv.suites.load import load_suite
from vlnenv.tasks.run import EpisodeRun
from vlnenv.tasks.solver import stage_goal


def explorer_labels(episode, house, actions, memory: bool) -> list[int]:
    """The explorer's action at each state of a trajectory, computed on its own: with the
    trajectory's history (``memory``) or from the current view alone."""
    run = EpisodeRun(episode, house)
    state = run.state
    history, labels = [], []
    for action in actions:
        stage = run.instruction.stage(state)
        history.append((state.pose, state.structure.copy()))
        seen = history if memory else history[-1:]
        explorer = Explorer.from_history(house, stage_goal(stage), seen[:-1],
                                         evidence=stage.evidence)
        labels.append(int(explorer.act(state.pose, state.structure)))
        run.step(action)
    return labels


def test_labels_come_from_the_explorer_with_the_learners_history(bc_run):
    suite = load_suite("tiny")
    model = load_model(bc_run.last_model)
    episodes = [e for e in suite.episodes("train") + suite.episodes("val_seen")
                if e.family in ("go_to_room", "go_to_object")][:5]
    teacher = {f: "explorer" for f in suite.spec.families}
    rollouts = collect_rollouts(model, suite, episodes, teacher, beta=0.0, seed=(0,), batch=4)
    assert [e.episode_id for e in rollouts.episodes] == [e.episode_id for e in episodes]
    differs = 0
    for episode, actions, labels in zip(rollouts.episodes, rollouts.actions, rollouts.labels,
                                        strict=True):
        house = suite.houses[episode.house]
        assert labels.tolist() == explorer_labels(episode, house, actions, memory=True)
        differs += labels.tolist() != explorer_labels(episode, house, actions, memory=False)
    assert differs > 0  # the history matters: a memoryless explorer labels otherwise
    assert not rollouts.expert.any()  # no progress targets on learner trajectories


def test_beta_one_makes_the_teacher_drive(bc_run):
    suite = load_suite("tiny")
    episodes = suite.episodes("train")[:4]
    teacher = {f: "oracle" for f in suite.spec.families}
    rollouts = collect_rollouts(load_model(bc_run.last_model), suite, episodes, teacher,
                                beta=1.0, seed=(0,), batch=2)
    for actions, labels in zip(rollouts.actions, rollouts.labels, strict=True):
        assert np.array_equal(actions, labels)
    assert rollouts.success.all()


def test_aggregation_grows_the_dataset(bc_run, tiny_config):
    config = tiny_config(f"dagger.init={bc_run.last_checkpoint}", "dagger.iterations=2",
                         "dagger.rollouts=4", "dagger.rollout_batch=4",
                         "dagger.steps_per_iteration=3", "eval.splits=val_unseen",
                         "eval.select=val_unseen", "eval.episodes=2")
    result = train_dagger(config)
    its = result.extra["iterations"]
    assert [it["beta"] for it in its] == [0.5, 0.25]
    assert its[0]["episodes"] == 10 + 4 and its[1]["episodes"] == 10 + 8
    assert its[1]["steps"] > its[0]["steps"]
    assert result.steps == 6 and result.kind == "dagger"
    saved = load_demos(Path(result.out) / "dagger" / "iter1.npz")
    assert len(saved) == 4 and not saved.expert.any()


def test_rollouts_play_only_the_trained_families(bc_run, tiny_config):
    config = tiny_config(f"dagger.init={bc_run.last_checkpoint}", "dagger.iterations=1",
                         "dagger.rollouts=4", "dagger.rollout_batch=4",
                         "dagger.steps_per_iteration=2", "data.families=follow_route,fetch",
                         "eval.splits=val_unseen", "eval.select=val_unseen", "eval.episodes=2")
    result = train_dagger(config)
    saved = load_demos(Path(result.out) / "dagger" / "iter0.npz")
    assert len(saved) == 4  # the tiny train split's two routes and two fetches
    assert sorted(ep.family for ep in saved.episodes) == ["fetch"] * 2 + ["follow_route"] * 2


def test_routes_trained_as_parts_are_not_rolled_out_whole(bc_run, tiny_config):
    config = tiny_config(f"dagger.init={bc_run.last_checkpoint}", "dagger.iterations=1",
                         "dagger.rollouts=2", "dagger.rollout_batch=2",
                         "dagger.steps_per_iteration=2", "data.families=follow_route,fetch",
                         "data.route_parts=true", "eval.splits=val_unseen",
                         "eval.select=val_unseen", "eval.episodes=2")
    result = train_dagger(config)
    saved = load_demos(Path(result.out) / "dagger" / "iter0.npz")
    assert [ep.family for ep in saved.episodes] == ["fetch", "fetch"]


def test_a_split_without_the_trained_families_is_refused():
    suite = load_suite("tiny")
    with pytest.raises(TrainError, match="holds no episode of data.families"):
        rollout_episodes(suite, "train", ["no_such_family"])


def test_the_route_teacher_labels_the_learners_route_states(bc_run):
    suite = load_suite("tiny")
    episodes = [e for e in suite.episodes("train") + suite.episodes("val_seen")
                if e.family == "follow_route"]
    teacher = {f: "oracle" for f in suite.spec.families}
    rollouts = collect_rollouts(load_model(bc_run.last_model), suite, episodes, teacher,
                                beta=0.0, seed=(0,), batch=2, route_teacher=True)
    assert rollouts.meta["route_teacher"] is True and len(rollouts) == len(episodes)
    for episode, actions, labels in zip(rollouts.episodes, rollouts.actions, rollouts.labels,
                                        strict=True):
        house = suite.houses[episode.house]
        run, oracle, want = EpisodeRun(episode, house), Oracle(house), []
        for action in actions:
            want.append(route_action(run.instruction.route, run.state, oracle))
            run.step(int(action))
        assert labels.tolist() == want


def test_the_readers_rollouts_target_a_told_apart_room_only_where_its_cue_is_in_sight(bc_run):
    from vlnenv.tasks.from_text import read_episode
    from vlnenv.tasks.run import RunTrace

    suite = load_suite("handmade")
    episodes = [e for e in suite.episodes("val_unseen") if e.family == "go_to_room"
                and read_episode(e, suite.houses[e.house]).cue is not None
                and not read_episode(e, suite.houses[e.house]).cue.plain][:4]
    teacher = {f: "reader" for f in suite.spec.families}
    rollouts = collect_rollouts(load_model(bc_run.last_model), suite, episodes, teacher,
                                beta=1.0, seed=(0,), batch=2)
    assert rollouts.success.all()
    empty = 0
    for episode, actions, trace in zip(rollouts.episodes, rollouts.actions, rollouts.traces,
                                       strict=True):
        house = suite.houses[episode.house]
        run = EpisodeRun(episode, house, instruction=read_episode(episode, house))
        run.trace = RunTrace(view=7)
        run.replay(actions.tolist())
        assert vars(trace) == vars(run.trace)  # the read instruction's stages, in sight
        empty += frozenset() in trace.cells
    assert empty > 0  # some step's view did not show the cue

"""Demonstrations: identical for any worker count, stored compactly, and replaying them
reproduces the expert's success."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agents.train.data.demo_set import StaleDemosError, demo_path, load_demos, save_demos
from agents.train.data.demos import ensure_demos, generate_demos, select_teachers
from agents.train.data.replay import Replayer, replay_single
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.env.sources import EpisodeSource
from vlnenv.suites.load import load_suite


def same(a, b) -> bool:
    return ([e.episode_id for e in a.episodes] == [e.episode_id for e in b.episodes]
            and [x.tolist() for x in a.actions] == [x.tolist() for x in b.actions]
            and [x.tolist() for x in a.labels] == [x.tolist() for x in b.labels]
            and a.success.tolist() == b.success.tolist()
            and [vars(t) for t in a.traces] == [vars(t) for t in b.traces])


@pytest.mark.parametrize(("teacher", "sampled"), [("explorer", 0), ("oracle", 12)])
def test_demos_are_identical_for_one_and_two_workers(teacher: str, sampled: int):
    one = generate_demos("tiny", "train", teacher, sampled=sampled, seed=5, workers=1)
    two = generate_demos("tiny", "train", teacher, sampled=sampled, seed=5, workers=2)
    assert same(one, two)
    assert len(one) == (sampled or 10)
    assert one.success.all()


@pytest.mark.parametrize("teacher", ["oracle", "explorer"])
def test_replaying_a_demo_reproduces_the_experts_success(teacher: str):
    suite = load_suite("tiny")
    demos = generate_demos(suite, "train", teacher)
    env = GridHouseEnv(EpisodeSource.episodes(demos.episodes,
                                            dict(suite.split_houses("train"))))
    for episode, actions in zip(demos.episodes, demos.actions, strict=True):
        env.reset(options={"episode": episode})
        for action in actions.tolist():
            _, _, terminated, truncated, info = env.step(action)
        assert terminated and info["success"], episode.episode_id
        assert actions.dtype == np.uint8 and actions[-1] == 6  # ends with stop


def test_batched_replay_renders_what_a_single_env_shows():
    suite = load_suite("tiny")
    demos = generate_demos(suite, "train", "explorer")
    houses = dict(suite.split_houses("train"))
    rendered = Replayer(houses, batch=3).render(list(zip(demos.episodes, demos.actions,
                                                         strict=True)))
    env = GridHouseEnv(EpisodeSource.episodes(demos.episodes, houses))
    for episode, actions, r in zip(demos.episodes, demos.actions, rendered, strict=True):
        ref = replay_single(env, episode, houses[episode.house], actions)
        assert r.image.shape == (len(actions), 56, 56, 3)
        assert np.array_equal(r.image, ref.image)
        assert np.array_equal(r.direction, ref.direction)
        assert np.array_equal(r.carrying, ref.carrying)
        assert np.array_equal(r.gps, ref.gps) and r.gps.shape == (len(actions), 2)
    assert any(np.abs(r.gps).sum() > 0 for r in rendered)  # the agents moved


def test_files_round_trip_ids_only_for_split_episodes(tmp_path: Path):
    suite = load_suite("tiny")
    demos = generate_demos(suite, "train", "oracle")
    path = save_demos(demos, demo_path(tmp_path, "tiny", "train", "oracle"))
    assert path.name == "tiny-train-oracle.npz"
    with np.load(path, allow_pickle=False) as z:
        assert len(z["records"]) == 0  # the split holds the episodes: ids suffice
        assert z["actions"].dtype == np.uint8
    assert same(load_demos(path), demos)
    sampled = generate_demos(suite, "train", "oracle", sampled=4, seed=1)
    path = save_demos(sampled, demo_path(tmp_path, "tiny", "train", "oracle", 4, 1))
    again = load_demos(path)
    assert same(again, sampled) and again.episodes == sampled.episodes


def test_ensure_demos_reuses_the_file(tmp_path: Path):
    suite = load_suite("tiny")
    first = ensure_demos(suite, "train", "oracle", tmp_path)
    mtime = demo_path(tmp_path, "tiny", "train", "oracle").stat().st_mtime_ns
    assert same(ensure_demos(suite, "train", "oracle", tmp_path), first)
    assert demo_path(tmp_path, "tiny", "train", "oracle").stat().st_mtime_ns == mtime


def test_a_version_1_file_is_refused_and_made_again(tmp_path: Path):
    suite = load_suite("tiny")
    demos = generate_demos(suite, "train", "oracle")
    path = save_demos(demos, demo_path(tmp_path, "tiny", "train", "oracle"))
    with np.load(path, allow_pickle=False) as z:  # as version 1 wrote it: no step records
        old = {k: z[k] for k in ("episode_ids", "records", "offsets", "actions", "labels",
                                 "success", "expert")}
    old["meta"] = np.array(json.dumps({**demos.meta, "version": 1}))
    np.savez_compressed(path, **old)
    with pytest.raises(StaleDemosError, match="version 1 .*expected version 2"):
        load_demos(path)
    said = []
    again = ensure_demos(suite, "train", "oracle", tmp_path, log=said.append)
    assert same(again, demos) and same(load_demos(path), demos)
    assert "making it again" in said[0]


def test_every_step_is_recorded_once_as_it_is_played():
    suite = load_suite("tiny")
    for teacher in ("oracle", "explorer"):
        demos = generate_demos(suite, "train", teacher)
        assert [len(t) for t in demos.traces] == [len(a) for a in demos.actions]
        assert [t.poses[0] for t in demos.traces] == [tuple(e.start) for e in demos.episodes]


def test_teacher_is_chosen_per_family():
    suite = load_suite("tiny")
    sets = {t: generate_demos(suite, "train", t) for t in ("oracle", "explorer")}
    teacher = {f: "explorer" for f in suite.spec.families} | {"follow_route": "oracle"}
    mixed = select_teachers(sets, teacher)
    assert len(mixed) == 10
    for i, episode in enumerate(mixed.episodes):
        source = sets[teacher[episode.family]]
        assert mixed.actions[i].tolist() == source.actions[i].tolist()
    assert any(sets["oracle"].actions[i].tolist() != sets["explorer"].actions[i].tolist()
               for i in range(10))


def test_trained_phrasing_demos_are_the_same_episodes_said_without_held_out_words(tmp_path):
    from vlnenv.language.phrasing import HELD_OUT_ROOM_WORDS
    from vlnenv.language.vocab import tokenize

    suite = load_suite("tiny")
    plain = generate_demos(suite, "train", "oracle")
    trained = ensure_demos(suite, "train", "oracle", tmp_path, phrasing="trained")
    assert demo_path(tmp_path, "tiny", "train", "oracle", phrasing="trained").is_file()
    assert trained.meta["phrasing"] == "trained"
    assert [x.tolist() for x in trained.actions] == [x.tolist() for x in plain.actions]
    assert [e.to_json() | {"instruction": ""} for e in trained.episodes] == [
        e.to_json() | {"instruction": ""} for e in plain.episodes]
    assert [e.instruction for e in trained.episodes] != [e.instruction for e in plain.episodes]
    held = {w for words in HELD_OUT_ROOM_WORDS for w in tokenize(words)} - {"room"}
    assert all(not set(tokenize(e.instruction)) & held for e in trained.episodes)


def test_the_reader_acts_on_what_the_words_tell_rooms_apart_by_and_targets_it_in_sight():
    suite = load_suite("handmade")
    reader = generate_demos(suite, "val_unseen", "reader")
    explorer = generate_demos(suite, "val_unseen", "explorer")
    assert reader.success.all() and reader.meta["teacher"] == "reader"
    rooms = [i for i, e in enumerate(reader.episodes) if e.family == "go_to_room"]
    differ = [i for i in rooms if reader.actions[i].tolist() != explorer.actions[i].tolist()]
    assert differ, "no room episode of handmade/val_unseen is told apart by a cue"
    for i in differ:  # the room's floor is the target in the views that show its cue
        ep = reader.episodes[i]
        floor = frozenset(suite.houses[ep.house].room_cells(
            suite.houses[ep.house].room_index(ep.task["room"])))
        assert explorer.traces[i].cells == [floor]
        assert set(reader.traces[i].cells) == {frozenset(), floor}
    others = [i for i, e in enumerate(reader.episodes) if e.family not in ("go_to_room",
                                                                          "sequence")]
    assert all(reader.actions[i].tolist() == explorer.actions[i].tolist() for i in others)

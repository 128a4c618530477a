"""Suite specs: parsing, defaults, and errors that name the file and field."""

import pytest

from vlnenv.language.instructions import FAMILIES
from vlnenv.suites.spec import SuiteError, loads_spec, read_spec

GENERATED = """
name = "demo"
seed = 5
[houses]
source = "generated"
preset = "large"
[splits.train]
houses = 2
episodes = 4
[splits.val_seen]
episodes = 3
"""

HANDMADE = """
name = "hm"
seed = 1
[houses]
source = "handmade"
dir = "../houses"
[splits.val_unseen]
houses = ["studio"]
episodes = 2
[splits.test]
houses = ["big_house", "office_floor"]
episodes = 2
"""


def test_generated_spec_defaults_every_family_and_version_1():
    spec = loads_spec(GENERATED)
    assert spec.families == FAMILIES
    assert spec.version == 1
    assert spec.preset == "large"
    assert [s.name for s in spec.splits] == ["train", "val_seen"]
    assert spec.split("train").houses == 2
    assert spec.split("val_seen").houses is None
    assert spec.min_reference_cells == 1


def test_handmade_spec_lists_map_stems_per_split():
    spec = loads_spec(HANDMADE)
    assert spec.source == "handmade"
    assert spec.house_dir == "../houses"
    assert spec.split("test").houses == ("big_house", "office_floor")


def test_splits_come_in_canonical_order_whatever_the_file_order():
    text = GENERATED.replace("[splits.train]", "[splits.test]\nhouses = 1\nepisodes = 1\n"
                             "[splits.train]")
    assert [s.name for s in loads_spec(text).splits] == ["train", "val_seen", "test"]


def test_a_generated_suite_may_name_every_generator_preset():
    for preset in ("small", "large", "huge"):
        assert loads_spec(GENERATED.replace('preset = "large"', f'preset = "{preset}"')
                          ).preset == preset


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("seed = 5", "seed = -1", "seed = -1: expected an integer >= 0"),
        ("seed = 5", "", "missing key 'seed'"),
        ('preset = "large"', 'preset = "giant"', "houses.preset = 'giant'"),
        ("houses = 2", 'houses = "two"', "splits.train.houses = 'two'"),
        ("episodes = 4", "episodes = 0", "splits.train.episodes = 0"),
        ("[splits.val_seen]\nepisodes = 3", "[splits.val_seen]\nepisodes = 3\nhouses = 1",
         "val_seen uses the train houses"),
        ('name = "demo"', 'name = "a b"', "name = 'a b'"),
        ('name = "demo"', 'name = "demo"\ncolour = 1', "unknown key(s) ['colour']"),
        ("[splits.train]\nhouses = 2\nepisodes = 4\n", "", "no [splits.train]"),
        ('name = "demo"', 'name = "demo"\nfamilies = ["fly"]', "families = ['fly']"),
    ],
)
def test_bad_specs_name_the_field_and_what_was_expected(old, new, message):
    text = GENERATED.replace(old, new)
    with pytest.raises(SuiteError, match="spec.toml") as err:
        loads_spec(text, "suites/demo/spec.toml")
    assert message in str(err.value)


def test_handmade_splits_may_not_share_a_house():
    text = HANDMADE.replace('["studio"]', '["studio", "big_house"]')
    with pytest.raises(SuiteError, match="'big_house' is in both splits.val_unseen and "
                                         "splits.test"):
        loads_spec(text)


def test_invalid_toml_and_missing_file_are_suite_errors(tmp_path):
    with pytest.raises(SuiteError, match="not valid TOML"):
        loads_spec("name = ", "x.toml")
    with pytest.raises(SuiteError, match="cannot read the suite spec"):
        read_spec(tmp_path / "absent.toml")


REPHRASED = GENERATED + """
[splits.val_seen_words]
episodes_from = "val_seen"
phrasing = "held_out"
"""


def test_a_rephrased_split_says_another_splits_episodes_and_comes_last():
    spec = loads_spec(REPHRASED.replace("[splits.train]", "[splits.test]\nhouses = 1\n"
                                        "episodes = 2\n[splits.train]"))
    assert [s.name for s in spec.splits] == ["train", "val_seen", "test", "val_seen_words"]
    words = spec.split("val_seen_words")
    assert (words.episodes_from, words.phrasing, words.episodes, words.houses) == (
        "val_seen", "held_out", 3, None)
    assert spec.split("train").episodes_from is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('episodes_from = "val_seen"', 'episodes_from = "test"',
         "splits.val_seen_words.episodes_from = 'test': expected a split of this spec"),
        ('phrasing = "held_out"', 'phrasing = "unseen"',
         "splits.val_seen_words.phrasing = 'unseen': expected one of ['any', 'trained', "
         "'held_out']"),
        ('phrasing = "held_out"', 'phrasing = "held_out"\nepisodes = 3',
         "unknown key(s) ['episodes'] in [splits.val_seen_words]"),
        ('episodes_from = "val_seen"\n', "",
         "'val_seen_words' is not one of ['train', 'val_seen', 'val_unseen', 'test']"),
    ],
)
def test_bad_rephrased_splits_name_the_field_and_what_was_expected(old, new, message):
    with pytest.raises(SuiteError, match="spec.toml") as err:
        loads_spec(REPHRASED.replace(old, new), "suites/demo/spec.toml")
    assert message in str(err.value)

"""What the words name, as labels for the goal match's word reader (``optim.words_weight``).

The goal match (``model.match``) reads a distribution over each label kind off the words
(base, object kind, colour: :data:`agents.models.cell_labels.CELL_CLASSES`) and scores
each view cell by how well its labels agree (:mod:`agents.models.match`). Trained only
through the goal-in-view loss, nothing asks that reader which room or object the words
mean, and it can take the neighbour named ("the kitchen that opens onto the bathroom")
for the goal (docs/experiments/36-rooms-told-apart.md, section 5). These labels ask it
directly, from the episode's record:

* ``go_to_room``: the base label of the goal room's floor (``floor_code`` of its type);
* ``go_to_object`` and ``fetch``: the object's kind + 1 and, where the words say it, its
  colour + 1 (the labels :func:`vlnenv.render.decode.symbolic_cells` reads off a view; an
  object's words often leave the colour out, "the pillow in the bedroom", and a label
  there would teach the reader to guess one);

and ``-1`` (no label) for every other kind and family: a route's or a sequence's words
name several places, and an object's words may not say the room it lies in.

A fourth label is for the goal memory's cue reader (``model.memory.cue``,
:mod:`agents.models.cue`): for ``go_to_room``, what the words tell the room apart by as the
parser reads them (:func:`vlnenv.tasks.from_text.read_episode`, the room's ``cue``): the
base label of the neighbour's floor ("next to the bathroom"), of the furniture ("with the
desk"), or :data:`agents.models.cue.PLAIN` for the room's type alone; for
``go_to_object``, where the words place the object (:func:`object_cue_label`: the floor of
the room it lies in, else the furniture it lies on); ``PLAIN`` for ``fetch`` and
``follow_route`` (their goal maps are read as they are); ``-1`` for ``sequence``, whose
words hold several goals (a model reads a sequence part by part, each part as its own
instruction).
"""

from __future__ import annotations

import re

import numpy as np

from agents.models.cue import PLAIN
from vlnenv.language.instructions import Fetch, GoToObject, GoToRoom, instruction_from_task
from vlnenv.language.lexicon import COLOR_WORDS
from vlnenv.language.refer import FLOOR, ObjectDesc, RoomDesc
from vlnenv.render.codes import floor_code, furniture_code
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.from_text import read_episode
from vlnenv.world.house import House

#: Families whose words get labels.
NAMED_FAMILIES = frozenset({"go_to_room", "go_to_object", "fetch"})
#: Families whose cue label is :data:`~agents.models.cue.PLAIN` (``go_to_room``'s and
#: ``go_to_object``'s are read).
PLAIN_FAMILIES = frozenset({"fetch", "follow_route"})


def word_targets(episode: Episode, house: House, cue: bool = False) -> np.ndarray:
    """``(4,)`` int64 base, kind and colour labels of what ``episode``'s words name, and with
    ``cue`` the cue label (module docstring), ``-1`` where they give none.

    Raises:
        TaskError: with ``cue``, a ``go_to_room`` or ``go_to_object`` episode's words do not
            read as its task.
    """
    out = np.full(4, -1, np.int64)
    if cue and episode.family in PLAIN_FAMILIES:
        out[3] = PLAIN
    if episode.family not in NAMED_FAMILIES:
        return out
    instruction = instruction_from_task(episode.task, house, f"{episode.episode_id}.task")
    if isinstance(instruction, GoToRoom):
        out[0] = floor_code(house.rooms[instruction.room].type)
        if cue:
            read = read_episode(episode, house)
            out[3] = cue_label(read.cue if isinstance(read, GoToRoom) else None)
    elif isinstance(instruction, GoToObject):
        out[1] = int(instruction.item.kind) + 1
        if says(episode.instruction, COLOR_WORDS[instruction.item.color]):
            out[2] = int(instruction.item.color) + 1
        if cue:
            read = read_episode(episode, house)
            out[3] = object_cue_label(read.cue if isinstance(read, GoToObject) else None)
    elif isinstance(instruction, Fetch):
        out[1] = int(instruction.kind) + 1
        if instruction.color is not None and says(episode.instruction,
                                                  COLOR_WORDS[instruction.color]):
            out[2] = int(instruction.color) + 1
    return out


def cue_label(desc: RoomDesc | None) -> int:
    """The cue reader's label of a room description: the base label of its neighbour's
    floor or of its furniture, else :data:`~agents.models.cue.PLAIN`."""
    if desc is None or desc.plain:
        return PLAIN
    if desc.furniture is not None:
        return furniture_code(desc.furniture)
    return floor_code(desc.neighbour)


def object_cue_label(desc: ObjectDesc | None) -> int:
    """The cue reader's label of an object description: the base label of the floor of the
    room the words place it in ("the red cup in the kitchen"), else of the furniture it
    lies on ("the book on the desk"), else :data:`~agents.models.cue.PLAIN` (on the floor,
    or no place said): where a look-alike elsewhere is told apart."""
    if desc is None:
        return PLAIN
    if desc.room is not None:
        return floor_code(desc.room.type)
    if desc.place is not None and desc.place != FLOOR:
        return furniture_code(desc.place)
    return PLAIN


def says(text: str, word: str) -> bool:
    """Whether ``text`` holds ``word`` as a whole word (any case)."""
    return re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None

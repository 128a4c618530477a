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
"""

from __future__ import annotations

import re

import numpy as np

from vlnenv.language.instructions import Fetch, GoToObject, GoToRoom, instruction_from_task
from vlnenv.language.lexicon import COLOR_WORDS
from vlnenv.render.codes import floor_code
from vlnenv.tasks.episode import Episode
from vlnenv.world.house import House

#: Families whose words get labels.
NAMED_FAMILIES = frozenset({"go_to_room", "go_to_object", "fetch"})


def word_targets(episode: Episode, house: House) -> np.ndarray:
    """``(3,)`` int64 base, kind and colour labels of what ``episode``'s words name (module
    docstring), ``-1`` where they give none."""
    out = np.full(3, -1, np.int64)
    if episode.family not in NAMED_FAMILIES:
        return out
    instruction = instruction_from_task(episode.task, house, f"{episode.episode_id}.task")
    if isinstance(instruction, GoToRoom):
        out[0] = floor_code(house.rooms[instruction.room].type)
    elif isinstance(instruction, GoToObject):
        out[1] = int(instruction.item.kind) + 1
        if says(episode.instruction, COLOR_WORDS[instruction.item.color]):
            out[2] = int(instruction.item.color) + 1
    elif isinstance(instruction, Fetch):
        out[1] = int(instruction.kind) + 1
        if instruction.color is not None and says(episode.instruction,
                                                  COLOR_WORDS[instruction.color]):
            out[2] = int(instruction.color) + 1
    return out


def says(text: str, word: str) -> bool:
    """Whether ``text`` holds ``word`` as a whole word (any case)."""
    return re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None

"""Tile art and rendering in numpy: top-down maps and the egocentric view.

* :mod:`~vlnenv.render.codes`: one integer per cell that fully determines its look.
* :mod:`~vlnenv.render.tile_atlas`: the tile of every code (the atlas), built once per size.
* :mod:`~vlnenv.render.topdown`: the whole map at any tile size.
* :mod:`~vlnenv.render.egocentric`: the occluded ``V x V`` view in front of the agent.
* :mod:`~vlnenv.render.view_geometry`: view geometry and visibility, shared with the experts.
"""

from vlnenv.render.codes import (
    N_BASE,
    N_CODES,
    N_OBJ,
    base_codes,
    cell_codes,
    decode,
    encode,
    object_code,
    update_cell,
)
from vlnenv.render.egocentric import (
    egocentric_codes,
    egocentric_view,
    opaque_mask,
    pad_grids,
    render_codes,
)
from vlnenv.render.tile_atlas import agent_tile, atlas, view_atlas
from vlnenv.render.topdown import render_topdown, topdown_from_codes
from vlnenv.render.view_geometry import view_cells, visible_mask, visible_masks

__all__ = [
    "N_BASE",
    "N_CODES",
    "N_OBJ",
    "agent_tile",
    "atlas",
    "base_codes",
    "cell_codes",
    "decode",
    "egocentric_codes",
    "egocentric_view",
    "encode",
    "object_code",
    "opaque_mask",
    "pad_grids",
    "render_codes",
    "render_topdown",
    "topdown_from_codes",
    "update_cell",
    "view_atlas",
    "view_cells",
    "visible_mask",
    "visible_masks",
]

"""Tile art and rendering in numpy: top-down maps and the egocentric view."""

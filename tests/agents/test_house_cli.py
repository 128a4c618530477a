"""``vln house``: show, check and new, as a user runs them."""


import numpy as np
from PIL import Image

from agents.cli import main
from vlnenv.shipped import houses_root
from vlnenv.world.mapfile import load_house

HOUSES = houses_root()


def test_check_accepts_every_shipped_house(capsys):
    assert main(["house", "check", *map(str, sorted(HOUSES.glob("*.toml")))]) == 0
    assert capsys.readouterr().out.count(": ok (") == len(list(HOUSES.glob("*.toml")))


def test_check_prints_path_line_col_and_exits_1_on_a_broken_file(tmp_path, capsys):
    good = (HOUSES / "studio.toml").read_text()
    broken = tmp_path / "broken.toml"
    lines = good.splitlines()
    cells = next(i for i, line in enumerate(lines) if line.startswith("cells"))
    second_row = cells + 2  # 0-based index of the grid's second row
    lines[second_row] = lines[second_row][:2] + "?" + lines[second_row][3:]
    broken.write_text("\n".join(lines) + "\n")
    assert main(["house", "check", str(HOUSES / "studio.toml"), str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:{second_row + 1}:3:" in out and "unknown glyph" in out.lower()


def test_new_writes_a_generated_house_that_loads_and_show_renders_it(tmp_path):
    out = tmp_path / "gen.toml"
    assert main(["house", "new", "--seed", "11", "--out", str(out)]) == 0
    house = load_house(out)
    png = tmp_path / "gen.png"
    assert main(["house", "show", str(out), "--out", str(png), "--tile", "8"]) == 0
    picture = np.asarray(Image.open(png))
    assert picture.shape == (house.height * 8, house.width * 8, 3)


def test_new_writes_a_huge_house_past_every_shipped_size(tmp_path, capsys):
    out = tmp_path / "huge.toml"
    assert main(["house", "new", "--seed", "0", "--size", "huge", "--out", str(out)]) == 0
    house = load_house(out)
    assert min(house.height, house.width) >= 48 and len(house.rooms) >= 16
    assert f"{out}: huge house 0, {house.height}x{house.width}" in capsys.readouterr().out

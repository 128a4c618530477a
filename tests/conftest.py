import sys
from pathlib import Path

# Make ``tests/helpers.py`` importable as ``helpers`` from every test module.
sys.path.append(str(Path(__file__).parent))

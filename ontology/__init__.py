"""The maintainer-kg vocabulary as data files: `maintainer-kg.ttl` (OWL) and `shapes.ttl` (SHACL)."""

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
ONTOLOGY_FILE = ONTOLOGY_DIR / "maintainer-kg.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"

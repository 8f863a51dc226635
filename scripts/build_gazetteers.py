"""Regenerate the generated gazetteers in graph/extraction/gazetteers/.

Usage: python scripts/build_gazetteers.py [path/to/project-maintainers.csv]

- cncf.tsv from the CNCF project-maintainers CSV (columns: maturity, Project, Maintainer Name, Company,
  Github Name, OWNERS/MAINTAINERS), which names each CNCF project once, on the first row of its block,
  and the employer of every maintainer.
- first_names.txt from the first-name lists of the Faker package's person providers (all locales,
  Latin-script names only); skipped with a note when Faker is not installed.

The product reads only the generated files, never the CSV or Faker.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CSV = REPO.parent / "shared" / "corpus" / "cncf" / "project-maintainers.csv"
OUTPUT = REPO / "graph" / "extraction" / "gazetteers" / "cncf.tsv"
FIRST_NAMES = REPO / "graph" / "extraction" / "gazetteers" / "first_names.txt"
FAKER_NAME_LISTS = (
    "first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
    "first_romanized_names", "first_romanized_names_male", "first_romanized_names_female",
)  # fmt: skip
LATIN_NAME = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'\-]+")

# Project cells that name a governance body or a maintainer group, not a project.
NOT_PROJECTS = {"kubernetes steering", "steering committee", "spiffe steering committee"}
# Project names that are ordinary English words: matching them would tag prose, not projects.
COMMON_WORD_PROJECTS = {
    "armada",
    "atlantis",
    "cadence",
    "capsule",
    "carina",
    "cedar",
    "copa",
    "distribution",
    "eraser",
    "fluid",
    "kairos",
    "kepler",
    "notary",
    "parsec",
    "porter",
    "radius",
    "score",
    "spin",
    "stacker",
    "tremor",
    "drasi",
    "perses",
    "oxia",
    "dalec",
    "krkn",
    "ko",
    "kcl",
    "kcp",
    "kpt",
    "zot",
    "werf",
    "urunc",
    "kbind",
    "kudo",
}
# Company cells that say "no employer" or are not a usable name.
NOT_COMPANIES = {
    "",
    "-",
    "_",
    "independent",
    "individual",
    "individual developer",
    "individual - no account",
    "unaffiliated",
    "163",
    "manufactured",
    "qualified",
    "straw hat",
    "open systems",
    "ledger",
    "admiral",
    "harness",
    "plural",
    "elastic",
    "replicated",
    "score",
    "boyan",
    "hedgehog",
    "virga",
    "innovian",
    "zenior",
    "0ttl",
}
# Platforms are never organisations in this graph (see stoplist.txt).
PLATFORMS = {"github", "gitlab", "linkedin", "reddit", "discord", "meetup"}
# Hand-written lists give these a different type (the CSV lists specifications as projects).
TECHNOLOGIES = {"cni", "grpc"}
LEGAL_SUFFIX = re.compile(r",?\s+(inc\.?|gmbh|ltd|ag|sprl|as)$", re.IGNORECASE)


def clean_project(cell: str) -> list[str]:
    """Project names in one CSV cell: 'Envoy: Gateway (non-voting)' -> ['Envoy Gateway']."""
    name = cell.strip()
    if not name or name.lower() in NOT_PROJECTS:
        return []
    names: list[str] = []
    paren = re.search(r"\(([^)]*)\)", name)
    if paren and not re.search(r"committee|non-voting|members", paren.group(1), re.IGNORECASE):
        names.append(paren.group(1).strip())
    name = re.sub(r"\s*\([^)]*\)", "", name).strip()
    if ":" in name:
        head, tail = (part.strip() for part in name.split(":", 1))
        # 'Istio: Maintainers' is Istio; 'Envoy: Gateway' is the Envoy Gateway project.
        name = head if re.search(r"maintainers|committee|leads|sig ", tail, re.IGNORECASE) else head
        if tail in {"Gateway", "AI Gateway"}:
            names.append(f"{head} {tail}")
    name = re.sub(r"\s+maintainers$", "", name, flags=re.IGNORECASE)
    names.insert(0, name)
    return [n for n in names if n.lower() not in COMMON_WORD_PROJECTS and n.lower() not in TECHNOLOGIES]


def clean_company(cell: str) -> str | None:
    """A usable organisation name from a company cell, or None."""
    name = re.sub(r"\s*\([^)]*\)", "", cell.strip()).lstrip("@").strip()
    name = LEGAL_SUFFIX.sub("", name).strip()
    if name.lower() in NOT_COMPANIES or name.lower() in PLATFORMS or len(name) < 2:
        return None
    return name


def build(csv_path: Path) -> list[tuple[str, str]]:
    """(type, name) rows for the gazetteer, sorted and unique case-insensitively."""
    projects: dict[str, str] = {}
    companies: Counter[str] = Counter()
    with csv_path.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if len(row) < 4 or row[1] == "Project":
                continue
            for project in clean_project(row[1]):
                projects.setdefault(project.lower(), project)
            company = clean_company(row[3])
            if company:
                companies[company] += 1
    # One spelling per company: the most frequent one ('DaoCloud' over 'Daocloud').
    spelling: dict[str, str] = {}
    for name, _count in companies.most_common():
        spelling.setdefault(name.lower(), name)
    rows = {("Project", name) for name in projects.values()}
    rows |= {("Organization", name) for key, name in spelling.items() if key not in projects}
    return sorted(rows, key=lambda row: (row[0], row[1].lower()))


def first_names() -> list[str] | None:
    """Latin-script first names of every Faker locale, sorted; None without Faker."""
    try:
        import faker.providers.person as person_providers
    except ImportError:
        return None
    import importlib
    import pkgutil

    names: set[str] = set()
    for module in pkgutil.iter_modules(person_providers.__path__):
        provider = importlib.import_module(f"{person_providers.__name__}.{module.name}").Provider
        for attribute in FAKER_NAME_LISTS:
            value = provider.__dict__.get(attribute)
            if isinstance(value, dict):
                value = list(value)
            if isinstance(value, list | tuple):
                names |= {n for n in value if isinstance(n, str) and LATIN_NAME.fullmatch(n)}
    return sorted(names)


def main(argv: list[str]) -> int:
    csv_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_CSV
    rows = build(csv_path)
    header = "# Generated by scripts/build_gazetteers.py from the CNCF project-maintainers CSV.\n"
    OUTPUT.write_text(header + "".join(f"{kind}\t{name}\n" for kind, name in rows), encoding="utf-8")
    print(f"wrote {len(rows)} entries to {OUTPUT}")
    names = first_names()
    if names is None:
        print(f"Faker is not installed: {FIRST_NAMES} left as it is")
        return 0
    header = "# Generated by scripts/build_gazetteers.py from the Faker package's first-name lists.\n"
    FIRST_NAMES.write_text(header + "".join(f"{name}\n" for name in names), encoding="utf-8")
    print(f"wrote {len(names)} first names to {FIRST_NAMES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

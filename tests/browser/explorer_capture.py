"""Screenshot the explorer on a corpus, and measure how long it takes to draw large synthetic graphs.

    python -m tests.browser.explorer_capture screenshot docs/explorer.png [--corpus corpus/]
    python -m tests.browser.explorer_capture measure [--sizes 500,1000,2000,5000] [--layouts concentric,cose]

Both start a real server on a loopback port and drive the system Chromium headless.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api.app import create_app
from api.deps import get_store
from api.settings import Settings
from graph.ingest import ingest_paths
from graph.store import Store, open_memory_store
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, ServerThread, sample_store

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def explorer_tab(store: Store, width: int = 1400, height: int = 850) -> Iterator[Any]:
    """A headless Chromium tab on the explorer served over `store`, once its first view is drawn."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as unused:
        app = create_app(Settings(data_dir=Path(unused)))
        app.dependency_overrides[get_store] = lambda: store
        with ServerThread(app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(server.url + "/")
            page.wait_for_selector("body[data-ready=true]")
            try:
                yield page
            finally:
                browser.close()


def screenshot(target: Path, corpus: Path, entity: str | None) -> None:
    store = open_memory_store()
    report = ingest_paths([corpus], store)
    print(f"ingested {len(report.documents)} documents from {corpus}")
    with explorer_tab(store) as page:
        key = entity or page.evaluate(
            "() => mkgExplorer.cy.nodes().max((node) => node.data('degree')).ele.id()"
        )
        page.evaluate("(key) => mkgExplorer.selectEntity(key)", key)
        page.wait_for_selector("#profile-name")
        name = page.inner_text("#profile-name")
        page.fill("#search", name.split()[0])
        page.click("#search-form button[type=submit]")
        page.wait_for_selector("#results button")
        page.wait_for_timeout(300)
        page.screenshot(path=str(target))
    print(f"wrote {target} (profile of {key})")


def measure(sizes: list[int], layouts: list[str], repeats: int) -> list[dict[str, Any]]:
    """Median timings (ms) of drawing `n` synthetic entities with each layout, in a fresh tab state."""
    rows = []
    store = sample_store()
    with explorer_tab(store) as page:
        for layout in layouts:
            for size in sizes:
                runs = [
                    page.evaluate("([n, l]) => mkgExplorer.measure(n, l)", [size, layout])
                    for _ in range(repeats)
                ]
                row = {
                    "nodes": runs[0]["nodes"],
                    "edges": runs[0]["edges"],
                    "layout": runs[0]["layout"],
                    **{
                        key: round(statistics.median(run[key] for run in runs))
                        for key in ("addMs", "layoutMs", "totalMs", "zoomMs")
                    },
                }
                rows.append(row)
                print(json.dumps(row))
    store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    shot = commands.add_parser("screenshot", help="ingest a corpus and screenshot the explorer")
    shot.add_argument("target", type=Path)
    shot.add_argument("--corpus", type=Path, default=REPO / "corpus")
    shot.add_argument("--entity", help="entity id whose profile to show (default: the best connected)")
    timing = commands.add_parser("measure", help="time drawing synthetic graphs")
    timing.add_argument("--sizes", default="500,1000,2000,5000")
    timing.add_argument("--layouts", default="concentric,cose")
    timing.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.command == "screenshot":
        screenshot(args.target, args.corpus, args.entity)
    else:
        sizes = [int(size) for size in args.sizes.split(",")]
        measure(sizes, args.layouts.split(","), args.repeats)


if __name__ == "__main__":
    main()

"""A real uvicorn server on loopback, in its own process, over an on-disk store.

Run as `python -m tests.hostile.live_server --data-dir DIR --port N` it serves the app with the
hand-made extractor (fast and predictable); `LiveServer` starts and stops it from a test.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from tests.net import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class LiveServer:
    """A server process; `url` is its base URL."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @classmethod
    def start(
        cls, data_dir: Path, env: dict[str, str] | None = None, *, ready_within: float = 60.0
    ) -> LiveServer:
        port = free_port()
        log = data_dir.parent / f"server-{port}.log"
        environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        for name in ("MKG_STORE", "MKG_DATA_DIR"):
            environment.pop(name, None)
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.hostile.live_server",
                    "--data-dir",
                    str(data_dir),
                    "--port",
                    str(port),
                ],
                cwd=REPO,
                env=environment,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        server = cls(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(server.url + "/health", timeout=2).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        server.stop()
        raise RuntimeError(
            f"the server did not answer within {ready_within} s: {log.read_text(errors='replace')[-2000:]}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def main() -> None:
    import uvicorn

    from api.app import create_app
    from api.deps import get_extractor
    from api.settings import Settings
    from tests.conftest import hand_made_extraction

    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    settings = replace(Settings.from_env(), data_dir=arguments.data_dir, store_url=None)
    app = create_app(settings)
    app.dependency_overrides[get_extractor] = lambda: hand_made_extraction
    uvicorn.run(app, host="127.0.0.1", port=arguments.port, log_level="warning")


if __name__ == "__main__":
    main()

"""How long a reader waits for the first live output: from the first click on Run to the output under the cell.

    python -m tools.live_bench [SITE]     (`make bench`; SITE defaults to _build/html)

Serves SITE on 127.0.0.1 (as `make serve` does), opens a chapter in Debian's headless Chromium and clicks its
first Run button, which starts Python in a worker: it loads Pyodide (13 MB) from the site, starts it, writes the
chapter's snapshot of `micrograd` into it and runs the cell.

- *Cold*: a new browser profile, nothing cached; the click comes as soon as the page has loaded.
- *Warm*: the same profile, the page opened again: the browser's HTTP cache holds the runtime, and the page starts
  Python as it opens (live.js does that once the runtime has loaded before).  Measured twice: clicked as soon as
  the page has loaded (Python is still starting), and clicked after READING_S seconds on the page, as a reader who
  reads the text before pressing Run.

Writes _build/live-bench.json and prints a summary.  The browser tests (tests/test_live.py) share the server and
the browser settings below.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# As tests/test_site.py: no background requests, and no host but 127.0.0.1 resolves.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
CHAPTER = "book/05-more-operations.html"
READING_S = 5.0
FIRST_OUTPUT = """() => { const o = document.querySelector('.live-output');
                          return !!o && ['done', 'failed'].includes(o.dataset.state) ? o.dataset.state : false; }"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def end_headers(self):
        # As a static host does (GitHub Pages: max-age=600): the browser may keep what it fetched.
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()


@contextmanager
def serve(directory: Path):
    """A static server for `directory` on 127.0.0.1 (a free port); yields its origin, http://127.0.0.1:PORT."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def launch(playwright, args=CHROMIUM_ARGS):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(args))


def first_output(page, url: str, phases: list | None = None, reading_s: float = 0.0) -> float:
    """Open `url`, wait `reading_s`, click its first Run button; seconds until the output is there.  `phases`
    receives how long the page says starting took (live.js: fetching, starting Pyodide, setting up the kernel)."""
    page.goto(url, wait_until="load")
    button = page.locator("button.live-run").first
    if reading_s:
        time.sleep(reading_s)
    started = time.monotonic()
    button.click()
    page.wait_for_function(FIRST_OUTPUT, timeout=300_000)
    seconds = time.monotonic() - started
    state = page.locator(".live-output").first.get_attribute("data-state")
    if state != "done":
        raise RuntimeError(f"{url}: the first live cell ended {state}")
    if phases is not None:
        phases.append(page.evaluate("() => window.liveStartup"))
    return seconds


def measure(site: Path, chapter: str = CHAPTER, rounds: int = 3) -> dict:
    from playwright.sync_api import sync_playwright

    cold, warm, read, cold_phases, warm_phases = [], [], [], [], []
    with serve(site) as origin, sync_playwright() as playwright:
        url = f"{origin}/{chapter}"
        for _ in range(rounds):
            with tempfile.TemporaryDirectory(prefix="live-bench-") as profile:
                context = playwright.chromium.launch_persistent_context(
                    profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, service_workers="block"
                )
                try:
                    page = context.new_page()
                    cold.append(first_output(page, url, cold_phases))
                    page.close()
                    page = context.new_page()
                    warm.append(first_output(page, url, warm_phases))
                    page.close()
                    page = context.new_page()
                    read.append(first_output(page, url, reading_s=READING_S))
                finally:
                    context.close()
    return {
        "chapter": chapter,
        "rounds": rounds,
        "cold_s": [round(s, 3) for s in cold],
        "warm_s": [round(s, 3) for s in warm],
        "warm_after_reading_s": [round(s, 3) for s in read],
        "reading_s": READING_S,
        "cold_phases_s": cold_phases,
        "warm_phases_s": warm_phases,
        "cold_median_s": round(statistics.median(cold), 3),
        "warm_median_s": round(statistics.median(warm), 3),
        "warm_after_reading_median_s": round(statistics.median(read), 3),
        "runtime_bytes": sum(p.stat().st_size for p in (site / "_static" / "live").rglob("*") if p.is_file()),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.live_bench", description=__doc__.split("\n")[0])
    parser.add_argument("site", nargs="?", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "_build" / "live-bench.json")
    args = parser.parse_args(argv)
    if not (args.site / CHAPTER).is_file():
        print(f"{args.site / CHAPTER} is missing: build the site first (make html)", file=sys.stderr)
        return 1
    result = measure(args.site.resolve(), rounds=args.rounds)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"live cells, {CHAPTER}: first click to first output {result['cold_median_s']:.2f} s cold, "
        f"{result['warm_median_s']:.2f} s warm, {result['warm_after_reading_median_s']:.2f} s warm after "
        f"{READING_S:.0f} s of reading (median of {args.rounds}; runtime "
        f"{result['runtime_bytes'] / 1e6:.1f} MB) -> {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

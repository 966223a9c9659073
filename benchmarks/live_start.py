"""The live cells' start-up in Chromium: first click to first output, cold and warm.

    python -m benchmarks.live_start [SITE] [--rounds 3]    (`make live-bench`; SITE defaults to _build/html)

A chapter's first Run button is clicked in a new profile (cold), then in the same one (warm: the runtime is cached
and live.js starts Python as the page opens), at once and after READING_S seconds.  Writes _build/live-bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tools import ROOT
from tools.browser import CHROMIUM, CHROMIUM_ARGS, serve

BENCH_CHAPTER = "book/05-more-operations.html"
READING_S = 5.0
FIRST_OUTPUT = """() => { const o = document.querySelector('.live-output');
                          return !!o && ['done', 'failed'].includes(o.dataset.state) ? o.dataset.state : false; }"""


def first_output(page, url: str, phases: list | None = None, reading_s: float = 0.0) -> float:
    """Seconds from the click on the first Run button of `url` (after `reading_s`) to its output; `phases` gets
    live.js's own timing of its start."""
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


def measure(site: Path, chapter: str = BENCH_CHAPTER, rounds: int = 3) -> dict:
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


def bench(site: Path, rounds: int, output: Path) -> int:
    if not (site / BENCH_CHAPTER).is_file():
        print(f"{site / BENCH_CHAPTER} is missing: build the site first (make html)", file=sys.stderr)
        return 1
    result = measure(site.resolve(), rounds=rounds)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"live cells, {BENCH_CHAPTER}: first click to first output {result['cold_median_s']:.2f} s cold, "
        f"{result['warm_median_s']:.2f} s warm, {result['warm_after_reading_median_s']:.2f} s warm after "
        f"{READING_S:.0f} s of reading (median of {rounds}; runtime "
        f"{result['runtime_bytes'] / 1e6:.1f} MB) -> {output}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.live_start", description=__doc__.split("\n")[0])
    parser.add_argument("site", nargs="?", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "_build" / "live-bench.json")
    args = parser.parse_args(argv)
    return bench(args.site, args.rounds, args.output)


if __name__ == "__main__":
    sys.exit(main())

"""The committed benchmark report (benchmarks/results/report.json) holds what the README and the chapter read.

The figures themselves are measurements and are never asserted here (a busy machine can miss a target); what is
checked is the report's shape, that its summary is what its raw measurements say, and that the digits workload is
the one the digits chapters train.
"""

from __future__ import annotations

import json
import random
import re

import pytest

from benchmarks import run
from tools.chapters import ROOT

REPORT = ROOT / "benchmarks" / "results" / "report.json"
CHAPTER = ROOT / "book" / "11-performance.md"

DIGITS_KEYS = [
    "digits_train_examples",
    "digits_epoch_s",
    "digits_per_example_ms",
    "digits_peak_memory_mb",
    "digits_torch_tensors_speedup",
    "digits_mean_loss",
    "digits_loss_difference_vs_torch",
]


@pytest.fixture(scope="module")
def report() -> dict:
    return json.loads(REPORT.read_text(encoding="utf-8"))


def test_the_report_holds_the_digits_epoch(report):
    summary = report["summary"]
    missing = [key for key in DIGITS_KEYS if key not in summary]
    assert not missing, f"report.json has no {missing}: run `make bench`"
    assert set(summary["digits_epoch_s"]) == {"ours", "torch-tensors"}
    assert all(seconds > 0 for seconds in summary["digits_epoch_s"].values())
    assert summary["digits_peak_memory_mb"] > 0
    assert summary["digits_train_examples"] == round(0.8 * 1797)
    epoch = report["workloads"]["digits_epoch"]["ours"]
    assert epoch["repeats"] >= 3 or report["quick"], "the digits epoch is a median of several epochs"
    assert epoch["imported_from"].startswith("micrograd"), "the book's package, not an installed one"
    assert "torch-tensors" in report["libraries"]


def test_the_summary_is_what_the_measurements_say(report):
    assert run.summarize(report) == report["summary"]


def test_every_summary_key_the_chapter_reads_is_in_the_report(report):
    read = set(re.findall(r"summary\['([\w.-]+)'\]", CHAPTER.read_text(encoding="utf-8")))
    assert {"moons_step_ms", "digits_epoch_s"} <= read
    assert read <= set(report["summary"]), f"the chapter reads {sorted(read - set(report['summary']))}"


def test_the_digits_workload_is_the_chapters_training_set():
    job = run.digits_inputs()
    assert job["sizes"] == [64, 32, 10] and job["batch_size"] == 32 and job["lr"] == 0.1
    assert len(job["X"]) == len(job["Y"]) == round(0.8 * 1797)
    assert all(len(row) == 64 for row in job["X"]) and set(job["Y"]) == set(range(10))
    # standardised with the training set's own statistics: every pixel has mean 0, and variance 1 unless constant
    for column in zip(*job["X"]):
        mean = sum(column) / len(column)
        variance = sum((x - mean) ** 2 for x in column) / len(column)
        assert abs(mean) < 1e-9
        assert abs(variance - 1) < 1e-9 or variance == 0
    # the initial weights are what the book's MLP(64, [32, 10]) draws after random.seed(1)
    from micrograd.nn import MLP

    random.seed(1)
    assert [p.data for p in MLP(64, [32, 10]).parameters()] == job["weights"]

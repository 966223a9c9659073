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


TENSOR_KEYS = [
    "tensor_epoch_s",
    "tensor_speedup_vs_scalar",
    "tensor_time_vs_torch",
    "tensor_threads",
    "tensor_loss_difference_vs_scalar",
    "tensor_loss_difference_vs_torch",
    "width_epoch_s",
]


def test_the_report_holds_the_tensor_epoch_and_the_widths(report):
    summary = report["summary"]
    missing = [key for key in TENSOR_KEYS if key not in summary]
    assert not missing, f"report.json has no {missing}: run `make bench`"
    assert set(summary["tensor_epoch_s"]) == {"ours", "ours-tensor", "torch-tensors-1-thread"}
    assert summary["tensor_threads"] == 1
    widths = summary["width_epoch_s"]
    assert set(widths["ours-tensor"]) == set(widths["torch-tensors-1-thread"]) == {str(w) for w in run.WIDTHS}
    assert set(widths["ours"]) == {str(w) for w in run.SCALAR_WIDTHS}
    # the ratios are what the epoch times say
    epoch = summary["tensor_epoch_s"]
    assert summary["tensor_speedup_vs_scalar"] == pytest.approx(epoch["ours"] / epoch["ours-tensor"])
    assert summary["tensor_time_vs_torch"] == pytest.approx(epoch["ours-tensor"] / epoch["torch-tensors-1-thread"])
    # not a timing: the three engines computed the same epoch
    assert summary["tensor_loss_difference_vs_scalar"] <= 1e-9
    assert summary["tensor_loss_difference_vs_torch"] <= 1e-9
    tensor = report["workloads"]["digits_widths"]["ours-tensor"]["32"]
    assert tensor["imported_from"] == "micrograd/tensor.py", "the book's package, not an installed one"
    assert tensor["repeats"] >= 9 or report["quick"]
    assert set(summary["targets"]) >= {"tensor_speedup_vs_scalar", "tensor_time_vs_torch"}
    assert (REPORT.parent / "tensor.png").is_file()


def test_the_tensor_job_computes_the_scalar_jobs_epoch():
    """The child's tensor and PyTorch jobs against its scalar job, on a small slice of the digits (a few seconds)."""
    job = run.digits_inputs()
    job.update(X=job["X"][:96], Y=job["Y"][:96], repeats=1)
    scalar = run.run_job("ours", "digits", None, **job)
    tensor = run.run_job("ours-tensor", "digits", None, threads=1, **job)
    torch_twin = run.run_job("torch", "digits", None, threads=1, **job)
    assert tensor["imported_from"] == "micrograd/tensor.py"
    assert tensor["threads"] == torch_twin["threads"] == 1
    assert abs(tensor["mean_loss"] - scalar["mean_loss"]) < 1e-9
    assert abs(tensor["mean_loss"] - torch_twin["mean_loss"]) < 1e-9
    assert tensor["examples"] == 96

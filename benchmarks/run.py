"""Benchmark the book's micrograd against micrograd 0.1.0 and PyTorch, side by side, and write the report.

    python -m benchmarks.run            (what `make bench` runs)
    python -m benchmarks.run --quick    fewer repeats and no million-operation chain, to try things out

Every measurement runs in a fresh subprocess (benchmarks/child.py), one library per process, all in the same
run on the same machine, and is reported as a ratio.  micrograd 0.1.0 is downloaded once with pip into
benchmarks/.cache/ (checked against its SHA-256) and imported in its subprocess from there alone.  Writes
benchmarks/results/report.json, benchmarks/results/chart.png and benchmarks/results/tensor.png, and prints a
summary.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks"
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
CHILD = HERE / "child.py"

OLD_VERSION = "0.1.0"
# The wheel on the package index (https://pypi.org/project/micrograd/0.1.0/); a different file is refused.
OLD_WHEEL = "micrograd-0.1.0-py3-none-any.whl"
OLD_SHA256 = "47d756d92043c7d7ef55372640dc1549780a8c22806b3a11cb3d4efc5937a4ae"

LIBRARIES = {
    "ours": "micrograd (this book)",
    "micrograd-0.1.0": "micrograd 0.1.0",
    "torch": "PyTorch (0-d tensors)",
}
# The digits epoch: the book's micrograd, and PyTorch on whole arrays as a yardstick (micrograd 0.1.0 has no exp or
# log, so no cross-entropy; PyTorch on 0-d tensors would take many minutes per epoch).
DIGITS_LIBRARIES = {"ours": LIBRARIES["ours"], "torch": "PyTorch (batched tensors)"}
SIZES = [2, 16, 16, 1]  # the classifier's MLP(2, [16, 16, 1])
CHAIN = 100_000  # workload 2
WIDE = 10_000  # workload 3: the sum of WIDE products
DEPTHS = [10_000, 100_000, 1_000_000]
DIGIT_SIZES = [64, 32, 10]  # MLP(64, [32, 10]) of the digits chapters
DIGITS_TRAIN = 0.8  # the fraction of the 1,797 digits trained on
DIGITS_BATCH = 32
DIGITS_LR = 0.1
# Workload 5: the same epoch with the book's Tensor, against the scalar engine and PyTorch on one thread each.
TENSOR_LIBRARIES = {"ours-tensor": "micrograd.tensor (this book)", "torch": "PyTorch (batched tensors, 1 thread)"}
TENSOR_THREADS = 1
WIDTHS = [16, 32, 64, 128, 256]  # hidden widths of MLP(64, [width, 10]) for the scaling figure
SCALAR_WIDTHS = [16, 32, 64]  # the scalar engine only where an epoch takes seconds, not minutes

TARGETS = {  # from the issue
    "moons_speedup_vs_0.1.0": 8.0,
    "moons_loss_difference": 1e-9,
    "chain_speedup_vs_torch": 2.0,
    "wide_speedup_vs_torch": 2.0,
    "moons_memory_fraction_of_0.1.0": 0.5,
    "tensor_speedup_vs_scalar": 100.0,  # at least: the tensor engine against the scalar engine, a digits epoch
    "tensor_time_vs_torch": 2.0,  # at most: the tensor engine's epoch over PyTorch's, same model and threads
}


# ----------------------------------------------------------------------------------------------------------------
# The peers


def fetch_old_micrograd() -> Path:
    """micrograd 0.1.0 unpacked in benchmarks/.cache/micrograd-0.1.0 (a folder holding only that package)."""
    target = CACHE / f"micrograd-{OLD_VERSION}"
    if (target / "micrograd" / "engine.py").is_file():
        return target
    wheels = CACHE / "wheels"
    wheel = wheels / OLD_WHEEL
    if not wheel.is_file():
        print(f"downloading micrograd {OLD_VERSION} into {wheels.relative_to(ROOT)} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                str(wheels),
                f"micrograd=={OLD_VERSION}",
            ],
            check=True,
        )
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != OLD_SHA256:
        raise SystemExit(f"error: {wheel} has SHA-256 {digest}, expected {OLD_SHA256}; delete it and retry")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def run_job(library: str, task: str, old_path: Path, timeout: float = 1800, **job) -> dict:
    """Run one job in a fresh interpreter and return its result."""
    job = {"library": library, "task": task, **job}
    command = [sys.executable, "-I"]
    if library == "ours":
        job["path"] = str(ROOT)  # the package tangled from the chapters: ROOT/micrograd
    elif library == "micrograd-0.1.0":
        job["path"] = str(old_path)
    elif library == "ours-tensor":
        job["path"] = str(ROOT)  # NumPy comes from site-packages, so no -S; the child checks where micrograd is from
    if library not in ("torch", "ours-tensor"):
        command.append("-S")  # no site-packages: only job["path"] can provide `micrograd`
    env = dict(os.environ)
    if job.get("threads"):
        # The BLAS libraries read these when they load: NumPy's matrix products on job["threads"] threads too.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(job["threads"])
    completed = subprocess.run(
        command + [str(CHILD)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(HERE),
        env=env,
    )
    if completed.returncode != 0:
        raise SystemExit(f"error: {library} {task} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout)


# ----------------------------------------------------------------------------------------------------------------
# The machine and the inputs


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    torch_version = subprocess.run(
        [sys.executable, "-I", "-c", "import torch; print(torch.__version__, torch.get_num_threads())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "torch": torch_version[0],
        "torch_threads": int(torch_version[1]),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def moons_inputs() -> dict:
    """Chapter 11's data and initial weights, made once here and handed to every library."""
    from sklearn.datasets import make_moons

    points, labels = make_moons(n_samples=100, noise=0.1, random_state=0)
    X = [[float(a), float(b)] for a, b in points]
    Y = [1.0 if label == 1 else -1.0 for label in labels]
    # What MLP(2, [16, 16, 1]) draws after random.seed(1): each neuron's weights uniform in [-1, 1], bias 0.
    random.seed(1)
    weights = []
    for nin, nout in zip(SIZES, SIZES[1:]):
        for _ in range(nout):
            weights += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    return {"sizes": SIZES, "weights": weights, "X": X, "Y": Y}


def digits_inputs() -> dict:
    """The digits as the chapters after "Making the engine fast" train on them, made once here for every library.

    scikit-learn's load_digits (1,797 images of 8 x 8 pixels); a shuffled 80 % is the training set (seed 0), each
    pixel standardised with the training set's mean and standard deviation (a pixel that never varies keeps scale
    1); the initial weights are what MLP(64, [32, 10]) draws after random.seed(1).
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    rows = [[float(v) for v in row] for row in digits.data]
    labels = [int(label) for label in digits.target]
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    train = order[: round(DIGITS_TRAIN * len(rows))]
    X = [rows[i] for i in train]
    means = [sum(column) / len(X) for column in zip(*X)]
    scales = [(sum((x - m) ** 2 for x in column) / len(X)) ** 0.5 or 1.0 for column, m in zip(zip(*X), means)]
    X = [[(x - m) / s for x, m, s in zip(row, means, scales)] for row in X]
    return {
        "sizes": DIGIT_SIZES,
        "weights": digits_weights(DIGIT_SIZES),
        "X": X,
        "Y": [labels[i] for i in train],
        "batch_size": DIGITS_BATCH,
        "lr": DIGITS_LR,
    }


def digits_weights(sizes: list[int]) -> list[float]:
    """What MLP(sizes[0], sizes[1:]) draws after random.seed(1): each neuron's weights uniform in [-1, 1], bias 0."""
    random.seed(1)
    weights = []
    for nin, nout in zip(sizes, sizes[1:]):
        for _ in range(nout):
            weights += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    return weights


# ----------------------------------------------------------------------------------------------------------------
# The suite


def measure(quick: bool) -> dict:
    old = fetch_old_micrograd()
    report = {
        "generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "libraries": LIBRARIES,
        "quick": quick,
        "notes": [
            "Each figure is the median of several repeats, each library in a fresh subprocess, all in "
            "one run; the cyclic garbage collector is on, as Python starts.",
            "micrograd 0.1.0 orders the graph recursively, so for the deep graphs (chains, and the "
            "wide graph's 10,000 additions) its recursion limit is raised; the book's micrograd runs "
            "at Python's default limit.",
            "Peak memory is traced with tracemalloc, which sees Python's allocations only; PyTorch "
            "allocates its tensors in C++, so it has no comparable figure.",
        ],
    }
    inputs = moons_inputs()

    def deep(library, n):
        return {"recursion_limit": 2 * n + 10_000} if library == "micrograd-0.1.0" else {}

    def progress(text):
        print(f"  {text}", flush=True)

    print("workload 1: a training step of the two-moons classifier", flush=True)
    moons = {}
    for library in LIBRARIES:
        moons[library] = run_job(library, "moons", old, **inputs)
        progress(f"{library:16} {moons[library]['median_s'] * 1e3:9.1f} ms per step")
    memory = {}
    for library in ("ours", "micrograd-0.1.0"):
        memory[library] = run_job(library, "moons_memory", old, **inputs)
        progress(f"{library:16} {memory[library]['peak_bytes'] / 1e6:9.2f} MB peak")

    print("workloads 2 and 3, and the depth scaling: chains y <- y * w + c, and a wide sum of products", flush=True)
    depths = [d for d in DEPTHS if not (quick and d > CHAIN)]
    chains = {library: {} for library in LIBRARIES}
    for n in depths:
        repeats = {10_000: 9, 100_000: 5, 1_000_000: 3}[n] if not quick else 3
        for library in LIBRARIES:
            result = run_job(library, "chain", old, n=n, repeats=repeats, **deep(library, n))
            chains[library][str(n)] = result
            progress(
                f"chain {n:>9,} {library:16} {result['total_per_op_us']:7.2f} us per operation "
                f"(backward {result['backward_per_op_us']:.2f})"
            )
    wide = {}
    for library in LIBRARIES:
        wide[library] = run_job(library, "wide", old, n=WIDE, repeats=9 if not quick else 3, **deep(library, WIDE))
        progress(
            f"wide  {WIDE:>9,} {library:16} {wide[library]['total_per_op_us']:7.2f} us per operation "
            f"(backward {wide[library]['backward_per_op_us']:.2f})"
        )
    chain_memory = {
        library: run_job(library, "chain_memory", old, n=CHAIN, **deep(library, CHAIN))
        for library in ("ours", "micrograd-0.1.0")
    }

    print("workload 4: a training epoch on the handwritten digits, MLP(64, [32, 10]), batches of 32", flush=True)
    digits_job = digits_inputs()
    digits = {}
    for library in DIGITS_LIBRARIES:
        repeats = (3 if library == "ours" else 9) if not quick else 1
        digits[library] = run_job(library, "digits", old, repeats=repeats, **digits_job)
        progress(f"{library:16} {digits[library]['median_s']:9.3f} s per epoch of {len(digits_job['X']):,} digits")
    digits_memory = {"ours": run_job("ours", "digits_memory", old, **digits_job)}
    progress(f"{'ours':16} {digits_memory['ours']['peak_bytes'] / 1e6:9.2f} MB peak")
    report["libraries"] = {
        **LIBRARIES,
        "torch-tensors": DIGITS_LIBRARIES["torch"],
        "ours-tensor": TENSOR_LIBRARIES["ours-tensor"],
        "torch-tensors-1-thread": TENSOR_LIBRARIES["torch"],
    }

    print(
        f"workload 5: the same epoch with the tensor engine and PyTorch on {TENSOR_THREADS} thread, and hidden widths "
        f"{WIDTHS}",
        flush=True,
    )
    widths = {"ours": {}, "ours-tensor": {}, "torch-tensors-1-thread": {}}
    for width in WIDTHS:
        job = {**digits_job, "sizes": [64, width, 10], "weights": digits_weights([64, width, 10])}
        if width == DIGIT_SIZES[1]:
            widths["ours"][str(width)] = digits["ours"]  # measured above, same job
        elif width in SCALAR_WIDTHS:
            widths["ours"][str(width)] = run_job("ours", "digits", old, repeats=1 if quick else 3, **job)
        for library, name in (("ours-tensor", "ours-tensor"), ("torch", "torch-tensors-1-thread")):
            repeats = 3 if quick else 15
            widths[name][str(width)] = run_job(library, "digits", old, repeats=repeats, threads=TENSOR_THREADS, **job)
        progress(
            f"width {width:4d}: "
            + ", ".join(
                f"{name} {r[str(width)]['median_s'] * 1e3:8.1f} ms" for name, r in widths.items() if str(width) in r
            )
        )

    report["workloads"] = {
        "moons_step": moons,
        "moons_memory": memory,
        "chains": chains,
        "wide": wide,
        "chain_memory": chain_memory,
        "digits_epoch": {("torch-tensors" if lib == "torch" else lib): r for lib, r in digits.items()},
        "digits_memory": digits_memory,
        "digits_widths": widths,
    }
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["summary"] = summarize(report)
    return report


def summarize(report: dict) -> dict:
    w = report["workloads"]
    moons, memory, chains, wide = w["moons_step"], w["moons_memory"], w["chains"], w["wide"]
    chain = {library: chains[library][str(CHAIN)] for library in LIBRARIES}

    def ratio(a, b):
        return a / b if b else float("inf")

    summary = {
        "moons_step_ms": {lib: moons[lib]["median_s"] * 1e3 for lib in LIBRARIES},
        "moons_speedup_vs_0.1.0": ratio(moons["micrograd-0.1.0"]["median_s"], moons["ours"]["median_s"]),
        "moons_speedup_vs_torch": ratio(moons["torch"]["median_s"], moons["ours"]["median_s"]),
        "moons_loss_after_10_steps": {lib: moons[lib]["loss_after_steps"] for lib in LIBRARIES},
        "moons_loss_difference": abs(moons["ours"]["loss_after_steps"] - moons["micrograd-0.1.0"]["loss_after_steps"]),
        "moons_loss_difference_vs_torch": abs(moons["ours"]["loss_after_steps"] - moons["torch"]["loss_after_steps"]),
        "moons_peak_memory_mb": {lib: memory[lib]["peak_bytes"] / 1e6 for lib in memory},
        "moons_memory_fraction_of_0.1.0": ratio(memory["ours"]["peak_bytes"], memory["micrograd-0.1.0"]["peak_bytes"]),
        "chain_per_op_us": {lib: chain[lib]["total_per_op_us"] for lib in LIBRARIES},
        "chain_speedup_vs_torch": ratio(chain["torch"]["total_per_op_us"], chain["ours"]["total_per_op_us"]),
        "chain_backward_speedup_vs_torch": ratio(
            chain["torch"]["backward_per_op_us"], chain["ours"]["backward_per_op_us"]
        ),
        "chain_speedup_vs_0.1.0": ratio(chain["micrograd-0.1.0"]["total_per_op_us"], chain["ours"]["total_per_op_us"]),
        "wide_per_op_us": {lib: wide[lib]["total_per_op_us"] for lib in LIBRARIES},
        "wide_speedup_vs_torch": ratio(wide["torch"]["total_per_op_us"], wide["ours"]["total_per_op_us"]),
        "wide_backward_speedup_vs_torch": ratio(
            wide["torch"]["backward_per_op_us"], wide["ours"]["backward_per_op_us"]
        ),
        "wide_speedup_vs_0.1.0": ratio(wide["micrograd-0.1.0"]["total_per_op_us"], wide["ours"]["total_per_op_us"]),
        "depth_per_op_us": {lib: {n: r["total_per_op_us"] for n, r in chains[lib].items()} for lib in LIBRARIES},
        "depth_backward_per_op_us": {
            lib: {n: r["backward_per_op_us"] for n, r in chains[lib].items()} for lib in LIBRARIES
        },
    }
    digits, digits_memory = w["digits_epoch"], w["digits_memory"]
    summary.update(
        {
            "digits_train_examples": digits["ours"]["examples"],
            "digits_epoch_s": {lib: r["median_s"] for lib, r in digits.items()},
            "digits_per_example_ms": digits["ours"]["median_s"] / digits["ours"]["examples"] * 1e3,
            "digits_peak_memory_mb": digits_memory["ours"]["peak_bytes"] / 1e6,
            "digits_torch_tensors_speedup": ratio(digits["ours"]["median_s"], digits["torch-tensors"]["median_s"]),
            "digits_mean_loss": {lib: r["mean_loss"] for lib, r in digits.items()},
            "digits_loss_difference_vs_torch": abs(digits["ours"]["mean_loss"] - digits["torch-tensors"]["mean_loss"]),
        }
    )
    widths = w["digits_widths"]
    at = str(DIGIT_SIZES[1])
    scalar, tensor, torch_1 = (widths[lib][at] for lib in ("ours", "ours-tensor", "torch-tensors-1-thread"))
    summary.update(
        {
            "tensor_epoch_s": {lib: widths[lib][at]["median_s"] for lib in widths},
            "tensor_speedup_vs_scalar": ratio(scalar["median_s"], tensor["median_s"]),
            "tensor_time_vs_torch": ratio(tensor["median_s"], torch_1["median_s"]),
            "tensor_threads": TENSOR_THREADS,
            "tensor_loss_difference_vs_scalar": abs(tensor["mean_loss"] - scalar["mean_loss"]),
            "tensor_loss_difference_vs_torch": abs(tensor["mean_loss"] - torch_1["mean_loss"]),
            "width_epoch_s": {lib: {n: r["median_s"] for n, r in series.items()} for lib, series in widths.items()},
        }
    )
    # Linear time means a flat time per operation: the deepest chain against the shallowest.
    for key in ("depth_per_op_us", "depth_backward_per_op_us"):
        ours = summary[key]["ours"]
        summary[key.replace("_us", "_growth")] = ratio(ours[max(ours, key=int)], ours[min(ours, key=int)])
    # The same numbers from every library: the graphs really are the same.
    agree = True
    for n in chains["ours"]:
        agree &= _same([chains[lib][n]["check"] for lib in LIBRARIES])
    agree &= _same([wide[lib]["check"] for lib in LIBRARIES])
    # The digits epoch's mean loss: the book's cross_entropy and SGD against PyTorch's, in float64.
    agree &= summary["digits_loss_difference_vs_torch"] <= 1e-9
    # The tensor engine's epoch: the same mean loss as the scalar engine's and as PyTorch's, at every width.
    agree &= summary["tensor_loss_difference_vs_scalar"] <= 1e-9
    for n, r in widths["ours-tensor"].items():
        agree &= abs(r["mean_loss"] - widths["torch-tensors-1-thread"][n]["mean_loss"]) <= 1e-9
        if n in widths["ours"]:
            agree &= abs(r["mean_loss"] - widths["ours"][n]["mean_loss"]) <= 1e-9
    summary["all_libraries_agree"] = agree
    met = {
        "moons_speedup_vs_0.1.0": summary["moons_speedup_vs_0.1.0"] >= TARGETS["moons_speedup_vs_0.1.0"],
        "moons_loss_difference": summary["moons_loss_difference"] <= TARGETS["moons_loss_difference"],
        "chain_speedup_vs_torch": summary["chain_speedup_vs_torch"] >= TARGETS["chain_speedup_vs_torch"],
        "wide_speedup_vs_torch": summary["wide_speedup_vs_torch"] >= TARGETS["wide_speedup_vs_torch"],
        "moons_memory_fraction_of_0.1.0": (
            summary["moons_memory_fraction_of_0.1.0"] <= TARGETS["moons_memory_fraction_of_0.1.0"]
        ),
        "tensor_speedup_vs_scalar": summary["tensor_speedup_vs_scalar"] >= TARGETS["tensor_speedup_vs_scalar"],
        "tensor_time_vs_torch": summary["tensor_time_vs_torch"] <= TARGETS["tensor_time_vs_torch"],
    }
    summary["targets"] = {
        name: {"required": TARGETS[name], "measured": summary[name], "met": ok} for name, ok in met.items()
    }
    summary["all_targets_met"] = all(met.values()) and agree
    return summary


def _same(checks: list[list[float]]) -> bool:
    first = checks[0]
    return all(
        len(c) == len(first) and all(abs(a - b) <= 1e-9 * max(1.0, abs(b)) for a, b in zip(c, first))
        for c in checks[1:]
    )


def print_summary(report: dict) -> None:
    s, m = report["summary"], report["machine"]
    print()
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, {m['python']}, torch {m['torch']} "
        f"({m['torch_threads']} threads); load average {m['load_average_at_start']} -> "
        f"{m['load_average_at_end']}"
    )
    print(
        f"1. moons training step: ours {s['moons_step_ms']['ours']:.1f} ms, micrograd 0.1.0 "
        f"{s['moons_step_ms']['micrograd-0.1.0']:.1f} ms, PyTorch {s['moons_step_ms']['torch']:.1f} ms "
        f"-> {s['moons_speedup_vs_0.1.0']:.1f}x faster than 0.1.0, {s['moons_speedup_vs_torch']:.1f}x than PyTorch"
    )
    print(
        f"   loss after 10 steps: |ours - 0.1.0| = {s['moons_loss_difference']:.1e}, "
        f"|ours - PyTorch| = {s['moons_loss_difference_vs_torch']:.1e}"
    )
    print(
        f"   peak memory: ours {s['moons_peak_memory_mb']['ours']:.2f} MB, 0.1.0 "
        f"{s['moons_peak_memory_mb']['micrograd-0.1.0']:.2f} MB -> "
        f"{s['moons_memory_fraction_of_0.1.0']:.2f} of 0.1.0's"
    )
    print(
        f"2. chain of {CHAIN:,}: {s['chain_speedup_vs_torch']:.1f}x faster per operation than PyTorch "
        f"(backward alone {s['chain_backward_speedup_vs_torch']:.1f}x), {s['chain_speedup_vs_0.1.0']:.1f}x "
        f"than 0.1.0"
    )
    print(
        f"3. sum of {WIDE:,} products: {s['wide_speedup_vs_torch']:.1f}x faster per operation than PyTorch "
        f"(backward alone {s['wide_backward_speedup_vs_torch']:.1f}x), {s['wide_speedup_vs_0.1.0']:.1f}x "
        f"than 0.1.0"
    )
    depths = ", ".join(
        f"{int(n):,}: {us:.2f} us (backward {s['depth_backward_per_op_us']['ours'][n]:.2f})"
        for n, us in s["depth_per_op_us"]["ours"].items()
    )
    print(f"   depth scaling (ours, per operation, at Python's default recursion limit): {depths}")
    print(
        f"4. digits epoch ({s['digits_train_examples']:,} examples, batches of {DIGITS_BATCH}): ours "
        f"{s['digits_epoch_s']['ours']:.2f} s ({s['digits_per_example_ms']:.2f} ms per example), peak memory "
        f"{s['digits_peak_memory_mb']:.1f} MB; PyTorch on batched tensors {s['digits_epoch_s']['torch-tensors']:.3f} s "
        f"({s['digits_torch_tensors_speedup']:.0f}x faster); mean loss |ours - PyTorch| = "
        f"{s['digits_loss_difference_vs_torch']:.1e}"
    )
    print(
        f"5. digits epoch with the tensor engine ({s['tensor_threads']} thread): "
        f"{s['tensor_epoch_s']['ours-tensor'] * 1e3:.1f} ms, {s['tensor_speedup_vs_scalar']:.0f}x faster than the "
        f"scalar engine ({s['tensor_epoch_s']['ours']:.2f} s); "
        f"PyTorch {s['tensor_epoch_s']['torch-tensors-1-thread'] * 1e3:.1f} ms -> the tensor engine takes "
        f"{s['tensor_time_vs_torch']:.2f}x PyTorch's time; mean loss |tensor - scalar| = "
        f"{s['tensor_loss_difference_vs_scalar']:.1e}, |tensor - PyTorch| = {s['tensor_loss_difference_vs_torch']:.1e}"
    )
    for lib, series in s["width_epoch_s"].items():
        print(f"   {lib:24} " + ", ".join(f"width {n}: {t * 1e3:.1f} ms" for n, t in series.items()))
    print(f"all libraries computed the same values: {s['all_libraries_agree']}")
    for name, target in s["targets"].items():
        print(
            f"   target {name}: {'met' if target['met'] else 'NOT MET'} "
            f"(measured {target['measured']:.3g}, required {target['required']:g})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no million-operation chain")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for report.json and chart.png")
    args = parser.parse_args(argv)
    report = measure(args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    from benchmarks.chart import save, save_tensor

    save(report, args.out / "chart.png")
    save_tensor(report, args.out / "tensor.png")
    print_summary(report)
    print(f"\nwrote {args.out / 'report.json'} and {args.out / 'chart.png'}")
    # Figures, not a test: a busy machine can miss a target, so report it and succeed.
    return 0


if __name__ == "__main__":
    sys.exit(main())

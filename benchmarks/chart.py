"""The benchmark's chart, drawn from a report (benchmarks/results/report.json): `save(report, path)`."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only: the benchmark runs without a display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

COLOURS = {"ours": "C0", "micrograd-0.1.0": "C1", "torch": "C3"}
PLAIN = FuncFormatter(lambda y, _: f"{y:g}")  # 0.5, 1, 10, 100 rather than 10^0


def draw(report: dict):
    """Three panels: speed-ups per workload, time per operation against depth, and peak memory."""
    s, m, names = report["summary"], report["machine"], report["libraries"]
    fig, (speed, depth, memory) = plt.subplots(1, 3, figsize=(11, 3.9), gridspec_kw={"width_ratios": [1.35, 1.15, 0.9]})

    # How many times faster the book's micrograd is, per workload and peer (log scale), with the targets.
    workloads = [
        ("training step\n(two moons)", "moons", {"micrograd-0.1.0": 8.0}),
        ("chain of\n100,000 ops", "chain", {"torch": 2.0}),
        ("sum of 10,000\nproducts", "wide", {"torch": 2.0}),
    ]
    width, labelled = 0.38, False
    for i, (_label, key, targets) in enumerate(workloads):
        for j, peer in enumerate(["micrograd-0.1.0", "torch"]):
            value = s[f"{key}_speedup_vs_{'0.1.0' if peer == 'micrograd-0.1.0' else 'torch'}"]
            x = i + (j - 0.5) * width
            speed.bar(x, value, width, color=COLOURS[peer], label=f"vs {names[peer]}" if i == 0 else None)
            speed.text(
                x,
                value * 1.08,
                f"{value:.0f}x" if value >= 10 else f"{value:.1f}x",
                ha="center",
                va="bottom",
                fontsize=8,
            )
            if peer in targets:
                speed.hlines(
                    targets[peer],
                    x - width / 2,
                    x + width / 2,
                    colors="k",
                    linestyles="--",
                    lw=1.2,
                    label=None if labelled else "target",
                )
                labelled = True
    speed.axhline(1, color="0.5", lw=0.8)
    speed.set_yscale("log")
    speed.yaxis.set_major_formatter(PLAIN)
    speed.set_xticks(range(len(workloads)), [w[0] for w in workloads], fontsize=8)
    speed.set_ylabel("times faster (log scale)")
    speed.set_title("How many times faster the book's engine is", fontsize=10)
    top = max(
        s["moons_speedup_vs_0.1.0"],
        s["chain_speedup_vs_torch"],
        s["wide_speedup_vs_torch"],
        s["moons_speedup_vs_torch"],
        s["chain_speedup_vs_0.1.0"],
        s["wide_speedup_vs_0.1.0"],
    )
    speed.set_ylim(0.5, top * 4)
    speed.legend(fontsize=7, loc="upper right")

    # Time per operation against the depth of the chain: a flat line means time linear in the graph's size.
    chains = report["workloads"]["chains"]
    for library, series in chains.items():
        ns = sorted(series, key=int)
        depth.plot(
            [int(n) for n in ns],
            [series[n]["backward_per_op_us"] for n in ns],
            "o-",
            color=COLOURS[library],
            label=names[library],
        )
        depth.plot(
            [int(n) for n in ns],
            [series[n]["total_per_op_us"] for n in ns],
            "s--",
            color=COLOURS[library],
            alpha=0.45,
            ms=4,
        )
    depth.plot([], [], "k-", label="backward")
    depth.plot([], [], "k--", alpha=0.45, label="build + backward + release")
    depth.set_xscale("log")
    depth.set_yscale("log")
    depth.yaxis.set_major_formatter(PLAIN)
    depth.set_xlabel("operations in the chain")
    depth.set_ylabel("microseconds per operation")
    depth.set_title("Depth scaling of the chain", fontsize=10)
    depth.legend(fontsize=6.5, loc="upper left", ncol=2)
    low, high = depth.get_ylim()
    depth.set_ylim(low, high * 4)

    # Peak memory (tracemalloc; PyTorch's C++ allocations are invisible to it, so it is left out).
    groups = [("3 training steps", "moons_memory"), ("chain of 100,000", "chain_memory")]
    libs = ["ours", "micrograd-0.1.0"]
    for g, (_label, key) in enumerate(groups):
        for j, lib in enumerate(libs):
            value = report["workloads"][key][lib]["peak_bytes"] / 1e6
            x = g + (j - 0.5) * width
            memory.bar(x, value, width, color=COLOURS[lib], label=names[lib] if g == 0 else None)
            memory.text(
                x, value, f"{value:.0f}" if value >= 10 else f"{value:.1f}", ha="center", va="bottom", fontsize=8
            )
    memory.set_xticks(range(len(groups)), [g[0] for g in groups], fontsize=8)
    memory.set_ylabel("peak memory (MB)")
    top = max(report["workloads"][key][lib]["peak_bytes"] for _, key in groups for lib in libs) / 1e6
    memory.set_ylim(0, top * 1.35)
    memory.set_title("Peak memory", fontsize=10)
    memory.legend(fontsize=7, loc="upper left")

    return _finish(
        fig,
        f"{m['cpu']}, {m['cores']} cores, {m['python']}, PyTorch {m['torch']}; "
        f"medians of repeats, {report['generated'][:10]}",
        fontsize=8,
    )


def _finish(fig, title: str, fontsize: int):
    """The machine and date as the figure's title, and a tight layout."""
    fig.suptitle(title, fontsize=fontsize, y=0.995)
    fig.tight_layout()
    return fig


def _save(fig, path) -> None:
    fig.savefig(path, dpi=110)
    plt.close(fig)


def save(report: dict, path) -> None:
    _save(draw(report), path)


TENSOR_COLOURS = {"ours": "C0", "ours-tensor": "C2", "torch-tensors-1-thread": "C3"}
TENSOR_NAMES = {
    "ours": "scalar engine (Value)",
    "ours-tensor": "tensor engine (Tensor)",
    "torch-tensors-1-thread": "PyTorch",
}


def draw_tensor(report: dict):
    """Two panels: a digits epoch with each engine at width 32, and time per epoch against the hidden width."""
    s, m = report["summary"], report["machine"]
    fig, (bars, widths) = plt.subplots(1, 2, figsize=(7, 3.1), gridspec_kw={"width_ratios": [0.9, 1.1]})

    libs = list(TENSOR_NAMES)
    values = [s["tensor_epoch_s"][lib] * 1e3 for lib in libs]
    bars.bar(range(len(libs)), values, color=[TENSOR_COLOURS[lib] for lib in libs])
    for i, value in enumerate(values):
        bars.text(i, value * 1.15, f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms", ha="center", fontsize=8)
    bars.set_yscale("log")
    bars.yaxis.set_major_formatter(PLAIN)
    bars.set_ylim(min(values) / 3, max(values) * 6)
    bars.set_xticks(range(len(libs)), ["scalar\nengine", "tensor\nengine", "PyTorch"], fontsize=8)
    bars.set_ylabel("ms per epoch (log scale)")
    bars.set_title(
        f"MLP(64, [32, 10]): tensor engine {s['tensor_speedup_vs_scalar']:.0f}x\nfaster than scalar, "
        f"{s['tensor_time_vs_torch']:.1f}x PyTorch's time",
        fontsize=9,
    )

    for lib, series in s["width_epoch_s"].items():
        ns = sorted(series, key=int)
        widths.plot(
            [int(n) for n in ns],
            [series[n] * 1e3 for n in ns],
            "o-",
            color=TENSOR_COLOURS[lib],
            label=TENSOR_NAMES[lib],
        )
    widths.set_xscale("log", base=2)
    widths.set_yscale("log")
    widths.xaxis.set_major_formatter(PLAIN)
    widths.yaxis.set_major_formatter(PLAIN)
    widths.set_xlabel("hidden width of MLP(64, [width, 10])")
    widths.set_ylabel("ms per epoch (log scale)")
    widths.set_title("Time per epoch against the width", fontsize=9)
    widths.legend(fontsize=7, loc="center right")

    return _finish(
        fig, f"{m['cpu']}, {s['tensor_threads']} thread; medians of repeats, {report['generated'][:10]}", fontsize=7
    )


def save_tensor(report: dict, path) -> None:
    _save(draw_tensor(report), path)

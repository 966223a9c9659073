"""One benchmark job, run in a fresh interpreter by benchmarks/run.py.

    python -I -S benchmarks/child.py < job.json      (a micrograd: ours or 0.1.0)
    python -I benchmarks/child.py < job.json         (PyTorch: needs site-packages)

The job (JSON on stdin) names the library and the workload; the result (JSON) goes to stdout.  `-I` keeps the
working directory, PYTHONPATH and the user's site-packages off sys.path, and for a micrograd `-S` drops
site-packages too, so that the only `micrograd` this process can import is the one in the job's `path`: the
book's package and micrograd 0.1.0 never meet.  This file therefore uses the standard library only (PyTorch is
imported for PyTorch jobs alone) and imports nothing else from the repository.

Every library runs the same scalar graph, written once below:
- moons: one training step of the classifier of "A real classifier" (100 points, MLP(2, [16, 16, 1]), hinge loss + L2,
  forward, backward and the update p.data -= lr * p.grad), ten steps from the weights given in the job;
- chain: y <- y * w + c repeated, n operations deep, with shared leaves w and c;
- wide: the sum of n products a_i * b_i of distinct leaves.
The cyclic garbage collector stays on, as it is for anyone using these libraries.
"""

import gc
import json
import os
import statistics
import sys
import time

ALPHA = 1e-4  # the L2 penalty of "A real classifier"
STEPS = 10  # training steps per moons job


def _relative(path):
    """A path relative to the repository, so that the committed report names no folder of this machine."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.relpath(path, root)


def learning_rate(k):
    return 1.0 - 0.9 * k / 100  # the schedule of "A real classifier" (100 steps)


# ----------------------------------------------------------------------------------------------------------------
# The libraries, behind one small interface: leaf(x), model(weights), value(v), grad(v), relu(v)


class Micrograd:
    """The book's micrograd or micrograd 0.1.0 (the same API), imported from `path` only."""

    def __init__(self, path):
        sys.path.insert(0, path)
        import micrograd.engine
        import micrograd.nn

        where = micrograd.engine.__file__
        if not where.startswith(path):
            raise RuntimeError(f"imported micrograd from {where}, not from {path}")
        self.Value, self.MLP, self.where = micrograd.engine.Value, micrograd.nn.MLP, where
        self.recursion_limit = sys.getrecursionlimit()

    def leaf(self, x):
        return self.Value(x)

    def model(self, sizes, weights):
        model = self.MLP(sizes[0], sizes[1:])  # hidden layers ReLU, last layer linear in both versions
        params = model.parameters()
        assert len(params) == len(weights), (len(params), len(weights))
        for p, w in zip(params, weights):
            p.data = w
        return model, params

    def backward(self, v):
        v.backward()

    def zero_grad(self, params):
        for p in params:
            p.grad = 0.0

    def update(self, params, lr):
        for p in params:
            p.data -= lr * p.grad

    value = staticmethod(lambda v: float(v.data))
    grad = staticmethod(lambda v: float(v.grad))


class Torch:
    """PyTorch on 0-d float64 tensors that require gradients: the same scalar graph, one tensor per number."""

    def __init__(self):
        import torch

        self.torch = torch
        self.where = torch.__file__
        self.recursion_limit = sys.getrecursionlimit()

    def leaf(self, x):
        return self.torch.tensor(float(x), dtype=self.torch.float64, requires_grad=True)

    def model(self, sizes, weights):
        it = iter(weights)
        layers = []
        for nin, nout in zip(sizes, sizes[1:]):
            # parameters in micrograd's order: neuron by neuron, weights then bias
            layers.append([([self.leaf(next(it)) for _ in range(nin)], self.leaf(next(it))) for _ in range(nout)])
        params = [p for layer in layers for w, b in layer for p in (*w, b)]

        def forward(x):
            for i, layer in enumerate(layers):
                last = i == len(layers) - 1
                out = []
                for w, b in layer:
                    # the graph micrograd 0.1.0 builds: b + w0*x0 + w1*x1 + ..., one node per + and *
                    z = sum((wi * xi for wi, xi in zip(w, x)), b)
                    out.append(z if last else z.relu())
                x = out
            return x[0]

        return forward, params

    def backward(self, v):
        v.backward()

    def zero_grad(self, params):
        for p in params:
            p.grad = None

    def update(self, params, lr):
        with self.torch.no_grad():
            for p in params:
                p -= lr * p.grad

    value = staticmethod(lambda v: float(v.item()))
    grad = staticmethod(lambda v: float(v.grad.item()) if v.grad is not None else 0.0)


# ----------------------------------------------------------------------------------------------------------------
# The workloads


def moons_loss(model, params, X, Y):
    scores = [model(x) for x in X]
    # hinge_loss and l2_penalty of "A real classifier", written out with the operators every library has
    data_loss = sum((1 - y * s).relu() for s, y in zip(scores, Y)) / len(scores)
    return data_loss + ALPHA * sum(p * p for p in params)


def moons(lib, job):
    model, params = lib.model(job["sizes"], job["weights"])
    X, Y = job["X"], job["Y"]
    times, losses = [], []
    for k in range(STEPS):
        start = time.perf_counter()
        loss = moons_loss(model, params, X, Y)  # forward
        lib.zero_grad(params)
        lib.backward(loss)  # backward
        lib.update(params, learning_rate(k))  # update
        times.append(time.perf_counter() - start)
        losses.append(lib.value(loss))
    final = lib.value(moons_loss(model, params, X, Y))  # the loss after ten updates
    return {
        "seconds": times,
        "median_s": statistics.median(times),
        "losses": losses,
        "loss_after_steps": final,
        "steps": STEPS,
    }


def moons_memory(lib, job):
    import tracemalloc

    tracemalloc.start()
    model, params = lib.model(job["sizes"], job["weights"])
    X, Y = job["X"], job["Y"]
    gc.collect()
    baseline = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    for k in range(3):  # a few steps, so that garbage left by one step counts against the next
        loss = moons_loss(model, params, X, Y)
        lib.zero_grad(params)
        lib.backward(loss)
        lib.update(params, learning_rate(k))
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return {"peak_bytes": peak, "steps": 3}


def build_chain(lib, leaves, n):
    x, w, c = leaves
    y = x
    for _ in range(n // 2):
        y = y * w
        y = y + c
    return y


def timed_graph(lib, job, make_leaves, build, checked, operations):
    """Median seconds to build the graph (forward), to run backward, and to drop the graph (release).

    `check` holds the output's value and the gradients of the leaves `checked` picks, so that run.py can confirm
    that every library computed the same thing.
    """
    runs, check = [], None
    for _ in range(job["repeats"]):
        gc.collect()  # each repeat starts from a clean heap; collecting is not timed
        leaves = make_leaves()
        start = time.perf_counter()
        out = build(leaves)
        built = time.perf_counter()
        lib.backward(out)
        done = time.perf_counter()
        check = [lib.value(out)] + [lib.grad(v) for v in checked(leaves)]
        dropping = time.perf_counter()
        del out  # the graph goes (for micrograd 0.1.0, only once the cyclic collector runs)
        released = time.perf_counter()
        del leaves
        runs.append((built - start, done - built, released - dropping))
    forward, backward, release = (statistics.median(r[i] for r in runs) for i in range(3))
    total = statistics.median(sum(r) for r in runs)
    return {
        "operations": operations,
        "repeats": job["repeats"],
        "forward_s": forward,
        "backward_s": backward,
        "release_s": release,
        "total_s": total,
        "total_per_op_us": total / operations * 1e6,
        "forward_per_op_us": forward / operations * 1e6,
        "backward_per_op_us": backward / operations * 1e6,
        "check": check,
        "runs": runs,
    }


def chain(lib, job):
    n = job["n"]
    return timed_graph(
        lib,
        job,
        lambda: (lib.leaf(1.0), lib.leaf(1.0), lib.leaf(0.5)),
        lambda leaves: build_chain(lib, leaves, n),
        lambda leaves: leaves,
        n,
    )


def wide(lib, job):
    n = job["n"]

    def make_leaves():
        return ([lib.leaf(1.0 + i / n) for i in range(n)], [lib.leaf(0.5 - i / n) for i in range(n)])

    def build(leaves):
        a, b = leaves
        return sum(ai * bi for ai, bi in zip(a, b))

    # n products and n additions (sum() starts from 0)
    return timed_graph(lib, job, make_leaves, build, lambda leaves: (leaves[0][0], leaves[1][-1]), 2 * n)


def chain_memory(lib, job):
    import tracemalloc

    tracemalloc.start()
    gc.collect()
    baseline = tracemalloc.get_traced_memory()[0]
    y = build_chain(lib, (lib.leaf(1.0), lib.leaf(1.0), lib.leaf(0.5)), job["n"])
    lib.backward(y)
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return {"peak_bytes": peak, "operations": job["n"]}


TASKS = {"moons": moons, "moons_memory": moons_memory, "chain": chain, "wide": wide, "chain_memory": chain_memory}


def main():
    job = json.load(sys.stdin)
    lib = Torch() if job["library"] == "torch" else Micrograd(job["path"])
    if job.get("recursion_limit"):
        # micrograd 0.1.0 orders the graph recursively: one Python call per level of a deep graph.
        sys.setrecursionlimit(job["recursion_limit"])
    result = TASKS[job["task"]](lib, job)
    result.update(
        {
            "imported_from": _relative(lib.where),
            "recursion_limit": sys.getrecursionlimit(),
            "gc_enabled": gc.isenabled(),
            "python": sys.version.split()[0],
        }
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()

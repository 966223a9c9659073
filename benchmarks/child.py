"""One benchmark job, run in a fresh interpreter by benchmarks/run.py.

    python -I -S benchmarks/child.py < job.json      (a micrograd: ours or 0.1.0)
    python -I benchmarks/child.py < job.json         (PyTorch: needs site-packages)

The job (JSON on stdin) names the library and the workload; the result (JSON) goes to stdout.  `-I` keeps the
working directory, PYTHONPATH and the user's site-packages off sys.path, and for a micrograd `-S` drops
site-packages too, so that the only `micrograd` this process can import is the one in the job's `path`: the
book's package and micrograd 0.1.0 never meet.  This file therefore uses the standard library only (PyTorch is
imported for PyTorch jobs alone, NumPy for the tensor engine's) and imports nothing else from the repository.

Every library runs the same scalar graph, written once below:
- moons: one training step of the classifier of "A real classifier" (100 points, MLP(2, [16, 16, 1]), hinge loss + L2,
  forward, backward and the update p.data -= lr * p.grad), ten steps from the weights given in the job;
- chain: y <- y * w + c repeated, n operations deep, with shared leaves w and c;
- wide: the sum of n products a_i * b_i of distinct leaves;
- digits: one training epoch on scikit-learn's handwritten digits, as the chapters after "Making the engine fast"
  train them: MLP(64, [32, 10]), mini-batches of 32, the mean cross-entropy of the batch, an SGD update after each
  batch.  The book's micrograd runs it with its own cross_entropy and SGD (micrograd 0.1.0 has neither exp nor log,
  so it cannot); PyTorch runs the same epoch on whole arrays (a batch is one 32 x 64 matrix), which is how PyTorch
  is meant to be used, as a yardstick rather than a peer on the same scalar graph.
- digits with tensors: the same epoch with the book's tensor engine (micrograd.tensor_nn.TensorMLP, the batched
  micrograd.tensor.cross_entropy, p.data -= lr * p.grad), library "ours-tensor"; it needs NumPy, so its process keeps
  site-packages (no `-S`) and checks that `micrograd` still comes from the job's path.  run.py runs it, and
  PyTorch's twin, on one thread (the environment variables of the BLAS libraries, torch.set_num_threads).
The cyclic garbage collector stays on, as it is for anyone using these libraries.
"""

import gc
import importlib
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


def _import_from(path, module):
    """Import `module` with `path` first on sys.path; fail if Python found it anywhere else."""
    sys.path.insert(0, path)
    imported = importlib.import_module(module)
    if not imported.__file__.startswith(path):
        raise RuntimeError(f"imported {module} from {imported.__file__}, not from {path}")
    return imported


class Micrograd:
    """The book's micrograd or micrograd 0.1.0 (the same API), imported from `path` only."""

    def __init__(self, path):
        engine = _import_from(path, "micrograd.engine")
        nn = _import_from(path, "micrograd.nn")
        self.Value, self.MLP, self.where = engine.Value, nn.MLP, engine.__file__
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


class TensorEngine:
    """The book's tensor engine, micrograd.tensor, and its layers, micrograd.tensor_nn, imported from `path` (NumPy
    from site-packages)."""

    def __init__(self, path):
        self.tensor = _import_from(path, "micrograd.tensor")
        self.tensor_nn = _import_from(path, "micrograd.tensor_nn")
        self.where = self.tensor.__file__
        self.recursion_limit = sys.getrecursionlimit()


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


def _digits_epoch(lib, job, params_model):
    """One epoch of the book's micrograd on the digits: (seconds, mean loss over the epoch's examples)."""
    from micrograd.losses import cross_entropy
    from micrograd.optim import SGD

    model, params = params_model
    optimizer = SGD(params, lr=job["lr"])
    X, Y, size = job["X"], job["Y"], job["batch_size"]
    total = 0.0
    start = time.perf_counter()
    for first in range(0, len(X), size):
        xs, ys = X[first : first + size], Y[first : first + size]
        loss = sum(cross_entropy(model(x), y) for x, y in zip(xs, ys)) / len(xs)  # forward
        optimizer.zero_grad()
        loss.backward()  # backward
        optimizer.step()  # update
        total += loss.data * len(xs)
    return time.perf_counter() - start, total / len(X)


def digits(lib, job):
    if isinstance(lib, Torch):
        return digits_tensors(lib, job)
    if isinstance(lib, TensorEngine):
        return digits_tensor_engine(lib, job)
    seconds, losses = [], []
    for _ in range(job["repeats"]):  # every repeat from the same initial weights
        gc.collect()
        took, loss = _digits_epoch(lib, job, lib.model(job["sizes"], job["weights"]))
        seconds.append(took)
        losses.append(loss)
    return {
        "seconds": seconds,
        "median_s": statistics.median(seconds),
        "mean_loss": losses[0],
        "losses": losses,
        "examples": len(job["X"]),
        "repeats": job["repeats"],
    }


def digits_memory(lib, job):
    import tracemalloc

    tracemalloc.start()
    model = lib.model(job["sizes"], job["weights"])
    gc.collect()
    baseline = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    _digits_epoch(lib, job, model)
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return {"peak_bytes": peak, "epochs": 1}


def digits_tensors(lib, job):
    """The same epoch in PyTorch on whole arrays, float64, from the same initial weights."""
    torch = lib.torch
    if job.get("threads"):
        torch.set_num_threads(job["threads"])
    functional = torch.nn.functional
    weights, (nin, hidden, nout) = job["weights"], job["sizes"]
    # micrograd's order: neuron by neuron, its weights then its bias
    first = torch.tensor(weights[: hidden * (nin + 1)], dtype=torch.float64).reshape(hidden, nin + 1)
    second = torch.tensor(weights[hidden * (nin + 1) :], dtype=torch.float64).reshape(nout, hidden + 1)
    X = torch.tensor(job["X"], dtype=torch.float64)
    Y = torch.tensor(job["Y"], dtype=torch.long)
    size = job["batch_size"]
    seconds, losses = [], []
    for _ in range(job["repeats"]):
        w1, b1 = first[:, :-1].clone().requires_grad_(), first[:, -1].clone().requires_grad_()
        w2, b2 = second[:, :-1].clone().requires_grad_(), second[:, -1].clone().requires_grad_()
        optimizer = torch.optim.SGD([w1, b1, w2, b2], lr=job["lr"])
        gc.collect()
        total = 0.0
        start = time.perf_counter()
        for at in range(0, len(X), size):
            xs, ys = X[at : at + size], Y[at : at + size]
            loss = functional.cross_entropy(torch.relu(xs @ w1.T + b1) @ w2.T + b2, ys)  # the batch's mean
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xs)
        seconds.append(time.perf_counter() - start)
        losses.append(total / len(X))
    return {
        "seconds": seconds,
        "median_s": statistics.median(seconds),
        "mean_loss": losses[0],
        "losses": losses,
        "examples": len(job["X"]),
        "repeats": job["repeats"],
        "threads": torch.get_num_threads(),
    }


def digits_tensor_engine(lib, job):
    """The same epoch with the book's Tensor: TensorMLP from the same initial weights, whole batches as matrices."""
    import numpy as np

    tensor = lib.tensor
    weights, (nin, hidden, nout) = job["weights"], job["sizes"]
    # micrograd's order: neuron by neuron, its weights then its bias
    first = np.array(weights[: hidden * (nin + 1)]).reshape(hidden, nin + 1)
    second = np.array(weights[hidden * (nin + 1) :]).reshape(nout, hidden + 1)
    X = np.array(job["X"], dtype=np.float64)
    Y = np.array(job["Y"], dtype=np.int64)
    size, lr = job["batch_size"], job["lr"]
    seconds, losses = [], []
    for _ in range(job["repeats"]):
        model = lib.tensor_nn.TensorMLP(nin, [hidden, nout])
        for layer, matrix in zip(model.layers, (first, second)):
            layer.weight.data, layer.bias.data = matrix[:, :-1].copy(), matrix[:, -1].copy()
        gc.collect()
        total = 0.0
        start = time.perf_counter()
        for at in range(0, len(X), size):
            loss = tensor.cross_entropy(model(X[at : at + size]), Y[at : at + size])  # the batch's mean
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= lr * p.grad
            total += loss.item() * len(X[at : at + size])
        seconds.append(time.perf_counter() - start)
        losses.append(total / len(X))
    return {
        "seconds": seconds,
        "median_s": statistics.median(seconds),
        "mean_loss": losses[0],
        "losses": losses,
        "examples": len(job["X"]),
        "repeats": job["repeats"],
        "threads": job.get("threads"),
    }


TASKS = {
    "moons": moons,
    "moons_memory": moons_memory,
    "chain": chain,
    "wide": wide,
    "chain_memory": chain_memory,
    "digits": digits,
    "digits_memory": digits_memory,
}


def main():
    job = json.load(sys.stdin)
    if job["library"] == "torch":
        lib = Torch()
    elif job["library"] == "ours-tensor":
        lib = TensorEngine(job["path"])
    else:
        lib = Micrograd(job["path"])
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

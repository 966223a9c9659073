# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/gradcheck.py` in
#
#     book/05-more-operations.md
#     book/06-checking-against-pytorch.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

"""Check the gradients of backward(): against PyTorch, and against central
differences, which use only forward passes and so know nothing about the
local derivatives they check (in the spirit of torch.autograd.gradcheck).
"""

import importlib
import inspect
from micrograd.engine import Value


# From book/05-more-operations.md, section "A test bench for new operations"
def numerical_gradient(function, inputs, eps=1e-6):
    """Central-difference estimate of the gradient of function at inputs.

    function takes one Value per input and returns a Value; inputs are
    plain numbers.  Returns a list: for each input i,
    (function(.., x_i + eps, ..) - function(.., x_i - eps, ..)) / (2 eps).
    """
    point = [float(x) for x in inputs]
    gradient = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += eps
        down[i] -= eps
        rise = (function(*map(Value, up)).data
                - function(*map(Value, down)).data)
        gradient.append(rise / (2 * eps))
    return gradient


def bench(f, *points, h=1e-6, dtype='float64', show=True):
    """Differentiate f at each point three ways: backward(), central
    differences and PyTorch (in the given dtype, where it is installed).

    f may use only what micrograd shares with PyTorch, so that the same f
    builds a graph of Values and one of tensors.  Prints a table unless
    show=False; returns the largest |difference| from micrograd's gradient,
    {'central': ..., 'torch': ...}.
    """
    try:
        torch = importlib.import_module('torch')
    except ImportError:  # (the book's live page has no PyTorch)
        torch = None
    names = list(inspect.signature(f).parameters)
    worst = dict.fromkeys(['central', 'torch'] if torch else ['central'], 0.0)
    titles = ['micrograd', 'central diff', 'PyTorch'][:len(worst) + 1]
    for point in points:
        leaves = [Value(x) for x in point]
        f(*leaves).backward()
        columns = [[x.grad for x in leaves], numerical_gradient(f, point, h)]
        if torch:
            tensors = [torch.tensor(x, dtype=getattr(torch, dtype),
                                    requires_grad=True) for x in point]
            f(*tensors).backward()
            columns.append([t.grad.item() for t in tensors])
        for key, column in zip(worst, columns[1:]):
            worst[key] = max([worst[key]] + [
                abs(g - c) for g, c in zip(columns[0], column)])
        if show:  # each column as wide as its widest entry, plus two spaces
            print("at", ", ".join(f"{n}={x:g}" for n, x in zip(names, point)))
            table = [[""] + titles] + [[f"d/d{n}"] + [f"{g:.14g}" for g in row]
                                       for n, *row in zip(names, *columns)]
            widths = [max(map(len, column)) for column in zip(*table)]
            for cells in table:
                print("  " + cells[0].ljust(widths[0]) + "".join(
                    "  " + c.rjust(w) for c, w in zip(cells[1:], widths[1:])))
    if show:
        print("largest |difference| from micrograd:",
              ", ".join(f"{key} {gap:.1e}" for key, gap in worst.items()))
    return worst


# From book/06-checking-against-pytorch.md, section "A gradient checker in the package"
class GradcheckError(AssertionError):
    """backward() and central differences disagree about a gradient."""


def gradcheck(function, inputs, eps=1e-6, atol=1e-5, rtol=1e-3,
              raise_exception=True):
    """Check the gradient backward() computes for function at inputs.

    For each input, backward()'s gradient g must be close to the central
    difference n:  |g - n| <= atol + rtol * |n|.  Returns True if every input
    passes.  Otherwise raises GradcheckError, naming each input that fails
    with both numbers, or returns False if raise_exception is False.
    """
    leaves = [Value(x) for x in inputs]
    function(*leaves).backward()
    numeric = numerical_gradient(function, inputs, eps)
    wrong = []
    for i, (leaf, estimate) in enumerate(zip(leaves, numeric)):
        # "not <=" rather than ">": a nan gradient must fail, and every
        # comparison with nan is False.
        if not abs(leaf.grad - estimate) <= atol + rtol * abs(estimate):
            wrong.append(f"input {i}: backward() gives {leaf.grad!r}, "
                         f"central differences give {estimate!r}")
    if wrong and raise_exception:
        raise GradcheckError("backward() disagrees with central "
                             "differences:\n" + "\n".join(wrong))
    return not wrong

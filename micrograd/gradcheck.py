# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/gradcheck.py` in
#
#     book/06-checking-against-pytorch.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

"""Check the gradients of backward() against central differences.

In the spirit of torch.autograd.gradcheck: nudge each input a little each
way, see how the output moves, and compare with the gradient backward()
computed.  The estimate uses only forward passes, so it knows nothing about
the local derivatives it checks.
"""

from micrograd.engine import Value


# From book/06-checking-against-pytorch.md, section "Central differences, packaged"
class GradcheckError(AssertionError):
    """backward() and central differences disagree about a gradient."""


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

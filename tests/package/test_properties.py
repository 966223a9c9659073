"""Property tests: thousands of random expression graphs, each checked against PyTorch (float64).

A graph is drawn as a small *program*: 1-4 leaves, then 1-25 operations, each of which takes its operands from
ANY node built so far (a leaf or an earlier result), so sub-expressions are shared and nodes are reused -- the
situation in which a wrong `=` instead of `+=`, a wrong topological order, or a missing local derivative shows.
Every operation of the engine appears: + - * / ** (int, float and negative exponents, Value ** Value,
number ** Value), unary -, exp, log, tanh, relu, sigmoid, and plain numbers on either side.

While the program is drawn it is also evaluated with plain floats (`_float_step`, written from the textbook
formulas, not from micrograd) to keep every operation inside its domain, the way a reader would: log and
fractional powers only of values > 1e-3, division only by |v| > 1e-3, exp only below 30, relu only away from its
kink, and nothing whose value or local derivative exceeds 1e6.  An operation that would break a rule is redrawn
(up to ten times) and finally replaced by tanh, which is always safe.  The same program is then replayed on micrograd
Values and on PyTorch float64 tensors, and the output value and the gradient of EVERY leaf (and, as a bonus, of
every intermediate node) must agree.
"""

import math
import random

from conftest import T, assert_close
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd.engine import Value

LIMIT = 1e6  # largest |value| and |local derivative| an operation may produce
SMALL = 1e-3  # smallest |value| we take a log / fractional power of, or divide by
MAX_LEAVES = 4
MAX_OPS = 25

PROPERTY_SETTINGS = settings(
    max_examples=3000,
    deadline=None,  # no timing assertions: a busy CI machine must not fail the test
    derandomize=True,  # the same graphs on every run, so a CI failure can be reproduced
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# --------------------------------------------------------------------------------------------------
# The operations.  Each is (arity, replay, float_step):
#   arity       number of node operands (1 or 2); a constant, when the operation has one, is extra
#   replay      (x, y, c) -> result, written with syntax micrograd Values and torch tensors share
#   float_step  (x, y, c) -> (value, local derivatives w.r.t. the node operands) with plain floats, or None
#               when the operation would leave its domain or the bounds
# --------------------------------------------------------------------------------------------------


def _sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _is_int(c):
    return isinstance(c, int) or float(c).is_integer()


def _pow_const(x, c):
    # x ** c needs x > 0 for a fractional exponent, and x != 0 (well away from it) for a negative one.
    if not _is_int(c) and x <= SMALL:
        return None
    if c < 0 and abs(x) <= SMALL:
        return None
    return x**c, (c * x ** (c - 1) if c != 0 else 0.0,)


def _pow_values(x, y):
    if x <= SMALL:
        return None
    v = x**y
    return v, (y * x ** (y - 1), v * math.log(x))


OPS = {
    # two node operands
    "add": (2, lambda x, y, c: x + y, lambda x, y, c: (x + y, (1.0, 1.0))),
    "sub": (2, lambda x, y, c: x - y, lambda x, y, c: (x - y, (1.0, -1.0))),
    "mul": (2, lambda x, y, c: x * y, lambda x, y, c: (x * y, (y, x))),
    "div": (2, lambda x, y, c: x / y, lambda x, y, c: (x / y, (1 / y, -x / (y * y))) if abs(y) > SMALL else None),
    "pow_value": (2, lambda x, y, c: x**y, lambda x, y, c: _pow_values(x, y)),
    # one node operand
    "neg": (1, lambda x, y, c: -x, lambda x, y, c: (-x, (-1.0,))),
    "exp": (1, lambda x, y, c: x.exp(), lambda x, y, c: (math.exp(x), (math.exp(x),)) if x < 30 else None),
    "log": (1, lambda x, y, c: x.log(), lambda x, y, c: (math.log(x), (1 / x,)) if x > SMALL else None),
    "tanh": (1, lambda x, y, c: x.tanh(), lambda x, y, c: (math.tanh(x), (1 - math.tanh(x) ** 2,))),
    # Away from the kink only: a value within rounding distance of 0 could land on different sides of it in
    # the two libraries (the kink itself is pinned down by unit tests).
    "relu": (
        1,
        lambda x, y, c: x.relu(),
        lambda x, y, c: (max(x, 0.0), (1.0 if x > 0 else 0.0,)) if abs(x) > 1e-6 else None,
    ),
    "sigmoid": (1, lambda x, y, c: x.sigmoid(), lambda x, y, c: (_sigmoid(x), (_sigmoid(x) * (1 - _sigmoid(x)),))),
    # one node operand and a plain number, on either side
    "add_num": (1, lambda x, y, c: x + c, lambda x, y, c: (x + c, (1.0,))),
    "num_add": (1, lambda x, y, c: c + x, lambda x, y, c: (c + x, (1.0,))),
    "sub_num": (1, lambda x, y, c: x - c, lambda x, y, c: (x - c, (1.0,))),
    "num_sub": (1, lambda x, y, c: c - x, lambda x, y, c: (c - x, (-1.0,))),
    "mul_num": (1, lambda x, y, c: x * c, lambda x, y, c: (x * c, (c,))),
    "num_mul": (1, lambda x, y, c: c * x, lambda x, y, c: (c * x, (c,))),
    "div_num": (1, lambda x, y, c: x / c, lambda x, y, c: (x / c, (1 / c,)) if abs(c) > SMALL else None),
    "num_div": (1, lambda x, y, c: c / x, lambda x, y, c: (c / x, (-c / (x * x),)) if abs(x) > SMALL else None),
    "pow_num": (1, lambda x, y, c: x**c, lambda x, y, c: _pow_const(x, c)),
    "num_pow": (
        1,
        lambda x, y, c: c**x,  # c > 0 (see _constant)
        lambda x, y, c: (c**x, (c**x * math.log(c),)),
    ),
}
OP_NAMES = sorted(OPS)
WITH_NUMBER = {op for op in OPS if "num" in op.split("_")}  # x + 2, 2 + x, x ** 2, 2 ** x, ...


def _constant(op, rnd):
    """The plain number for an operation that has one: an int or a float, of either sign -- except that an exponent
    may also be one of the classic fractions, and the base of number ** x must be positive."""
    if op == "num_pow":
        return rnd.randint(1, 5) if rnd.random() < 0.5 else rnd.uniform(0.05, 5)
    if op == "pow_num":
        return rnd.choice(
            [rnd.randint(-3, 4), rnd.choice([0.5, -0.5, 1.5, -1.5, 1 / 3, 2.0, 2.5, -2.0]), rnd.uniform(-3, 3)]
        )
    return rnd.randint(-5, 5) if rnd.random() < 0.5 else rnd.uniform(-5, 5)


def _float_step(op, x, y, c):
    """The float value and local derivatives of one operation, or None if it breaks a domain rule or a bound."""
    try:
        result = OPS[op][2](x, y, c)
    except (OverflowError, ZeroDivisionError, ValueError):
        return None
    if result is None:
        return None
    value, locals_ = result
    if isinstance(value, complex) or not all(math.isfinite(q) and abs(q) <= LIMIT for q in (value, *locals_)):
        return None
    return float(value), tuple(float(q) for q in locals_)


# Each operation is decoded from ONE random integer (its "gene") that seeds a random.Random: which operation,
# its operands and its constant.  Few draws per graph keep Hypothesis's own bookkeeping small, so that thousands of
# graphs fit in the time budget, while the choices stay evenly spread (Hypothesis's integers cluster at small and
# boundary values, which decoded directly would favour a few operations).
_LEAVES = [
    st.lists(st.floats(-4, 4, allow_nan=False, allow_infinity=False), min_size=n, max_size=n)
    for n in range(MAX_LEAVES + 1)
]
_GENE = st.integers(0, 2**64 - 1)


@st.composite
def programs(draw):
    """(leaf values, program, float values of all nodes, local derivatives of all nodes)."""
    n_leaves = draw(st.integers(1, MAX_LEAVES))
    leaves = draw(_LEAVES[n_leaves])
    n_ops = random.Random(draw(_GENE)).randint(1, MAX_OPS)  # evenly spread over 1 .. MAX_OPS
    values = list(leaves)
    locals_ = [() for _ in leaves]  # per node: ((operand index, local derivative), ...)
    program = []
    for _ in range(n_ops):
        last = len(values) - 1
        rnd = random.Random(draw(_GENE))
        for _attempt in range(10):
            op = rnd.choice(OP_NAMES)
            arity = OPS[op][0]
            # Operands from any node so far; but mostly (3 in 4) the first one is the newest node, so that
            # graphs grow deep as well as wide.
            i = last if rnd.random() < 0.75 else rnd.randint(0, last)
            j = rnd.randint(0, last) if arity == 2 else None
            c = _constant(op, rnd) if op in WITH_NUMBER else None
            step = _float_step(op, values[i], values[j] if j is not None else None, c)
            if step is not None:
                break
        else:
            # All ten tries broke a rule: use tanh, which is always inside its domain (derivative in [0, 1]).
            op, i, j, c = "tanh", last, None, None
            step = _float_step(op, values[i], None, None)
        program.append((op, i, j, c))
        values.append(step[0])
        operands = (i,) if j is None else (i, j)
        locals_.append(tuple(zip(operands, step[1])))
    return leaves, program, values, locals_


def replay(program, leaves):
    """Run the program on micrograd Values or on torch tensors; return every node, leaves first."""
    nodes = list(leaves)
    for op, i, j, c in program:
        nodes.append(OPS[op][1](nodes[i], nodes[j] if j is not None else None, c))
    return nodes


def absolute_adjoints(locals_):
    """Backpropagation with |local derivative|s: for each node, the sum over all paths to the output of
    |product of local derivatives| -- the total magnitude of all gradient contributions that reach it."""
    adj = [0.0] * len(locals_)
    adj[-1] = 1.0
    for k in range(len(locals_) - 1, -1, -1):
        for child, local in locals_[k]:
            adj[child] += abs(local) * adj[k]
    return adj


def torch_run(program, leaves, passes=1):
    """Replay in torch; return the nodes and, after each backward pass, every node's gradient."""
    tleaves = [T(x) for x in leaves]
    tnodes = replay(program, tleaves)
    for t in tnodes[len(leaves) :]:
        if t.requires_grad:
            t.retain_grad()
    grads = []
    for _ in range(passes):
        tnodes[-1].backward(retain_graph=True)
        grads.append([0.0 if t.grad is None else t.grad.item() for t in tnodes])
    return tnodes, grads


# Why not exact equality: both libraries do the same IEEE float64 arithmetic, but not always in the same order or
# with the same formulas.  A node used by several operations receives several gradient contributions, and micrograd
# adds them in its topological order while PyTorch adds them in its own; x / y is x * y**-1 in micrograd (two
# roundings) but one division in PyTorch; exp, log, tanh, pow and sigmoid come from different math libraries and
# may differ in the last bit.  Such differences are a few units in the last place of the terms involved, so the
# tolerance is relative (1e-9) plus an absolute part proportional to the *magnitude of the terms* -- for a gradient,
# the sum of |contributions| along all paths (`absolute_adjoints`); for the output value, the sum over nodes of
# |node value| x |its absolute adjoint| (first-order propagation of one rounding error per node).  A real bug (a
# wrong derivative, a lost or doubled contribution) changes results by far more than 1e-9 of that magnitude.
RTOL = 1e-9
ATOL_FACTOR = 1e-9


def assert_matches(what, actual, expected, scale, context):
    assert_close(actual, expected, f"{what} (scale {scale:.3g})\n{context}", rel=RTOL, abs_=ATOL_FACTOR * scale)


def describe(leaves, program):
    lines = [f"leaves = {leaves!r}"]
    for k, (op, i, j, c) in enumerate(program, start=len(leaves)):
        args = ", ".join(f"n{a}" for a in (i, j) if a is not None) + ("" if c is None else f", {c!r}")
        lines.append(f"n{k} = {op}({args})")
    return "\n".join(lines)


@PROPERTY_SETTINGS
@given(programs())
def test_random_graphs_match_torch(case):
    leaves, program, fvalues, locals_ = case
    context = describe(leaves, program)

    vs = [Value(x) for x in leaves]
    nodes = replay(program, vs)
    out = nodes[-1]
    out.backward()

    tnodes, (tgrads,) = torch_run(program, leaves)

    adj = absolute_adjoints(locals_)
    value_scale = 1 + sum(a * abs(v) for a, v in zip(adj, fvalues))
    assert isinstance(out, Value)
    assert_matches("output value", out.data, tnodes[-1].item(), value_scale, context)
    for k, v in enumerate(vs):
        assert_matches(f"gradient of leaf n{k}", v.grad, tgrads[k], 1 + adj[k], context)
    # Intermediate nodes too (0 for a node the output does not depend on, in both libraries).
    for k in range(len(leaves), len(nodes)):
        assert_matches(f"gradient of node n{k}", nodes[k].grad, tgrads[k], 1 + adj[k], context)


@settings(PROPERTY_SETTINGS, max_examples=800)
@given(programs(), st.integers(2, 3))
def test_repeated_backward_on_random_graphs(case, passes):
    """backward() k times: every leaf holds k passes' worth (PyTorch with retain_graph=True, k times);
    every intermediate node holds the latest pass's gradient, i.e. ONE torch pass."""
    leaves, program, fvalues, locals_ = case
    context = describe(leaves, program)

    vs = [Value(x) for x in leaves]
    nodes = replay(program, vs)
    out = nodes[-1]
    out.backward()
    first = [n.grad for n in nodes]
    for _ in range(passes - 1):
        out.backward()

    tnodes, tgrads = torch_run(program, leaves, passes)
    adj = absolute_adjoints(locals_)
    for k, v in enumerate(vs):
        # k passes of contributions: the magnitude to compare against grows k-fold
        assert_matches(f"leaf n{k} after {passes} passes", v.grad, tgrads[-1][k], passes * (1 + adj[k]), context)
        assert_matches(f"leaf n{k}: {passes} x one pass", v.grad, passes * first[k], passes * (1 + adj[k]), context)
    for k in range(len(leaves), len(nodes)):
        # the same pass recomputed in the same order: bit for bit what the first pass gave ...
        assert nodes[k].grad == first[k], (
            f"node n{k}: {nodes[k].grad!r} after {passes} passes, {first[k]!r} after one\n{context}"
        )
        # ... and what one torch pass gives (torch itself would have accumulated into retained non-leaf grads)
        assert_matches(f"node n{k} vs one torch pass", nodes[k].grad, tgrads[0][k], 1 + adj[k], context)
    assert out.grad == 1.0

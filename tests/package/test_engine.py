"""micrograd.engine.Value checked against PyTorch (float64) and against independent formulas.

Every expected number here comes from PyTorch's autograd, from a closed-form derivative, or from a central
finite difference -- never from micrograd itself.
"""

import math

import pytest
from conftest import T, assert_close

from micrograd.engine import Value


def torch_grad(t):
    return 0.0 if t.grad is None else t.grad.item()


def compare_with_torch(fn, *inputs):
    """Run `fn` on micrograd Values and on PyTorch leaves; compare the output and every leaf's gradient.

    `fn` is written with operators and method names that both libraries share (+ - * / **, .exp(), .log(),
    .tanh(), .relu(), .sigmoid()), so exactly the same expression is evaluated by both.
    """
    vs = [Value(float(x)) for x in inputs]
    out = fn(*vs)
    out.backward()
    ts = [T(x) for x in inputs]
    tout = fn(*ts)
    tout.backward()
    assert isinstance(out, Value)
    assert_close(out.data, tout.item(), "value")
    for i, (v, t) in enumerate(zip(vs, ts)):
        assert_close(v.grad, torch_grad(t), f"grad of input {i}")
    return out, vs


# --------------------------------------------------------------------------------------------------
# Single operations, value and gradient
# --------------------------------------------------------------------------------------------------

BINARY_PAIRS = [(2.0, -3.0), (-1.5, 0.25), (0.1, 7.0), (-4.0, -0.5), (3.0, 3.0), (1e-3, 1e3)]


@pytest.mark.parametrize("a,b", BINARY_PAIRS)
@pytest.mark.parametrize(
    "name,fn",
    [
        ("add", lambda x, y: x + y),
        ("sub", lambda x, y: x - y),
        ("mul", lambda x, y: x * y),
        ("div", lambda x, y: x / y),
    ],
)
def test_binary_ops_between_values(name, fn, a, b):
    compare_with_torch(fn, a, b)


@pytest.mark.parametrize("a", [-2.5, -1.0, 0.0, 0.3, 4.0])
def test_unary_negation(a):
    out, (v,) = compare_with_torch(lambda x: -x, a)
    assert out.data == -a
    assert v.grad == -1.0


UNARY_CASES = [
    ("exp", lambda x: x.exp(), [-3.0, -0.5, 0.0, 0.7, 2.5, 10.0]),
    ("log", lambda x: x.log(), [1e-3, 0.1, 1.0, 2.5, 10.0, 1e6]),
    ("tanh", lambda x: x.tanh(), [-20.0, -3.0, -0.5, 0.0, 0.5, 0.8813735870195432, 3.0, 20.0]),
    ("relu", lambda x: x.relu(), [-2.0, -1e-3, -0.0, 0.0, 1e-3, 2.0]),
    ("sigmoid", lambda x: x.sigmoid(), [-5.0, -0.3, 0.0, 0.3, 5.0]),  # far out: test_edges.py
]


@pytest.mark.parametrize(
    "name,fn,x",
    [pytest.param(name, fn, x, id=f"{name}({x})") for name, fn, xs in UNARY_CASES for x in xs],
)
def test_unary_ops(name, fn, x):
    compare_with_torch(fn, x)


@pytest.mark.parametrize("x", [-2.0, -1.0, -0.0, 0.0, 1e-9, 3.5])
def test_relu_value_and_gradient_formula(x):
    v = Value(x)
    out = v.relu()
    out.backward()
    assert out.data == max(x, 0.0)
    assert out.data >= 0
    # PyTorch's convention, which micrograd follows: the derivative at exactly 0 is 0.
    assert v.grad == (1.0 if x > 0 else 0.0)


POW_CASES = (
    [(b, p) for p in (2, 3, -1, -2, 1, 0) for b in (-2.5, -1.0, 0.5, 3.0)]
    + [(b, p) for p in (2.0, 0.5, 1.5, -0.5, -1.5, 1 / 3, 2.7) for b in (0.25, 1.0, 2.0, 9.0)]
    + [(0.0, 2), (0.0, 3), (0.0, 1.5)]
)


@pytest.mark.parametrize("base,exponent", POW_CASES)
def test_pow_with_number_exponent(base, exponent):
    compare_with_torch(lambda x: x**exponent, base)


@pytest.mark.parametrize("base,exponent", [(3.0, 2), (2.0, -1), (4.0, 0.5), (8.0, -1 / 3)])
def test_pow_matches_power_rule(base, exponent):
    v = Value(base)
    out = v**exponent
    out.backward()
    assert_close(out.data, base**exponent, "value")
    assert_close(v.grad, exponent * base ** (exponent - 1), "grad")


# --------------------------------------------------------------------------------------------------
# Plain numbers on either side
# --------------------------------------------------------------------------------------------------

MIXED = [
    ("2 + a", lambda a: 2 + a),
    ("a + 2", lambda a: a + 2),
    ("2.5 + a", lambda a: 2.5 + a),
    ("a - 3", lambda a: a - 3),
    ("3 - a", lambda a: 3 - a),
    ("a - 0.5", lambda a: a - 0.5),
    ("0.5 - a", lambda a: 0.5 - a),
    ("3 * a", lambda a: 3 * a),
    ("a * 3", lambda a: a * 3),
    ("-1.5 * a", lambda a: -1.5 * a),
    ("a / 4", lambda a: a / 4),
    ("a / 0.3", lambda a: a / 0.3),
    ("2 / a", lambda a: 2 / a),
    ("-0.7 / a", lambda a: -0.7 / a),
    ("1 - 2 * a / 3 + 4", lambda a: 1 - 2 * a / 3 + 4),
]


@pytest.mark.parametrize("a", [-3.0, -0.4, 1.25, 6.0])
@pytest.mark.parametrize("name,fn", MIXED, ids=[m[0] for m in MIXED])
def test_plain_numbers_on_either_side(name, fn, a):
    out, _ = compare_with_torch(fn, a)
    assert isinstance(out, Value)


def test_int_data_is_accepted():
    a = Value(3)
    b = Value(-2)
    out = a * b + a**2 - 1 / a
    out.backward()
    ta, tb = T(3), T(-2)
    tout = ta * tb + ta**2 - 1 / ta
    tout.backward()
    assert_close(out.data, tout.item())
    assert_close(a.grad, ta.grad.item())
    assert_close(b.grad, tb.grad.item())


# --------------------------------------------------------------------------------------------------
# Finite differences on composite expressions (independent of PyTorch)
# --------------------------------------------------------------------------------------------------

COMPOSITES = [
    ("rational-tanh", lambda a, b, c: ((a * b + c.exp()) / (1 + a**2)).tanh()),
    ("log-sigmoid", lambda a, b, c: (b - c).sigmoid() * a.log() + c**3 / 7),
    ("nested", lambda a, b, c: ((a * c).tanh() + b.sigmoid() * 2) ** 2 - (a / (b * b + 1)).exp()),
    ("relu-mix", lambda a, b, c: (a - b).relu() * c + (c - a * 2).relu() ** 1.5 + b.log()),
    ("powers", lambda a, b, c: a**0.5 * b**-2 + (c + 4) ** (1 / 3) - 1 / (a + b + c)),
]

COMPOSITE_POINTS = [(0.7, 1.3, -0.4), (2.0, 0.5, 1.1), (1.4, 2.2, 0.3)]


def central_difference(f, xs, i, h=1e-6):
    plus = list(xs)
    minus = list(xs)
    plus[i] += h
    minus[i] -= h
    return (f(*plus) - f(*minus)) / (2 * h)


@pytest.mark.parametrize("point", COMPOSITE_POINTS)
@pytest.mark.parametrize("name,fn", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_composite_gradients_match_central_differences(name, fn, point):
    vs = [Value(x) for x in point]
    out = fn(*vs)
    out.backward()

    def f(*xs):
        return fn(*[Value(x) for x in xs]).data

    assert_close(out.data, f(*point), "value")
    for i, v in enumerate(vs):
        numeric = central_difference(f, point, i)
        assert math.isclose(v.grad, numeric, rel_tol=1e-6, abs_tol=1e-7), (name, i, v.grad, numeric)


@pytest.mark.parametrize("point", COMPOSITE_POINTS)
@pytest.mark.parametrize("name,fn", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_composite_gradients_match_torch(name, fn, point):
    compare_with_torch(fn, *point)


# --------------------------------------------------------------------------------------------------
# Shared nodes
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1.5, 0.0, 3.0])
def test_node_added_to_itself(x):
    a = Value(x)
    b = a + a
    b.backward()
    assert b.data == 2 * x
    assert a.grad == 2.0
    compare_with_torch(lambda t: t + t, x)


@pytest.mark.parametrize("x", [-1.5, 0.0, 3.0])
def test_node_multiplied_by_itself(x):
    a = Value(x)
    b = a * a
    b.backward()
    assert b.data == x * x
    assert a.grad == 2 * x
    compare_with_torch(lambda t: t * t, x)


def test_diamond_graph():
    # a feeds b and c, which meet again in d.
    def fn(a):
        b = a * 2
        c = a + 3
        return b * c

    out, (a,) = compare_with_torch(fn, 1.5)
    # d = 2a(a + 3) = 2a^2 + 6a, d' = 4a + 6
    assert_close(a.grad, 4 * 1.5 + 6)


def test_diamond_with_two_leaves_and_intermediate_grads():
    a, b = Value(0.6), Value(-1.2)
    e = a * b
    f = e.tanh()
    g = e.exp()
    out = f * g + e
    out.backward()

    ta, tb = T(0.6), T(-1.2)
    te = ta * tb
    te.retain_grad()
    tout = te.tanh() * te.exp() + te
    tout.backward()
    assert_close(out.data, tout.item())
    assert_close(e.grad, te.grad.item(), "shared intermediate")
    assert_close(a.grad, ta.grad.item())
    assert_close(b.grad, tb.grad.item())


def test_node_with_three_consumers():
    def fn(a, c):
        b = a.exp()  # used by three operations below
        return b * c + b.tanh() + b**2

    x, c = 0.3, -0.8
    out, (a, cv) = compare_with_torch(fn, x, c)
    b = math.exp(x)
    # d/da [b c + tanh b + b^2] = b' (c + (1 - tanh^2 b) + 2b), b' = b
    expected = b * (c + (1 - math.tanh(b) ** 2) + 2 * b)
    assert_close(a.grad, expected, "analytic")


def test_leaf_used_in_many_places():
    compare_with_torch(lambda a, b: a * b + a / b - a**2 * b + (a - b).tanh() * a, 1.1, -0.7)


# --------------------------------------------------------------------------------------------------
# Worked examples from the book
# --------------------------------------------------------------------------------------------------


def test_L_example_against_torch():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    f = Value(-2.0, label="f")
    e = a * b
    d = e + c
    L = d * f
    L.backward()

    ta, tb, tc, tf = T(2.0), T(-3.0), T(10.0), T(-2.0)
    te = ta * tb
    td = te + tc
    te.retain_grad()
    td.retain_grad()
    tL = td * tf
    tL.backward()

    assert (e.data, d.data, L.data) == (te.item(), td.item(), tL.item()) == (-6.0, 4.0, -8.0)
    for name, v, t in [("a", a, ta), ("b", b, tb), ("c", c, tc), ("f", f, tf), ("e", e, te), ("d", d, td)]:
        assert_close(v.grad, t.grad.item(), name)
    assert L.grad == 1.0
    # by hand: dL/da = b f, dL/db = a f, dL/dc = f, dL/df = d, dL/de = dL/dd = f
    assert (a.grad, b.grad, c.grad, f.grad, e.grad, d.grad) == (6.0, -4.0, -2.0, 4.0, -2.0, -2.0)


def test_tanh_neuron_against_torch():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()

    tx1, tx2, tw1, tw2, tb = T(2.0), T(0.0), T(-3.0), T(1.0), T(6.8813735870195432)
    tn = tx1 * tw1 + tx2 * tw2 + tb
    tn.retain_grad()
    to = tn.tanh()
    to.backward()

    assert_close(n.data, tn.item(), "n")
    assert_close(o.data, to.item(), "o")
    assert_close(o.data, 1 / math.sqrt(2), "o = 1/sqrt 2")
    assert_close(n.grad, 0.5, "do/dn")
    assert_close(n.grad, tn.grad.item(), "do/dn torch")
    for name, v, t in [("x1", x1, tx1), ("x2", x2, tx2), ("w1", w1, tw1), ("w2", w2, tw2), ("b", b, tb)]:
        assert_close(v.grad, t.grad.item(), name)
    assert_close(x1.grad, -1.5)
    assert_close(w1.grad, 1.0)
    assert_close(x2.grad, 0.5)
    assert_close(w2.grad, 0.0)


# --------------------------------------------------------------------------------------------------
# Repeated backward, misc
# --------------------------------------------------------------------------------------------------
# (How deep a graph backward() handles: test_edges.py, a million operations.)


def test_backward_twice_accumulates_leaves_like_torch_and_resets_intermediates():
    a, b, c = Value(1.3), Value(-0.4), Value(2.0)
    e = a * b
    d = (e + c).tanh()
    out = d * a + e**2
    out.backward()
    e_after_first = e.grad
    out.backward()

    ta, tb, tc = T(1.3), T(-0.4), T(2.0)
    te = ta * tb
    te.retain_grad()
    td = (te + tc).tanh()
    td.retain_grad()
    tout = td * ta + te**2
    tout.backward(retain_graph=True)
    te_first, td_first = te.grad.item(), td.grad.item()
    leaves_first = [ta.grad.item(), tb.grad.item(), tc.grad.item()]
    tout.backward(retain_graph=True)

    # leaves: accumulated, exactly twice one pass, exactly as PyTorch
    for name, v, t, g1 in zip("abc", (a, b, c), (ta, tb, tc), leaves_first):
        assert_close(v.grad, t.grad.item(), f"leaf {name}")
        assert_close(v.grad, 2 * g1, f"leaf {name} twice")
    # intermediates: the latest pass's gradient, not a sum over passes
    assert_close(e.grad, te_first, "intermediate e")
    assert_close(d.grad, td_first, "intermediate d")
    assert e.grad == e_after_first
    assert out.grad == 1.0


def test_backward_accumulates_into_leaves_across_separate_graphs():
    w = Value(0.5)
    (w * 3).backward()
    (w.exp()).backward()
    tw = T(0.5)
    (tw * 3).backward()
    tw.exp().backward()
    assert_close(w.grad, tw.grad.item())
    assert_close(w.grad, 3 + math.exp(0.5))


def test_label_is_kept():
    assert Value(2.0, label="x").label == "x"


def test_fresh_value_has_zero_grad_and_keeps_data():
    for x in (0, 1, -2.5, 1e300):
        v = Value(x)
        assert v.data == x
        assert v.grad == 0.0


def test_tanh_rebuilt_from_exp_matches_tanh():
    # tanh(x) = (e^{2x} - 1) / (e^{2x} + 1): a composite of exp, -, +, / must agree with the primitive.
    for x in (-1.2, 0.0, 0.4, 2.0):
        a1, a2 = Value(x), Value(x)
        e = (2 * a1).exp()
        t1 = (e - 1) / (e + 1)
        t2 = a2.tanh()
        t1.backward()
        t2.backward()
        assert_close(t1.data, t2.data)
        assert_close(a1.grad, a2.grad)
        assert_close(a2.grad, 1 - math.tanh(x) ** 2)

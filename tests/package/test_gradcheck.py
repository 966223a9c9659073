"""micrograd.gradcheck: numerical_gradient and gradcheck.

numerical_gradient is checked against derivatives worked out by hand; gradcheck against functions whose
gradients are right (it must say True) and against deliberately broken ones (it must say which input is wrong,
with both numbers).  The broken gradients are made by temporarily replacing a Value method (pytest's monkeypatch
restores it at the end of the test) with one that records a wrong local derivative.
"""

import math
import re

import pytest
import torch
from conftest import T

from micrograd.engine import Value
from micrograd.gradcheck import GradcheckError, gradcheck, numerical_gradient

# --------------------------------------------------------------------------------------------------
# gradcheck says True for correct gradients, for every operation
# --------------------------------------------------------------------------------------------------

EXPRESSIONS = [
    ("add/sub/neg", lambda a, b: a + b - (-a) + 2 - b + (3 - a) + (a + 1.5), [0.3, -1.2]),
    ("mul/div", lambda a, b: a * b / (b * b + 1) + 2 / a - a / 4 + 0.5 * b * 3, [0.7, -1.3]),
    ("pow number", lambda a, b: a**2 + a**3 - b**-1 + a**0.5 + b**-2.5 + a**0, [1.4, 0.8]),
    ("pow value", lambda a, b: a**b + b ** (a * 2) + a**a, [1.3, 0.6]),
    ("number ** value", lambda a, b: 2**a + 0.5 ** (a * b) + 10 ** (b - 1), [0.4, 1.1]),
    ("exp/log", lambda a, b: (a * b).exp() + (a + b).log() - (b / a).log().exp(), [0.9, 1.7]),
    ("tanh/sigmoid", lambda a, b: (a * b).tanh() + (a - b).sigmoid() * b.tanh(), [-0.6, 0.9]),
    ("relu", lambda a, b: (a * b).relu() + (a - b).relu() * 3 + (b - 5).relu(), [1.2, -0.7]),
    ("shared nodes", lambda a, b: (lambda e: e * e.tanh() + e.exp() / (e * e + 1))(a * b + a), [0.5, -1.1]),
    ("three inputs", lambda a, b, c: ((a * b + c.exp()) / (1 + a**2)).tanh() + c.sigmoid().log(), [0.2, -0.8, 1.5]),
    ("one input", lambda a: (a.exp() - a**2).tanh(), [0.35]),
]


@pytest.mark.parametrize("name,fn,inputs", EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_gradcheck_accepts_correct_gradients(name, fn, inputs):
    assert gradcheck(fn, inputs) is True
    assert gradcheck(fn, inputs, raise_exception=False) is True


@pytest.mark.parametrize("name,fn,inputs", EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_numerical_gradient_of_the_expressions_agrees_with_torch(name, fn, inputs):
    # The gradients gradcheck compares against: central differences must match PyTorch's exact gradients
    # to within their truncation + rounding error (eps^2 f''' / 6 + 1e-16 |f| / eps, about 1e-9 here).
    numeric = numerical_gradient(fn, inputs)
    ts = [T(x) for x in inputs]
    fn(*ts).backward()
    assert len(numeric) == len(inputs)
    for i, (n, t) in enumerate(zip(numeric, ts)):
        assert math.isclose(n, t.grad.item(), rel_tol=1e-6, abs_tol=1e-6), (name, i, n, t.grad.item())


def test_gradcheck_accepts_integer_inputs():
    assert gradcheck(lambda a, b: a * b + a.exp(), [2, -1]) is True


def test_gradcheck_does_not_touch_its_inputs():
    inputs = [0.5, 1.5]
    gradcheck(lambda a, b: a * b, inputs)
    assert inputs == [0.5, 1.5]


# --------------------------------------------------------------------------------------------------
# gradcheck catches wrong gradients
# --------------------------------------------------------------------------------------------------


def _floats(text):
    return [float(t) for t in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", text)]


def _mentions(text, value, rel=1e-6):
    return any(math.isclose(f, value, rel_tol=rel, abs_tol=1e-9) for f in _floats(text))


def _wrong_tanh(self):
    # records 1 - t instead of 1 - t^2
    t = math.tanh(self.data)
    return Value(t, (self,), "tanh", _local_grads=(1 - t,))


def _wrong_exp(self):
    # records half the true derivative
    e = math.exp(self.data)
    return Value(e, (self,), "exp", _local_grads=(e / 2,))


def _wrong_log(self):
    # records -1/x instead of 1/x
    return Value(math.log(self.data), (self,), "log", _local_grads=(-1 / self.data,))


def _wrong_sigmoid(self):
    # records s instead of s (1 - s)
    s = 1 / (1 + math.exp(-self.data))
    return Value(s, (self,), "sigmoid", _local_grads=(s,))


# (method, broken version, f(a, b) using it on b only, true df/db, the wrong df/db the broken method gives)
BROKEN = [
    ("tanh", _wrong_tanh, lambda a, b: a * 3 + b.tanh(), lambda b: 1 - math.tanh(b) ** 2, lambda b: 1 - math.tanh(b)),
    ("exp", _wrong_exp, lambda a, b: a * 3 + b.exp(), lambda b: math.exp(b), lambda b: math.exp(b) / 2),
    ("log", _wrong_log, lambda a, b: a * 3 + b.log(), lambda b: 1 / b, lambda b: -1 / b),
    (
        "sigmoid",
        _wrong_sigmoid,
        lambda a, b: a * 3 + b.sigmoid(),
        lambda b: math.exp(-b) / (1 + math.exp(-b)) ** 2,
        lambda b: 1 / (1 + math.exp(-b)),
    ),
]


@pytest.mark.parametrize("method,broken,fn,true_db,wrong_db", BROKEN, ids=[b[0] for b in BROKEN])
def test_gradcheck_reports_a_wrong_local_derivative(monkeypatch, method, broken, fn, true_db, wrong_db):
    a, b = 0.4, 0.7
    original = getattr(Value, method)
    monkeypatch.setattr(Value, method, broken)

    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, [a, b])
    assert isinstance(info.value, AssertionError)
    message = str(info.value)
    # names the wrong input (input 1, b) with both numbers -- and not input 0, whose gradient (3) is right
    lines = [line for line in message.splitlines() if re.search(r"\binput 1\b", line)]
    assert len(lines) == 1, message
    assert _mentions(lines[0], wrong_db(b)), f"backward()'s {wrong_db(b)!r} missing from {lines[0]!r}"
    assert _mentions(lines[0], true_db(b)), f"the numerical {true_db(b)!r} missing from {lines[0]!r}"
    assert not re.search(r"\binput 0\b", message), message

    assert gradcheck(fn, [a, b], raise_exception=False) is False

    monkeypatch.undo()
    assert getattr(Value, method) is original
    assert gradcheck(fn, [a, b]) is True


def test_gradcheck_reports_every_wrong_input(monkeypatch):
    monkeypatch.setattr(Value, "tanh", _wrong_tanh)
    fn = lambda a, b, c: a.tanh() + b * 2 + c.tanh()  # noqa: E731
    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, [0.3, 0.1, -0.9])
    message = str(info.value)
    assert re.search(r"\binput 0\b", message) and re.search(r"\binput 2\b", message), message
    assert not re.search(r"\binput 1\b", message), message


def test_gradcheck_catches_a_graph_cut_in_two():
    # Building a new Value from .data drops the connection to `a`: backward() gives 0, the true derivative is 2a.
    def cut(a):
        return Value(a.data * a.data) + a * 0

    with pytest.raises(GradcheckError) as info:
        gradcheck(cut, [1.5])
    assert _mentions(str(info.value), 3.0) and _mentions(str(info.value), 0.0)
    assert gradcheck(cut, [1.5], raise_exception=False) is False


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


# --------------------------------------------------------------------------------------------------
# numerical_gradient against derivatives worked out by hand
# --------------------------------------------------------------------------------------------------

KNOWN = [
    ("x^3", lambda x: x**3, [1.7], lambda x: [3 * x**2]),
    ("x y + y^2", lambda x, y: x * y + y**2, [0.3, -2.0], lambda x, y: [y, x + 2 * y]),
    ("e^x / y", lambda x, y: x.exp() / y, [0.5, 1.5], lambda x, y: [math.exp(x) / y, -math.exp(x) / y**2]),
    (
        "log(x) tanh(y)",
        lambda x, y: x.log() * y.tanh(),
        [2.0, 0.4],
        lambda x, y: [math.tanh(y) / x, math.log(x) * (1 - math.tanh(y) ** 2)],
    ),
    (
        "sigmoid(x - y)",
        lambda x, y: (x - y).sigmoid(),
        [0.1, 0.6],
        lambda x, y: [
            math.exp(-(x - y)) / (1 + math.exp(-(x - y))) ** 2,
            -math.exp(-(x - y)) / (1 + math.exp(-(x - y))) ** 2,
        ],
    ),
    ("x^y", lambda x, y: x**y, [1.8, 2.5], lambda x, y: [y * x ** (y - 1), x**y * math.log(x)]),
    ("relu(x) z", lambda x, z: x.relu() * z, [0.8, -1.25], lambda x, z: [z, 0.8]),
]


@pytest.mark.parametrize("name,fn,inputs,grad", KNOWN, ids=[k[0] for k in KNOWN])
def test_numerical_gradient_matches_analytic_derivatives(name, fn, inputs, grad):
    numeric = numerical_gradient(fn, inputs)
    expected = grad(*inputs)
    assert isinstance(numeric, list) and len(numeric) == len(inputs)
    for i, (n, e) in enumerate(zip(numeric, expected)):
        assert math.isclose(n, e, rel_tol=1e-8, abs_tol=1e-8), (name, i, n, e)


@pytest.mark.parametrize("x,h", [(2.0, 0.1), (2.0, 0.01), (-1.0, 0.5), (0.3, 1e-3)])
def test_numerical_gradient_honours_eps(x, h):
    # Central difference of x^3 with step h is exactly 3x^2 + h^2: ((x+h)^3 - (x-h)^3) / 2h.
    # The h^2 term shows which step was used.
    (numeric,) = numerical_gradient(lambda v: v**3, [x], eps=h)
    assert math.isclose(numeric, 3 * x * x + h * h, rel_tol=1e-9), (numeric, 3 * x * x + h * h)
    assert not math.isclose(numeric, 3 * x * x, rel_tol=1e-9)


def test_numerical_gradient_steps_by_1e_6_by_default():
    # relu(x - 5e-7) at x = 0: a central difference with step h sees (h - 5e-7) / 2h, which is 0.25 for h = 1e-6
    # only (0 for h <= 5e-7, towards 0.5 for larger steps).
    (numeric,) = numerical_gradient(lambda v: (v - 5e-7).relu(), [0.0])
    assert math.isclose(numeric, 0.25, rel_tol=1e-6), numeric


# With eps = 0.1, x^3 at x = 2: numerical 12.01, backward() 12 -- a known discrepancy of exactly h^2 = 0.01.
CUBE = (lambda v: v**3, [2.0])


def test_gradcheck_honours_eps():
    fn, inputs = CUBE
    assert gradcheck(fn, inputs, atol=1e-6, rtol=0) is True  # eps 1e-6: h^2 = 1e-12
    assert gradcheck(fn, inputs, eps=0.1, atol=1e-6, rtol=0, raise_exception=False) is False
    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, inputs, eps=0.1, atol=1e-6, rtol=0)
    assert _mentions(str(info.value), 12.0) and _mentions(str(info.value), 12.01)


@pytest.mark.parametrize("atol,ok", [(0.011, True), (0.009, False)])
def test_gradcheck_honours_atol(atol, ok):
    fn, inputs = CUBE
    assert gradcheck(fn, inputs, eps=0.1, atol=atol, rtol=0, raise_exception=False) is ok


@pytest.mark.parametrize("rtol,ok", [(0.0009, True), (0.0007, False)])
def test_gradcheck_honours_rtol(rtol, ok):
    # allowed difference = rtol * |numeric| = rtol * 12.01: 0.0108 passes 0.01, 0.0084 does not
    fn, inputs = CUBE
    assert gradcheck(fn, inputs, eps=0.1, atol=0, rtol=rtol, raise_exception=False) is ok


def test_gradcheck_tolerance_is_atol_plus_rtol_times_numeric():
    # Neither alone is enough (0.006 and 12.01 * 0.0004 = 0.0048); together (0.0108) they are.
    fn, inputs = CUBE
    assert gradcheck(fn, inputs, eps=0.1, atol=0.006, rtol=0, raise_exception=False) is False
    assert gradcheck(fn, inputs, eps=0.1, atol=0, rtol=0.0004, raise_exception=False) is False
    assert gradcheck(fn, inputs, eps=0.1, atol=0.006, rtol=0.0004, raise_exception=False) is True


def test_gradcheck_default_tolerances_are_used():
    # At x = 0.1 with eps = 0.1: numerical 3(0.01) + 0.01 = 0.04, backward() 0.03, difference 0.01, far above the
    # default tolerance 1e-5 + 1e-3 * 0.04; at x = 2 the same 0.01 is within 1e-5 + 1e-3 * 12.01 = 0.01202.
    fn = CUBE[0]
    assert gradcheck(fn, [0.1], eps=0.1, raise_exception=False) is False
    assert gradcheck(fn, [2.0], eps=0.1, raise_exception=False) is True


# --------------------------------------------------------------------------------------------------
# The tolerance: rtol is relative to the central difference, as in torch.autograd.gradcheck
# --------------------------------------------------------------------------------------------------


def _scaled(forward, backward):
    """f(a) = forward * a, whose backward() claims the slope `backward` instead."""
    return lambda a: Value(forward * a.data, (a,), "scaled", _local_grads=(backward,))


@pytest.mark.parametrize("forward, backward", [(1.8, 1.0), (1.0, 1.8)])
def test_gradcheck_scales_rtol_by_the_central_difference_not_by_backward(forward, backward):
    # |g - n| = 0.8 with rtol 0.5: within 0.5 |n| only when n = 1.8; within 0.5 |g| only when g = 1.8.  The
    # expected answer is torch.autograd.gradcheck's rule, torch.isclose(analytical, numerical).
    expected = bool(torch.isclose(torch.tensor(backward), torch.tensor(forward), rtol=0.5, atol=0.0))
    assert expected == (forward == 1.8)
    result = gradcheck(_scaled(forward, backward), [0.3], atol=0.0, rtol=0.5, raise_exception=False)
    assert result is expected

"""micrograd.engine.Value at the edges of each operation's domain, and with input it must refuse.

Expected numbers come from PyTorch (float64) or from closed-form formulas; expected errors and messages from the
decided behaviour (the engine spec): the right exception type, and a message that names the operation and the
offending value -- never Python's bare "math domain error" / "math range error".
"""

import gc
import math
import re
import sys
from fractions import Fraction

import numpy as np
import pytest
import torch
from conftest import T, assert_close

from micrograd.engine import Value

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf")


def numbers_in(message):
    return [float(token) for token in _NUMBER.findall(message)]


def assert_names(message, *words, values=()):
    """The message contains every word and mentions every value (in any float spelling: 1000, 1000.0, 1e+03)."""
    for word in words:
        assert word in message, f"{word!r} not in message {message!r}"
    found = numbers_in(message)
    for v in values:
        assert any(f == v for f in found), f"{v!r} not mentioned in message {message!r}"
    for bare in ("math domain error", "math range error", "Numerical result out of range"):
        assert bare not in message, f"bare Python message: {message!r}"


# --------------------------------------------------------------------------------------------------
# What Value(data) accepts and refuses
# --------------------------------------------------------------------------------------------------

NOT_NUMBERS = [
    pytest.param("3", id="str"),
    pytest.param(None, id="None"),
    pytest.param([1.0], id="list"),
    pytest.param((1.0,), id="tuple"),
    pytest.param(1 + 2j, id="complex"),
    pytest.param(True, id="True"),
    pytest.param(False, id="False"),
    pytest.param(np.array([1.0]), id="ndarray"),
    pytest.param(np.array(1.0), id="0-d-ndarray"),
    pytest.param(np.bool_(True), id="np.bool_"),
    pytest.param(np.complex128(1.0), id="np.complex128"),
]


def _type_error_message_ok(message, bad):
    # says what was expected, and names the type it got instead
    assert message.startswith("Value(data) needs a real number"), message
    names = {type(bad).__name__}
    if isinstance(bad, np.generic):
        # a NumPy scalar on the left of an operator: NumPy hands Value its Python twin (complex128 -> complex)
        names.add(type(bad.item()).__name__)
    assert any(name in message for name in names), f"none of {names} named in {message!r}"


@pytest.mark.parametrize("bad", NOT_NUMBERS)
def test_value_refuses_non_numbers(bad):
    with pytest.raises(TypeError) as info:
        Value(bad)
    _type_error_message_ok(str(info.value), bad)


OPERATIONS = [
    ("v + bad", lambda v, bad: v + bad),
    ("bad + v", lambda v, bad: bad + v),
    ("v - bad", lambda v, bad: v - bad),
    ("bad - v", lambda v, bad: bad - v),
    ("v * bad", lambda v, bad: v * bad),
    ("bad * v", lambda v, bad: bad * v),
    ("v / bad", lambda v, bad: v / bad),
    ("bad / v", lambda v, bad: bad / v),
    ("bad ** v", lambda v, bad: bad**v),
]


@pytest.mark.parametrize(
    "operation,bad",
    [
        pytest.param(op, bad.values[0], id=f"{name}-{bad.id}")
        for name, op in OPERATIONS
        for bad in NOT_NUMBERS
        # An ndarray on the left is NumPy's business: it broadcasts over its elements before Value is asked.
        if not (name.startswith("bad") and isinstance(bad.values[0], np.ndarray))
    ],
)
def test_operations_with_a_non_number_raise_the_same_type_error(operation, bad):
    with pytest.raises(TypeError) as info:
        operation(Value(2.0), bad)
    _type_error_message_ok(str(info.value), bad)


@pytest.mark.parametrize(
    "bad",
    ["2", None, [2.0], 1j, True, False, np.array(2.0)],
    ids=["str", "None", "list", "complex", "True", "False", "0-d-ndarray"],
)
def test_pow_with_non_number_exponent_says_what_it_needs(bad):
    with pytest.raises(TypeError) as info:
        Value(2.0) ** bad
    message = str(info.value)
    assert "number" in message and type(bad).__name__ in message, message


REAL_NUMBERS = [
    (3, 3.0),
    (-2, -2.0),
    (2.5, 2.5),
    (Fraction(1, 4), 0.25),
    (np.float64(0.1), 0.1),
    (np.float32(0.1), 0.10000000149011612),  # the float32 nearest 0.1, exactly
    (np.float16(0.5), 0.5),
    (np.int64(-7), -7.0),
    (np.int32(5), 5.0),
    (np.uint8(200), 200.0),
]


@pytest.mark.parametrize("x,stored", REAL_NUMBERS, ids=[type(x).__name__ for x, _ in REAL_NUMBERS])
def test_real_numbers_are_stored_as_python_floats(x, stored):
    v = Value(x)
    assert type(v.data) is float
    assert v.data == stored
    assert v.grad == 0.0


NUMPY_SCALARS = [np.float64(1.7), np.float32(0.1), np.int64(3), np.int32(-2), np.float64(-0.35)]


@pytest.mark.parametrize("c", NUMPY_SCALARS, ids=lambda c: f"{type(c).__name__}({c})")
@pytest.mark.parametrize(
    "name,fn",
    [
        ("x + c", lambda x, c: x + c),
        ("c + x", lambda x, c: c + x),
        ("x - c", lambda x, c: x - c),
        ("c - x", lambda x, c: c - x),
        ("x * c", lambda x, c: x * c),
        ("c * x", lambda x, c: c * x),
        ("x / c", lambda x, c: x / c),
        ("c / x", lambda x, c: c / x),
        ("x ** c", lambda x, c: x**c),
        ("|c| ** x", lambda x, c: abs(c) ** x),
        ("mixed", lambda x, c: (x * c + c / x).tanh() - c * x.exp() * c),
    ],
)
def test_numpy_scalars_on_either_side_equal_the_float_result(name, fn, c):
    x_np, x_float = Value(1.3), Value(1.3)
    out_np = fn(x_np, c)
    out_float = fn(x_float, float(c))
    assert isinstance(out_np, Value), f"{name} gave {type(out_np).__name__}, not a Value"
    assert type(out_np.data) is float
    out_np.backward()
    out_float.backward()
    # the same float arithmetic in the same order: identical, not merely close
    assert out_np.data == out_float.data
    assert x_np.grad == x_float.grad
    # ... and both right: PyTorch on the same float
    t = T(1.3)
    tout = fn(t, float(c))
    tout.backward()
    assert_close(out_np.data, tout.item(), abs_=0)
    assert_close(x_np.grad, t.grad.item(), abs_=1e-15)


def test_numpy_scalar_leaves_compute_like_floats():
    a, b = Value(np.float32(0.1)), Value(np.int64(3))
    out = (a * b + a**2).tanh()
    out.backward()
    ta, tb = T(float(np.float32(0.1))), T(3.0)
    tout = (ta * tb + ta**2).tanh()
    tout.backward()
    assert_close(out.data, tout.item(), abs_=0)
    assert_close(a.grad, ta.grad.item(), abs_=0)
    assert_close(b.grad, tb.grad.item(), abs_=0)


# --------------------------------------------------------------------------------------------------
# Domain errors: right type, message naming the operation and the value
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, -0.0, -1.0, -1e-300, -5])
def test_log_of_non_positive_is_a_value_error_naming_log_and_the_value(x):
    with pytest.raises(ValueError) as info:
        Value(x).log()
    assert_names(str(info.value), "log", values=[x])


@pytest.mark.parametrize("x", [709.0, 709.78])
def test_exp_just_below_overflow_works(x):
    v = Value(x)
    out = v.exp()
    out.backward()
    t = T(x)
    t.exp().backward()
    assert math.isfinite(out.data)
    assert_close(out.data, math.exp(x), abs_=0)
    assert_close(out.data, torch.exp(torch.tensor(x, dtype=torch.float64)).item(), abs_=0)
    assert_close(v.grad, t.grad.item(), abs_=0)


@pytest.mark.parametrize("exponent", [-1, -2, -0.5, -3.5])
def test_zero_to_a_negative_power_is_a_zero_division_error_naming_the_power(exponent):
    with pytest.raises(ZeroDivisionError) as info:
        Value(0.0) ** exponent
    assert_names(str(info.value), "**", values=[0.0, exponent])


@pytest.mark.parametrize(
    "name,fn",
    [
        ("Value / 0", lambda: Value(3.0) / 0),
        ("Value / 0.0", lambda: Value(3.0) / 0.0),
        ("Value / -0.0", lambda: Value(3.0) / -0.0),
        ("Value / Value(0)", lambda: Value(3.0) / Value(0.0)),
        ("0 / Value(0)", lambda: Value(0.0) / Value(0.0)),
        ("number / Value(0)", lambda: 1 / Value(0)),
        ("float / Value(0.0)", lambda: 2.5 / Value(0.0)),
        ("Value / np.float64(0)", lambda: Value(3.0) / np.float64(0.0)),
    ],
)
def test_division_by_zero(name, fn):
    with pytest.raises(ZeroDivisionError) as info:
        fn()
    assert str(info.value).startswith("division by zero"), str(info.value)


@pytest.mark.parametrize("base,exponent", [(-8.0, 0.5), (-8.0, 1 / 3), (-2.0, 2.5), (-1e-3, -0.5), (-8, 1.5)])
def test_negative_base_to_a_fractional_power_is_a_value_error(base, exponent):
    # Python itself would quietly return a complex number for (-8.0) ** (1/3).
    with pytest.raises(ValueError) as info:
        Value(base) ** exponent
    message = str(info.value)
    assert_names(message, "**", "not a real number", values=[base, exponent])


# One rule for results too large for a float, in every operation: +-inf, as float arithmetic and PyTorch give;
# never an exception.  Each case: (inputs, the expression on micrograd Values and on float64 tensors alike).
OVERFLOWS = {
    "exp(710)": ((710.0,), lambda x: x.exp()),
    "exp(1e308)": ((1e308,), lambda x: x.exp()),
    "1e200 * 1e200": ((1e200, 1e200), lambda a, b: a * b),
    "1e308 + 1e308": ((1e308, 1e308), lambda a, b: a + b),
    "-1e308 - 1e308": ((-1e308, 1e308), lambda a, b: a - b),
    "1e300 / 1e-10": ((1e300, 1e-10), lambda a, b: a / b),
    "1e200 ** 2.5": ((1e200,), lambda x: x**2.5),
    "1e200 ** 3": ((1e200,), lambda x: x**3),
    "(-1e200) ** 3": ((-1e200,), lambda x: x**3),
    "1e-200 ** -2": ((1e-200,), lambda x: x**-2),
    "1e-200 ** -1 (in range, its slope is not)": ((1e-200,), lambda x: x**-1),
    "Value(10) ** Value(400)": ((10.0, 400.0), lambda a, b: a**b),
    "10 ** Value(400)": ((400.0,), lambda b: 10.0**b),
    "Value(1e300) ** Value(1.5)": ((1e300, 1.5), lambda a, b: a**b),
}


@pytest.mark.parametrize("name", sorted(OVERFLOWS))
def test_a_result_too_large_for_a_float_is_infinite_as_in_torch(name):
    inputs, expression = OVERFLOWS[name]
    values, tensors = [Value(x) for x in inputs], [T(x) for x in inputs]
    out, tout = expression(*values), expression(*tensors)
    out.backward()
    tout.backward()
    assert_close(out.data, tout.item(), f"{name}: value")
    for value, tensor in zip(values, tensors):
        assert_close(value.grad, tensor.grad.item(), f"{name}: gradient")
    assert math.isinf(out.data) or name.startswith("1e-200 ** -1")


@pytest.mark.parametrize("a,b", [(3e-160, 2e-160), (1e300, 1e160), (1e-300, 1e10), (-7.0, 3e-155), (5.0, -1e155)])
def test_division_is_exact_where_its_square_would_overflow_or_underflow(a, b):
    """a / b has its own local derivatives, 1/b and -(a/b)/b: no b**2 or b**-2 on the way."""
    num, den = Value(a), Value(b)
    out = num / den
    out.backward()
    tnum, tden = T(a), T(b)
    (tnum / tden).backward()
    assert_close(out.data, a / b, "value", abs_=0)
    assert_close(num.grad, tnum.grad.item(), "d/da", abs_=0)
    assert_close(den.grad, tden.grad.item(), "d/db", abs_=0)


# --------------------------------------------------------------------------------------------------
# tanh and sigmoid far out: finite values, zero gradients, as PyTorch
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [50.0, -50.0, 700.0, -700.0, 710.0, -710.0, 1000.0, -1000.0, 1e308, -1e308])
@pytest.mark.parametrize("op", ["tanh", "sigmoid"])
def test_saturating_activations_far_out_match_torch(op, x):
    v = Value(x)
    out = getattr(v, op)()  # must not raise OverflowError from math.exp
    out.backward()
    t = T(x)
    tout = getattr(t, op)()
    tout.backward()
    low, high = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}[op]
    assert math.isfinite(out.data) and math.isfinite(v.grad)
    assert low <= out.data <= high
    # Values compare relatively, however tiny (sigmoid(-50) ~ 2e-22, sigmoid(-700) ~ 1e-304), except a subnormal one,
    # which has lost digits: sigmoid(-710) ~ 4e-309, which PyTorch's 1 / (1 + e^710) rounds to 0.
    subnormal = abs(out.data) < sys.float_info.min
    assert_close(out.data, tout.item(), "value", abs_=1e-300 if subnormal else 0)
    # Gradients below 1e-300 are 0 or not depending on the formula: s (1 - s) is 0 at 700, e^-x / (1 + e^-x)^2 is not.
    assert_close(v.grad, t.grad.item(), "gradient", abs_=1e-300)
    if abs(x) >= 1000:
        assert out.data == (high if x > 0 else low)
        assert v.grad == 0.0


def test_saturated_activation_inside_a_graph_passes_zero_back():
    a, b = Value(500.0), Value(3.0)
    out = (a * b).tanh() + (a * b).sigmoid() + b
    out.backward()
    assert out.data == 5.0
    assert a.grad == 0.0 and b.grad == 1.0


# --------------------------------------------------------------------------------------------------
# Powers at 0 and ** 0: PyTorch's conventions
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("exponent", [0.5, 0.25, 1 / 3, 0.75, 1, 1.5, 2, 3, 2.5])
def test_powers_of_zero_match_torch(exponent):
    v = Value(0.0)
    out = v**exponent
    out.backward()
    t = T(0.0)
    tout = t**exponent
    tout.backward()
    assert out.data == tout.item() == 0.0
    assert_close(v.grad, t.grad.item(), abs_=0)
    if exponent < 1:
        assert v.grad == math.inf  # d/dx x^p = p x^(p-1) -> +inf as x -> 0+
    else:
        assert v.grad == (1.0 if exponent == 1 else 0.0)


@pytest.mark.parametrize("exponent", [0, 0.0])
@pytest.mark.parametrize("x", [0.0, -2.0, 3.5, 1e-300])
def test_power_zero_has_zero_gradient_everywhere(x, exponent):
    v = Value(x)
    out = v**exponent
    out.backward()
    t = T(x)
    (t**exponent).backward()
    assert out.data == 1.0
    assert v.grad == 0.0 == t.grad.item()


# --------------------------------------------------------------------------------------------------
# Value ** Value and number ** Value
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("a", [0.5, 1.0, 2.0, 7.3, 1e-3])
@pytest.mark.parametrize("b", [-2.5, -1.0, 0.0, 0.5, 3.0])
def test_value_to_the_power_of_a_value_matches_torch_and_formulas(a, b):
    va, vb = Value(a), Value(b)
    out = va**vb
    out.backward()
    ta, tb = T(a), T(b)
    tout = ta**tb
    tout.backward()
    assert_close(out.data, tout.item(), abs_=0)
    assert_close(out.data, a**b, abs_=0)
    assert_close(va.grad, ta.grad.item(), abs_=0)
    assert_close(va.grad, b * a ** (b - 1), abs_=1e-300)
    assert_close(vb.grad, tb.grad.item(), abs_=1e-300)
    assert_close(vb.grad, a**b * math.log(a), abs_=1e-300)


@pytest.mark.parametrize("base", [2, 0.5, 10.0, np.float64(3.0), np.int64(2), 1])
@pytest.mark.parametrize("x", [-1.5, 0.0, 2.25])
def test_number_to_the_power_of_a_value_matches_torch_and_formula(base, x):
    v = Value(x)
    out = base**v
    assert isinstance(out, Value)
    out.backward()
    t = T(x)
    tout = float(base) ** t
    tout.backward()
    assert_close(out.data, tout.item(), abs_=0)
    assert_close(out.data, float(base) ** x, abs_=0)
    assert_close(v.grad, t.grad.item(), abs_=1e-300)
    assert_close(v.grad, float(base) ** x * math.log(base), abs_=1e-300)


def test_value_to_the_power_of_itself_sums_both_roles():
    # y = x^x: the same node is base and exponent, so both local derivatives land on it.
    x = 1.7
    v = Value(x)
    out = v**v
    out.backward()
    t = T(x)
    (t**t).backward()
    assert_close(v.grad, t.grad.item(), abs_=0)
    assert_close(v.grad, x**x * (math.log(x) + 1), abs_=0)


def test_value_power_value_in_a_larger_graph_matches_torch():
    def fn(a, b, c):
        return (a * b + 1) ** (c - a) + 2 ** (b * c) - (a / b) ** b.tanh()

    vs = [Value(1.3), Value(0.7), Value(-0.4)]
    out = fn(*vs)
    out.backward()
    ts = [T(1.3), T(0.7), T(-0.4)]
    tout = fn(*ts)
    tout.backward()
    assert_close(out.data, tout.item(), abs_=0)
    for v, t in zip(vs, ts):
        assert_close(v.grad, t.grad.item(), abs_=0)


@pytest.mark.parametrize(
    "name,fn,base",
    [
        ("Value(0) ** Value", lambda: Value(0.0) ** Value(2.0), 0.0),
        ("Value(-2) ** Value(2)", lambda: Value(-2.0) ** Value(2.0), -2.0),
        ("Value(-8) ** Value(1/3)", lambda: Value(-8.0) ** Value(1 / 3), -8.0),
        ("0 ** Value", lambda: 0 ** Value(1.0), 0.0),
        ("-2 ** Value", lambda: (-2) ** Value(2.0), -2.0),
        ("-0.5 ** Value", lambda: (-0.5) ** Value(3.0), -0.5),
    ],
)
def test_power_of_a_value_needs_a_positive_base(name, fn, base):
    with pytest.raises(ValueError) as info:
        fn()
    assert_names(str(info.value), values=[base])


# --------------------------------------------------------------------------------------------------
# Depth: a million operations at the default recursion limit
# --------------------------------------------------------------------------------------------------


def test_backward_through_a_million_operations_at_the_default_recursion_limit():
    limit = sys.getrecursionlimit()
    steps = 500_000  # two operations each: 1,000,000 operations deep
    assert limit < 10_000, "the test relies on the recursion limit being far below the depth of the graph"
    # y_{k+1} = y_k * w + c with shared leaves w = 1 and c = 0.5 and y_0 = x = 1:
    #   y_N = 1 + N/2,  dy_N/dx = w^N = 1,  dy_N/dc = sum_k w^k = N,
    #   dy_N/dw = sum_k y_k w^(N-1-k) = sum_{k<N} (1 + k/2) = N + N(N-1)/4.
    # All of these are integers or halves below 2**53, exact in floating point whatever the summation order,
    # so they are compared exactly.
    # The cyclic garbage collector would repeatedly rescan the million live Values while they are created (they
    # hold no cycles); pausing it only saves time.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        x, w, c = Value(1.0), Value(1.0), Value(0.5)
        y = x
        for _ in range(steps):
            y = y * w
            y = y + c
        y.backward()
    finally:
        if gc_was_enabled:
            gc.enable()
    assert sys.getrecursionlimit() == limit
    assert y.data == 1 + steps / 2
    assert x.grad == 1.0
    assert c.grad == steps
    assert w.grad == steps + steps * (steps - 1) / 4


# --------------------------------------------------------------------------------------------------
# Repeated backward: leaves accumulate (as PyTorch), intermediates hold the latest pass
# --------------------------------------------------------------------------------------------------


def test_backward_twice_with_shared_nodes_matches_torch():
    def build(a, b, c, lib_log):
        e = a * b  # used three times below
        f = (e + c).tanh()
        g = e.exp() * f
        h = lib_log(g + 2) - e**2 + f * a
        return e, f, g, h

    va, vb, vc = Value(0.8), Value(-1.1), Value(0.3)
    e, f, g, out = build(va, vb, vc, lambda z: z.log())
    out.backward()
    once = {"a": va.grad, "b": vb.grad, "c": vc.grad, "e": e.grad, "f": f.grad, "g": g.grad}
    out.backward()

    ta, tb, tc = T(0.8), T(-1.1), T(0.3)
    te, tf, tg, tout = build(ta, tb, tc, torch.log)
    for t in (te, tf, tg):
        t.retain_grad()
    tout.backward(retain_graph=True)
    t_once = {"e": te.grad.item(), "f": tf.grad.item(), "g": tg.grad.item()}
    tout.backward()

    # leaves: exactly two passes' worth, as torch after two passes
    for name, v, t in (("a", va, ta), ("b", vb, tb), ("c", vc, tc)):
        assert_close(v.grad, t.grad.item(), name, abs_=0)
        assert_close(v.grad, 2 * once[name], name, abs_=0)
    # intermediates: the latest pass only (torch would have summed its retained non-leaf grads over both passes,
    # so compare with its first pass)
    for name, v in (("e", e), ("f", f), ("g", g)):
        assert v.grad == once[name], name
        assert_close(v.grad, t_once[name], name, abs_=0)
    assert out.grad == 1.0


def test_backward_from_a_second_output_keeps_leaves_and_replaces_shared_intermediates():
    va, vb = Value(0.6), Value(2.0)
    shared = va * vb + 1
    out1 = shared.tanh() * vb
    out2 = shared**2 / va
    out1.backward()
    out2.backward()

    ta, tb = T(0.6), T(2.0)
    tshared = ta * tb + 1
    tshared.retain_grad()
    tout1 = tshared.tanh() * tb
    tout2 = tshared**2 / ta
    tout1.backward(retain_graph=True)
    ta_after_1, tb_after_1 = ta.grad.item(), tb.grad.item()
    tshared.grad = None  # we want d out2 / d shared alone: the latest pass
    tout2.backward()

    assert_close(va.grad, ta.grad.item(), abs_=0)
    assert_close(vb.grad, tb.grad.item(), abs_=0)
    # ... and not what the first output alone gave
    assert not math.isclose(va.grad, ta_after_1, rel_tol=1e-12)
    assert not math.isclose(vb.grad, tb_after_1, rel_tol=1e-12)
    assert_close(shared.grad, tshared.grad.item(), abs_=0)
    assert_close(shared.grad, 2 * (0.6 * 2.0 + 1) / 0.6, abs_=0)  # d(s^2 / a)/ds = 2 s / a


def test_backward_three_times_is_three_passes_for_leaves_only():
    a = Value(1.5)
    b = a * a
    out = b.exp() + b
    for _ in range(3):
        out.backward()
    # d out/d b = e^b + 1, d b/d a = 2a
    one_pass = (math.exp(2.25) + 1) * 3.0
    assert_close(a.grad, 3 * one_pass, abs_=0)
    assert_close(b.grad, math.exp(2.25) + 1, abs_=0)

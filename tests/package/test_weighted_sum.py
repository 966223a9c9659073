"""micrograd.nn.weighted_sum, the fused operation of a neuron: one node for bias + sum of w * x, against PyTorch.

The neurons and layers that use it are checked in test_nn.py; here the operation on its own: plain-number and
Value inputs mixed, gradients flowing to Value inputs, the same float as the unfused sum, float64 whatever scalars it
is given, and the refusal of mismatched lengths.  (How much faster it is belongs to the benchmark suite.)
"""

import pytest
from conftest import T, assert_close

from micrograd.engine import Value
from micrograd.nn import weighted_sum


def test_mixed_inputs_match_torch():
    ws, xs, b = [0.3, -1.7, 2.2, 0.05], [1.5, -0.4, 0.9, -2.5], 0.7
    is_value = [False, True, True, False]
    weights = [Value(w) for w in ws]
    inputs = [Value(x) if v else x for x, v in zip(xs, is_value)]
    bias = Value(b)
    z = weighted_sum(weights, inputs, bias)
    out = z.tanh() * z  # a shared node downstream, so the node's gradient is not just 1
    out.backward()

    tw, tb = [T(w) for w in ws], T(b)
    tx = [T(x) if v else x for x, v in zip(xs, is_value)]
    tz = tb + sum(w * x for w, x in zip(tw, tx))
    tout = tz.tanh() * tz
    tout.backward()

    assert_close(out.data, tout.item(), "output", abs_=0)
    for w, t in zip(weights, tw):
        assert_close(w.grad, t.grad.item(), "weight", abs_=0)
    assert_close(bias.grad, tb.grad.item(), "bias", abs_=0)
    for x, t, v in zip(inputs, tx, is_value):
        if v:
            assert_close(x.grad, t.grad.item(), "input", abs_=0)
    # plain numbers are not part of the graph; the bias, every weight and every Value input are
    assert len(z._prev) == 1 + len(ws) + sum(is_value)
    assert len(z._local_grads) == len(z._prev)


def test_same_float_as_the_unfused_sum():
    ws, xs = [0.1, 0.2, 0.3, -0.7, 1e-3], [0.3, -1.1, 7.0, 0.01, 3.3]
    weights, bias = [Value(w) for w in ws], Value(0.123)
    fused = weighted_sum(weights, xs, bias)
    chained = sum((w * x for w, x in zip(weights, xs)), bias)
    assert fused.data == chained.data  # bit for bit: the terms are added in the same order


def test_no_inputs_is_the_bias():
    bias = Value(2.5)
    z = weighted_sum([], [], bias)
    z.backward()
    assert z.data == 2.5 and bias.grad == 1.0


def test_lengths_must_match():
    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        weighted_sum([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0], Value(0.0))


def test_numpy_float32_inputs_are_computed_in_float64():
    import numpy as np

    ws, xs = [0.1, -0.3, 0.7], [np.float32(0.1), np.float32(-2.5), np.float32(1 / 3)]
    weights, bias = [Value(w) for w in ws], Value(0.2)
    z = weighted_sum(weights, xs, bias)
    z.backward()
    exact = 0.2 + sum(w * float(x) for w, x in zip(ws, xs))
    assert type(z.data) is float and z.data == exact
    assert all(type(g) is float for g in z._local_grads)
    assert [w.grad for w in weights] == [float(x) for x in xs]

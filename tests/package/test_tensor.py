"""micrograd.tensor checked against PyTorch (float64): every operation's value and gradients, on random shapes and
broadcasts drawn by Hypothesis, plus cross_entropy, the error messages, and gradient accumulation.

Each operation is applied to leaves built from the same random arrays in both libraries; the output is then
reduced to a loss with random weights, sum(out * weights), so that every entry of the output sends back a
different gradient, and the gradient of every input must agree to 1e-12 (relative where values are large).
"""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, mutually_broadcastable_shapes

from micrograd.tensor import Tensor, cross_entropy

torch.set_default_dtype(torch.float64)

TENSOR_SETTINGS = settings(
    max_examples=100,
    deadline=None,  # no timing assertions: a busy CI machine must not fail the test
    derandomize=True,  # the same examples on every run, so a CI failure can be reproduced
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOL = 1e-12

# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def assert_arrays_close(actual, expected, what):
    """Equal shapes, and every entry equal to TOL absolute or TOL relative, whichever is larger."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != expected {expected.shape}"
    assert actual.dtype == np.float64, f"{what}: dtype {actual.dtype}"
    bad = ~(np.abs(actual - expected) <= TOL * np.maximum(1.0, np.abs(expected)))
    assert not bad.any(), f"{what}: micrograd {actual[bad][:3]} != PyTorch {expected[bad][:3]}"


def compare(op, arrays_, seed=0, op_torch=None):
    """Apply op to Tensors and to torch leaves made from arrays_; compare the value and every gradient."""
    tensors = [Tensor(a) for a in arrays_]
    leaves = [torch.tensor(a, requires_grad=True) for a in arrays_]
    out = op(*tensors)
    expected = (op_torch or op)(*leaves)
    assert_arrays_close(out.data, expected.detach().numpy(), "value")
    weights = np.random.default_rng(seed).uniform(-1, 1, size=out.shape)
    (out * weights).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for i, (t, leaf) in enumerate(zip(tensors, leaves)):
        assert_arrays_close(t.grad, leaf.grad.numpy(), f"gradient of input {i}")


def floats(low=-3.0, high=3.0):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


ANY = floats()
AWAY_FROM_ZERO = floats(0.2, 3.0) | floats(-3.0, -0.2)
SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
seeds = st.integers(0, 2**32 - 1)


@st.composite
def broadcast_pair(draw, right=ANY):
    """Two arrays whose shapes broadcast together (and sometimes are equal)."""
    shapes = draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)).input_shapes
    return draw(arrays(np.float64, shapes[0], elements=floats())), draw(arrays(np.float64, shapes[1], elements=right))


# --------------------------------------------------------------------------------------------------
# Construction
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, shape",
    [(3, ()), (2.5, ()), ([1, 2, 3], (3,)), ([[1.0, 2.0], [3.0, 4.0]], (2, 2)), (np.arange(6, dtype=np.int32), (6,))],
)
def test_data_is_a_float64_array_and_grad_zeros_of_its_shape(data, shape):
    t = Tensor(data)
    assert isinstance(t.data, np.ndarray) and t.data.dtype == np.float64 and t.shape == shape
    assert t.grad.shape == shape and t.grad.dtype == np.float64 and not t.grad.any()
    assert np.array_equal(t.data, np.asarray(data, dtype=np.float64))


def test_the_tensor_owns_a_copy_of_its_array():
    source = np.array([1.0, 2.0])
    t = Tensor(source)
    source[0] = 99.0
    assert t.data.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "bad, error, words",
    [
        ([[1, 2], [3]], ValueError, "rectangular"),
        (True, TypeError, "real numbers"),
        ([True, False], TypeError, "real numbers"),
        ("12", TypeError, "real numbers"),
        ([1 + 2j], TypeError, "real numbers"),
        (None, TypeError, "real numbers"),
    ],
)
def test_bad_data_is_refused_with_a_clear_error(bad, error, words):
    with pytest.raises(error, match=words):
        Tensor(bad)


def test_a_tensor_of_a_tensor_is_refused():
    with pytest.raises(TypeError, match=r"\.data"):
        Tensor(Tensor([1.0]))


# --------------------------------------------------------------------------------------------------
# Arithmetic with broadcasting, and plain numbers or arrays on either side
# --------------------------------------------------------------------------------------------------

BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


@TENSOR_SETTINGS
@given(st.sampled_from(sorted(BINARY)), st.data(), seeds)
def test_binary_operations_broadcast_like_pytorch(name, data, seed):
    right = AWAY_FROM_ZERO if name == "/" else ANY
    a, b = data.draw(broadcast_pair(right))
    compare(BINARY[name], [a, b], seed)


@TENSOR_SETTINGS
@given(st.sampled_from(sorted(BINARY)), arrays(np.float64, SHAPES, elements=AWAY_FROM_ZERO), st.data(), seeds)
def test_plain_numbers_and_arrays_on_either_side(name, x, data, seed):
    op = BINARY[name]
    c = data.draw(st.integers(1, 5) | floats(0.2, 3.0) | floats(-3.0, -0.2))
    compare(lambda t: op(t, c), [x], seed)  # tensor op number
    compare(lambda t: op(c, t), [x], seed)  # number op tensor: __radd__, __rsub__, __rmul__, __rtruediv__
    # An array on the left: NumPy must hand the operation to the tensor, not loop over it.
    other = data.draw(arrays(np.float64, x.shape[-1:], elements=AWAY_FROM_ZERO))
    out = op(other, Tensor(x))
    assert isinstance(out, Tensor)
    compare(lambda t: op(other, t), [x], seed, op_torch=lambda t: op(torch.tensor(other), t))


@TENSOR_SETTINGS
@given(arrays(np.float64, SHAPES, elements=floats()), seeds)
def test_negation(x, seed):
    compare(lambda t: -t, [x], seed)


@TENSOR_SETTINGS
@given(st.data(), seeds)
def test_powers_with_a_number(data, seed):
    exponent = data.draw(st.sampled_from([0, 1, 2, 3, -1, -2, 0.5, 1.5, -0.5, 2.5]))
    # Fractional exponents need a positive base; negative ones a base away from zero.
    elements = floats(0.2, 3.0) if not float(exponent).is_integer() else AWAY_FROM_ZERO
    x = data.draw(arrays(np.float64, SHAPES, elements=elements))
    compare(lambda t: t**exponent, [x], seed)


# --------------------------------------------------------------------------------------------------
# Matrix products
# --------------------------------------------------------------------------------------------------


@TENSOR_SETTINGS
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.sampled_from(["MM", "vM", "Mv", "vv"]), st.data())
def test_matrix_products_of_matrices_and_vectors(n, k, m, kinds, data):
    left = (k,) if kinds[0] == "v" else (n, k)
    right = (k,) if kinds[1] == "v" else (k, m)
    a = data.draw(arrays(np.float64, left, elements=floats()))
    b = data.draw(arrays(np.float64, right, elements=floats()))
    compare(lambda x, y: x @ y, [a, b])


def test_a_list_or_array_on_the_left_of_at():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    for left in ([1.0, -1.0], np.array([1.0, -1.0])):
        W = Tensor(w)
        out = left @ W
        assert isinstance(out, Tensor) and out.data.tolist() == [-2.0, -2.0]
        out.sum().backward()
        assert W.grad.tolist() == [[1.0, 1.0], [-1.0, -1.0]]


# --------------------------------------------------------------------------------------------------
# Functions applied entry by entry
# --------------------------------------------------------------------------------------------------

# Inputs kept where both libraries agree to the last bits: log of positive numbers, relu away from its kink.
UNARY = {
    "exp": (lambda t: t.exp(), torch.exp, floats(-5, 5)),
    "log": (lambda t: t.log(), torch.log, floats(0.05, 5)),
    "tanh": (lambda t: t.tanh(), torch.tanh, floats(-5, 5)),
    "relu": (lambda t: t.relu(), torch.relu, floats(0.01, 3) | floats(-3, -0.01)),
    "sigmoid": (lambda t: t.sigmoid(), torch.sigmoid, floats(-40, 40)),
}


@TENSOR_SETTINGS
@given(st.sampled_from(sorted(UNARY)), st.data(), seeds)
def test_functions_entry_by_entry(name, data, seed):
    ours, theirs, elements = UNARY[name]
    x = data.draw(arrays(np.float64, SHAPES, elements=elements))
    compare(ours, [x], seed, op_torch=theirs)


def test_relu_has_slope_zero_at_zero_and_sigmoid_does_not_overflow():
    x = Tensor([0.0, -800.0, 800.0])
    x.relu().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
        s = Tensor([-800.0, 0.0, 800.0]).sigmoid()
    assert s.data.tolist() == [0.0, 0.5, 1.0]


# --------------------------------------------------------------------------------------------------
# Reductions, reshapes, transposes
# --------------------------------------------------------------------------------------------------


@st.composite
def array_and_axis(draw):
    x = draw(arrays(np.float64, array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), elements=floats()))
    ndim = x.ndim
    axis = draw(
        st.none()
        | st.integers(-ndim, ndim - 1)
        | st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
    )
    return x, axis


@TENSOR_SETTINGS
@given(array_and_axis(), st.booleans(), st.sampled_from(["sum", "mean"]), seeds)
def test_sum_and_mean_over_axes(x_axis, keepdims, name, seed):
    x, axis = x_axis
    if axis is None:
        # torch's sum(dim=None) has no keepdims variant in every version: use all dimensions.
        dims = tuple(range(x.ndim))
    else:
        dims = axis
    compare(
        lambda t: getattr(t, name)(dim=axis, keepdim=keepdims),
        [x],
        seed,
        op_torch=lambda t: getattr(t, name)(dim=dims, keepdim=keepdims),
    )


def test_sum_of_everything_is_a_zero_dimensional_tensor():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    total = x.sum()
    assert total.shape == () and total.item() == 10.0
    x.mean().backward()
    assert x.grad.tolist() == [[0.25, 0.25], [0.25, 0.25]]


@TENSOR_SETTINGS
@given(arrays(np.float64, SHAPES, elements=floats()), st.data(), seeds)
def test_reshape(x, data, seed):
    shape = data.draw(st.sampled_from([(x.size,), (1, x.size), (x.size, 1), (-1,)]))
    compare(lambda t: t.reshape(shape), [x], seed)
    compare(lambda t: t.reshape(*shape), [x], seed, op_torch=lambda t: t.reshape(shape))


@TENSOR_SETTINGS
@given(arrays(np.float64, array_shapes(min_dims=2, max_dims=2, max_side=5), elements=floats()), seeds)
def test_transpose(x, seed):
    compare(lambda t: t.T, [x], seed, op_torch=lambda t: t.transpose(0, 1))


# --------------------------------------------------------------------------------------------------
# log_softmax and cross_entropy
# --------------------------------------------------------------------------------------------------


@TENSOR_SETTINGS
@given(arrays(np.float64, array_shapes(min_dims=1, max_dims=3, max_side=5), elements=floats(-30, 30)), st.data(), seeds)
def test_log_softmax(x, data, seed):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    compare(lambda t: t.log_softmax(dim=axis), [x], seed, op_torch=lambda t: torch.log_softmax(t, dim=axis))
    if axis == -1:
        compare(lambda t: t.log_softmax(), [x], seed, op_torch=lambda t: torch.log_softmax(t, dim=-1))


@TENSOR_SETTINGS
@given(st.integers(1, 6), st.integers(1, 6), st.data(), seeds)
def test_cross_entropy_of_a_batch(batch, classes, data, seed):
    scale = data.draw(st.sampled_from([1.0, 10.0, 500.0]))  # 500: exp would overflow without the shift
    logits = data.draw(arrays(np.float64, (batch, classes), elements=floats(-1, 1))) * scale
    targets = data.draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch))
    # compare() scales the loss by a random weight, so the backward function must use its incoming gradient
    compare(
        lambda t: cross_entropy(t, targets),
        [logits],
        seed,
        op_torch=lambda t: torch.nn.functional.cross_entropy(t, torch.tensor(targets)),
    )


@TENSOR_SETTINGS
@given(st.integers(1, 5), st.integers(2, 5), st.data())
def test_cross_entropy_is_the_mean_of_picked_negative_log_softmax(batch, classes, data):
    """The fused node against the same loss composed from the engine's own operations."""
    logits = data.draw(arrays(np.float64, (batch, classes), elements=floats(-5, 5)))
    targets = data.draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch))
    fused, composed = Tensor(logits), Tensor(logits)
    loss = cross_entropy(fused, targets)
    reference = -(composed.log_softmax(dim=1) * np.eye(classes)[targets]).sum(dim=1).mean()
    assert_arrays_close(loss.data, reference.data, "loss")
    (loss * loss).backward()
    (reference * reference).backward()
    assert_arrays_close(fused.grad, composed.grad, "gradient of the logits")


def test_cross_entropy_accepts_an_array_of_targets():
    logits = Tensor([[1.0, 2.0, 3.0], [1.0, 0.0, -1.0]])
    loss = cross_entropy(logits, np.array([2, 0]))
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits.data), torch.tensor([2, 0]))
    assert abs(loss.item() - expected.item()) < TOL


# --------------------------------------------------------------------------------------------------
# Graphs: reuse, accumulation, one backward pass after another
# --------------------------------------------------------------------------------------------------


@TENSOR_SETTINGS
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), seeds)
def test_a_small_network_that_reuses_tensors(batch, nin, nout, seed):
    rng = np.random.default_rng(seed)
    X, W, b = rng.normal(size=(batch, nin)), rng.normal(size=(nout, nin)), rng.normal(size=nout)

    def net(X, W, b):
        z = X @ W.T + b
        h = z.tanh() * z + z.sigmoid() / (1 + z * z) - b  # z used four times, b twice
        return (h**2).mean() + (W * W).sum() * 0.01

    compare(net, [X, W, b], seed)


def test_a_reused_tensor_accumulates_its_gradient():
    a = Tensor([1.0, -2.0, 3.0])
    loss = (a * a + a).sum()
    loss.backward()
    assert a.grad.tolist() == [3.0, -3.0, 7.0]  # 2a + 1
    loss.backward()  # leaves accumulate across passes, as in PyTorch
    assert a.grad.tolist() == [6.0, -6.0, 14.0]


def test_an_inner_node_gets_a_fresh_gradient_in_each_pass():
    a = Tensor([1.0, 2.0])
    b = a * 3
    loss = (b * b).sum()
    loss.backward()
    loss.backward()
    assert b.grad.tolist() == [6.0, 12.0]  # 2b, not twice that
    assert a.grad.tolist() == [36.0, 72.0]  # twice 18a


def test_the_same_tensor_on_both_sides():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    compare(lambda t: t @ t, [x])
    compare(lambda t: t * t / t, [x])


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


def test_a_matrix_product_of_mismatched_shapes_names_both_shapes():
    with pytest.raises(ValueError) as error:
        Tensor(np.ones((32, 64))) @ Tensor(np.ones((32, 10)))
    assert "(32, 64)" in str(error.value) and "(32, 10)" in str(error.value)
    with pytest.raises(ValueError, match=r"\(2, 2, 3\)"):
        Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((2, 2)))


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_shapes_that_do_not_broadcast_name_both_shapes(op):
    with pytest.raises(ValueError) as error:
        BINARY[op](Tensor(np.ones((2, 3))), Tensor(np.ones(4) + 1))
    assert "(2, 3)" in str(error.value) and "(4,)" in str(error.value)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: Tensor(np.ones((2, 2))).backward(), ValueError, r"shape \(2, 2\)"),
        (lambda: Tensor([1.0, -1.0]).log(), ValueError, r"log\(-1\.0\)"),
        (lambda: Tensor([1.0, 2.0]) / Tensor([1.0, 0.0]), ZeroDivisionError, "division by zero"),
        (lambda: 1 / Tensor([0.0]), ZeroDivisionError, "division by zero"),
        (lambda: Tensor([0.0]) ** -1, ZeroDivisionError, "divides by zero"),
        (lambda: Tensor([-1.0]) ** 0.5, ValueError, "negative"),
        (lambda: Tensor([2.0]) ** Tensor([2.0]), TypeError, "number as exponent"),
        (lambda: Tensor([2.0]) ** True, TypeError, "number as exponent"),
        (lambda: Tensor(np.ones((2, 3))).sum(dim=2), ValueError, "out of range"),
        (lambda: Tensor(np.ones((2, 3))).sum(dim=(0, 0)), ValueError, "repeats"),
        (lambda: Tensor(np.ones((2, 3))).sum(dim=1.0), TypeError, "dim"),
        (lambda: Tensor(np.ones((2, 3))).log_softmax(dim=(0, 1)), TypeError, r"dim must be one int.*\(0, 1\)"),
        (lambda: Tensor(np.ones((2, 3))).log_softmax(dim=None), TypeError, "dim must be one int"),
        (lambda: Tensor(np.ones((2, 3))).log_softmax(dim=2), ValueError, "out of range"),
        (lambda: Tensor(3.0) @ Tensor([1.0]), ValueError, "at least a vector"),
        (
            lambda: Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 5))),
            ValueError,
            r"batch dimensions \(2,\) and \(3,\)",
        ),
        (lambda: Tensor(np.ones((2, 3))).reshape(4), ValueError, r"\(2, 3\)"),
        (lambda: Tensor([1.0, 2.0]).item(), ValueError, "one element"),
        (lambda: cross_entropy(Tensor([1.0, 2.0]), [0]), ValueError, r"\(batch, classes\)"),
        (lambda: cross_entropy(Tensor(np.ones((2, 3))), [0]), ValueError, "one integer class per example"),
        (lambda: cross_entropy(Tensor(np.ones((2, 3))), [0.0, 1.0]), ValueError, "one integer class per example"),
        (lambda: cross_entropy(Tensor(np.ones((2, 3))), [0, 3]), ValueError, r"range\(3\)"),
        (lambda: cross_entropy(Tensor(np.ones((2, 3))), [-1, 0]), ValueError, r"range\(3\)"),
    ],
)
def test_bad_input_gets_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()


# --------------------------------------------------------------------------------------------------
# Edges found by the adversarial suite (issue 21), each against PyTorch float64
# --------------------------------------------------------------------------------------------------

NAN_INPUT = np.array([[np.nan, -1.5, 0.0], [2.0, np.nan, 0.5]])
UNARY_WITH_NAN = {
    "relu": (lambda t: t.relu(), torch.relu),
    "exp": (lambda t: t.exp(), torch.exp),
    "tanh": (lambda t: t.tanh(), torch.tanh),
    "sigmoid": (lambda t: t.sigmoid(), torch.sigmoid),
    "neg": (lambda t: -t, lambda t: -t),
    "pow 3": (lambda t: t**3, lambda t: t**3),
    "log_softmax": (lambda t: t.log_softmax(dim=1), lambda t: torch.log_softmax(t, dim=1)),
}


@pytest.mark.parametrize("name", UNARY_WITH_NAN)
def test_every_unary_operation_propagates_nan_as_torch_does(name):
    ours, theirs = UNARY_WITH_NAN[name]
    x, x_t = Tensor(NAN_INPUT), torch.tensor(NAN_INPUT, requires_grad=True)
    out, out_t = ours(x), theirs(x_t)
    np.testing.assert_array_equal(np.isnan(out.data), torch.isnan(out_t).detach().numpy())
    ok = ~np.isnan(out.data)
    np.testing.assert_allclose(out.data[ok], out_t.detach().numpy()[ok], rtol=TOL, atol=TOL)
    out.sum().backward()
    out_t.sum().backward()
    np.testing.assert_array_equal(np.isnan(x.grad), torch.isnan(x_t.grad).numpy())


def test_log_of_nan_is_nan_as_in_torch():
    x = Tensor([np.nan, 2.0])
    assert np.isnan(x.log().data[0]) and torch.isnan(torch.log(torch.tensor([np.nan])))[0]


def test_backward_from_a_one_element_leaf_accumulates_as_torch_does():
    x, x_t = Tensor([3.0]), torch.tensor([3.0], requires_grad=True)
    for _ in range(2):
        x.backward()
        x_t.backward()
    assert x.grad.tolist() == x_t.grad.tolist() == [2.0]
    y, y_t = Tensor(3.0), torch.tensor(3.0, requires_grad=True)
    for _ in range(3):
        y.backward()
        y_t.backward()
    assert y.grad.tolist() == y_t.grad.item() == 3.0


def test_backward_from_a_computed_tensor_still_starts_at_one():
    x = Tensor([3.0])
    y = x * 2.0
    y.backward()
    y.backward()  # y is not a leaf: its own gradient is this pass's, 1
    assert y.grad.tolist() == [1.0] and x.grad.tolist() == [4.0]


@pytest.mark.parametrize("left, right", [((2, 0), (0, 3)), ((0,), (0, 3)), ((2, 0), (0,)), ((0,), (0,))])
def test_a_matrix_product_with_inner_size_zero_has_zero_gradients(left, right):
    a, b = np.zeros(left), np.zeros(right)
    compare(lambda x, y: x @ y, [a, b], op_torch=torch.matmul)
    x, y = Tensor(a), Tensor(b)
    x_t, y_t = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (x @ y).sum().backward()
    torch.matmul(x_t, y_t).sum().backward()
    assert x.grad.shape == tuple(x_t.grad.shape) == left and y.grad.shape == tuple(y_t.grad.shape) == right
    assert not x.grad.any() and not y.grad.any()


BATCHED = [
    ((2, 3, 4), (4, 2)),
    ((5, 1, 3, 4), (2, 4, 6)),
    ((4, 2), (3, 2, 5)),
    ((1, 3, 4), (2, 1, 4, 2)),
    ((4,), (3, 4, 2)),
    ((2, 3, 4), (4,)),
    ((2, 3, 0), (0, 5)),
    ((3, 2, 4), (3, 4, 1)),
]


@pytest.mark.parametrize("left, right", BATCHED, ids=[f"{a}@{b}" for a, b in BATCHED])
def test_batched_matrix_products_broadcast_as_torch_matmul(left, right):
    rng = np.random.default_rng(len(left) * 10 + len(right))
    compare(lambda x, y: x @ y, [rng.normal(size=left), rng.normal(size=right)], op_torch=torch.matmul)


@TENSOR_SETTINGS
@given(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3), st.integers(1, 3), st.data())
def test_batched_matrix_products_on_random_batches(batches, k, data):
    n, m = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    left, right = batches.input_shapes[0] + (n, k), batches.input_shapes[1] + (k, m)
    a = data.draw(arrays(np.float64, left, elements=floats()))
    b = data.draw(arrays(np.float64, right, elements=floats()))
    compare(lambda x, y: x @ y, [a, b], op_torch=torch.matmul)

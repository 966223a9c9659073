"""micrograd.nn, micrograd.losses and micrograd.optim checked against PyTorch twins (float64).

A twin holds exactly the same weights as the micrograd model (copied number by number), computes the same
mathematics with tensors, and its autograd supplies the expected gradients.
"""

import random

import numpy as np
import pytest
import torch
from conftest import assert_close
from sklearn.datasets import make_moons

from micrograd import losses, optim
from micrograd.engine import Value
from micrograd.nn import MLP, Layer, Module, Neuron

# --------------------------------------------------------------------------------------------------
# PyTorch twin of an MLP
# --------------------------------------------------------------------------------------------------


def twin_parameters(model):
    """[(W, b)] per layer, float64 leaves copied from the micrograd model."""
    out = []
    for layer in model.layers:
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        out.append((W, b))
    return out


def twin_forward(params, X, activation="relu", linear_output=True):
    """X: (batch, nin) float64 tensor. Hidden layers apply `activation`; the last one too unless linear_output."""
    act = torch.relu if activation == "relu" else torch.tanh
    h = X
    for i, (W, b) in enumerate(params):
        h = h @ W.T + b
        if i < len(params) - 1 or not linear_output:
            h = act(h)
    return h


def assert_grads_match(model, params, factor=1.0):
    for li, (layer, (W, b)) in enumerate(zip(model.layers, params)):
        for ni, neuron in enumerate(layer.neurons):
            for wi, w in enumerate(neuron.w):
                assert_close(w.grad, factor * W.grad[ni, wi].item(), f"layer {li} neuron {ni} w[{wi}]")
            assert_close(neuron.b.grad, factor * b.grad[ni].item(), f"layer {li} neuron {ni} b")


INPUTS = [[1.0, -2.0, 3.0], [0.5, 0.25, -0.75], [-1.3, 2.7, 0.1], [0.0, 0.0, 0.0]]


def active_first_layer_grads(model):
    return sum(p.grad != 0 for p in model.layers[0].parameters())


@pytest.mark.parametrize("seed", [0, 4, 6, 1337])
@pytest.mark.parametrize("x", INPUTS)
def test_mlp_relu_forward_and_gradients_match_torch(seed, x):
    random.seed(seed)
    model = MLP(3, [4, 4, 1])
    out = model(x)
    assert isinstance(out, Value)
    out.backward()
    if any(x):
        assert active_first_layer_grads(model) > 0, "choose a seed whose ReLUs are not all dead"

    params = twin_parameters(model)
    tout = twin_forward(params, torch.tensor([x], dtype=torch.float64))
    tout.sum().backward()
    assert_close(out.data, tout.item(), "output")
    assert_grads_match(model, params)


def test_mlp_output_layer_is_linear_by_default():
    # Across a few seeds a linear output must sometimes be negative (a ReLU output never is), and must match
    # the twin there too.
    negatives = 0
    for seed in range(10):
        random.seed(seed)
        model = MLP(3, [4, 4, 1])
        for x in INPUTS[:3]:
            out = model(x)
            tout = twin_forward(twin_parameters(model), torch.tensor([x], dtype=torch.float64))
            assert_close(out.data, tout.item())
            negatives += out.data < 0
    assert negatives > 0


@pytest.mark.parametrize("seed", [0, 3, 42])
@pytest.mark.parametrize("x", INPUTS)
def test_mlp_tanh_all_layers_match_torch(seed, x):
    random.seed(seed)
    model = MLP(3, [4, 4, 1], activation="tanh", linear_output=False)
    out = model(x)
    out.backward()
    assert -1.0 <= out.data <= 1.0

    params = twin_parameters(model)
    tout = twin_forward(params, torch.tensor([x], dtype=torch.float64), activation="tanh", linear_output=False)
    tout.sum().backward()
    assert_close(out.data, tout.item(), "output")
    assert_grads_match(model, params)


def test_mlp_tanh_hidden_linear_output_matches_torch():
    random.seed(5)
    model = MLP(3, [4, 4, 1], activation="tanh")
    out = model([0.3, -0.6, 0.9])
    out.backward()
    params = twin_parameters(model)
    tout = twin_forward(params, torch.tensor([[0.3, -0.6, 0.9]], dtype=torch.float64), activation="tanh")
    tout.sum().backward()
    assert_close(out.data, tout.item())
    assert_grads_match(model, params)


def test_mlp_with_several_outputs_returns_list_and_matches_torch():
    random.seed(11)
    model = MLP(3, [5, 2])
    x = [0.4, -1.1, 2.0]
    outs = model(x)
    assert isinstance(outs, list) and len(outs) == 2 and all(isinstance(o, Value) for o in outs)
    loss = outs[0] * 2 + outs[1] * -3  # a different weight per output, so both paths are checked
    loss.backward()
    params = twin_parameters(model)
    tout = twin_forward(params, torch.tensor([x], dtype=torch.float64))[0]
    (tout[0] * 2 + tout[1] * -3).backward()
    for o, t in zip(outs, tout):
        assert_close(o.data, t.item())
    assert_grads_match(model, params)


def test_input_values_receive_gradients_like_torch():
    random.seed(2)
    model = MLP(3, [4, 4, 1], activation="tanh")
    xs = [Value(0.2), Value(-0.9), Value(1.4)]
    out = model(xs)
    out.backward()
    params = twin_parameters(model)
    tx = torch.tensor([[0.2, -0.9, 1.4]], dtype=torch.float64, requires_grad=True)
    twin_forward(params, tx, activation="tanh").sum().backward()
    for i, x in enumerate(xs):
        assert_close(x.grad, tx.grad[0, i].item(), f"input {i}")


# --------------------------------------------------------------------------------------------------
# Neurons and layers
# --------------------------------------------------------------------------------------------------


def test_neuron_initialisation():
    random.seed(42)
    expected = [random.uniform(-1, 1) for _ in range(3)]
    random.seed(42)
    n = Neuron(3)
    assert [w.data for w in n.w] == expected
    assert all(isinstance(w, Value) for w in n.w)
    assert isinstance(n.b, Value) and n.b.data == 0.0
    assert isinstance(n, Module)


@pytest.mark.parametrize("x", [[1.0, 2.0, -1.0], [-3.0, 0.5, 0.5], [0.1, -0.2, 0.3]])
@pytest.mark.parametrize(
    "kwargs,act",
    [
        ({}, torch.relu),
        ({"activation": None}, lambda z: z),
        ({"nonlin": False}, lambda z: z),
        ({"nonlin": True}, torch.relu),
        ({"activation": "tanh"}, torch.tanh),
    ],
)
def test_neuron_matches_torch(kwargs, act, x):
    random.seed(9)
    n = Neuron(3, **kwargs)
    n.b.data = 0.25
    out = n(x)
    out.backward()
    w = torch.tensor([wi.data for wi in n.w], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.25, dtype=torch.float64, requires_grad=True)
    tout = act(w @ torch.tensor(x, dtype=torch.float64) + b)
    tout.backward()
    assert_close(out.data, tout.item())
    for i, wi in enumerate(n.w):
        assert_close(wi.grad, w.grad[i].item())
    assert_close(n.b.grad, b.grad.item())


def test_one_activation_parameter_and_the_original_nonlin_switch():
    assert [Neuron(2, **kw).activation for kw in ({}, {"activation": "tanh"}, {"activation": None})] == [
        "relu",
        "tanh",
        None,
    ]
    assert Neuron(2, nonlin=False).activation is None and Neuron(2, nonlin=True).activation == "relu"
    assert Neuron(2, activation=None).nonlin is False and Neuron(2).nonlin is True
    assert repr(Neuron(2, activation=None)) == "Neuron(2, linear)"
    with pytest.raises(TypeError, match="not both"):
        Neuron(2, nonlin=False, activation="tanh")
    with pytest.raises(ValueError, match="'sigmod'"):
        Neuron(2, activation="sigmod")


def test_mlp_takes_the_original_nonlin_switch_for_its_hidden_layers():
    linear = MLP(2, [3, 1], nonlin=False)
    assert [n.activation for layer in linear.layers for n in layer.neurons] == [None] * 4
    tanh = MLP(2, [3, 1], activation="tanh", linear_output=False)
    assert [n.activation for layer in tanh.layers for n in layer.neurons] == ["tanh"] * 4
    assert [n.activation for n in MLP(2, [3, 1]).layers[-1].neurons] == [None]


def test_relu_neuron_clamps_negative_preactivation():
    n = Neuron(2)
    n.w[0].data, n.w[1].data, n.b.data = 1.0, 1.0, 0.0
    out = n([-1.0, -2.0])
    out.backward()
    assert out.data == 0.0
    assert n.w[0].grad == 0.0 and n.w[1].grad == 0.0 and n.b.grad == 0.0


def test_layer_with_one_output_returns_bare_value():
    random.seed(3)
    layer = Layer(3, 1)
    out = layer([1.0, 2.0, 3.0])
    assert isinstance(out, Value)
    n = layer.neurons[0]
    expected = torch.relu(
        torch.tensor([w.data for w in n.w], dtype=torch.float64) @ torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
        + n.b.data
    ).item()
    assert_close(out.data, expected)


def test_layer_with_several_outputs_returns_list_matching_torch():
    random.seed(4)
    layer = Layer(3, 4, nonlin=False)
    x = [0.5, -1.0, 2.0]
    outs = layer(x)
    assert isinstance(outs, list) and len(outs) == 4
    W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
    b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
    expected = W @ torch.tensor(x, dtype=torch.float64) + b
    for o, e in zip(outs, expected):
        assert_close(o.data, e.item())


# --------------------------------------------------------------------------------------------------
# Parameters and zero_grad
# --------------------------------------------------------------------------------------------------


def test_parameter_count_and_order():
    random.seed(0)
    model = MLP(3, [4, 4, 1])
    params = model.parameters()
    assert isinstance(params, list)
    assert len(params) == 4 * (3 + 1) + 4 * (4 + 1) + 1 * (4 + 1) == 41
    expected = []
    for layer in model.layers:
        for neuron in layer.neurons:
            expected.extend(neuron.w)
            expected.append(neuron.b)
    assert len(expected) == len(params)
    assert all(p is e for p, e in zip(params, expected))
    assert len({id(p) for p in params}) == 41  # no parameter listed twice
    assert [len(layer.neurons) for layer in model.layers] == [4, 4, 1]
    assert [len(layer.neurons[0].w) for layer in model.layers] == [3, 4, 4]
    # Layer and Neuron keep the same order
    layer = model.layers[1]
    assert all(p is e for p, e in zip(layer.parameters(), expected[16:36]))
    neuron = layer.neurons[2]
    assert neuron.parameters() == neuron.w + [neuron.b]
    assert all(p is e for p, e in zip(neuron.parameters(), neuron.w + [neuron.b]))


def test_zero_grad_resets_every_parameter():
    random.seed(1)
    model = MLP(3, [4, 4, 1], activation="tanh")
    model([1.0, -2.0, 0.5]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    assert len(model.parameters()) == 41


def test_grads_accumulate_without_zero_grad():
    random.seed(1)
    model = MLP(3, [4, 4, 1], activation="tanh")
    x = [1.0, -2.0, 0.5]
    params = twin_parameters(model)
    twin_forward(params, torch.tensor([x], dtype=torch.float64), activation="tanh").sum().backward()

    model(x).backward()
    assert_grads_match(model, params)
    model(x).backward()  # a second forward and backward, no zero_grad in between
    assert_grads_match(model, params, factor=2.0)
    model.zero_grad()
    model(x).backward()
    assert_grads_match(model, params)


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------

CONVERTERS = {
    "int": int,
    "float": float,
    "Value": lambda v: Value(float(v)),
    "np.float64": np.float64,
    "np.float32": np.float32,
    "np.int64": np.int64,
}


@pytest.mark.parametrize("kind", list(CONVERTERS))
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_input_types_give_same_output(kind, activation):
    x = [1, -2, 3]  # exactly representable in every type
    random.seed(10)
    model = MLP(3, [4, 4, 1], activation=activation)
    params = twin_parameters(model)
    expected = twin_forward(params, torch.tensor([x], dtype=torch.float64), activation=activation)
    expected.sum().backward()

    out = model([CONVERTERS[kind](v) for v in x])
    assert isinstance(out, Value)
    assert_close(out.data, expected.item(), f"output with {kind} inputs")
    reference = model([float(v) for v in x]).data
    assert_close(out.data, reference, f"{kind} vs float inputs")
    model.zero_grad()
    out.backward()
    assert active_first_layer_grads(model) > 0
    assert_grads_match(model, params)


@pytest.mark.parametrize("kind", ["np.float64", "np.float32"])
def test_numpy_inputs_with_fractions(kind):
    x = [0.5, -1.25, 2.75]  # exact in float32 too, so the float64 answer is the right one
    random.seed(0)
    model = MLP(3, [4, 4, 1])
    out = model([CONVERTERS[kind](v) for v in x])
    out.backward()
    assert active_first_layer_grads(model) > 0
    expected = twin_forward(twin_parameters(model), torch.tensor([x], dtype=torch.float64))
    assert_close(out.data, expected.item(), kind)


def test_numpy_array_row_as_list():
    random.seed(8)
    model = MLP(2, [3, 1])
    row = np.array([0.3, -0.7])
    out = model(list(row))
    expected = twin_forward(twin_parameters(model), torch.tensor([[0.3, -0.7]], dtype=torch.float64))
    assert_close(out.data, expected.item())


@pytest.mark.parametrize("x", [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0], []])
def test_wrong_input_length_raises_value_error_with_expected_size(x):
    random.seed(0)
    model = MLP(3, [4, 4, 1])
    with pytest.raises(ValueError, match=r"(?<![\d.])3(?![\d.])"):
        model(x)
    with pytest.raises(ValueError, match=r"(?<![\d.])3(?![\d.])"):
        Layer(3, 2)(x)
    with pytest.raises(ValueError, match=r"(?<![\d.])3(?![\d.])"):
        Neuron(3)(x)


def test_wrong_input_length_message_uses_the_models_size():
    random.seed(0)
    with pytest.raises(ValueError, match=r"(?<![\d.])5(?![\d.])"):
        MLP(5, [2, 1])([1.0, 2.0])


@pytest.mark.parametrize("bad", ["a", None, [1.0], {"x": 1}])
@pytest.mark.parametrize("position", [0, 2])
def test_non_numeric_input_raises_type_error(bad, position):
    random.seed(0)
    model = MLP(3, [4, 4, 1])
    x = [1.0, 2.0, 3.0]
    x[position] = bad
    with pytest.raises(TypeError):
        model(x)


# --------------------------------------------------------------------------------------------------
# Losses and the optimiser
# --------------------------------------------------------------------------------------------------

PREDS = [0.3, -1.2, 2.5, 0.0, 4.1]
TARGETS = [0.0, -1.0, 3.0, 0.5, 4.0]


@pytest.mark.parametrize(
    "name,torch_fn",
    [
        ("mean_squared_error", lambda p, t: ((p - t) ** 2).mean()),
        ("sum_squared_error", lambda p, t: ((p - t) ** 2).sum()),
    ],
)
def test_squared_error_losses_match_torch(name, torch_fn):
    preds = [Value(p) for p in PREDS]
    loss = getattr(losses, name)(preds, TARGETS)
    assert isinstance(loss, Value)
    loss.backward()
    tp = torch.tensor(PREDS, dtype=torch.float64, requires_grad=True)
    tl = torch_fn(tp, torch.tensor(TARGETS, dtype=torch.float64))
    tl.backward()
    assert_close(loss.data, tl.item(), name)
    for i, p in enumerate(preds):
        assert_close(p.grad, tp.grad[i].item(), f"{name} grad {i}")


def test_mean_squared_error_formula_and_value_targets():
    preds = [Value(1.0), Value(3.0)]
    targets = [Value(2.0), Value(0.0)]
    loss = losses.mean_squared_error(preds, targets)
    loss.backward()
    assert_close(loss.data, ((1 - 2) ** 2 + (3 - 0) ** 2) / 2)
    assert_close(preds[0].grad, (1 - 2))  # 2 (p - t) / n
    assert_close(targets[1].grad, -(3 - 0))
    sse = losses.sum_squared_error([Value(1.0), Value(3.0)], [2.0, 0.0])
    assert_close(sse.data, 10.0)


@pytest.mark.parametrize("name", ["mean_squared_error", "sum_squared_error", "hinge_loss"])
@pytest.mark.parametrize("sizes", [(3, 2), (2, 3), (0, 0)])
def test_every_loss_refuses_lists_of_different_lengths_or_none(name, sizes):
    first, second = [Value(0.5)] * sizes[0], [1.0] * sizes[1]
    message = f"{sizes[0]} vs {sizes[1]}" if sizes[0] != sizes[1] else "at least one"
    with pytest.raises(ValueError, match=message):
        getattr(losses, name)(first, second)


def test_hinge_loss_and_l2_penalty_match_torch():
    scores = [0.3, -1.2, 2.5, 0.9, -0.1, 1.0]
    labels = [1, 1, 1, -1, -1, -1]
    ss = [Value(s) for s in scores]
    loss = losses.hinge_loss(ss, labels)
    loss.backward()
    ts = torch.tensor(scores, dtype=torch.float64, requires_grad=True)
    tl = torch.relu(1 - torch.tensor(labels, dtype=torch.float64) * ts).mean()
    tl.backward()
    assert_close(loss.data, tl.item())
    for i, s in enumerate(ss):
        assert_close(s.grad, ts.grad[i].item(), f"hinge grad {i}")

    ps = [Value(p) for p in (0.5, -2.0, 3.0)]
    pen = losses.l2_penalty(ps, 1e-4)
    pen.backward()
    tp = torch.tensor([0.5, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    tpen = 1e-4 * (tp * tp).sum()
    tpen.backward()
    assert_close(pen.data, tpen.item())
    for i, p in enumerate(ps):
        assert_close(p.grad, tp.grad[i].item(), f"l2 grad {i}")


def test_sgd_step_and_zero_grad_by_hand():
    ps = [Value(1.0), Value(-2.0), Value(0.5)]
    grads = [0.5, -0.25, 3.0]
    for p, g in zip(ps, grads):
        p.grad = g
    opt = optim.SGD(ps, lr=0.1)
    assert opt.lr == 0.1
    opt.step()
    expected = [1.0 - 0.1 * 0.5, -2.0 - 0.1 * -0.25, 0.5 - 0.1 * 3.0]
    assert [p.data for p in ps] == expected
    assert [p.grad for p in ps] == grads  # step does not touch the gradients
    opt.lr = 0.01  # the learning rate may change between steps
    opt.step()
    expected = [e - 0.01 * g for e, g in zip(expected, grads)]
    assert [p.data for p in ps] == expected
    opt.zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0, 0.0]
    opt.step()  # zero gradients: nothing moves
    assert [p.data for p in ps] == expected


def test_sgd_on_model_parameters_updates_the_model():
    random.seed(6)
    model = MLP(2, [3, 1])
    opt = optim.SGD(model.parameters(), lr=0.5)
    before = [p.data for p in model.parameters()]
    model([1.0, -1.0]).backward()
    grads = [p.grad for p in model.parameters()]
    opt.step()
    assert [p.data for p in model.parameters()] == [b - 0.5 * g for b, g in zip(before, grads)]
    opt.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


# --------------------------------------------------------------------------------------------------
# Training on the moons against a PyTorch twin
# --------------------------------------------------------------------------------------------------


def test_moons_training_matches_torch_twin():
    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    y = 2 * y - 1
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 16 * 3 + 16 * 17 + 17 == 337

    params = twin_parameters(model)  # copied before any training
    tX = torch.tensor(X, dtype=torch.float64)
    ty = torch.tensor(y, dtype=torch.float64)
    alpha = 1e-4
    labels = [int(v) for v in y]
    opt = optim.SGD(model.parameters(), lr=1.0)

    micro_losses, torch_losses = [], []
    for k in range(20):
        lr = 1.0 - 0.9 * k / 100

        scores = [model(list(row)) for row in X]
        loss = losses.hinge_loss(scores, labels) + losses.l2_penalty(model.parameters(), alpha)
        opt.lr = lr
        opt.zero_grad()
        loss.backward()
        opt.step()
        micro_losses.append(loss.data)

        tscores = twin_forward(params, tX).squeeze(1)
        tloss = torch.relu(1 - ty * tscores).mean() + alpha * sum((W * W).sum() + (b * b).sum() for W, b in params)
        tloss.backward()
        with torch.no_grad():
            for W, b in params:
                W -= lr * W.grad
                b -= lr * b.grad
                W.grad = None
                b.grad = None
        torch_losses.append(tloss.item())

    for k, (m, t) in enumerate(zip(micro_losses, torch_losses)):
        assert_close(m, t, f"loss at step {k}", rel=1e-9, abs_=1e-12)
    # training does something: the loss after 20 steps is well below the first one
    assert micro_losses[-1] < 0.5 * micro_losses[0]
    # and the weights themselves followed the same path
    for layer, (W, b) in zip(model.layers, params):
        for ni, neuron in enumerate(layer.neurons):
            for wi, w in enumerate(neuron.w):
                assert_close(w.data, W[ni, wi].item(), "weight", rel=1e-9, abs_=1e-12)
            assert_close(neuron.b.data, b[ni].item(), "bias", rel=1e-9, abs_=1e-12)


# --------------------------------------------------------------------------------------------------
# Impossible sizes (the appendix "The engine's contract")
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda: Neuron(-1), "nin"),
        (lambda: Layer(-1, 2), "nin"),
        (lambda: Layer(3, -2), "nout"),
        (lambda: Layer(3, 0), "nout"),
        (lambda: MLP(-1, [2]), "nin"),
        (lambda: MLP(3, [4, -1]), "nouts[1]"),
        (lambda: MLP(3, []), "len(nouts)"),
    ],
)
def test_impossible_sizes_are_refused(build, name):
    with pytest.raises(ValueError) as error:
        build()
    assert str(error.value).startswith(f"{name} must be a whole number >= ")


@pytest.mark.parametrize("build", [lambda: Neuron(2.5), lambda: Layer(3, 2.0), lambda: MLP(True, [1])])
def test_sizes_that_are_not_whole_numbers_are_refused(build):
    with pytest.raises(TypeError, match="must be a whole number"):
        build()


def test_a_neuron_without_inputs_is_its_bias():
    neuron = Neuron(0, activation=None)
    assert neuron.w == [] and neuron([]).data == neuron.b.data == 0.0

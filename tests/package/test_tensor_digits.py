"""The digits network with tensors ("Digits again, a hundred times faster"): the scalar engine and the tensor
engine agree step by step on the digits run, the tensor run matches a PyTorch float64 twin, and micrograd.optim.Adam
on Tensor parameters matches torch.optim.Adam.

The run is the digits chapter's: load_digits, random_split([0.70, 0.15, 0.15], seed=0), StandardScaler fitted on
the training part, MLP(64, [32, 10]) after random.seed(0) with every weight redrawn from a normal distribution of
standard deviation sqrt(2 / fan_in), batches of 32 from DataLoader(shuffle=True, seed=0), the batch's mean
cross-entropy, plain gradient descent with lr 0.1.
"""

import math
import random

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from micrograd.data import DataLoader, StandardScaler, random_split
from micrograd.losses import cross_entropy as scalar_cross_entropy
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam
from micrograd.tensor import Tensor, cross_entropy
from micrograd.tensor_nn import Linear, TensorMLP

torch.set_default_dtype(torch.float64)

STEPS = 20
LR = 0.1


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    examples = [([float(v) for v in image], int(label)) for image, label in zip(data.data, data.target)]
    train_raw, _, _ = random_split(examples, [0.70, 0.15, 0.15], seed=0)
    scaler = StandardScaler().fit([x for x, _ in train_raw])
    train = list(zip(scaler.transform([x for x, _ in train_raw]), [y for _, y in train_raw]))
    return train, np.array([x for x, _ in train]), np.array([y for _, y in train])


def scalar_network():
    random.seed(0)
    model = MLP(64, [32, 10])
    for layer in model.layers:
        for neuron in layer.neurons:
            for w in neuron.w:
                w.data = random.gauss(0, math.sqrt(2 / len(neuron.w)))
    return model


def batches(train, steps=STEPS):
    loader = DataLoader(range(len(train)), 32, shuffle=True, seed=0)
    out = []
    while len(out) < steps:
        out += [rows for rows in loader]
    return out[:steps]


def test_from_scalar_copies_every_weight_in_order():
    mlp = scalar_network()
    model = TensorMLP.from_scalar(mlp)
    flat = np.concatenate([np.column_stack([lin.weight.data, lin.bias.data]).ravel() for lin in model.layers])
    assert flat.tolist() == [p.data for p in mlp.parameters()]
    assert [lin.weight.shape for lin in model.layers] == [(32, 64), (10, 32)]


def test_from_scalar_copies_nonzero_biases_and_computes_what_the_scalar_network_computes():
    # A fresh MLP has zero biases, so only biases set by hand show whether they are copied.  The expected outputs
    # come from PyTorch, running the scalar network's weights and biases as F.linear / relu layers.
    random.seed(3)
    mlp = MLP(3, [4, 4, 2])
    for i, p in enumerate(mlp.parameters()):
        p.data = random.uniform(-1, 1) + (0.5 if i % 4 == 3 else 0.0)
    for layer in mlp.layers:
        for neuron in layer.neurons:
            neuron.b.data = random.uniform(0.5, 2.0) * random.choice([-1, 1])
    model = TensorMLP.from_scalar(mlp)
    X = np.random.default_rng(0).normal(size=(5, 3))
    h = torch.tensor(X)
    for i, layer in enumerate(mlp.layers):
        weight = torch.tensor([[w.data for w in n.w] for n in layer.neurons])
        bias = torch.tensor([n.b.data for n in layer.neurons])
        h = torch.nn.functional.linear(h, weight, bias)
        if i < len(mlp.layers) - 1:
            h = torch.relu(h)
    np.testing.assert_allclose(model(X).data, h.numpy(), rtol=1e-12, atol=1e-12)
    for lin, layer in zip(model.layers, mlp.layers):
        assert lin.bias.data.tolist() == [n.b.data for n in layer.neurons] and lin.bias.data.any()


@pytest.mark.parametrize(
    "mlp, layer",
    [
        (lambda: MLP(3, [4, 2], activation="tanh"), "layer 0"),
        (lambda: MLP(3, [4, 2], linear_output=False), "layer 1"),
        (lambda: MLP(3, [4, 4, 2], activation="tanh", linear_output=False), "layer 0"),
    ],
)
def test_from_scalar_refuses_a_network_it_cannot_copy(mlp, layer):
    with pytest.raises(ValueError, match=f"ReLU hidden layers and a linear last layer; {layer}"):
        TensorMLP.from_scalar(mlp())


def test_from_scalar_refuses_a_hand_made_mix_of_activations():
    mlp = MLP(3, [4, 2])
    mlp.layers[0].neurons[2].activation = "tanh"
    with pytest.raises(ValueError, match="layer 0 of this one has a tanh neuron"):
        TensorMLP.from_scalar(mlp)


def test_scalar_and_tensor_engines_agree_on_the_digits_run(digits):
    train, X, y = digits
    mlp = scalar_network()
    model = TensorMLP.from_scalar(mlp)
    optimizer = SGD(mlp.parameters(), lr=LR)
    for step, rows in enumerate(batches(train)):
        batch = [train[i] for i in rows]
        scalar_loss = sum(scalar_cross_entropy(mlp(x), t) for x, t in batch) / len(batch)
        optimizer.zero_grad()
        scalar_loss.backward()
        optimizer.step()

        loss = cross_entropy(model(X[rows]), y[rows])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad
        assert abs(loss.item() - scalar_loss.data) < 1e-9, f"step {step}"
    # and the weights after the 20 steps too
    flat = np.concatenate([np.column_stack([lin.weight.data, lin.bias.data]).ravel() for lin in model.layers])
    assert np.abs(flat - np.array([p.data for p in mlp.parameters()])).max() < 1e-9


def torch_twin(model):
    layers = []
    for lin in model.layers:
        layer = torch.nn.Linear(*reversed(lin.weight.shape))
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(lin.weight.data))
            layer.bias.copy_(torch.tensor(lin.bias.data))
        layers.append(layer)
    return torch.nn.Sequential(layers[0], torch.nn.ReLU(), layers[1])


@pytest.mark.parametrize("optimiser", ["sgd", "adam"])
def test_the_tensor_run_matches_a_pytorch_float64_twin(digits, optimiser):
    train, X, y = digits
    model = TensorMLP(64, [48, 10], seed=3)
    twin = torch_twin(model)
    if optimiser == "adam":
        ours = Adam(model.parameters(), lr=0.01, weight_decay=1e-3)
        theirs = torch.optim.Adam(twin.parameters(), lr=0.01, weight_decay=1e-3)
    else:
        ours, theirs = None, torch.optim.SGD(twin.parameters(), lr=LR)
    for step, rows in enumerate(batches(train, 30)):
        loss = cross_entropy(model(X[rows]), y[rows])
        model.zero_grad()
        loss.backward()
        if ours:
            ours.step()
        else:
            for p in model.parameters():
                p.data -= LR * p.grad
        expected = torch.nn.functional.cross_entropy(twin(torch.tensor(X[rows])), torch.tensor(y[rows]))
        theirs.zero_grad()
        expected.backward()
        theirs.step()
        assert abs(loss.item() - expected.item()) < 1e-9, f"step {step}"
    for p, q in zip(model.parameters(), twin.parameters()):
        assert np.abs(p.data - q.detach().numpy()).max() < 1e-9


def test_tensor_adam_matches_torch_adam_step_by_step():
    rng = np.random.default_rng(0)
    starts = [rng.normal(size=(4, 3)), rng.normal(size=(4,))]
    ours = [Tensor(s) for s in starts]
    theirs = [torch.tensor(s, requires_grad=True) for s in starts]
    adam = Adam(ours, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)
    torch_adam = torch.optim.Adam(theirs, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)
    for _ in range(10):
        for p, q in zip(ours, theirs):
            g = rng.normal(size=p.shape)
            p.grad, q.grad = g.copy(), torch.tensor(g)
        adam.step()
        torch_adam.step()
        for p, q in zip(ours, theirs):
            assert np.abs(p.data - q.detach().numpy()).max() < 1e-12
    adam.zero_grad()
    assert all(np.all(p.grad == 0) for p in ours)


def test_linear_is_x_times_weight_transposed_plus_bias():
    layer = Linear(5, 3, rng=0)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    assert (layer.bias.data == 0).all()
    x = np.random.default_rng(1).normal(size=(4, 5))
    expected = torch.nn.functional.linear(
        torch.tensor(x), torch.tensor(layer.weight.data), torch.tensor(layer.bias.data)
    )
    assert np.abs(layer(x).data - expected.numpy()).max() < 1e-12
    # He's rule: standard deviation sqrt(2 / fan_in)
    wide = Linear(400, 500, rng=2)
    assert abs(wide.weight.data.std() - math.sqrt(2 / 400)) < 0.002

"""The digits training of book/13-many-classes.md against a PyTorch twin (float64), step by step.

The same data split, the same standardisation, the same MLP(64, [32, 10]) with the same rescaled initial weights
(copied number by number into tensors), the same mini-batches and plain SGD: the mean cross-entropy of every step
must agree to 1e-9, and so must the weights at the end.
"""

import math
import random

import torch
from sklearn.datasets import load_digits

from micrograd.data import DataLoader, StandardScaler, random_split
from micrograd.losses import cross_entropy
from micrograd.nn import MLP
from micrograd.optim import SGD

STEPS = 20
LR = 0.1
BATCH_SIZE = 32


def chapter_data():
    """The chapter's training examples: split with seed 0, standardised with the training part's statistics."""
    digits = load_digits()
    examples = [([float(v) for v in image], int(label)) for image, label in zip(digits.data, digits.target)]
    train, _, _ = random_split(examples, [0.70, 0.15, 0.15], seed=0)
    scaler = StandardScaler().fit([x for x, _ in train])
    return list(zip(scaler.transform([x for x, _ in train]), [y for _, y in train]))


def chapter_model():
    """MLP(64, [32, 10]) after random.seed(0), each weight then redrawn from a normal with std sqrt(2 / nin)."""
    random.seed(0)
    model = MLP(64, [32, 10])
    for layer in model.layers:
        for neuron in layer.neurons:
            nin = len(neuron.w)
            for w in neuron.w:
                w.data = random.gauss(0, math.sqrt(2 / nin))
    return model


def twin(model):
    """[(W, b)] per layer: float64 leaves holding the model's numbers."""
    return [
        (
            torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True),
            torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True),
        )
        for layer in model.layers
    ]


def test_digits_training_matches_torch_step_by_step():
    train = chapter_data()
    assert len(train) == 1258
    model = chapter_model()
    params = twin(model)
    flat = [t for pair in params for t in pair]
    optimizer = SGD(model.parameters(), lr=LR)
    torch_optimizer = torch.optim.SGD(flat, lr=LR)
    (W1, b1), (W2, b2) = params

    steps = 0
    losses, torch_losses = [], []
    loader = DataLoader(train, batch_size=BATCH_SIZE, shuffle=True, seed=0)
    while steps < STEPS:
        for batch in loader:
            loss = sum(cross_entropy(model(x), y) for x, y in batch) / len(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            X = torch.tensor([x for x, _ in batch], dtype=torch.float64)
            Y = torch.tensor([y for _, y in batch])
            logits = torch.relu(X @ W1.T + b1) @ W2.T + b2
            torch_loss = torch.nn.functional.cross_entropy(logits, Y)
            torch_optimizer.zero_grad()
            torch_loss.backward()
            torch_optimizer.step()

            losses.append(loss.data)
            torch_losses.append(torch_loss.item())
            steps += 1
            if steps == STEPS:
                break

    for k, (ours, theirs) in enumerate(zip(losses, torch_losses)):
        assert abs(ours - theirs) <= 1e-9, f"step {k}: micrograd loss {ours!r}, PyTorch {theirs!r}"
    assert losses[-1] < losses[0] / 2  # it learnt something: the comparison is not between two idle runs
    ours = [p.data for p in model.parameters()]
    theirs = [v for pair in params for v in _twin_values(pair)]
    assert max(abs(a - b) for a, b in zip(ours, theirs)) <= 1e-9


def _twin_values(pair):
    """The twin's numbers of one layer in micrograd's order: each neuron's weights, then its bias."""
    W, b = pair
    return [v for row, bias in zip(W.tolist(), b.tolist()) for v in [*row, bias]]


def test_the_rescaled_start_is_near_log_10_and_the_default_one_is_not():
    train = chapter_data()[:200]
    model = chapter_model()
    start = sum(cross_entropy(model(x), y).data for x, y in train) / len(train)
    random.seed(0)
    default = MLP(64, [32, 10])
    default_start = sum(cross_entropy(default(x), y).data for x, y in train) / len(train)
    assert abs(start - math.log(10)) < 1.0
    assert default_start > 3 * math.log(10)

"""micrograd.losses.softmax and micrograd.losses.cross_entropy against PyTorch (float64), and micrograd.data.DataLoader.

cross_entropy is one node whose local derivatives are softmax - one_hot; its values and every gradient must match
torch.nn.functional.cross_entropy, also for logits of +-1000, where computing softmax first and then its logarithm
fails.  softmax is built from the engine's operations; its full Jacobian must match PyTorch's.
"""

import math
import random

import pytest
import torch
from conftest import assert_close

from micrograd.data import DataLoader
from micrograd.engine import Value
from micrograd.losses import cross_entropy, softmax

TOL = 1e-12


def random_logits(rng, n, scale=3.0):
    return [rng.gauss(0.0, scale) for _ in range(n)]


LOGIT_CASES = [
    random_logits(random.Random(1), 10),
    random_logits(random.Random(2), 3, scale=10.0),
    random_logits(random.Random(3), 2),
    [0.0],
    [1000.0, -1000.0],
    [1000.0, -1000.0, 999.0, 0.0],
    [-1000.0, -1000.0, -1001.0],
    [0.5, 0.5, 0.5, 0.5],
]


# --------------------------------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("logits", LOGIT_CASES)
def test_softmax_values_and_jacobian_match_torch(logits):
    expected = torch.softmax(torch.tensor(logits, dtype=torch.float64), dim=0)
    jacobian = torch.autograd.functional.jacobian(
        lambda z: torch.softmax(z, dim=0), torch.tensor(logits, dtype=torch.float64)
    )
    for i in range(len(logits)):
        leaves = [Value(z) for z in logits]
        probabilities = softmax(leaves)
        assert len(probabilities) == len(logits)
        assert_close(probabilities[i].data, expected[i].item(), f"softmax {i} of {logits}", rel=TOL, abs_=TOL)
        probabilities[i].backward()
        for j, leaf in enumerate(leaves):
            assert_close(leaf.grad, jacobian[i, j].item(), f"d p_{i} / d z_{j}", rel=TOL, abs_=TOL)


def test_softmax_accepts_plain_numbers_and_sums_to_one():
    probabilities = softmax([2, 1.0, -1])
    assert all(isinstance(p, Value) for p in probabilities)
    assert_close(sum(p.data for p in probabilities), 1.0, "sum", abs_=1e-15)
    assert probabilities[0].data > probabilities[1].data > probabilities[2].data


def test_softmax_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="at least one"):
        softmax([])


# --------------------------------------------------------------------------------------------------
# cross_entropy
# --------------------------------------------------------------------------------------------------


def torch_cross_entropy(logits, target):
    z = torch.tensor([logits], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(z, torch.tensor([target]))
    return loss, z


@pytest.mark.parametrize("logits", LOGIT_CASES)
def test_cross_entropy_value_and_gradient_match_torch(logits):
    for target in range(len(logits)):
        leaves = [Value(z) for z in logits]
        loss = cross_entropy(leaves, target)
        # Used downstream, so that the node's incoming gradient is not 1.
        out = loss * 3.0 + loss**2
        out.backward()
        t_loss, t_z = torch_cross_entropy(logits, target)
        (t_loss * 3.0 + t_loss**2).backward()
        assert_close(loss.data, t_loss.item(), f"loss of {logits}, target {target}", rel=TOL, abs_=TOL)
        assert math.isfinite(loss.data)
        for j, leaf in enumerate(leaves):
            assert_close(leaf.grad, t_z.grad[0, j].item(), f"dL/dz_{j}, target {target}", rel=TOL, abs_=TOL)


def test_extreme_logits_give_the_true_loss_where_softmax_then_log_fails():
    leaves = [Value(1000.0), Value(-1000.0)]
    loss = cross_entropy(leaves, 1)
    loss.backward()
    assert loss.data == 2000.0
    assert [leaf.grad for leaf in leaves] == [1.0, -1.0]
    with pytest.raises(ValueError, match="log"):
        softmax([1000.0, -1000.0])[1].log()


@pytest.mark.parametrize(
    "logits, target",
    [
        ([1000.0, 980.0], 0),
        ([980.0, 1000.0], 1),
        ([-500.0, -520.0, -530.0], 0),
        ([1e4, 1e4 - 30.0], 0),
        ([50.0, 10.0, 20.0], 0),
        ([1000.0, 999.0, 990.0], 1),
    ],
)
def test_a_tiny_loss_at_large_logits_keeps_its_digits(logits, target):
    """The loss is small next to the logits: relative agreement with PyTorch, not absolute, shows whether it kept
    its digits (largest + log(total) - z[target] loses them to the large sum)."""
    expected, _ = torch_cross_entropy(logits, target)
    assert math.isclose(cross_entropy(logits, target).data, expected.item(), rel_tol=1e-12, abs_tol=0.0)


def test_cross_entropy_is_one_node_over_the_logits():
    leaves = [Value(z) for z in (0.3, -1.2, 2.0)]
    loss = cross_entropy(leaves, 2)
    assert loss._prev == tuple(leaves)
    assert len(loss._local_grads) == len(leaves)


def test_cross_entropy_agrees_with_the_composed_loss():
    rng = random.Random(7)
    for _ in range(20):
        logits = random_logits(rng, 6)
        target = rng.randrange(6)
        fused = [Value(z) for z in logits]
        composed = [Value(z) for z in logits]
        a = cross_entropy(fused, target)
        b = -softmax(composed)[target].log()
        a.backward()
        b.backward()
        assert_close(a.data, b.data, "loss", rel=TOL, abs_=TOL)
        for x, y in zip(fused, composed):
            assert_close(x.grad, y.grad, "gradient", rel=1e-10, abs_=TOL)


def test_plain_number_logits_are_accepted():
    loss, _ = torch_cross_entropy([1.0, 2.0, 3.0], 0)
    assert_close(cross_entropy([1, 2.0, 3], 0).data, loss.item(), "loss", rel=TOL, abs_=TOL)


@pytest.mark.parametrize("target", [-1, 3, 10, 1.0, 2.5, True, False, "1", None])
def test_a_target_that_is_not_a_class_index_is_a_value_error_naming_it(target):
    with pytest.raises(ValueError) as error:
        cross_entropy([0.1, 0.2, 0.3], target)
    assert repr(target) in str(error.value)
    assert "range(3)" in str(error.value)


def test_no_logits_is_a_value_error():
    with pytest.raises(ValueError):
        cross_entropy([], 0)


# --------------------------------------------------------------------------------------------------
# DataLoader
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "batch_size"), [(10, 4), (12, 4), (1258, 32), (5, 1), (3, 10), (7, 7)])
def test_batches_have_the_right_sizes(n, batch_size):
    loader = DataLoader(range(n), batch_size)
    sizes = [len(batch) for batch in loader]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    assert sizes == expected
    assert len(loader) == len(sizes)
    assert [x for batch in loader for x in batch] == list(range(n))  # without shuffling, in order


def test_a_shuffled_epoch_covers_every_example_once_in_a_new_order():
    loader = DataLoader(range(100), 8, shuffle=True, seed=3)
    epochs = [[x for batch in loader for x in batch] for _ in range(4)]
    for epoch in epochs:
        assert sorted(epoch) == list(range(100))
    assert len({tuple(epoch) for epoch in epochs}) == 4
    assert all(epoch != list(range(100)) for epoch in epochs)


def test_the_same_seed_gives_the_same_batches_whatever_the_random_module_does():
    first = DataLoader("abcdefghij", 3, shuffle=True, seed=42)
    random.seed(0)
    a = [list(first) for _ in range(3)]
    second = DataLoader("abcdefghij", 3, shuffle=True, seed=42)
    random.seed(1)
    random.random()
    b = [list(second) for _ in range(3)]
    assert a == b
    other = DataLoader("abcdefghij", 3, shuffle=True, seed=43)
    assert [list(other) for _ in range(3)] != a


def test_a_generator_is_accepted_and_can_be_read_every_epoch():
    loader = DataLoader((i * i for i in range(5)), 2)
    assert list(loader) == [[0, 1], [4, 9], [16]]
    assert list(loader) == [[0, 1], [4, 9], [16]]


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, 3.0, True, "3", None])
def test_a_bad_batch_size_is_a_value_error(batch_size):
    with pytest.raises(ValueError) as error:
        DataLoader(range(10), batch_size)
    assert repr(batch_size) in str(error.value)

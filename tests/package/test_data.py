"""micrograd.data's random_split and StandardScaler, checked against PyTorch's random_split and scikit-learn's
StandardScaler (and NumPy's mean and standard deviation) in float64."""

import random
import warnings

import numpy as np
import pytest
import torch
from conftest import assert_close
from sklearn.preprocessing import StandardScaler as SklearnScaler

from micrograd.data import StandardScaler, random_split

# --------------------------------------------------------------------------------------------------
# random_split
# --------------------------------------------------------------------------------------------------

FRACTIONS = [
    [0.5, 0.5],
    [0.8, 0.2],
    [0.7, 0.15, 0.15],
    [0.6, 0.2, 0.2],
    [1 / 3, 1 / 3, 1 / 3],
    [0.1, 0.3, 0.6],
    [0.05, 0.05, 0.9],
    [0.25, 0.25, 0.25, 0.25],
    [0.9, 0.1],
    [1.0],
    [0.0, 1.0],
]


def torch_lengths(n, fractions):
    """The sizes of the parts torch.utils.data.random_split makes of n items."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns about parts of length 0
        parts = torch.utils.data.random_split(range(n), fractions, generator=torch.Generator().manual_seed(0))
    return [len(part) for part in parts]


@pytest.mark.parametrize("fractions", FRACTIONS, ids=str)
def test_fractions_give_pytorchs_lengths(fractions):
    for n in range(0, 103):
        ours = [len(part) for part in random_split(range(n), fractions, seed=0)]
        assert ours == torch_lengths(n, fractions), f"n = {n}"


def test_counts_are_taken_as_they_are():
    parts = random_split(range(10), [3, 0, 7], seed=1)
    assert [len(part) for part in parts] == [3, 0, 7]
    assert [len(part) for part in random_split(range(10), [np.int64(4), np.int64(6)])] == [4, 6]


@pytest.mark.parametrize("lengths", [[30, 200, 300], [0.1, 0.3, 0.6], [0.5, 0.5]], ids=str)
def test_the_parts_partition_the_items(lengths):
    items = [f"item {i}" for i in range(530)]
    parts = random_split(items, lengths, seed=3)
    joined = [item for part in parts for item in part]
    assert sorted(joined) == sorted(items)
    assert len(set(joined)) == len(items), "an item landed in two parts"


def test_the_split_is_shuffled_not_cut_in_order():
    first, _ = random_split(range(100), [50, 50], seed=0)
    assert first != list(range(50))
    assert sorted(first) != list(range(50))


def test_the_same_seed_gives_the_same_parts():
    items = list(range(200))
    assert random_split(items, [0.5, 0.3, 0.2], seed=7) == random_split(items, [0.5, 0.3, 0.2], seed=7)
    assert random_split(items, [0.5, 0.3, 0.2], seed=7) != random_split(items, [0.5, 0.3, 0.2], seed=8)


def test_the_split_leaves_the_global_random_generator_alone():
    random.seed(5)
    expected = random.random()
    random.seed(5)
    random_split(range(50), [25, 25], seed=0)
    assert random.random() == expected


def test_items_may_be_any_iterable():
    parts = random_split((i * i for i in range(10)), [5, 5], seed=0)
    assert sorted(parts[0] + parts[1]) == [i * i for i in range(10)]


@pytest.mark.parametrize(
    "lengths, message",
    [
        ([3, 3], "do not add up"),
        ([6, 5], "do not add up"),
        ([12, -2], "negative"),
        ([0.5, 0.4], "add up to 1"),
        ([0.5, 0.6], "add up to 1"),
        ([1.5, -0.5], "negative"),
        ([], "at least one"),
    ],
    ids=str,
)
def test_bad_lengths_raise_valueerror_naming_the_problem(lengths, message):
    with pytest.raises(ValueError, match=message):
        random_split(range(10), lengths, seed=0)


# --------------------------------------------------------------------------------------------------
# StandardScaler
# --------------------------------------------------------------------------------------------------


def rows_of(array):
    return [[float(x) for x in row] for row in array]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scaler_matches_scikit_learn_and_numpy(seed):
    rng = np.random.default_rng(seed)
    # Features of very different sizes and offsets, as in the chapter.
    train = rng.normal(size=(40, 3)) * [1.0, 100.0, 0.01] + [0.0, -50.0, 3.0]
    other = rng.normal(size=(25, 3)) * [1.0, 100.0, 0.01] + [0.0, -50.0, 3.0]
    ours = StandardScaler().fit(rows_of(train))
    theirs = SklearnScaler().fit(train)
    for j in range(3):
        assert_close(ours.mean_[j], theirs.mean_[j], f"mean of feature {j}")
        assert_close(ours.scale_[j], theirs.scale_[j], f"scale of feature {j}")
        assert_close(ours.mean_[j], train[:, j].mean(), f"numpy mean of feature {j}")
        assert_close(ours.scale_[j], train[:, j].std(), f"numpy std of feature {j}")
    for rows in (train, other):
        expected = theirs.transform(rows)
        got = np.array(ours.transform(rows_of(rows)))
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_fit_transform_standardises_the_training_rows():
    rng = np.random.default_rng(4)
    train = rng.uniform(-3, 7, size=(30, 2)) * [1.0, 100.0]
    z = np.array(StandardScaler().fit_transform(rows_of(train)))
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(z, SklearnScaler().fit_transform(train), rtol=1e-12, atol=1e-12)


def test_transform_uses_the_training_statistics_only():
    scaler = StandardScaler().fit([[0.0], [2.0]])  # mean 1, std 1
    assert scaler.transform([[10.0], [12.0]]) == [[9.0], [11.0]]


def test_a_constant_feature_keeps_scale_one_like_scikit_learn():
    train = np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    ours = StandardScaler().fit(rows_of(train))
    theirs = SklearnScaler().fit(train)
    assert ours.scale_[1] == theirs.scale_[1] == 1.0
    np.testing.assert_allclose(ours.transform(rows_of(train)), theirs.transform(train), rtol=1e-12, atol=1e-12)


def test_the_scaler_rejects_empty_data_and_rows_of_the_wrong_width():
    with pytest.raises(ValueError, match="at least one row"):
        StandardScaler().fit([])
    scaler = StandardScaler().fit([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="2 features"):
        scaler.transform([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="same number of features"):
        StandardScaler().fit([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize(
    "rows",
    [
        [[0.1, float(i)] for i in range(10)],
        [[float(i), 0.3] for i in range(7)],
        [[1e6 + 0.1, float(i) ** 2] for i in range(33)],
        [[-2.7, 1.0], [-2.7, 1.0 + 1e-9], [-2.7, 1.0 - 1e-9]],
        [[1 / 3, 0.7 * i] for i in range(100)],
    ],
    ids=["0.1", "0.3 second", "1e6+0.1", "tiny spread", "1/3"],
)
def test_a_feature_constant_up_to_rounding_keeps_scale_one_like_scikit_learn(rows):
    """The column's mean is not exactly its value in floats, so its standard deviation comes out at rounding level
    (about 1e-17 for ten 0.1s); scikit-learn takes such a variance as zero."""
    ours = StandardScaler().fit(rows)
    theirs = SklearnScaler().fit(np.array(rows))
    for j, (mine, expected) in enumerate(zip(ours.scale_, theirs.scale_)):
        if expected == 1.0:
            assert mine == 1.0, f"feature {j}"
        else:
            assert_close(mine, expected, f"scale of feature {j}")
    np.testing.assert_allclose(ours.transform(rows), theirs.transform(np.array(rows)), rtol=1e-9, atol=1e-12)


def test_a_genuinely_small_spread_is_not_taken_for_rounding():
    rows = [[1.0 + 1e-9 * i] for i in range(10)]
    ours, theirs = StandardScaler().fit(rows), SklearnScaler().fit(np.array(rows))
    assert theirs.scale_[0] != 1.0
    assert_close(ours.scale_[0], theirs.scale_[0], "scale", rel=1e-6)


def test_transform_before_fit_says_so():
    with pytest.raises(ValueError, match="not fitted yet: call fit"):
        StandardScaler().transform([[1.0]])


@pytest.mark.parametrize("flat", [[1.0, 2.0, 3.0], (4, 5), np.array([1.0, 2.0])])
def test_a_flat_list_of_numbers_is_refused_with_the_fix(flat):
    with pytest.raises(ValueError, match=r"list of rows.*\[\[x\] for x in values\]"):
        StandardScaler().fit(flat)
    scaler = StandardScaler().fit([[1.0], [2.0]])
    with pytest.raises(ValueError, match="list of rows"):
        scaler.transform(flat)

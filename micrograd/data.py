# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/data.py` in
#
#     book/12-generalisation.md
#     book/13-many-classes.md
#     book/appendix-engine-contract.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

"""Data handling for training: splitting, scaling and batching examples."""

import math
import numbers
import random
import sys


# From book/12-generalisation.md, section "Holding data out"
def random_split(items, lengths, seed=None):
    """Shuffle items, then cut them into parts of the given lengths."""
    items = list(items)
    counts = _counts(lengths, len(items))
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)    # its own generator, seeded
    parts, start = [], 0
    for n in counts:
        parts.append([items[i] for i in order[start:start + n]])
        start += n
    return parts


def _counts(lengths, n_items):
    """The part sizes random_split cuts: counts that add up to n_items, or
    fractions that add up to 1 (as in PyTorch)."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split needs at least one length")
    if any(n < 0 for n in lengths):
        raise ValueError(f"lengths must not be negative, got {lengths}")
    if all(isinstance(n, numbers.Integral) and not isinstance(n, bool)
           for n in lengths):
        counts = [int(n) for n in lengths]
        if sum(counts) != n_items:
            raise ValueError(f"lengths {lengths} do not add up to the "
                             f"{n_items} items")
    else:
        if abs(sum(lengths) - 1) > 1e-9:
            raise ValueError(f"fractions must add up to 1, got {lengths}")
        counts = [int(f * n_items) for f in lengths]   # rounded down
        for i in range(n_items - sum(counts)):
            counts[i % len(counts)] += 1
    return counts


# From book/12-generalisation.md, section "Inputs on the same scale"
class StandardScaler:
    """Shift and scale each input feature to mean 0 and standard deviation 1.

    fit() learns the means and standard deviations from the training rows
    only; transform() applies those same numbers to any rows.  A feature
    that never varies keeps the scale 1 (as scikit-learn's StandardScaler).
    """

    # From book/appendix-engine-contract.md, section "Rows for the scaler"
    def fit(self, rows):
        rows = [[float(x) for x in row] for row in _check_rows(rows)]
        if not rows or not rows[0]:
            raise ValueError("fit() needs at least one row with features")
        if any(len(row) != len(rows[0]) for row in rows):
            raise ValueError("every row must have the same number of features")
        n, eps = len(rows), sys.float_info.epsilon
        columns = list(zip(*rows))
        self.mean_ = [sum(column) / n for column in columns]
        self.scale_ = []
        for column, mean in zip(columns, self.mean_):
            variance = sum((x - mean) ** 2 for x in column) / n
            # scikit-learn's rule: a variance within rounding error of 0 is 0.
            constant = variance <= n * eps * variance + (n * mean * eps) ** 2
            self.scale_.append(1.0 if constant else math.sqrt(variance))
        return self

    def transform(self, rows):
        if not hasattr(self, 'mean_'):
            raise ValueError("this StandardScaler is not fitted yet: call "
                             "fit() with the training rows before transform()")
        out = []
        for row in _check_rows(rows):
            if len(row) != len(self.mean_):
                raise ValueError(f"the scaler was fitted on {len(self.mean_)} "
                                 f"features, this row has {len(row)}")
            out.append([(x - mean) / scale for x, mean, scale
                        in zip(row, self.mean_, self.scale_)])
        return out

    # From book/12-generalisation.md, section "Inputs on the same scale"
    def fit_transform(self, rows):
        return self.fit(rows).transform(rows)


# From book/13-many-classes.md, section "Mini-batches"
class DataLoader:
    """Deal a data set out in lists of batch_size examples, one pass (an
    epoch) per iteration, the last batch smaller if need be.  shuffle=True
    shuffles anew every pass, with a generator of its own started from seed.
    """

    # From book/appendix-engine-contract.md, section "Optimiser settings"
    def __init__(self, dataset, batch_size=1, shuffle=False, seed=None):
        if isinstance(batch_size, bool) or not isinstance(
                batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"batch_size must be a whole number >= 1, "
                             f"got {batch_size!r}")
        self.dataset = list(dataset)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._random = random.Random(seed)

    # From book/13-many-classes.md, section "Mini-batches"
    def __len__(self):
        """The number of batches in one pass."""
        return -(-len(self.dataset) // self.batch_size)   # rounded up

    def __iter__(self):
        order = list(range(len(self.dataset)))
        if self.shuffle:
            self._random.shuffle(order)
        for start in range(0, len(order), self.batch_size):
            yield [self.dataset[i]
                   for i in order[start:start + self.batch_size]]


# From book/appendix-engine-contract.md, section "Rows for the scaler"
def _check_rows(rows):
    """rows as a list of lists, refusing a flat list of numbers."""
    rows = list(rows)
    for row in rows:
        if isinstance(row, (numbers.Number, str)):
            raise ValueError(f"rows must be a list of rows, each a list of "
                             f"features, got {row!r} as a row; for a single "
                             f"feature, pass [[x] for x in values]")
    return rows

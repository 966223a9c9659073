# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/losses.py` in
#
#     book/08-network-by-hand.md
#     book/09-training.md
#     book/10-classifier.md
#     book/13-many-classes.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

import math
import numbers
from micrograd.engine import Value


# From book/08-network-by-hand.md, section "The loss"
def pairs(predictions, targets):
    """The (prediction, target) pairs; unequal lengths or none are refused."""
    # zip alone would silently cut the longer list short.
    predictions, targets = list(predictions), list(targets)
    if not 0 < len(predictions) == len(targets):
        raise ValueError(f"need at least one prediction, and one target each:"
                         f" {len(predictions)} vs {len(targets)}")
    return list(zip(predictions, targets))


def mean_squared_error(predictions, targets):
    """The mean of (prediction - target)**2, for Values or plain numbers."""
    pairs_ = pairs(predictions, targets)
    return sum((p - t) ** 2 for p, t in pairs_) / len(pairs_)


# From book/09-training.md, section "One number to push down"
def sum_squared_error(predictions, targets):
    """The sum of (prediction - target)**2 over all pairs: n times the mean."""
    return sum((p - t) ** 2 for p, t in pairs(predictions, targets))


# From book/10-classifier.md, section "The hinge loss"
def hinge_loss(scores, labels):
    """Mean over the examples of relu(1 - y * s).

    Scores s are real numbers, labels y are +1 or -1.  An example contributes
    (and pulls on the weights) only while its margin y * s is below 1.
    """
    examples = pairs(scores, labels)
    return sum((1 - y * s).relu() for s, y in examples) / len(examples)


# From book/10-classifier.md, section "Keeping the weights small"
def l2_penalty(parameters, alpha):
    """alpha times the sum of the squared parameters.

    Added to a loss, it discourages large weights.
    """
    return alpha * sum(p * p for p in parameters)


# From book/13-many-classes.md, section "Ten scores, ten probabilities"
def softmax(logits):
    """exp(z_i) / sum_j exp(z_j) for Values or numbers, as Values; the
    largest logit is subtracted first, so that exp() never overflows."""
    logits = [z if isinstance(z, Value) else Value(z) for z in logits]
    if not logits:
        raise ValueError("softmax needs at least one logit")
    largest = max(z.data for z in logits)
    exps = [(z - largest).exp() for z in logits]
    total = sum(exps)
    return [e / total for e in exps]


# From book/13-many-classes.md, section "The gradient: softmax minus one-hot"
def cross_entropy(logits, target):
    """-log softmax(logits)[target] as ONE node, for one example: the value
    by log-sum-exp, the local derivatives softmax - one_hot(target)."""
    logits = [z if isinstance(z, Value) else Value(z) for z in logits]
    if (isinstance(target, bool) or not isinstance(target, numbers.Integral)
            or not 0 <= target < len(logits)):     # an index, not 1.0 or True
        raise ValueError(f"target must be a class index in "
                         f"range({len(logits)}), got {target!r}")
    largest = max(z.data for z in logits)
    exps = [math.exp(z.data - largest) for z in logits]   # each at most 1
    total = sum(exps)                                     # 1 <= total <= n
    # The two large numbers first, so that a tiny loss keeps its digits.
    loss = (largest - logits[target].data) + math.log(total)
    local_grads = [e / total - (i == target) for i, e in enumerate(exps)]
    return Value(loss, logits, 'cross-entropy', _local_grads=local_grads)

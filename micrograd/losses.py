# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/losses.py` in
#
#     book/08-network-by-hand.md
#     book/09-training.md
#     book/10-classifier.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.


# From book/08-network-by-hand.md, section "The loss"
def pairs(predictions, targets):
    """The (prediction, target) pairs of a loss, refusing lists of different
    lengths (zip() would silently drop the extra items of the longer one)
    and empty ones (a mean of nothing has no value)."""
    predictions, targets = list(predictions), list(targets)
    if len(predictions) != len(targets):
        raise ValueError(f"predictions and targets differ in length: "
                         f"{len(predictions)} vs {len(targets)}")
    if not predictions:
        raise ValueError("a loss needs at least one prediction")
    return list(zip(predictions, targets))


def mean_squared_error(predictions, targets):
    """The mean of (prediction - target)**2 over all pairs.

    Predictions and targets may be Values or plain numbers; with Values the
    result is a Value that can be backpropagated.
    """
    pairs_ = pairs(predictions, targets)
    return sum((p - t) ** 2 for p, t in pairs_) / len(pairs_)


# From book/09-training.md, section "One number to push down"
def sum_squared_error(predictions, targets):
    """Sum over the examples of (prediction - target)**2, as a single Value.

    Same shape as mean_squared_error but without dividing by the number of
    examples, so each example's gradient does not shrink as the data set grows.
    """
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

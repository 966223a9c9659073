# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/optim.py` in
#
#     book/09-training.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.


# From book/09-training.md, section "An optimiser"
class SGD:
    """Plain gradient descent: p <- p - lr * dL/dp for every parameter p."""

    def __init__(self, parameters, lr):
        # Keep our own list: a generator passed in would be used up after
        # the first step.
        self.parameters = list(parameters)
        # A plain attribute, so that a schedule can change it between steps.
        self.lr = lr

    def zero_grad(self):
        # backward() adds into the .grad of leaves; clear them so that the
        # next step sees only its own gradient.
        for p in self.parameters:
            p.grad = 0.0

    def step(self):
        for p in self.parameters:
            # Change .data only: the step is bookkeeping, not part of a graph.
            p.data -= self.lr * p.grad

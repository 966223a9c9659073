# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/optim.py` in
#
#     book/09-training.md
#     book/14-optimisers-initialisation.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

from micrograd.literate import add_to_class
import math


# From book/09-training.md, section "An optimiser"
class SGD:
    """Plain gradient descent: p <- p - lr * dL/dp for every parameter p."""

    # From book/14-optimisers-initialisation.md, section "Momentum"
    def __init__(self, parameters, lr, momentum=0.0, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = [0.0] * len(self.parameters)
        self.steps = 0

    # From book/09-training.md, section "An optimiser"
    def zero_grad(self):
        # backward() adds into the .grad of leaves; clear them so that the
        # next step sees only its own gradient.
        for p in self.parameters:
            p.grad = 0.0

    # From book/14-optimisers-initialisation.md, section "Momentum"
    def step(self):
        """p <- p - lr * v, with v <- momentum * v + g and g = dL/dp plus the
        weight decay term weight_decay * p (torch.optim.SGD, no dampening)."""
        for i, p in enumerate(self.parameters):
            g = p.grad + self.weight_decay * p.data
            if self.momentum:
                # The first step starts the velocity at g itself, as PyTorch does.
                g = g if self.steps == 0 else self.momentum * self.velocity[i] + g
                self.velocity[i] = g
            p.data -= self.lr * g
        self.steps += 1


# From book/14-optimisers-initialisation.md, section "Adam"
class Adam:
    """Adam (torch.optim.Adam): momentum on the gradient, divided by a running
    root-mean-square of the gradient, both corrected for starting at zero."""

    def __init__(self, parameters, lr=0.001, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = [0.0] * len(self.parameters)     # mean of the gradient
        self.v = [0.0] * len(self.parameters)     # mean of its square
        self.steps = 0

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0.0

    def step(self):
        self.steps += 1
        beta1, beta2 = self.betas
        correction1 = 1 - beta1 ** self.steps
        correction2 = math.sqrt(1 - beta2 ** self.steps)
        for i, p in enumerate(self.parameters):
            g = p.grad + self.weight_decay * p.data
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * g
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * g * g
            denominator = math.sqrt(self.v[i]) / correction2 + self.eps
            p.data -= self.lr / correction1 * self.m[i] / denominator

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
    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        """Gradient descent on the Values in params, as torch.optim.SGD.

        momentum is mu in v <- mu * v + g (no dampening, no Nesterov; the first
        step sets v = g); weight_decay is lambda in g <- dL/dp + lambda * p.
        With neither, each step is the plain p <- p - lr * dL/dp.
        """
        # Our own list: a generator would be used up after the first step.
        self.parameters = list(params)
        # A plain attribute, so that a schedule can change it between steps.
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        # One velocity per parameter; None until the first step.
        self.velocity = [None] * len(self.parameters)

    # From book/09-training.md, section "An optimiser"
    def zero_grad(self):
        # backward() adds into the .grad of leaves; clear them so that the
        # next step sees only its own gradient.
        for p in self.parameters:
            p.grad = 0.0

    # From book/14-optimisers-initialisation.md, section "Momentum"
    def step(self):
        for i, p in enumerate(self.parameters):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if self.momentum:
                v = self.velocity[i]
                g = g if v is None else self.momentum * v + g
                self.velocity[i] = g
            # Change .data only: the step is bookkeeping, not part of a graph.
            p.data -= self.lr * g


# From book/14-optimisers-initialisation.md, section "RMSprop"
class RMSprop:
    """Each step divided by a running root-mean-square of the gradient, as
    torch.optim.RMSprop (without its momentum and centered options):

        s <- alpha * s + (1 - alpha) * g**2
        p <- p - lr * g / (sqrt(s) + eps)

    with g = dL/dp + weight_decay * p and s starting at 0.
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8,
                 weight_decay=0.0):
        self.parameters = list(params)
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.weight_decay = weight_decay
        self.square_avg = [0.0] * len(self.parameters)

    # The same zero_grad as SGD's: clear the .grad of every parameter.
    zero_grad = SGD.zero_grad

    def step(self):
        for i, p in enumerate(self.parameters):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            s = self.alpha * self.square_avg[i] + (1 - self.alpha) * g * g
            self.square_avg[i] = s
            p.data -= self.lr * g / (math.sqrt(s) + self.eps)


# From book/14-optimisers-initialisation.md, section "Adam"
class Adam:
    """Momentum and RMSprop together, both corrected for starting at zero,
    as torch.optim.Adam (without its amsgrad option):

        m <- beta1 * m + (1 - beta1) * g          (mean of g)
        v <- beta2 * v + (1 - beta2) * g**2       (mean of g**2)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    with m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t) at step t,
    and g = dL/dp + weight_decay * p.
    """

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0):
        self.parameters = list(params)
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = [0.0] * len(self.parameters)
        self.v = [0.0] * len(self.parameters)
        self.t = 0                                  # steps taken

    zero_grad = SGD.zero_grad

    def step(self):
        self.t += 1
        beta1, beta2 = self.betas
        correction1 = 1 - beta1 ** self.t
        correction2 = 1 - beta2 ** self.t
        for i, p in enumerate(self.parameters):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * g
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * g * g
            m_hat = self.m[i] / correction1
            v_hat = self.v[i] / correction2
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)


# From book/14-optimisers-initialisation.md, section "Slowing down at the end"
class CosineAnnealingLR:
    """Lower optimizer.lr along half a cosine, as
    torch.optim.lr_scheduler.CosineAnnealingLR: after t calls of step(),

        lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * t / T_max)) / 2

    where lr0 is the optimiser's lr when the schedule was made; it reaches
    eta_min after T_max steps.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.optimizer = optimizer
        self.T_max = T_max
        self.eta_min = eta_min
        self.base_lr = optimizer.lr
        self.t = 0

    def step(self):
        self.t += 1
        cosine = (1 + math.cos(math.pi * self.t / self.T_max)) / 2
        lr = self.eta_min + (self.base_lr - self.eta_min) * cosine
        self.optimizer.lr = lr

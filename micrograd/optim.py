# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/optim.py` in
#
#     book/09-training.md
#     book/14-optimisers-initialisation.md
#     book/appendix-engine-contract.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

import math
import numbers


# From book/09-training.md, section "An optimiser"
class Optimizer:
    """What every optimiser shares: the parameters it updates, its settings
    (such as lr) as plain attributes, and zero_grad."""

    # From book/appendix-engine-contract.md, section "Optimiser settings"
    def __init__(self, parameters, **settings):
        self.parameters = list(parameters)
        if not self.parameters:
            raise ValueError("parameters is empty: an optimiser needs at least "
                             "one parameter to update")
        for name, value in settings.items():
            if name == 'betas':
                if not isinstance(value, (tuple, list)) or len(value) != 2:
                    raise ValueError(f"betas must be a pair (beta1, beta2), "
                                     f"got {value!r}")
                for i, beta in enumerate(value):
                    _check_setting(f"betas[{i}]", beta,
                                  *SETTING_RANGES['beta'])
            elif name in SETTING_RANGES:
                _check_setting(name, value, *SETTING_RANGES[name])
            setattr(self, name, value)

    # From book/09-training.md, section "An optimiser"
    def zero_grad(self):
        # backward() adds into the .grad of leaves; clear them so that the
        # next step sees only its own gradient.
        for p in self.parameters:
            p.grad = 0.0


class SGD(Optimizer):
    """Plain gradient descent: p <- p - lr * dL/dp for every parameter p."""

    # From book/14-optimisers-initialisation.md, section "Momentum"
    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        """As torch.optim.SGD: momentum is mu in v <- mu * v + g (v_1 = g_1),
        weight_decay is lambda in g <- dL/dp + lambda * p."""
        Optimizer.__init__(self, params, lr=lr, momentum=momentum,
                           weight_decay=weight_decay)
        self.velocity = [0.0] * len(self.parameters)

    def step(self):
        for i, p in enumerate(self.parameters):
            if p.grad is None:              # as in PyTorch: no gradient, no step
                continue
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if self.momentum:
                g = self.momentum * self.velocity[i] + g
                self.velocity[i] = g
            p.data -= self.lr * g


# From book/14-optimisers-initialisation.md, section "RMSprop"
class RMSprop(Optimizer):
    """As torch.optim.RMSprop: with g = dL/dp + weight_decay * p,
        s <- rho * s + (1 - rho) * g**2     (rho is the argument alpha)
        p <- p - lr * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8,
                 weight_decay=0.0):
        super().__init__(params, lr=lr, alpha=alpha, eps=eps,
                         weight_decay=weight_decay)
        self.square_avg = [0.0] * len(self.parameters)

    def step(self):
        for i, p in enumerate(self.parameters):
            if p.grad is None:
                continue
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            rho = self.alpha
            s = rho * self.square_avg[i] + (1 - rho) * g * g
            self.square_avg[i] = s
            # ** 0.5 rather than math.sqrt: it takes a float or an array.
            p.data -= self.lr * g / (s ** 0.5 + self.eps)


# From book/14-optimisers-initialisation.md, section "Adam"
class Adam(Optimizer):
    """As torch.optim.Adam: with g = dL/dp + weight_decay * p, at step t,
        m <- beta1 * m + (1 - beta1) * g          (mean of g)
        s <- beta2 * s + (1 - beta2) * g**2       (mean of g**2)
        p <- p - lr * m_hat / (sqrt(s_hat) + eps)
    where m_hat = m / (1 - beta1**t) and s_hat = s / (1 - beta2**t).
    """

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0):
        super().__init__(params, lr=lr, betas=betas, eps=eps,
                         weight_decay=weight_decay)
        self.m = [0.0] * len(self.parameters)
        self.s = [0.0] * len(self.parameters)
        self.t = 0                                  # steps taken

    def step(self):
        self.t += 1
        beta1, beta2 = self.betas
        correction1 = 1 - beta1 ** self.t
        correction2 = 1 - beta2 ** self.t
        for i, p in enumerate(self.parameters):
            if p.grad is None:
                continue
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * g
            self.s[i] = beta2 * self.s[i] + (1 - beta2) * g * g
            m_hat = self.m[i] / correction1
            s_hat = self.s[i] / correction2
            p.data -= self.lr * m_hat / (s_hat ** 0.5 + self.eps)


# From book/14-optimisers-initialisation.md, section "Slowing down at the end"
class CosineAnnealingLR:
    """As torch.optim.lr_scheduler.CosineAnnealingLR: after t steps,
        lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * t / T_max)) / 2
    with lr0 the optimiser's lr when the schedule was made."""

    # From book/appendix-engine-contract.md, section "Optimiser settings"
    def __init__(self, optimizer, T_max, eta_min=0.0):
        _check_setting('T_max', T_max, 1)
        self.optimizer = optimizer
        self.T_max = T_max
        self.eta_min = eta_min
        self.base_lr = optimizer.lr
        self.t = 0

    # From book/14-optimisers-initialisation.md, section "Slowing down at the end"
    def step(self):
        self.t += 1
        cosine = (1 + math.cos(math.pi * self.t / self.T_max)) / 2
        lr = self.eta_min + (self.base_lr - self.eta_min) * cosine
        self.optimizer.lr = lr


# From book/appendix-engine-contract.md, section "Optimiser settings"
# Where torch.optim draws the line for each setting: (lowest, highest,
# whether the highest itself is allowed).  Each of Adam's betas is checked
# against 'beta'.
SETTING_RANGES = {
    'lr': (0, math.inf, True),
    'momentum': (0, math.inf, True),
    'weight_decay': (0, math.inf, True),
    'eps': (0, math.inf, True),
    'alpha': (0, 1, True),          # stricter than PyTorch, see above
    'beta': (0, 1, False),
}


def _check_setting(name, value, low, high=math.inf, high_allowed=True):
    """Refuse a setting that is not a real number from low up to high."""
    if high == math.inf:
        allowed = f">= {low}"
    else:
        allowed = f"in [{low}, {high}{']' if high_allowed else ')'}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number {allowed}, got {value!r}")
    # Written so that nan, which fails every comparison, is refused too.
    if not (low <= value <= high and (high_allowed or value < high)):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")

# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/nn.py` in
#
#     book/07-neurons-layers-mlps.md
#     book/11-performance.md
#     book/14-optimisers-initialisation.md
#     book/appendix-engine-contract.md
#     book/appendix-performance.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

import random
from micrograd.engine import Value
import math
import numbers


# From book/07-neurons-layers-mlps.md, section "A neuron in code"
class Module:
    """Anything with trainable parameters: a neuron, a layer, a network."""

    def parameters(self):
        """Every trainable Value, always in the same order."""
        return []

    def zero_grad(self):
        """Set every parameter's gradient back to zero: backward() adds to a
        leaf's gradient, so each step would otherwise carry all earlier ones."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """An activation of a weighted sum of the inputs plus a bias."""

    # From book/appendix-engine-contract.md, section "Network sizes"
    def __init__(self, nin, activation='relu', nonlin=None, init='uniform',
                 fan_out=1):
        _check_size('nin', nin, 0)
        self.w = [Value(w) for w in initial_weights(nin, fan_out, init)]
        self.b = Value(0.0)
        self.activation = _activation(activation, nonlin)

    # From book/appendix-performance.md, section "Checking the inputs once per layer"
    def __call__(self, x):
        # A layer checks its inputs once and calls _forward itself; a neuron
        # used on its own checks them here.
        return self._forward(_check_inputs(x, len(self.w)))

    # From book/07-neurons-layers-mlps.md, section "A neuron in code"
    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"Neuron({len(self.w)}, {self.activation or 'linear'})"

    # From book/appendix-engine-contract.md, section "The original switch, `nonlin`"
    @property
    def nonlin(self):
        """Whether there is an activation (the original micrograd's name)."""
        return self.activation is not None

    # From book/appendix-performance.md, section "Checking the inputs once per layer"
    def _forward(self, x):
        """The neuron's output for inputs already checked by _check_inputs."""
        # One node for the whole weighted sum, instead of one per product and
        # per addition.
        z = weighted_sum(self.w, x, self.b)
        if self.activation is None:
            return z
        return z.relu() if self.activation == 'relu' else z.tanh()


ACTIVATIONS = ('relu', 'tanh', None)      # None: no activation, linear


def _activation(activation, nonlin=None):
    """The activation, checked; nonlin=True/False is the original
    micrograd's switch for 'relu'/None."""
    if nonlin is not None:
        if activation != 'relu':
            raise TypeError("give activation= or nonlin=, not both")
        activation = 'relu' if nonlin else None
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, "
                         f"got {activation!r}")
    return activation


# From book/07-neurons-layers-mlps.md, section "Layers"
class Layer(Module):
    """nout neurons that all read the same nin inputs; keyword arguments
    (activation=) are passed on to every Neuron."""

    # From book/appendix-engine-contract.md, section "Network sizes"
    def __init__(self, nin, nout, **kwargs):
        _check_size('nin', nin, 0)
        _check_size('nout', nout, 1)
        self.neurons = [Neuron(nin, fan_out=nout, **kwargs)
                        for _ in range(nout)]

    # From book/appendix-performance.md, section "Checking the inputs once per layer"
    def __call__(self, x):
        # Every neuron reads the same inputs: check them once for the layer,
        # not once per neuron.
        x = _check_inputs(x, len(self.neurons[0].w))
        out = [neuron._forward(x) for neuron in self.neurons]
        # A one-neuron layer returns a bare Value, which is handier for a
        # network with a single output.
        return out[0] if len(out) == 1 else out

    # From book/07-neurons-layers-mlps.md, section "Layers"
    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self):
        first = self.neurons[0]
        return (f"Layer({len(first.w)} -> {len(self.neurons)}, "
                f"{first.activation or 'linear'})")


# From book/07-neurons-layers-mlps.md, section "Multi-layer perceptrons"
class MLP(Module):
    """nin inputs, then one layer per entry of nouts; hidden layers use the
    activation, the last is linear unless linear_output=False."""

    # From book/appendix-engine-contract.md, section "Network sizes"
    def __init__(self, nin, nouts, activation='relu', linear_output=True,
                 nonlin=None, init='uniform'):
        _check_size('nin', nin, 0)
        nouts = list(nouts)
        _check_size('len(nouts)', len(nouts), 1)
        for i, nout in enumerate(nouts):
            _check_size(f"nouts[{i}]", nout, 1)
        hidden = _activation(activation, nonlin)
        output = None if linear_output else hidden
        sizes = [nin] + nouts
        self.layers = [
            Layer(sizes[i], sizes[i + 1], init=init,
                  activation=hidden if i < len(nouts) - 1 else output)
            for i in range(len(nouts))]

    # From book/07-neurons-layers-mlps.md, section "Multi-layer perceptrons"
    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
            if isinstance(x, Value):     # the next layer needs a list
                x = [x]
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP({', '.join(repr(layer) for layer in self.layers)})"


# From book/11-performance.md, section "One node per neuron"
def weighted_sum(weights, inputs, bias):
    """bias + weights[0]*inputs[0] + weights[1]*inputs[1] + ... as ONE node.

    weights and bias are Values; each input is a number or a Value.  The
    node's children are the bias, every weight and every input that is a
    Value; a plain number needs no gradient, so it is not a child.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"{len(weights)} weights but {len(inputs)} inputs")
    total = bias.data
    children, local_grads = [bias], [1.0]        # dz/db = 1
    for w, x in zip(weights, inputs):
        if isinstance(x, Value):
            children += (w, x)
            local_grads += (x.data, w.data)      # dz/dw = x, dz/dx = w
            x = x.data
        else:
            x = float(x)
            children.append(w)
            local_grads.append(x)                # dz/dw = x
        # Summed from the bias, product by product, as sum() does: the same
        # float as the unfused graph gives.
        total += w.data * x
    return Value(total, children, 'Σ w·x + b', _local_grads=local_grads)


# From book/14-optimisers-initialisation.md, section "A better start, built in"
INITS = ('uniform', 'xavier', 'he')


def initial_weights(fan_in, fan_out, init='uniform'):
    """fan_in starting weights for a neuron in a layer of fan_out neurons:
    'uniform' as micrograd always did, 'xavier' as torch.nn.init.xavier_
    uniform_, 'he' as torch.nn.init.kaiming_normal_ (for ReLU)."""
    if init == 'uniform':
        return [random.uniform(-1, 1) for _ in range(fan_in)]
    if init == 'xavier':
        bound = math.sqrt(6 / (fan_in + fan_out))
        return [random.uniform(-bound, bound) for _ in range(fan_in)]
    if init == 'he':
        std = math.sqrt(2 / fan_in)
        return [random.gauss(0.0, std) for _ in range(fan_in)]
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


# From book/appendix-engine-contract.md, section "The check"
def _check_inputs(x, expected):
    """Check the inputs; return them as a list of floats and Values."""
    x = list(x)
    if len(x) != expected:
        raise ValueError(f"expected {expected} inputs, got {len(x)}")
    checked = []
    for i, xi in enumerate(x):
        if isinstance(xi, Value):
            checked.append(xi)
        elif isinstance(xi, numbers.Real) and not isinstance(xi, bool):
            checked.append(float(xi))
        else:
            raise TypeError(f"input {i} must be a number (not a bool) or a "
                            f"Value, got {type(xi).__name__} {xi!r}")
    return checked


# From book/appendix-engine-contract.md, section "Network sizes"
def _check_size(name, value, least):
    """Refuse a size that is not a whole number of at least `least`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number >= {least}, "
                        f"got {value!r}")
    if value < least:
        raise ValueError(f"{name} must be a whole number >= {least}, "
                         f"got {value!r}")

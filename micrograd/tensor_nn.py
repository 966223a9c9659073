# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/tensor_nn.py` in
#
#     book/17-digits-with-tensors.md
#     book/appendix-engine-contract.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

import numpy as np
from micrograd.tensor import Tensor


# From book/17-digits-with-tensors.md, section "The network as two matrices"
class Linear:
    """nout neurons reading nin inputs: x @ weight.T + bias for a batch x,
    weight (nout, nin) drawn with He's rule, bias 0.  rng: a Generator or a
    seed for one."""

    def __init__(self, nin, nout, rng=None):
        rng = np.random.default_rng(rng)
        self.weight = Tensor(rng.normal(0.0, np.sqrt(2 / nin), (nout, nin)))
        self.bias = Tensor(np.zeros(nout))

    def __call__(self, x):
        # x may be a NumPy array: array @ Tensor is Tensor.__rmatmul__
        return x @ self.weight.T + self.bias

    def parameters(self):
        return [self.weight, self.bias]


class TensorMLP:
    """MLP's network with tensors: one Linear layer per entry of nouts,
    ReLU after every layer but the last; called on a (batch, nin) array."""

    def __init__(self, nin, nouts, seed=None):
        rng = np.random.default_rng(seed)
        sizes = [nin] + list(nouts)
        self.layers = [Linear(n, m, rng) for n, m in zip(sizes, sizes[1:])]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = layer(x).relu()
        return self.layers[-1](x)

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = np.zeros_like(p.data)

    # From book/appendix-engine-contract.md, section "What `from_scalar` copies"
    @classmethod
    def from_scalar(cls, mlp):
        """A TensorMLP holding a copy of the weights and biases of a scalar MLP.
        Refuses an MLP whose hidden layers do not all use ReLU or whose last
        layer is not linear: no TensorMLP computes what it computes."""
        for i, layer in enumerate(mlp.layers):
            wanted = None if i == len(mlp.layers) - 1 else 'relu'
            for neuron in layer.neurons:
                if neuron.activation != wanted:
                    raise ValueError(
                        f"TensorMLP.from_scalar copies an MLP with ReLU hidden "
                        f"layers and a linear last layer; layer {i} of this one "
                        f"has a {neuron.activation or 'linear'} neuron")
        nouts = [len(layer.neurons) for layer in mlp.layers]
        model = cls(len(mlp.layers[0].neurons[0].w), nouts)
        for linear, layer in zip(model.layers, mlp.layers):
            linear.weight.data = np.array(
                [[w.data for w in neuron.w] for neuron in layer.neurons])
            linear.bias.data = np.array([n.b.data for n in layer.neurons])
        return model

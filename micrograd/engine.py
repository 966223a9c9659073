# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/engine.py` in
#
#     book/04-computation-graphs.md
#     book/05-backpropagation.md
#     book/06-more-operations.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

import math


# From book/04-computation-graphs.md, section "The `Value` object"
class Value:
    """A scalar that remembers the operation and the inputs that produced it."""

    # From book/05-backpropagation.md, section "Operations that remember their local derivatives"
    def __init__(self, data, _children=(), _op='', label='', _local_grads=()):
        self.data = data
        self.grad = 0.0               # d(output)/d(this value); backward() fills it in
        self._prev = tuple(_children)
        # d(self)/d(child), one per child and aligned with _prev.  Each operation knows its own derivative when it
        # runs, so it records it here; backward() then only has to multiply and add.
        self._local_grads = tuple(_local_grads)
        self._op = _op
        self.label = label

    # From book/04-computation-graphs.md, section "The `Value` object"
    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # From book/06-more-operations.md, section "Wrapping plain numbers"
    def __add__(self, other):
        # Accept plain numbers too: a constant becomes a leaf whose gradient is computed but never used.
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), '+', _local_grads=(1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), '*', _local_grads=(other.data, self.data))

    # From book/05-backpropagation.md, section "The tanh activation"
    def tanh(self):
        t = math.tanh(self.data)
        # d tanh(x)/dx = 1 - tanh(x)^2, computed from the output we already have
        return Value(t, (self,), 'tanh', _local_grads=(1 - t * t,))

    # From book/05-backpropagation.md, section "The `backward` method"
    def backward(self):
        """Fill in `.grad` of every Value this one depends on with d(self)/d(that value)."""
        # Order the graph so that each node comes after everything it was computed from.  An explicit stack
        # instead of recursion, so that a graph a million operations deep does not hit Python's recursion limit.
        topo, visited, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                topo.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        # Gradients of intermediate nodes belong to one pass; leaves (inputs, weights) accumulate across passes,
        # exactly as in PyTorch.  So clear the intermediates, seed the output, and chain backwards.
        for node in topo:
            if node._prev:
                node.grad = 0.0
        self.grad = 1.0
        # Reversed topological order: by the time a node is reached, every node that used it has already added
        # its share to node.grad, so node.grad is final and can be passed on.
        for node in reversed(topo):
            for child, local in zip(node._prev, node._local_grads):
                child.grad += local * node.grad     # chain rule: local derivative times upstream gradient

    # From book/06-more-operations.md, section "Why `2 * a` needs a second method"
    def __radd__(self, other):
        # Python calls this for `number + value`, after int/float.__add__ returned NotImplemented.
        return self + other

    def __rmul__(self, other):
        # Likewise for `number * value`.
        return self * other

    # From book/06-more-operations.md, section "Negation and subtraction"
    def __neg__(self):
        # Built from *, so backward() already knows its derivative (-1).
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        # `number - value`: the number is `other`.
        return other + (-self)

    # From book/06-more-operations.md, section "Powers"
    def __pow__(self, exponent):
        # Only a constant exponent: then d/dx x**n = n * x**(n-1) is all we need.  A Value exponent would also
        # need d/dn x**n = x**n * log(x); refuse it loudly rather than silently treat it as a constant.
        if not isinstance(exponent, (int, float)):
            raise TypeError(f"Value ** exponent needs a plain int or float exponent, got {type(exponent).__name__}")
        return Value(self.data ** exponent, (self,), f'**{exponent}',
                     _local_grads=(exponent * self.data ** (exponent - 1),))

    # From book/06-more-operations.md, section "Division"
    def __truediv__(self, other):
        # a / b = a * b**-1: two operations whose derivatives we already have.
        return self * other ** -1

    def __rtruediv__(self, other):
        # `number / value`.
        return other * self ** -1

    # From book/06-more-operations.md, section "Exponential and logarithm"
    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), 'exp', _local_grads=(e,))   # d/dx e^x = e^x: reuse the output

    def log(self):
        # Natural logarithm; like math.log, it is defined only for positive numbers.
        return Value(math.log(self.data), (self,), 'log', _local_grads=(1 / self.data,))

    # From book/06-more-operations.md, section "ReLU"
    def relu(self):
        # The slope is 1 to the right of zero and 0 to the left; at exactly 0 we choose 0, as PyTorch does.
        return Value(max(self.data, 0.0), (self,), 'relu', _local_grads=(1.0 if self.data > 0 else 0.0,))

    # From book/06-more-operations.md, section "Why the careful form"
    def sigmoid(self):
        # Written so that exp never sees a large positive argument: exp(-x) for x >= 0, exp(x) otherwise.
        # The two forms are the same function (multiply top and bottom by e^x); only one can overflow at each end.
        if self.data >= 0:
            s = 1 / (1 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1 + e)
        return Value(s, (self,), 'sigmoid', _local_grads=(s * (1 - s),))

# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/engine.py` in
#
#     book/03-computation-graphs.md
#     book/04-backpropagation.md
#     book/05-more-operations.md
#     book/appendix-engine-contract.md
#     book/appendix-performance.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

import math
import numbers


# From book/03-computation-graphs.md, section "The `Value` object"
class Value:
    """A scalar that remembers which operation, on which values, produced it."""

    # From book/appendix-performance.md, section "A fast path for floats"
    def __init__(self, data, _children=(), _op='', label='', _local_grads=()):
        # The operations always hand over a Python float: accept it at once,
        # without the isinstance(data, numbers.Real) check, which costs many
        # times as much.  Anything else must be a real number (a bool is almost
        # always a slip) and is stored as a Python float, so that one kind of
        # number lives inside the engine.
        if type(data) is not float:
            if isinstance(data, bool) or not isinstance(data, numbers.Real):
                raise TypeError("Value(data) needs a real number such as 2 or "
                                f"0.5, got {type(data).__name__}: {data!r}")
            data = float(data)
        self.data = data
        self.grad = 0.0     # d(output)/d(this value); backward() fills it in
        self._prev = tuple(_children)
        # d(self)/d(child), one per child, aligned with _prev.
        self._local_grads = tuple(_local_grads)
        self._op = _op
        self.label = label

    # From book/03-computation-graphs.md, section "The `Value` object"
    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # From book/05-more-operations.md, section "Numbers on either side"
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)  # a leaf
        return Value(self.data + other.data, (self, other), '+',
                     _local_grads=(1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), '*',
                     _local_grads=(other.data, self.data))

    # From book/04-backpropagation.md, section "The tanh activation"
    def tanh(self):
        t = math.tanh(self.data)
        # d tanh(x)/dx = 1 - tanh(x)^2, computed from the output we have
        return Value(t, (self,), 'tanh', _local_grads=(1 - t * t,))

    # From book/appendix-performance.md, section "A leaner `backward`"
    def backward(self):
        """Set the .grad of every Value this one depends on to d(self)/d(it)."""
        # Reverse topological order by depth-first search.  The stack holds
        # nodes; a None above a node means "its children are all placed, place it
        # now".  An explicit stack instead of recursion,
        # so that a graph a million operations deep does not hit Python's
        # recursion limit.
        topo, visited, stack = [], set(), [self]
        while stack:
            node = stack.pop()
            if node is None:
                node = stack.pop()
                # Its gradient belongs to this pass: clear it (leaves keep theirs
                # and accumulate across passes, as in PyTorch).
                node.grad = 0.0
                topo.append(node)
            elif node not in visited:
                visited.add(node)
                if node._prev:          # a leaf has nothing to pass on: not placed
                    stack.append(node)
                    stack.append(None)
                    stack.extend(node._prev)
        self.grad = 1.0
        # Reversed topological order: by the time a node is reached, every node
        # that used it has added its share to node.grad, so node.grad is final.
        for node in reversed(topo):
            grad = node.grad
            for child, local in zip(node._prev, node._local_grads):
                # chain rule: local derivative times upstream gradient, summed
                # over every use of the child
                child.grad += local * grad

    # From book/05-more-operations.md, section "Why `3 * a` needs a second method"
    def __radd__(self, other):     # `number + value`
        return self + other

    def __rmul__(self, other):     # `number * value`
        return self * other

    # From book/05-more-operations.md, section "Negation and subtraction"
    def __neg__(self):
        return self * -1

    # From book/appendix-engine-contract.md, section "What a Value may hold"
    def __sub__(self, other):
        # Wrap first, as __add__ does: negating a non-number would fail (or,
        # for True, quietly give -1) before Value could check its data.
        other = other if isinstance(other, Value) else Value(other)
        return self + (-other)

    # From book/05-more-operations.md, section "Negation and subtraction"
    def __rsub__(self, other):     # `number - value`
        return other + (-self)

    # From book/appendix-engine-contract.md, section "Powers and division with checked arguments"
    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            return self._pow_value(exponent)   # two local derivatives
        # A bool is an int to Python, but True as an exponent is surely a slip.
        if (isinstance(exponent, bool)
                or not isinstance(exponent, numbers.Real)):
            raise TypeError("Value ** exponent needs a number or a Value as "
                            f"exponent, got {type(exponent).__name__}")
        if isinstance(exponent, numbers.Integral):
            exponent = int(exponent)        # keeps the label **2, not **2.0
        else:
            exponent = float(exponent)
        x = self.data
        # Python would raise with a message naming no operation (0.0 ** -1), or
        # quietly return a complex number ((-8.0) ** 0.5); say what went wrong.
        if x == 0 and exponent < 0:
            raise ZeroDivisionError(f"{x} ** {exponent} is undefined "
                                    "(it divides by zero)")
        if x < 0 and not float(exponent).is_integer():
            raise ValueError(f"({x}) ** {exponent} is not a real number "
                             "(negative base, fractional exponent)")
        if exponent == 0:
            local = 0.0             # x ** 0 is the constant 1, even at x = 0
        elif x == 0 and exponent < 1:
            local = math.inf        # the slope of x ** 0.5 at 0 is vertical
        else:
            local = exponent * _power(x, exponent - 1)
        return Value(_power(x, exponent), (self,), f'**{exponent}',
                     _local_grads=(local,))

    def _pow_value(self, exponent):
        """self ** exponent when the exponent is a Value too."""
        a, b = self.data, exponent.data
        # d/db a**b = a**b * log(a) needs log(a): refuse a base <= 0 rather
        # than return a gradient that is nan, complex or silently wrong.
        if a <= 0:
            raise ValueError(
                f"a ** b with a Value exponent b needs a positive "
                f"base a, got a = {a} (d/db a**b = a**b * log(a))")
        out = _power(a, b)
        return Value(out, (self, exponent), '**',
                     _local_grads=(b * _power(a, b - 1), out * math.log(a)))

    # From book/05-more-operations.md, section "Powers"
    def __rpow__(self, base):     # `number ** value`
        return Value(base) ** self

    # From book/appendix-engine-contract.md, section "Powers and division with checked arguments"
    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        a, b = self.data, other.data
        if b == 0:
            raise ZeroDivisionError(f"division by zero: {a} / {b}")
        out = a / b
        # d/da = 1/b and d/db = -a/b**2, the latter as -(a/b)/b: b**2 itself
        # can be out of range when the quotient and its derivatives are not.
        return Value(out, (self, other), '/', _local_grads=(1 / b, -out / b))

    # From book/05-more-operations.md, section "Division"
    def __rtruediv__(self, other):     # `number / value`
        return Value(other) / self

    # From book/05-more-operations.md, section "Exponential and logarithm"
    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:
            e = math.inf    # overflow: inf, as float arithmetic gives
        # d/dx e^x = e^x: the local derivative is the output itself
        return Value(e, (self,), 'exp', _local_grads=(e,))

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log({self.data}) is undefined: log needs a "
                             "positive number")
        return Value(math.log(self.data), (self,), 'log',
                     _local_grads=(1 / self.data,))

    # From book/05-more-operations.md, section "ReLU"
    def relu(self):
        # the slope at exactly 0 is a choice: 0, as in PyTorch
        return Value(max(self.data, 0.0), (self,), 'relu',
                     _local_grads=(1.0 if self.data > 0 else 0.0,))

    # From book/05-more-operations.md, section "Sigmoid"
    def sigmoid(self):
        # exp never sees a large positive argument, so it cannot overflow
        if self.data >= 0:
            s = 1 / (1 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1 + e)
        return Value(s, (self,), 'sigmoid', _local_grads=(s * (1 - s),))


# From book/appendix-engine-contract.md, section "Powers and division with checked arguments"
def _power(x, n):
    """x ** n as a float, or an infinity (with its sign) when that is too
    large for a float, as float arithmetic and PyTorch give."""
    try:
        return x ** n
    except OverflowError:
        return -math.inf if x < 0 and n % 2 == 1 else math.inf

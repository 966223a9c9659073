# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/tensor.py` in
#
#     book/16-tensor-engine.md
#     book/appendix-engine-contract.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

import numpy as np
import numbers


# From book/16-tensor-engine.md, section "The `Tensor` object"
class Tensor:
    """A float64 array that remembers the operation that produced it."""

    __array_ufunc__ = None   # NumPy leaves `array + tensor` to Tensor.__radd__

    # From book/appendix-engine-contract.md, section "What a tensor may hold"
    def __init__(self, data, _children=(), _op='', _backward=None):
        self.data = _as_array(data)
        self.grad = np.zeros_like(self.data)  # d(output)/d(this tensor)
        self._prev = tuple(_children)
        self._backward = _backward  # output's grad -> grads of the _prev
        self._op = _op

    # From book/16-tensor-engine.md, section "The `Tensor` object"
    @property
    def shape(self):
        return self.data.shape

    # From book/appendix-engine-contract.md, section "What a tensor may hold"
    def item(self):
        """The one number of a one-element tensor, as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, "
                             f"this one has shape {self.shape}")
        return float(self.data.reshape(()))

    # From book/16-tensor-engine.md, section "The `Tensor` object"
    def __repr__(self):
        numbers_ = np.array2string(self.data, precision=4, separator=', ',
                                   prefix='Tensor(')
        return f"Tensor({numbers_}, shape={self.shape})"

    # From book/appendix-engine-contract.md, section "Batches of matrices"
    def __matmul__(self, other):
        other = _wrap(other)
        a, b = self.data, other.data
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"@ needs at least a vector on each side, got "
                             f"shapes {a.shape} and {b.shape}")
        # As matrices: a vector on the left is a row, on the right a column.
        a2 = a if a.ndim > 1 else a[None, :]
        b2 = b if b.ndim > 1 else b[:, None]
        if a2.shape[-1] != b2.shape[-2]:
            raise ValueError(f"shapes {a.shape} and {b.shape} do not match for "
                             f"@: {a2.shape[-1]} columns on the left, "
                             f"{b2.shape[-2]} rows on the right")
        try:
            batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        except ValueError:
            raise ValueError(f"shapes {a.shape} and {b.shape} do not match for "
                             f"@: their batch dimensions {a2.shape[:-2]} and "
                             f"{b2.shape[:-2]} cannot be broadcast") from None

        def backward(grad):
            # the gradient as a batch of matrices, with a vector's lost dim back
            g = grad.reshape(batch + (a2.shape[-2], b2.shape[-1]))
            grad_a = g @ np.swapaxes(b2, -1, -2)     # G B^T, product by product
            grad_b = np.swapaxes(a2, -1, -2) @ g     # A^T G
            return (_unbroadcast(grad_a, a2.shape).reshape(a.shape),
                    _unbroadcast(grad_b, b2.shape).reshape(b.shape))

        return Tensor(a @ b, (self, other), '@', backward)

    # From book/16-tensor-engine.md, section "The matrix product"
    def __rmatmul__(self, other):   # `array @ tensor`
        return _wrap(other) @ self

    @property
    def T(self):
        return Tensor(self.data.T, (self,), 'T', lambda grad: (grad.T,))

    # From book/appendix-engine-contract.md, section "Shapes that do not broadcast, and results that do not exist"
    def __add__(self, other):
        other = _wrap(other)
        _broadcast_check('+', self.data, other.data)

        def backward(grad):
            return (_unbroadcast(grad, self.shape),
                    _unbroadcast(grad, other.shape))

        return Tensor(self.data + other.data, (self, other), '+', backward)

    # From book/16-tensor-engine.md, section "Adding, and the backward pass of broadcasting"
    def __radd__(self, other):
        return self + other

    # From book/appendix-engine-contract.md, section "Dimensions and shapes"
    def _dims(self, dim):
        """dim (None, an int, or a tuple of ints) as a sorted tuple of
        dimensions in range(ndim); negative dims count from the end."""
        ndim = self.data.ndim
        if dim is None:
            return tuple(range(ndim))
        dims = dim if isinstance(dim, tuple) else (dim,)
        checked = []
        for d in dims:
            if isinstance(d, bool) or not isinstance(d, numbers.Integral):
                raise TypeError(f"dim must be None, an int or a tuple of ints, "
                                f"got {dim!r}")
            if not -ndim <= d < ndim:
                raise ValueError(f"dim {d} is out of range for a tensor with "
                                 f"{ndim} dimensions")
            checked.append(int(d) % ndim)
        if len(set(checked)) != len(checked):
            raise ValueError(f"dim {dim!r} repeats a dimension")
        return tuple(sorted(checked))

    # From book/16-tensor-engine.md, section "Sums over axes"
    def sum(self, dim=None, keepdim=False):
        dims = self._dims(dim)
        out = self.data.sum(axis=dims, keepdims=keepdim)

        def backward(grad):
            if not keepdim:
                grad = np.expand_dims(grad, dims)   # the summed dims, size 1
            return (np.broadcast_to(grad, self.shape),)

        return Tensor(out, (self,), 'sum', backward)

    # From book/16-tensor-engine.md, section "The backward pass"
    def backward(self):
        """Set the .grad of every tensor this one depends on to d(self)/d(it).
        self must hold a single number, such as a loss."""
        if self.data.size != 1:
            raise ValueError(f"backward() needs a one-number tensor (a loss), "
                             f"not one of shape {self.shape}: try .sum()")
        # Reverse topological order as in Value.backward: None = "place it now"
        topo, visited, stack = [], set(), [self]
        while stack:
            node = stack.pop()
            if node is None:
                node = stack.pop()
                node.grad = np.zeros_like(node.data)   # this pass's gradient
                topo.append(node)
            elif node not in visited:
                visited.add(node)
                if node._prev:       # leaves keep (and accumulate) their .grad
                    stack.append(node)
                    stack.append(None)
                    stack.extend(node._prev)
        self.grad = self.grad + 1.0   # d(loss)/d(loss) = 1
        for node in reversed(topo):
            grads = node._backward(node.grad)
            for child, grad in zip(node._prev, grads):
                child.grad += grad   # summed over every use of the child

    # From book/appendix-engine-contract.md, section "Shapes that do not broadcast, and results that do not exist"
    def __mul__(self, other):
        other = _wrap(other)
        a, b = self.data, other.data
        _broadcast_check('*', a, b)

        def backward(grad):
            return (_unbroadcast(grad * b, a.shape),
                    _unbroadcast(grad * a, b.shape))

        return Tensor(a * b, (self, other), '*', backward)

    # From book/16-tensor-engine.md, section "The rest of the arithmetic"
    def __rmul__(self, other):
        return self * other

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-_wrap(other))

    def __rsub__(self, other):
        return _wrap(other) + (-self)

    # From book/appendix-engine-contract.md, section "Shapes that do not broadcast, and results that do not exist"
    def __truediv__(self, other):
        other = _wrap(other)
        a, b = self.data, other.data
        _broadcast_check('/', a, b)
        if (b == 0).any():
            raise ZeroDivisionError(f"division by zero: the divisor of shape "
                                    f"{b.shape} holds a 0")
        out = a / b

        def backward(grad):
            return (_unbroadcast(grad / b, a.shape),
                    _unbroadcast(-grad * out / b, b.shape))

        return Tensor(out, (self, other), '/', backward)

    # From book/16-tensor-engine.md, section "The rest of the arithmetic"
    def __rtruediv__(self, other):
        return _wrap(other) / self

    # From book/appendix-engine-contract.md, section "Shapes that do not broadcast, and results that do not exist"
    def __pow__(self, exponent):
        if (isinstance(exponent, bool)
                or not isinstance(exponent, numbers.Real)):
            raise TypeError(f"Tensor ** exponent needs a number as exponent, "
                            f"got {type(exponent).__name__}")
        p, a = float(exponent), self.data
        if p < 0 and (a == 0).any():
            raise ZeroDivisionError(f"0 ** {exponent} is undefined (it divides "
                                    "by zero)")
        if not p.is_integer() and (a < 0).any():
            raise ValueError(f"a negative number ** {exponent} is not a real "
                             "number (negative base, fractional exponent)")
        with np.errstate(over='ignore'):     # too large: inf, as floats give
            out = a ** p

        def backward(grad):
            if p == 0:                       # a ** 0 is the constant 1
                return (np.zeros_like(a),)
            # 0 ** -0.5: an infinite slope; overflow: inf, as floats give
            with np.errstate(divide='ignore', over='ignore'):
                return (grad * p * a ** (p - 1),)

        return Tensor(out, (self,), f'**{exponent}', backward)

    # From book/16-tensor-engine.md, section "Functions applied entry by entry"
    def exp(self):
        with np.errstate(over='ignore'):     # too large: inf, as floats give
            out = np.exp(self.data)
        return Tensor(out, (self,), 'exp', lambda grad: (grad * out,))

    def relu(self):
        # slope 1 where positive, else 0 (0 at 0, as PyTorch); nan stays nan
        positive = self.data > 0
        return Tensor(np.maximum(self.data, 0.0), (self,), 'relu',
                      lambda grad: (grad * positive,))

    # From book/appendix-engine-contract.md, section "Shapes that do not broadcast, and results that do not exist"
    def log(self):
        if (self.data <= 0).any():
            bad = self.data[self.data <= 0].flat[0]
            raise ValueError(f"log({bad}) is undefined: log needs positive "
                             "numbers")
        x = self.data
        return Tensor(np.log(x), (self,), 'log', lambda grad: (grad / x,))

    # From book/16-tensor-engine.md, section "Functions applied entry by entry"
    def tanh(self):
        t = np.tanh(self.data)
        return Tensor(t, (self,), 'tanh', lambda grad: (grad * (1 - t * t),))

    def sigmoid(self):
        x = self.data
        e = np.exp(-np.abs(x))               # never overflows
        s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return Tensor(s, (self,), 'sigmoid',
                      lambda grad: (grad * s * (1 - s),))

    # From book/16-tensor-engine.md, section "Means and reshapes"
    def mean(self, dim=None, keepdim=False):
        dims = self._dims(dim)
        count = int(np.prod([self.shape[d] for d in dims]))
        return self.sum(dim=dims, keepdim=keepdim) / count

    # From book/appendix-engine-contract.md, section "Dimensions and shapes"
    def reshape(self, *shape):
        # t.reshape(2, 3) and t.reshape((2, 3)) both work, as in NumPy
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            out = self.data.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(f"cannot reshape a tensor of shape {self.shape} "
                             f"({self.data.size} numbers) to {shape}") from None
        return Tensor(out, (self,), 'reshape',
                      lambda grad: (grad.reshape(self.shape),))

    def log_softmax(self, dim=-1):
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"dim must be one int (a single dimension), got "
                            f"{dim!r}")
        d = self._dims(dim)[0]
        out = _log_softmax(self.data, d)

        def backward(grad):
            softmax = np.exp(out)
            return (grad - softmax * grad.sum(axis=d, keepdims=True),)

        return Tensor(out, (self,), 'log_softmax', backward)

    # From book/appendix-engine-contract.md, section "Targets for the cross-entropy"
    def _check_targets(self, targets):
        """Refuse logits that are not (batch, classes), or targets that are
        not one integer class in range(classes) per row."""
        if self.data.ndim != 2:
            raise ValueError(f"cross_entropy needs logits of shape (batch, "
                             f"classes), got shape {self.shape}")
        batch, classes = self.shape
        # i, u: signed and unsigned integers; not floats or bools
        if targets.shape != (batch,) or targets.dtype.kind not in 'iu':
            raise ValueError(f"cross_entropy needs one integer class per "
                             f"example, shape ({batch},); got {targets.dtype} "
                             f"of shape {targets.shape}")
        if ((targets < 0) | (targets >= classes)).any():
            raise ValueError(f"targets must be classes in range({classes}), "
                             f"got {targets.min()} to {targets.max()}")


def _wrap(other):
    """A Tensor as it is, anything else as a constant leaf tensor."""
    return other if isinstance(other, Tensor) else Tensor(other)


# From book/16-tensor-engine.md, section "Adding, and the backward pass of broadcasting"
def _unbroadcast(grad, shape):
    """Sum grad (shaped like an operation's output) down to `shape`, the
    shape of an input that broadcasting stretched."""
    # 1. axes that broadcasting put in front of the input's shape
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    # 2. axes where the input had size 1 and the output has more
    stretched = tuple(axis for axis, size in enumerate(shape)
                      if size == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


# From book/16-tensor-engine.md, section "Many classes: log-softmax and cross-entropy"
def _log_softmax(z, axis):
    """The log-softmax of the array z along axis, without overflow."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def cross_entropy(logits, targets):
    """The mean over a batch of -log softmax(logits)[target], as one node:
    logits (batch, classes), targets one class index per example."""
    logits, targets = _wrap(logits), np.asarray(targets)
    logits._check_targets(targets)
    batch = logits.shape[0]
    rows = np.arange(batch)
    log_probs = _log_softmax(logits.data, 1)

    def backward(grad):
        d_logits = np.exp(log_probs)           # softmax, row by row
        d_logits[rows, targets] -= 1.0         # minus one-hot
        return (d_logits * (grad / batch),)    # the mean's 1 / batch

    loss = -log_probs[rows, targets].mean()
    return Tensor(loss, (logits,), 'cross_entropy', backward)


# From book/appendix-engine-contract.md, section "What a tensor may hold"
def _as_array(data):
    """data as a new float64 array, or a clear error."""
    if isinstance(data, Tensor):
        raise TypeError("Tensor(data) got a Tensor; pass its .data to copy "
                        "the numbers, or use the tensor itself")
    try:
        array = np.asarray(data)
    except ValueError:
        # NumPy's message for ragged lists talks about "inhomogeneous shape"
        raise ValueError("Tensor(data) needs a number or a rectangular nested "
                         "list of numbers: these rows differ in length") \
            from None
    # i, u, f: signed and unsigned integers and floats.  Not b (a bool is
    # almost always a slip), c (complex) or anything else.
    if array.dtype.kind not in 'iuf':
        raise TypeError(f"Tensor(data) needs real numbers, got "
                        f"{type(data).__name__} with elements of type "
                        f"{array.dtype}")
    return np.array(array, dtype=np.float64)   # a copy the tensor owns


# From book/appendix-engine-contract.md, section "Shapes that do not broadcast, and results that do not exist"
def _broadcast_check(op, a, b):
    """Raise a clear error if the shapes of a and b cannot broadcast."""
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"shapes {a.shape} and {b.shape} cannot be "
                         f"broadcast together for {op}") from None

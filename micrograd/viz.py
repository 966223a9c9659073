# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/viz.py` in
#
#     book/04-computation-graphs.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

from graphviz import Digraph


# From book/04-computation-graphs.md, section "Drawing the graph"
def _trace(root):
    """Every Value that `root` depends on (itself included) and the edges between them.

    Values are listed in the order a depth-first search from `root` first reaches them, visiting each node's
    children in the order they were recorded.  That order depends only on the shape of the graph, never on where
    objects happen to live in memory, so the same expression always yields the same drawing.
    """
    nodes, edges = [], []
    seen, stack = set(), [root]
    # An explicit stack rather than recursion: graphs can be far deeper than Python's recursion limit.
    while stack:
        node = stack.pop()
        if node in seen:       # reached again along another path: already listed
            continue
        seen.add(node)
        nodes.append(node)
        # One edge per input slot, so `x + x` shows two arrows from x: it really is used twice.
        edges.extend((child, node) for child in node._prev)
        stack.extend(reversed(node._prev))   # reversed, so the first child is explored first
    return nodes, edges


# From book/04-computation-graphs.md, section "Drawing the graph"
_RECORD_SPECIAL = set('{}|<>"\\')    # characters with a meaning inside a Graphviz record label


_STRING_SPECIAL = set('"\\')          # characters with a meaning inside any quoted Graphviz string


def _escape(text, special):
    """Backslash-escape the characters of `text` that Graphviz would otherwise interpret."""
    return ''.join('\\' + ch if ch in special else ch for ch in str(text))


def draw_dot(root, format='svg', rankdir='LR'):
    """Draw the computation graph behind `root` as a graphviz.Digraph.

    Every Value is a box showing `label | data | grad` (4 decimals); every operation is a small node of its own
    between its inputs and its result.  `rankdir='LR'` puts inputs on the left and `root` on the right; use 'TB'
    for top to bottom.  In a notebook, the returned Digraph displays itself as an image.
    """
    nodes, edges = _trace(root)
    name = {node: f'v{i}' for i, node in enumerate(nodes)}
    dot = Digraph(format=format, graph_attr={'rankdir': rankdir})
    for node in nodes:
        fields = [_escape(node.label, _RECORD_SPECIAL)] if node.label else []
        fields += [f'data {node.data:.4f}', f'grad {node.grad:.4f}']
        # The braces turn the record's fields sideways, so that they read left to right when rankdir='LR'.
        dot.node(name[node], label='{ ' + ' | '.join(fields) + ' }', shape='record')
        if node._op:
            dot.node(name[node] + '_op', label=_escape(node._op, _STRING_SPECIAL))
            dot.edge(name[node] + '_op', name[node])
    for child, parent in edges:
        dot.edge(name[child], name[parent] + '_op')
    return dot

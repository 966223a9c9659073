# GENERATED FILE -- DO NOT EDIT.  `make tangle` writes it from the book's chapters.
# To change it, edit the code cells marked `:tangle: micrograd/viz.py` in
#
#     book/03-computation-graphs.md
#
# then run `make tangle`.  Each definition below names the chapter section it comes from.

from graphviz import Digraph


# From book/03-computation-graphs.md, section "Drawing the graph"
def _trace(root):
    """Every Value that `root` depends on (itself included), in the order a
    depth-first search from `root` reaches them, and the edges between them."""
    nodes, edges = [], []
    seen, stack = set(), [root]
    while stack:                   # a stack, not recursion: graphs can be deep
        node = stack.pop()
        if node in seen:           # reached again by another path
            continue
        seen.add(node)
        nodes.append(node)
        # One edge per child slot, so `x + x` shows two arrows from x.
        edges.extend((child, node) for child in node._prev)
        stack.extend(reversed(node._prev))   # first child explored first
    return nodes, edges


# Characters with a meaning of their own inside a Graphviz record label, and
# inside any quoted Graphviz string.
_RECORD_SPECIAL = set('{}|<>"\\')


_STRING_SPECIAL = set('"\\')


def _escape(text, special):
    """Backslash-escape the characters Graphviz would otherwise interpret."""
    return ''.join('\\' + ch if ch in special else ch for ch in str(text))


def draw_dot(root, format='svg', rankdir='LR'):
    """Draw the computation graph behind `root` as a graphviz.Digraph: a box
    `label | data | grad` per Value, a small node per operation.  rankdir
    'LR' puts `root` on the right, 'TB' at the bottom."""
    nodes, edges = _trace(root)
    name = {node: f'v{i}' for i, node in enumerate(nodes)}
    dot = Digraph(format=format, graph_attr={'rankdir': rankdir})
    for node in nodes:
        fields = [_escape(node.label, _RECORD_SPECIAL)] if node.label else []
        fields += [f'data {node.data:.4f}', f'grad {node.grad:.4f}']
        # Braces turn the fields across the direction of the graph.
        dot.node(name[node], label='{ ' + ' | '.join(fields) + ' }',
                 shape='record')
        if node._op:
            op_label = _escape(node._op, _STRING_SPECIAL)
            dot.node(name[node] + '_op', label=op_label)
            dot.edge(name[node] + '_op', name[node])
    for child, parent in edges:
        dot.edge(name[child], name[parent] + '_op')
    return dot

"""micrograd.viz.draw_dot: it returns a graphviz.Digraph that really renders, and shows what it should.

The drawings are rendered with Graphviz's `dot` and the SVG is parsed, so the checks are about what a reader
sees (the text in each box, the operation nodes, the arrows), not about how the DOT source is spelled.
Expected numbers come from PyTorch.
"""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from conftest import T

import micrograd
from micrograd.engine import Value
from micrograd.viz import draw_dot

SVG = "{http://www.w3.org/2000/svg}"


def fmt(x):
    return f"{float(x) + 0.0:.4f}"  # + 0.0 turns -0.0 into 0.0


def render(dot):
    svg = dot.pipe(format="svg")
    assert svg.lstrip().startswith(b"<?xml") or b"<svg" in svg[:500]
    return ET.fromstring(svg)


def svg_nodes(root):
    """{node name: [text of each text element in the node]} for every node of the rendered graph."""
    nodes = {}
    for g in root.iter(SVG + "g"):
        if g.get("class") == "node":
            name = g.find(SVG + "title").text
            nodes[name] = [(t.text or "").strip() for t in g.iter(SVG + "text")]
    return nodes


def svg_edges(root):
    """[(tail name, head name)] for every edge (ports stripped)."""
    edges = []
    for g in root.iter(SVG + "g"):
        if g.get("class") == "edge":
            tail, head = g.find(SVG + "title").text.split("->")
            edges.append((tail.split(":")[0], head.split(":")[0]))
    return edges


def node_with_label(nodes, label):
    found = [name for name, texts in nodes.items() if label in texts]
    assert len(found) == 1, f"expected exactly one node showing {label!r}, found {len(found)}: {nodes}"
    return found[0]


def neuron_graph():
    """The tanh neuron of "Backpropagation", every node labelled; also its PyTorch twin's numbers by label."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    values = dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, o=o, n=n)
    values["x1*w1"], values["x2*w2"], values["x1*w1 + x2*w2"] = x1w1, x2w2, s

    t = {k: T(v.data) for k, v in values.items() if not v._prev}
    t["x1*w1"] = t["x1"] * t["w1"]
    t["x2*w2"] = t["x2"] * t["w2"]
    t["x1*w1 + x2*w2"] = t["x1*w1"] + t["x2*w2"]
    t["n"] = t["x1*w1 + x2*w2"] + t["b"]
    t["o"] = t["n"].tanh()
    for k in ("x1*w1", "x2*w2", "x1*w1 + x2*w2", "n", "o"):
        t[k].retain_grad()
    t["o"].backward()
    return o, values, t


# Which op produces which labelled node, from which inputs (the graph built above).
NEURON_OPS = {
    "x1*w1": ("*", {"x1", "w1"}),
    "x2*w2": ("*", {"x2", "w2"}),
    "x1*w1 + x2*w2": ("+", {"x1*w1", "x2*w2"}),
    "n": ("+", {"x1*w1 + x2*w2", "b"}),
    "o": ("tanh", {"n"}),
}


def test_returns_digraph():
    a = Value(1.0, label="a")
    dot = draw_dot(a * 2 + 1)
    assert isinstance(dot, graphviz.Digraph)


def test_single_leaf_renders():
    a = Value(-1.25, label="lonely")
    nodes = svg_nodes(render(draw_dot(a)))
    assert len(nodes) == 1
    texts = " ".join(next(iter(nodes.values())))
    assert "lonely" in texts and "-1.2500" in texts


def test_format_argument():
    a = Value(1.0, label="a")
    assert draw_dot(a).format == "svg"
    assert draw_dot(a, format="png").format == "png"


def test_renders_labels_data_and_grad_before_backward():
    o, values, t = neuron_graph()
    nodes = svg_nodes(render(draw_dot(o)))
    for label in values:
        texts = nodes[node_with_label(nodes, label)]
        joined = " ".join(texts)
        assert fmt(t[label].item()) in joined, (label, texts)
        assert joined.count(fmt(0.0)) >= 1, (label, texts)  # grad not computed yet


def test_renders_labels_data_and_grad_after_backward():
    o, values, t = neuron_graph()
    o.backward()
    nodes = svg_nodes(render(draw_dot(o)))
    for label in values:
        texts = nodes[node_with_label(nodes, label)]
        joined = " ".join(texts)
        data_s = fmt(t[label].item())
        grad_s = fmt(t[label].grad.item())
        if data_s == grad_s:
            assert joined.count(data_s) >= 2, (label, texts)
        else:
            assert data_s in joined and grad_s in joined, (label, texts, data_s, grad_s)
    # spot checks of the numbers a reader expects from the chapter
    assert "0.7071" in " ".join(nodes[node_with_label(nodes, "o")])
    assert "0.8814" in " ".join(nodes[node_with_label(nodes, "n")])
    assert "-1.5000" in " ".join(nodes[node_with_label(nodes, "x1")])


def test_numbers_have_exactly_four_decimals():
    a = Value(1 / 3, label="third")
    b = Value(2 / 3, label="twothirds")
    c = a * b
    c.label = "c"
    c.backward()
    nodes = svg_nodes(render(draw_dot(c)))
    joined = " ".join(nodes[node_with_label(nodes, "third")])
    assert "0.3333" in joined and "0.6667" in joined  # data 1/3, grad 2/3
    assert "0.33333" not in joined and "0.66667" not in joined
    numbers = re.findall(r"-?\d+\.\d+", " ".join(t for texts in nodes.values() for t in texts))
    assert numbers and all(len(n.split(".")[1]) == 4 for n in numbers), numbers


def test_operation_nodes_present_and_wired():
    o, values, t = neuron_graph()
    o.backward()
    root = render(draw_dot(o))
    nodes = svg_nodes(root)
    edges = svg_edges(root)
    label_of = {}
    for name, texts in nodes.items():
        for label in values:
            if label in texts:
                label_of[name] = label

    op_nodes = {name: texts for name, texts in nodes.items() if name not in label_of}
    op_texts = sorted(" ".join(texts) for texts in op_nodes.values())
    assert op_texts == sorted(["*", "*", "+", "+", "tanh"])
    assert len(label_of) == len(values)  # every Value drawn once

    for name, texts in op_nodes.items():
        outs = [h for tl, h in edges if tl == name]
        ins = {label_of[tl] for tl, h in edges if h == name}
        assert len(outs) == 1, "an operation node feeds exactly its result"
        result = label_of[outs[0]]
        op, inputs = NEURON_OPS[result]
        assert texts == [op]
        assert ins == inputs
    # every edge goes value -> op -> value
    for tl, h in edges:
        assert (tl in label_of) != (h in label_of)


def test_special_characters_in_labels_render():
    labels = ["a<b", "x{y}", "p|q", 'say "hi"', "m>n", "back\\slash", "[1] & {2|3}"]
    vs = [Value(float(i + 1), label=lab) for i, lab in enumerate(labels)]
    out = vs[0]
    for v in vs[1:]:
        out = out + v
    out.label = 'sum <{|"}>'
    out.backward()
    nodes = svg_nodes(render(draw_dot(out)))  # dot fails on a malformed label: this must not raise
    everything = [t for texts in nodes.values() for t in texts]
    for lab in labels + ['sum <{|"}>']:
        assert lab in everything, (lab, everything)
    assert fmt(sum(range(1, len(labels) + 1))) in " ".join(nodes[node_with_label(nodes, 'sum <{|"}>')])


def _position(root, label):
    for g in root.iter(SVG + "g"):
        if g.get("class") == "node":
            for t in g.iter(SVG + "text"):
                if (t.text or "").strip() == label:
                    return float(t.get("x")), float(t.get("y"))
    raise AssertionError(label)


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_rankdir_is_honoured(rankdir):
    a = Value(1.0, label="first")
    b = (a * 2).tanh()
    b.label = "mid"
    c = b + 1
    c.label = "last"
    dot = draw_dot(c, rankdir=rankdir)
    assert re.search(rf'rankdir\s*=\s*"?{rankdir}"?', dot.source)
    root = render(dot)
    (x0, y0), (x1, y1) = _position(root, "first"), _position(root, "last")
    if rankdir == "TB":
        assert y1 > y0 + 10 and abs(x1 - x0) < abs(y1 - y0)  # inputs on top, result below
    else:
        assert x1 > x0 + 10 and abs(y1 - y0) < abs(x1 - x0)  # inputs on the left, result on the right


def test_default_rankdir_is_lr():
    a = Value(1.0, label="a")
    dot = draw_dot(a * 3)
    assert re.search(r'rankdir\s*=\s*"?LR"?', dot.source)
    assert not re.search(r'rankdir\s*=\s*"?TB"?', dot.source)


def test_shared_node_is_drawn_once():
    a = Value(3.0, label="shared")
    b = a * a
    b.label = "square"
    c = b + a
    c.label = "c"
    d = c * a
    d.label = "d"
    d.backward()
    ta = T(3.0)
    ((ta * ta + ta) * ta).backward()
    nodes = svg_nodes(render(draw_dot(d)))
    name = node_with_label(nodes, "shared")  # asserts exactly one box
    assert fmt(ta.grad.item()) in " ".join(nodes[name])
    op_texts = sorted(" ".join(t) for n, t in nodes.items() if not ({"shared", "square", "c", "d"} & set(t)))
    assert op_texts == ["*", "*", "+"]


def test_shared_intermediate_node_and_its_edges_are_drawn_once():
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    s = x * y
    s.label = "s"  # s feeds two operations
    u = s.tanh()
    u.label = "u"
    v = s * y
    v.label = "v"
    w = u + v
    w.label = "w"
    w.backward()
    root = render(draw_dot(w))
    nodes = svg_nodes(root)
    edges = svg_edges(root)
    labels = ["x", "y", "s", "u", "v", "w"]
    names = {lab: node_with_label(nodes, lab) for lab in labels}
    assert len(nodes) == len(labels) + 4  # one box per Value, one node per operation
    # x,y -> op -> s; s -> op -> u; s,y -> op -> v; u,v -> op -> w: eleven arrows, none repeated
    assert len(edges) == 11 and len(set(edges)) == 11, edges
    assert sum(1 for tl, h in edges if tl == names["s"]) == 2
    assert sum(1 for tl, h in edges if tl == names["y"]) == 2
    assert sum(1 for tl, h in edges if h == names["s"]) == 1


# Draws a small graph (shared nodes, every operation with two inputs) in a fresh interpreter.  Before building it,
# the interpreter frees a few thousand Values in an order given by its argument, so that the graph's Values land at
# addresses in an order of that run's own: a drawing that depended on id(), or on hashing, would change with it.
DRAW_IN_A_FRESH_PROCESS = """
import random
import sys

from micrograd.engine import Value
from micrograd.viz import draw_dot

junk = [Value(0.0) for _ in range(5000)]
random.Random(int(sys.argv[1])).shuffle(junk)
while junk:
    junk.pop()

x1, x2, w1, w2 = Value(2.0, label='x1'), Value(0.0, label='x2'), Value(-3.0, label='w1'), Value(1.0, label='w2')
b = Value(6.8813735870195432, label='b')
n = x1 * w1 + x2 * w2 + b
n.label = 'n'
o = n.tanh() * n + x1 / (w2 + b) - (x1 * x2) ** 2
o.label = 'o'
o.backward()
print(draw_dot(o).source)
print(draw_dot(o, rankdir='TB').source)
"""


def draw_in_a_fresh_process(seed):
    package_root = Path(micrograd.__file__).resolve().parent.parent  # the micrograd these tests import
    env = {**os.environ, "PYTHONPATH": str(package_root), "PYTHONHASHSEED": str(seed)}
    run = subprocess.run(
        [sys.executable, "-c", DRAW_IN_A_FRESH_PROCESS, str(seed)], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_the_same_expression_draws_the_same_in_every_process():
    # Built afresh in two interpreters with different hash seeds and memory layouts: the DOT source is identical.
    first, second = draw_in_a_fresh_process(1), draw_in_a_fresh_process(2)
    assert "digraph" in first
    assert first == second


def test_drawing_does_not_change_the_graph():
    o, values, t = neuron_graph()
    o.backward()
    before = {k: (v.data, v.grad) for k, v in values.items()}
    draw_dot(o).pipe(format="svg")
    assert {k: (v.data, v.grad) for k, v in values.items()} == before


def test_deep_graph_is_traversed_without_recursion():
    depth = 5 * sys.getrecursionlimit()
    x = Value(0.5, label="start")
    y = x
    for _ in range(depth):
        y = y + 1
    y.label = "end"
    dot = draw_dot(y)  # only the source: laying out thousands of nodes is slow
    src = dot.source
    assert "start" in src and "end" in src
    assert fmt(0.5 + depth) in src

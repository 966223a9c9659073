"""micrograd.optim (SGD with momentum and weight decay, RMSprop, Adam, CosineAnnealingLR) and the init= option of
micrograd.nn, checked against PyTorch (float64).

The optimisers are compared step by step: the same starting numbers, the same non-quadratic loss, micrograd's
gradients for micrograd's parameters and PyTorch's autograd for PyTorch's, and after every step the parameters must
agree to 1e-12.  The initialisation rules are compared with torch.nn.init: with bounds and standard deviations from
its own fan and gain functions, and with a two-sample test against weights that torch.nn.init draws itself.
"""

import inspect
import math
import random
import statistics

import numpy as np
import pytest
import torch
from conftest import assert_close
from scipy.stats import ks_2samp

from micrograd import optim
from micrograd.engine import Value
from micrograd.nn import MLP, Layer, Neuron
from micrograd.tensor import Tensor

START = [0.8, -1.2, 0.4]
STEPS = 50


def loss_of(a, b, c):
    """Not a quadratic: products, tanh, exp and a fourth power.  Works on Values and on tensors alike."""
    return (a * b + c).tanh() * 2 + (a - 0.5) ** 4 + (b * c).exp() * 0.1 + a * a * c * c


def trajectories(make_micro, make_torch, steps=STEPS, schedules=None):
    """Parameter values after each step: micrograd's and PyTorch's, as lists of [a, b, c]."""
    ps = [Value(x) for x in START]
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt, topt = make_micro(ps), make_torch(ts)
    sched, tsched = schedules(opt, topt) if schedules else (None, None)
    micro, theirs = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(*ps).backward()
        opt.step()
        topt.zero_grad()
        loss_of(*ts).backward()
        topt.step()
        if sched:
            sched.step()
            tsched.step()
        micro.append([p.data for p in ps])
        theirs.append([t.item() for t in ts])
    return micro, theirs


def assert_same_path(micro, theirs):
    for step, (mine, expected) in enumerate(zip(micro, theirs), start=1):
        for name, m, e in zip("abc", mine, expected):
            assert_close(m, e, f"step {step}, parameter {name}")
    # The loss must have moved the parameters somewhere: a path that stands still would prove nothing.
    assert max(abs(m - s) for m, s in zip(micro[-1], START)) > 1e-2


SGD_CASES = [
    {"lr": 0.05},
    {"lr": 0.02, "momentum": 0.9},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.03, "momentum": 0.5, "weight_decay": 0.01},
]


@pytest.mark.parametrize("options", SGD_CASES, ids=lambda o: ",".join(o))
def test_sgd_follows_torch(options):
    micro, theirs = trajectories(
        lambda ps: optim.SGD(ps, **options),
        lambda ts: torch.optim.SGD(ts, **options),
    )
    assert_same_path(micro, theirs)


RMSPROP_CASES = [{}, {"lr": 0.02, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.05}]


@pytest.mark.parametrize("options", RMSPROP_CASES, ids=["defaults", "options"])
def test_rmsprop_follows_torch(options):
    micro, theirs = trajectories(
        lambda ps: optim.RMSprop(ps, **options),
        lambda ts: torch.optim.RMSprop(ts, **options),
    )
    assert_same_path(micro, theirs)


ADAM_CASES = [{}, {"lr": 0.05}, {"lr": 0.03, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}]


@pytest.mark.parametrize("options", ADAM_CASES, ids=["defaults", "lr", "options"])
def test_adam_follows_torch(options):
    micro, theirs = trajectories(
        lambda ps: optim.Adam(ps, **options),
        lambda ts: torch.optim.Adam(ts, **options),
    )
    assert_same_path(micro, theirs)


@pytest.mark.parametrize(
    "ours, theirs",
    [(optim.RMSprop, torch.optim.RMSprop), (optim.Adam, torch.optim.Adam)],
    ids=["RMSprop", "Adam"],
)
def test_defaults_are_torchs(ours, theirs):
    defaults = theirs([torch.zeros(1, requires_grad=True)]).defaults
    signature = inspect.signature(ours).parameters
    for name in signature:
        if name != "params":
            assert signature[name].default == defaults[name], name


def test_sgd_defaults_and_plain_call_still_work():
    signature = inspect.signature(optim.SGD).parameters
    assert signature["momentum"].default == 0 and signature["weight_decay"].default == 0
    ps = [Value(1.0), Value(-2.0)]
    ps[0].grad, ps[1].grad = 0.5, -0.25
    opt = optim.SGD(ps, 0.1)  # the call of the earlier chapters: positional lr
    opt.step()
    assert [p.data for p in ps] == [1.0 - 0.1 * 0.5, -2.0 - 0.1 * -0.25]


def test_cosine_schedule_follows_torch():
    def schedules(opt, topt):
        return optim.CosineAnnealingLR(opt, T_max=20, eta_min=0.001), torch.optim.lr_scheduler.CosineAnnealingLR(
            topt, T_max=20, eta_min=0.001
        )

    lrs = []

    def make(ps):
        opt = optim.Adam(ps, lr=0.05)
        lrs.append(opt)
        return opt

    torch_opts = []

    def make_torch(ts):
        topt = torch.optim.Adam(ts, lr=0.05)
        torch_opts.append(topt)
        return topt

    micro, theirs = trajectories(make, make_torch, steps=30, schedules=schedules)
    assert_same_path(micro, theirs)
    assert_close(lrs[0].lr, torch_opts[0].param_groups[0]["lr"], "lr after 30 steps")


def test_cosine_schedule_values():
    opt = optim.SGD([Value(0.0)], lr=0.1)
    schedule = optim.CosineAnnealingLR(opt, T_max=10)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    tschedule = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=10)
    for t in range(1, 16):
        schedule.step()
        topt.step()
        tschedule.step()
        assert_close(opt.lr, topt.param_groups[0]["lr"], f"lr after {t} steps")
    assert opt.lr > 0.01  # past T_max the cosine rises again, as in PyTorch


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: optim.RMSprop(ps),
        lambda ps: optim.Adam(ps),
    ],
    ids=["SGD", "RMSprop", "Adam"],
)
def test_zero_grad_and_generators(make):
    ps = [Value(1.0), Value(2.0)]
    opt = make(p for p in ps)  # a generator: the optimiser must keep its own list
    for p in ps:
        p.grad = 1.5
    opt.step()
    assert all(p.data < start for p, start in zip(ps, [1.0, 2.0]))
    assert [p.grad for p in ps] == [1.5, 1.5]  # a step leaves the gradients alone
    opt.zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


# --------------------------------------------------------------------------------------------------
# One family: the same classes on Tensor parameters, and the settings torch.optim refuses
# --------------------------------------------------------------------------------------------------

TENSOR_START = [[0.8, -0.3], [-1.2, 0.5], [0.4, 0.9]]


def tensor_trajectories(make_micro, make_torch, steps=STEPS):
    """As trajectories(), with three parameters of two entries each, as micrograd Tensors and torch tensors."""
    ps = [Tensor(np.array(x)) for x in TENSOR_START]
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in TENSOR_START]
    opt, topt = make_micro(ps), make_torch(ts)
    micro, theirs = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(*ps).sum().backward()
        opt.step()
        topt.zero_grad()
        loss_of(*ts).sum().backward()
        topt.step()
        micro.append(np.concatenate([p.data for p in ps]))
        theirs.append(np.concatenate([t.detach().numpy() for t in ts]))
    return micro, theirs


FAMILY = (
    [(optim.SGD, torch.optim.SGD, case) for case in SGD_CASES]
    + [(optim.RMSprop, torch.optim.RMSprop, case) for case in RMSPROP_CASES]
    + [(optim.Adam, torch.optim.Adam, case) for case in ADAM_CASES]
)


@pytest.mark.parametrize("ours, theirs, options", FAMILY, ids=lambda x: getattr(x, "__name__", None))
def test_tensor_parameters_follow_torch(ours, theirs, options):
    micro, expected = tensor_trajectories(lambda ps: ours(ps, **options), lambda ts: theirs(ts, **options))
    for step, (mine, their) in enumerate(zip(micro, expected), start=1):
        np.testing.assert_allclose(mine, their, rtol=1e-12, atol=1e-12, err_msg=f"step {step}")
    assert np.abs(micro[-1] - np.concatenate(TENSOR_START)).max() > 1e-2


def test_optimisers_are_one_family():
    for cls in (optim.SGD, optim.RMSprop, optim.Adam):
        assert issubclass(cls, optim.Optimizer)
        assert cls.zero_grad is optim.Optimizer.zero_grad
    import micrograd.tensor

    assert not hasattr(micrograd.tensor, "TensorAdam")


IMPOSSIBLE = [
    # (what, build, the argument the message must name, the range it must state); each is refused by torch.optim too
    ("SGD lr", lambda ps: optim.SGD(ps, lr=-0.1), "lr", ">= 0"),
    ("SGD momentum", lambda ps: optim.SGD(ps, lr=0.1, momentum=-0.9), "momentum", ">= 0"),
    ("SGD weight_decay", lambda ps: optim.SGD(ps, lr=0.1, weight_decay=-1e-3), "weight_decay", ">= 0"),
    ("RMSprop lr", lambda ps: optim.RMSprop(ps, lr=-0.01), "lr", ">= 0"),
    ("RMSprop alpha", lambda ps: optim.RMSprop(ps, alpha=-0.5), "alpha", "[0, 1]"),
    ("RMSprop eps", lambda ps: optim.RMSprop(ps, eps=-0.5), "eps", ">= 0"),
    ("RMSprop weight_decay", lambda ps: optim.RMSprop(ps, weight_decay=-0.1), "weight_decay", ">= 0"),
    ("Adam lr", lambda ps: optim.Adam(ps, lr=-1e-3), "lr", ">= 0"),
    ("Adam beta1 = 1", lambda ps: optim.Adam(ps, betas=(1.0, 0.999)), "betas[0]", "[0, 1)"),
    ("Adam beta1 > 1", lambda ps: optim.Adam(ps, betas=(1.5, 0.999)), "betas[0]", "[0, 1)"),
    ("Adam beta1 < 0", lambda ps: optim.Adam(ps, betas=(-0.1, 0.999)), "betas[0]", "[0, 1)"),
    ("Adam beta2 = 1", lambda ps: optim.Adam(ps, betas=(0.9, 1.0)), "betas[1]", "[0, 1)"),
    ("Adam eps", lambda ps: optim.Adam(ps, eps=-0.5), "eps", ">= 0"),
    ("Adam weight_decay", lambda ps: optim.Adam(ps, weight_decay=-0.1), "weight_decay", ">= 0"),
    ("Adam lr nan", lambda ps: optim.Adam(ps, lr=float("nan")), "lr", ">= 0"),
]


@pytest.mark.parametrize("build, name, allowed", [case[1:] for case in IMPOSSIBLE], ids=[c[0] for c in IMPOSSIBLE])
def test_impossible_settings_are_refused_when_built(build, name, allowed):
    with pytest.raises(ValueError) as error:
        build([Value(1.0)])
    assert str(error.value).startswith(f"{name} must be") and allowed in str(error.value)


@pytest.mark.parametrize(
    "build",
    [
        lambda ps: torch.optim.SGD(ps, lr=-0.1),
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=-0.9),
        lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=-1e-3),
        lambda ps: torch.optim.RMSprop(ps, alpha=-0.5),
        lambda ps: torch.optim.RMSprop(ps, eps=-0.5),
        lambda ps: torch.optim.Adam(ps, betas=(1.0, 0.999)),
        lambda ps: torch.optim.Adam(ps, betas=(0.9, 1.0)),
        lambda ps: torch.optim.Adam(ps, eps=-0.5),
        lambda ps: torch.optim.Adam(ps, weight_decay=-0.1),
        lambda ps: torch.optim.Adam([]),
    ],
)
def test_torch_refuses_the_same_settings(build):
    with pytest.raises(ValueError):
        build([torch.zeros(1, requires_grad=True)])


def test_rmsprop_alpha_above_one_is_refused():
    """PyTorch accepts alpha > 1 and steps to nan; ours refuses it: the running mean of g**2 could turn negative."""
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\], got 1.5"):
        optim.RMSprop([Value(1.0)], alpha=1.5)


def test_settings_at_their_edges_are_allowed():
    p = Value(1.0)
    optim.SGD([p], lr=0.0, momentum=0.0, weight_decay=0.0)
    optim.RMSprop([p], lr=0.0, alpha=0.0, eps=0.0, weight_decay=0.0)
    optim.RMSprop([p], alpha=1.0)
    optim.Adam([p], lr=0.0, betas=(0.0, 0.0), eps=0.0, weight_decay=0.0)
    optim.Adam([p], betas=(0.999999, 0.999999))


@pytest.mark.parametrize("value", ["0.1", None, True])
def test_a_setting_that_is_not_a_number_is_a_type_error(value):
    with pytest.raises(TypeError, match="lr must be a number"):
        optim.Adam([Value(1.0)], lr=value)


@pytest.mark.parametrize("betas", [(0.9,), (0.9, 0.99, 0.999), 0.9])
def test_betas_must_be_a_pair(betas):
    with pytest.raises(ValueError, match="betas must be a pair"):
        optim.Adam([Value(1.0)], betas=betas)


@pytest.mark.parametrize("cls", [optim.SGD, optim.RMSprop, optim.Adam])
def test_an_empty_parameter_list_is_refused(cls):
    with pytest.raises(ValueError, match="parameters is empty"):
        cls(iter([]), lr=0.1)


@pytest.mark.parametrize("T_max", [0, -3, 0.5])
def test_cosine_schedule_needs_t_max_of_at_least_one(T_max):
    with pytest.raises(ValueError, match=r"T_max must be >= 1"):
        optim.CosineAnnealingLR(optim.SGD([Value(1.0)], lr=0.1), T_max=T_max)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ts: torch.optim.SGD(ts, lr=0.1, momentum=0.9)),
        (lambda ps: optim.RMSprop(ps, lr=0.1), lambda ts: torch.optim.RMSprop(ts, lr=0.1)),
        (lambda ps: optim.Adam(ps, lr=0.1), lambda ts: torch.optim.Adam(ts, lr=0.1)),
    ],
    ids=["SGD", "RMSprop", "Adam"],
)
def test_a_parameter_without_gradient_is_skipped(ours, theirs):
    """PyTorch skips a parameter whose .grad is None; so do we, and the other parameters step as PyTorch's do."""
    ps, ts = [Value(0.5), Value(2.0)], [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (0.5, 2.0)]
    opt, topt = ours(ps), theirs(ts)
    for _ in range(5):
        opt.zero_grad()
        ps[0].grad = None
        (ps[1] * ps[1]).backward()
        opt.step()
        topt.zero_grad()  # sets every .grad to None; only ts[1] gets one back
        (ts[1] * ts[1]).backward()
        topt.step()
        assert ts[0].grad is None
        assert ps[0].data == ts[0].item() == 0.5
        assert_close(ps[1].data, ts[1].item(), "the parameter with a gradient")


# --------------------------------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------------------------------


def weights(module):
    neurons = module.neurons if hasattr(module, "neurons") else [module]
    return [w.data for n in neurons for w in n.w]


def biases(module):
    return [n.b.data for n in module.neurons]


def torch_fans(fan_in, fan_out):
    """torch.nn.Linear(fan_in, fan_out)'s weight has shape (fan_out, fan_in); torch.nn.init computes its fans."""
    return torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(fan_out, fan_in))


@pytest.mark.parametrize("fan_in, fan_out", [(300, 100), (64, 32), (20, 200)])
def test_xavier_matches_torch(fan_in, fan_out):
    random.seed(fan_in)
    layer = Layer(fan_in, fan_out, init="xavier")
    ours = weights(layer)
    t_in, t_out = torch_fans(fan_in, fan_out)
    bound = torch.nn.init.calculate_gain("linear") * math.sqrt(2.0 / (t_in + t_out)) * math.sqrt(3.0)
    assert max(abs(w) for w in ours) <= bound
    # The largest of n draws from uniform(-a, a) falls short of a by about a / n: below a * (1 - 20 / n) with
    # probability e**-20.  So the interval is exactly torch's, to about 1 / n.
    assert max(abs(w) for w in ours) > bound * (1 - 20 / len(ours))
    assert statistics.pvariance(ours) == pytest.approx(bound**2 / 3, rel=0.1)
    torch.manual_seed(fan_in)
    theirs = torch.nn.init.xavier_uniform_(torch.empty(fan_out, fan_in, dtype=torch.float64)).flatten().tolist()
    assert ks_2samp(ours, theirs).pvalue > 1e-3
    assert biases(layer) == [0.0] * fan_out


@pytest.mark.parametrize("fan_in, fan_out", [(300, 100), (64, 32), (20, 200)])
def test_he_matches_torch(fan_in, fan_out):
    random.seed(fan_in)
    layer = Layer(fan_in, fan_out, init="he")
    ours = weights(layer)
    t_in, _ = torch_fans(fan_in, fan_out)
    std = torch.nn.init.calculate_gain("relu") / math.sqrt(t_in)
    assert statistics.fmean(ours) == pytest.approx(0.0, abs=4 * std / math.sqrt(len(ours)))
    assert statistics.pstdev(ours) == pytest.approx(std, rel=0.05)
    torch.manual_seed(fan_in)
    theirs = torch.nn.init.kaiming_normal_(torch.empty(fan_out, fan_in, dtype=torch.float64), nonlinearity="relu")
    assert ks_2samp(ours, theirs.flatten().tolist()).pvalue > 1e-3
    assert biases(layer) == [0.0] * fan_out


def test_two_sample_test_would_see_a_wrong_rule():
    """The comparison above has the power to fail: Xavier's weights are not He's (for these fans)."""
    random.seed(1)
    ours = weights(Layer(300, 100, init="xavier"))
    torch.manual_seed(1)
    theirs = torch.nn.init.kaiming_normal_(torch.empty(100, 300, dtype=torch.float64), nonlinearity="relu")
    assert ks_2samp(ours, theirs.flatten().tolist()).pvalue < 1e-6


def test_lone_neuron_is_a_layer_of_one():
    random.seed(2)
    ours = [w for _ in range(200) for w in weights(Neuron(50, init="xavier"))]
    bound = math.sqrt(6 / sum(torch_fans(50, 1)))  # torch.nn.Linear(50, 1)
    assert bound * (1 - 20 / len(ours)) < max(abs(w) for w in ours) <= bound


def test_mlp_passes_init_to_every_layer():
    random.seed(3)
    model = MLP(200, [100, 50, 10], init="xavier")
    for layer, (fan_in, fan_out) in zip(model.layers, [(200, 100), (100, 50), (50, 10)]):
        bound = math.sqrt(6 / (fan_in + fan_out))
        assert bound * (1 - 20 / len(weights(layer))) < max(abs(w) for w in weights(layer)) <= bound
    random.seed(4)
    model = MLP(400, [100, 100], init="he")
    for layer, fan_in in zip(model.layers, [400, 100]):
        assert statistics.pstdev(weights(layer)) == pytest.approx(math.sqrt(2 / fan_in), rel=0.05)
    assert [layer.neurons[0].activation for layer in model.layers] == ["relu", None]


def test_uniform_default_keeps_the_random_stream():
    """init='uniform' (the default) draws uniform(-1, 1) as micrograd 0.1.0 did: the same numbers in the same order."""
    random.seed(1337)
    expected = [random.uniform(-1, 1) for _ in range(3 * 4 + 4 * 1)]
    after = random.random()
    for options in ({}, {"init": "uniform"}):
        random.seed(1337)
        model = MLP(3, [4, 1], **options)
        assert [w for layer in model.layers for w in weights(layer)] == expected
        assert random.random() == after  # nothing else was drawn
        assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_init_keeps_the_other_options_working():
    model = MLP(2, [3, 1], nonlin=False, init="he")
    assert [n.activation for layer in model.layers for n in layer.neurons] == [None] * 4
    layer = Layer(2, 3, activation="tanh", init="xavier")
    assert all(n.activation == "tanh" for n in layer.neurons)
    assert Neuron(4, init="he", activation=None).activation is None


@pytest.mark.parametrize(
    "make", [lambda: Neuron(3, init="glorot"), lambda: Layer(3, 2, init="He"), lambda: MLP(3, [2], init=None)]
)
def test_unknown_init_is_refused(make):
    with pytest.raises(ValueError) as error:
        make()
    for choice in ("uniform", "xavier", "he"):
        assert repr(choice) in str(error.value)

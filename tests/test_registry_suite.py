"""One suite over every registered activation, loss and optimizer, driven by the registries: a
newly registered entry is checked here without a line of its own. Each gets a gradient check in
float64; each that declares a kernel trains compiled against the reference over 20 steps (1e-5
in float32, 1e-12 in float64). A new activation and a new loss, each with a kernel, are
registered in this file and trained compiled."""

import numpy as np
import pytest

import neuronet as nn
from neuronet import activations, losses, optim
from neuronet.trainer import Trainer

TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-14)}
DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def _targets_for(loss, n, width, rng):
    """Targets ``loss.check_targets`` accepts for ``width`` outputs: class labels where it takes
    them, else a 0/1 matrix, else counts."""
    candidates = [rng.integers(0, max(loss.n_classes(width), 2), n), (rng.uniform(size=(n, width)) < 0.5) * 1.0,
                  rng.poisson(1.5, (n, width)).astype(float)]
    scores = np.empty((n, width))
    for candidate in candidates:
        try:
            return loss.check_targets(scores, candidate)
        except (nn.errors.DataError, TypeError, ValueError):
            continue
    raise AssertionError(f"no targets for {loss!r}")


def _network(sizes, activation="tanh", loss=None, dtype=np.float64, kernels="numpy"):
    net = nn.MLP(sizes, activation=activation, output=getattr(loss, "output_layer", None), rng=0, dtype=dtype,
                 kernels=kernels)
    return net


def _gradient_error(net, loss, X, targets):
    """The largest relative difference between backpropagation and central differences."""
    trainer = Trainer(net, loss, optim.SGD())
    trainer.compute_gradient(X, targets)
    analytic = net.gradient_vector().copy()
    theta = net.parameter_vector().copy()

    def objective(vector):
        net.set_parameter_vector(vector)
        return loss.forward(net.forward(X, training=False), targets)

    numerical = nn.gradients.numerical_gradient(objective, theta.copy(), eps=1e-6)
    net.set_parameter_vector(theta)
    return np.max(np.abs(analytic - numerical) / np.maximum(np.abs(analytic) + np.abs(numerical), 1e-8))


@pytest.mark.parametrize("name", activations.names())
def test_every_activation_passes_the_gradient_check(name):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 3)) + 0.37  # away from the kinks at 0
    function = activations.get(name)
    if function.elementwise:
        net, loss = _network([3, 4, 3], activation=name), losses.SoftmaxCrossEntropy()
    else:  # an output layer (softmax): trained with the loss that expects it
        loss = next(losses.get(n) for n in losses.names() if losses.get(n).output_layer == name)
        net = nn.MLP([3, 4, 3], activation="tanh", output=name, rng=0, dtype=np.float64)
    if name == "step":  # no gradient anywhere: backpropagation and differences both give 0
        X = X + 5.0
    assert _gradient_error(net, loss, X, _targets_for(loss, 6, 3, rng)) < 1e-6


def _loss_widths(names):
    """(loss, output width) pairs: one output and three, except one output for a loss that tells
    classes apart with one output per class (one output is no classifier)."""
    return [(name, width) for name in names for width in (1, 3)
            if not (width == 1 and losses.get(name).is_classification and losses.get(name).n_classes(1) < 2)]


@pytest.mark.parametrize("name, width", _loss_widths(losses.names()))
def test_every_loss_passes_the_gradient_check(name, width):
    loss = losses.get(name)
    rng = np.random.default_rng(2)
    targets = _targets_for(loss, 7, width, rng)
    net = _network([3, 5, width], loss=loss)
    X = rng.normal(size=(7, 3))
    if name == "hinge":  # a margin at its kink is non-differentiable: keep the draw away from it
        scores = net(X)
        if width > 1:
            margins = scores - scores[np.arange(7), targets][:, None] + 1
            margins[np.arange(7), targets] = 1
        else:
            margins = 1 - (2 * targets - 1) * scores.reshape(-1)
        assert np.min(np.abs(margins)) > 1e-4
    assert _gradient_error(net, loss, X, targets) < 1e-6


def _twenty_steps(kind, dtype, activation="tanh", loss=None, optimizer="adam", width=3):
    """20 minibatch steps through the Trainer; the loss curve and the parameters."""
    rng = np.random.default_rng(0)
    loss = loss or losses.SoftmaxCrossEntropy()
    X = rng.normal(size=(40, 4)).astype(dtype)
    targets = _targets_for(loss, 40, width, rng)
    net = _network([4, 6, width], activation=activation, loss=loss, dtype=dtype, kernels=kind)
    trainer = Trainer(net, loss, optim.get(optimizer, lr=1e-3, weight_decay=1e-3) if isinstance(optimizer, str)
                      else optimizer, l2=1e-3)
    curve = []
    with net.training_mode():
        for epoch in range(4):
            trainer.begin_epoch(epoch)
            trainer.run_epoch(X, targets, np.random.default_rng(epoch).permutation(40), 8,
                              on_batch=lambda size, step: curve.append(step.loss + step.penalty))
    assert trainer.plan.compiled == (kind == "numba"), trainer.plan
    return np.array(curve), net.parameter_vector().copy()


def _agree(runs, dtype):
    (curve, params), (reference, reference_params) = runs
    assert len(curve) == 20
    np.testing.assert_allclose(curve, reference, **TOLERANCE[dtype])
    np.testing.assert_allclose(params, reference_params, rtol=TOLERANCE[dtype]["rtol"] * 10,
                               atol=TOLERANCE[dtype]["atol"] * 10)


@DTYPES
@pytest.mark.parametrize("name", [n for n in activations.hidden_names() if activations.get(n).kernel])
def test_every_activation_with_a_kernel_trains_compiled_as_the_reference(name, dtype):
    pytest.importorskip("numba")
    _agree([_twenty_steps(kind, dtype, activation=name) for kind in ("numba", "numpy")], dtype)


@DTYPES
@pytest.mark.parametrize("name, width", _loss_widths([n for n in losses.names() if losses.get(n).kernel]))
def test_every_loss_with_a_kernel_trains_compiled_as_the_reference(name, width, dtype):
    pytest.importorskip("numba")
    _agree([_twenty_steps(kind, dtype, loss=losses.get(name), width=width) for kind in ("numba", "numpy")], dtype)


@DTYPES
@pytest.mark.parametrize("name", [n for n in optim.names() if optim.get(n).kernel])
def test_every_optimizer_with_a_kernel_trains_compiled_as_the_reference(name, dtype):
    pytest.importorskip("numba")
    _agree([_twenty_steps(kind, dtype, optimizer=name) for kind in ("numba", "numpy")], dtype)


# --- a new activation and a new loss, each with a kernel, added here in one place -----------------
class Leaky20(activations.Activation):
    """f(x) = max(x, 0.2 x): the Leaky ReLU formula with its own slope, compiled by that kernel."""

    name = "leaky20"
    display_name = "leaky (0.2)"
    compiled_as = "leaky_relu"

    def __call__(self, x, out=None):
        x = np.asarray(x, dtype=float) if not hasattr(x, "dtype") else x
        return np.maximum(x, x * x.dtype.type(0.2), out=out)

    def derivative_from_output(self, y, out=None):
        out = np.multiply(np.greater(y, 0), y.dtype.type(0.8), out=out, casting="unsafe")
        out += y.dtype.type(0.2)
        return out

    def kernel_parameters(self):
        return {"alpha": 0.2}


class HalfSquares(losses.Loss):
    """E = 1/N sum_n 1/2 ||s_n - t_n||^2 written anew: the squared error's kernel computes it."""

    name = "half_squares"
    display_name = "half squares"
    is_classification = False
    compiled_as = "squared_error"

    def check_targets(self, scores, targets):
        return losses.MSE().check_targets(scores, targets)

    def per_sample(self, scores, targets):
        self._difference = scores - targets
        return 0.5 * np.square(self._difference).sum(axis=1)

    def sample_gradient(self):
        return self._difference.copy()

    def count_correct(self, scores, targets):
        return 0


@pytest.fixture
def registered():
    activations.register(Leaky20)
    losses.register(HalfSquares)
    yield
    activations.unregister("leaky20")
    losses.unregister("half_squares")


@DTYPES
def test_a_new_activation_and_a_new_loss_with_kernels_train_compiled(registered, dtype):
    pytest.importorskip("numba")
    net = nn.MLP([4, 6, 3], activation="leaky20", rng=0, kernels="numba")
    assert str(net.kernel_plan("half_squares", "adam")) == "numba kernels"
    for name in ("leaky20",):
        _agree([_twenty_steps(kind, dtype, activation=name) for kind in ("numba", "numpy")], dtype)
    _agree([_twenty_steps(kind, dtype, activation="leaky20", loss=losses.get("half_squares"))
            for kind in ("numba", "numpy")], dtype)


def test_a_subclass_that_rewrites_the_formula_has_no_kernel(registered):
    class Doubled(HalfSquares):
        name = "doubled"

        def per_sample(self, scores, targets):
            return 2 * super().per_sample(scores, targets)

    class Renamed(HalfSquares):  # the formula unchanged: the kernel still applies
        name = "renamed"

    assert HalfSquares().kernel.name == "squared_error"
    assert Doubled().kernel is None and Renamed().kernel.name == "squared_error"
    net = nn.MLP([4, 6, 3], rng=0, kernels="numba")
    assert str(net.kernel_plan(Doubled(), "adam")) == "numpy kernels: Doubled has no compiled form"

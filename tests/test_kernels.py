"""Two speeds, one meaning: the compiled kernels against the readable NumPy reference."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronet as nn

numba = pytest.importorskip("numba")  # the extra; test_kernel_choice below runs without it too

TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-7), np.float64: dict(rtol=1e-12, atol=1e-15)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01], ids=["plain", "decay"])
@pytest.mark.parametrize("name", nn.optim.names())
@pytest.mark.parametrize("size", [50, 100_003], ids=["small", "large"])
def test_fused_updates_match_the_reference_over_20_steps(name, dtype, weight_decay, size):
    rng = np.random.default_rng(0)
    start = rng.normal(size=size).astype(dtype)
    runs = {}
    for kind in ("numpy", "numba"):
        params, optimizer = start.copy(), nn.optim.get(name, weight_decay=weight_decay)
        for step in range(20):
            grads = np.random.default_rng(step).normal(size=size).astype(dtype)
            optimizer.step_flat(params, grads, n_weights=size * 2 // 3, kernels=kind)
        runs[kind] = (params, optimizer)
    np.testing.assert_allclose(runs["numba"][0], runs["numpy"][0], **TOLERANCE[dtype])
    assert runs["numba"][1].iterations == runs["numpy"][1].iterations == 20
    fused_state = runs["numba"][1].state["Wb"]
    reference = runs["numpy"][1].state
    for slot in runs["numba"][1].slots:
        joined = reference["Wb"][slot] if "Wb" in reference else np.concatenate([reference["W"][slot],
                                                                                 reference["b"][slot]])
        np.testing.assert_allclose(fused_state[slot], joined, **TOLERANCE[dtype])


@settings(max_examples=15, deadline=None)
@given(hidden=st.lists(st.integers(1, 12), min_size=0, max_size=2), activation=st.sampled_from(
    ["sigmoid", "tanh", "relu", "leaky_relu"]), optimizer=st.sampled_from(nn.optim.names()),
    l2=st.sampled_from([0.0, 1e-3]), dtype=st.sampled_from([np.float32, np.float64]))
def test_training_with_kernels_gives_the_reference_loss_curve(hidden, activation, optimizer, l2, dtype):
    X, y = nn.datasets.make_gaussians(64, seed=0)
    curves = {}
    for kind in ("numpy", "numba"):
        net = nn.MLP([2, *hidden, 3], activation=activation, rng=0, dtype=dtype, kernels=kind)
        history = net.fit(X, y, optimizer=optimizer, lr=0.01, epochs=3, batch_size=16, l2=l2, seed=0, verbose=0)
        curves[kind] = (history.history["loss"], net.parameter_vector().copy())
    np.testing.assert_allclose(curves["numba"][0], curves["numpy"][0], **TOLERANCE[dtype])
    np.testing.assert_allclose(curves["numba"][1], curves["numpy"][1], **TOLERANCE[dtype])


def test_an_optimizer_without_a_kernel_takes_the_reference_path():
    class Halving(nn.optim.SGD):  # a subclass that rewrites the formula has no kernel: never fused
        def update(self, param, grad, state, scratch):
            param -= 0.5 * self.lr * grad

    assert Halving(lr=1.0).kernel is None and nn.optim.SGD().kernel.name == "sgd"
    params = np.ones(10)
    Halving(lr=1.0).step_flat(params, np.ones(10), 5, kernels="numba")
    np.testing.assert_allclose(params, 0.5)


# --- the fused pieces, each against the NumPy formula it replaces ---------------------------------
from neuronet import activations as activation_registry  # noqa: E402
from neuronet import layers as layer_module  # noqa: E402
from neuronet import losses as loss_registry  # noqa: E402
from neuronet.kernels import steps  # noqa: E402
from neuronet.kernels.plan import KernelFallbackWarning, KernelPlan  # noqa: E402
from neuronet.trainer import Trainer  # noqa: E402

ACTIVATIONS = [name for name in activation_registry.hidden_names() if activation_registry.get(name).kernel]


def _compiled():
    from neuronet.kernels import compiled

    return compiled


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_bias_activation_and_its_backward_match_the_layers(name, dtype):
    compiled = _compiled()
    rng = np.random.default_rng(3)
    z = rng.normal(size=(7, 5)).astype(dtype) * 3
    z[0, 0] = np.nan  # a NaN goes through as the reference's ufuncs let it (the finiteness check must see it)
    b = rng.normal(size=5).astype(dtype)
    grad = rng.normal(size=(7, 5)).astype(dtype)
    layer = layer_module.activation_layer(name, alpha=0.1) if name == "leaky_relu" else \
        layer_module.activation_layer(name)
    expected = layer.forward(z + b)
    fused = z.copy()
    alpha = float(getattr(layer.function, "alpha", 0.0))
    code = compiled.ACTIVATIONS[layer.function.kernel.name]
    compiled.bias_activation(fused, b, code, alpha)
    np.testing.assert_allclose(fused, expected, **TOLERANCE[dtype])  # NaN where the reference has NaN
    # the derivative from the same output (1 - y^2 near |y| = 1 would magnify a last-bit difference of tanh)
    layer._output = fused.copy()
    expected_grad = layer.backward(grad)
    fused_grad = grad.copy()
    compiled.activation_backward(fused_grad, fused, code, alpha)
    np.testing.assert_allclose(fused_grad, expected_grad, **TOLERANCE[dtype])


LOSS_CASES = {  # name: (loss, K, targets from a generator)
    "softmax_ce_labels": (loss_registry.SoftmaxCrossEntropy(), 4, lambda r, n: r.integers(0, 4, n)),
    "softmax_ce_one_hot": (loss_registry.SoftmaxCrossEntropy(), 4, lambda r, n: np.eye(4)[r.integers(0, 4, n)]),
    "softmax_ce_clipped": (loss_registry.SoftmaxCrossEntropy(clip=True), 4, lambda r, n: r.integers(0, 4, n)),
    "mse": (loss_registry.MSE(), 3, lambda r, n: r.normal(size=(n, 3))),
    "binary_ce": (loss_registry.BinaryCrossEntropy(), 1, lambda r, n: r.integers(0, 2, n)),
    "binary_ce_clipped": (loss_registry.BinaryCrossEntropy(clip=True), 1, lambda r, n: r.integers(0, 2, n)),
    "multilabel_ce": (loss_registry.BinaryCrossEntropy(), 3, lambda r, n: r.integers(0, 2, (n, 3))),
    "hinge": (loss_registry.Hinge(margin=0.5), 4, lambda r, n: r.integers(0, 4, n)),
    "binary_hinge": (loss_registry.Hinge(), 1, lambda r, n: r.integers(0, 2, n)),
    "poisson": (loss_registry.Poisson(), 2, lambda r, n: r.poisson(2.0, (n, 2)).astype(float)),
}
CLASSIFYING = {"softmax_ce_labels", "softmax_ce_one_hot", "softmax_ce_clipped", "binary_ce", "binary_ce_clipped",
               "multilabel_ce", "hinge", "binary_hinge"}


def _kernel_data(loss, targets, scores):
    """The plan's StepKernel for a one-layer network of this width, and the data it packs."""
    n, width = scores.shape
    net = nn.MLP([1, width], rng=0, dtype=scores.dtype, kernels="numba")
    plan = KernelPlan.for_network(net, loss, nn.optim.SGD())
    assert plan.compiled, plan
    data, reason = plan.step.data(np.zeros((n, 1), scores.dtype), targets, None)
    assert reason is None
    return plan.step, data


@pytest.mark.parametrize("case", sorted(LOSS_CASES))
@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 9), dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 10_000))
def test_each_loss_and_its_gradient_in_one_pass_match_the_reference(case, n, dtype, seed):
    loss, width, make_targets = LOSS_CASES[case]
    rng = np.random.default_rng(seed)
    scores = (rng.normal(size=(n, width)) * (20 if "clipped" in case else 2)).astype(dtype)
    targets = loss.check_targets(scores, make_targets(rng, n))
    expected = loss.per_sample(scores, targets)
    expected_grad = loss.sample_gradient().reshape(n, width)
    step, data = _kernel_data(loss, targets, scores)
    grad, losses = np.empty_like(scores), np.empty(n, dtype)
    _compiled().loss_gradient(step.loss, scores, np.arange(n), data.labels, data.rows, grad, losses)
    np.testing.assert_allclose(losses, expected, rtol=TOLERANCE[dtype]["rtol"] * 10, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=TOLERANCE[dtype]["rtol"] * 10, atol=1e-6)


def test_gather_copies_the_rows_of_the_order():
    X = np.arange(30, dtype=np.float32).reshape(10, 3)
    index = np.array([7, 2, 2, 9])
    out = np.empty((4, 3), np.float32)
    _compiled().gather(X, index, out)
    np.testing.assert_array_equal(out, np.take(X, index, axis=0))


# --- whole compiled steps: the reference's loss curve over 20 steps ------------------------------
def _twenty_steps(kind, sizes, activation, loss, targets, X, optimizer, dtype, *, l2=0.0, l2_per_sample=False,
                  weight_decay=0.0, sample_weight=None, batch_size=8, on_nonfinite="raise", count_correct=False,
                  lr=None):
    net = nn.MLP(sizes, activation=activation, rng=0, dtype=dtype, kernels=kind)
    options = {"weight_decay": weight_decay, **({"lr": lr} if lr else {})}
    trainer = Trainer(net, loss, nn.optim.get(optimizer, **options), l2=l2, l2_per_sample=l2_per_sample,
                      on_nonfinite=on_nonfinite, count_correct=count_correct)
    assert (trainer._compiled(X, targets, sample_weight) is not None) == (kind == "numba"), trainer.plan
    curve = []
    order = np.random.default_rng(1).permutation(len(X))
    with net.training_mode():
        for epoch in range(-(-20 * batch_size // len(X))):
            trainer.begin_epoch(epoch)
            trainer.run_epoch(X, targets, order, batch_size, sample_weight,
                              on_batch=lambda size, step: curve.append((step.loss, step.penalty, step.correct)))
    return np.array(curve[:20]), net.parameter_vector().copy(), trainer


@pytest.mark.parametrize("case", sorted(LOSS_CASES))
@settings(max_examples=6, deadline=None)
@given(activation=st.sampled_from(ACTIVATIONS),
       optimizer=st.sampled_from(nn.optim.names()), dtype=st.sampled_from([np.float32, np.float64]),
       hidden=st.lists(st.integers(1, 9), min_size=0, max_size=3), n_in=st.integers(1, 6),
       batch_size=st.integers(1, 13), l2=st.sampled_from([0.0, 1e-2]), decay=st.sampled_from([0.0, 1e-3]))
def test_compiled_steps_give_the_reference_loss_curve(case, activation, optimizer, dtype, hidden, n_in, batch_size,
                                                       l2, decay):
    loss, width, make_targets = LOSS_CASES[case]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, n_in)).astype(dtype)
    targets = loss.check_targets(np.empty((40, width), dtype), make_targets(rng, 40))
    runs = {kind: _twenty_steps(kind, [n_in, *hidden, width], activation, loss, targets, X, optimizer, dtype, l2=l2,
                                weight_decay=decay, batch_size=batch_size,
                                count_correct=case in CLASSIFYING,
                                # Poisson's exp link at the default rates heads for overflow within 20 steps on
                                # these unscaled inputs, where a last-bit difference (NumPy's vectorized exp
                                # against the compiled one) grows without bound: a rate that converges
                                lr=1e-3 if case == "poisson" else None)
            for kind in ("numpy", "numba")}
    (curve, params, trainer), (reference, reference_params, reference_trainer) = runs["numba"], runs["numpy"]
    assert len(curve) == 20
    # relative 1e-5 / 1e-12; absolute: the rounding of a loss whose terms cancel near a perfect fit
    # (Poisson's t log t - t s - t + e^s of order 1 summing to ~0.005 leaves ~1e-7 in float32)
    np.testing.assert_allclose(curve[:, :2], reference[:, :2], rtol=TOLERANCE[dtype]["rtol"],
                               atol={np.float32: 1e-6, np.float64: 1e-14}[dtype])
    np.testing.assert_array_equal(curve[:, 2], reference[:, 2])  # correct counts
    np.testing.assert_allclose(params, reference_params, rtol=TOLERANCE[dtype]["rtol"] * 10,
                               atol=TOLERANCE[dtype]["atol"] * 100)
    assert trainer.optimizer.iterations == reference_trainer.optimizer.iterations
    assert trainer.samples_seen == reference_trainer.samples_seen and trainer.batch == reference_trainer.batch


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_sample_weights_and_per_sample_l2_as_the_estimators_train(dtype):
    X, y = nn.datasets.make_gaussians(48, seed=2)
    X = X.astype(dtype)
    weights = np.random.default_rng(0).uniform(0.1, 3.0, 48)
    loss = nn.losses.SoftmaxCrossEntropy()
    targets = loss.check_targets(np.empty((48, 3), dtype), y)
    runs = {kind: _twenty_steps(kind, [2, 6, 3], "tanh", loss, targets, X, "adam", dtype, l2=1e-2, l2_per_sample=True,
                                sample_weight=weights, batch_size=5, on_nonfinite="ignore")
            for kind in ("numpy", "numba")}
    np.testing.assert_allclose(runs["numba"][0], runs["numpy"][0], **TOLERANCE[dtype])
    np.testing.assert_allclose(runs["numba"][1], runs["numpy"][1], **TOLERANCE[dtype])


@pytest.mark.parametrize("policy", ["raise", "skip", "ignore"])
def test_a_diverging_step_is_handled_as_the_reference_handles_it(policy):
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1000, (200, 4)).astype(np.float32)
    y = rng.normal(0, 1000, (200, 1)).astype(np.float32)
    outcomes = {}
    for kind in ("numpy", "numba"):
        net = nn.MLP([4, 32, 1], activation="relu", rng=0, kernels=kind)
        trainer = Trainer(net, nn.losses.MSE(), nn.optim.SGD(lr=10.0), on_nonfinite=policy)
        with np.errstate(all="ignore"), net.training_mode():
            try:
                for epoch in range(3):
                    trainer.begin_epoch(epoch)
                    trainer.run_epoch(X, y, np.arange(200), 20)
                outcome = "finished"
            except nn.errors.TrainingDiverged as error:
                outcome = str(error)
        outcomes[kind] = (outcome, trainer.epoch, trainer.batch, trainer.optimizer.iterations, trainer.samples_seen,
                          bool(np.all(np.isfinite(net.parameter_vector()))))
    assert outcomes["numba"] == outcomes["numpy"]
    outcome, _, _, iterations, _, finite = outcomes["numba"]
    if policy == "raise":
        assert "training diverged at epoch 1, batch" in outcome and finite
    elif policy == "skip":
        assert outcome == "finished" and iterations < 30 and finite  # the non-finite steps were not applied
    else:
        assert outcome == "finished" and iterations == 30


def test_chunks_of_batches_give_the_same_run_as_one_call(monkeypatch):
    X, y = nn.datasets.make_spiral(96, seed=0)
    results = []
    for work in (steps.CHUNK_WORK, 1):  # the whole epoch per call, then one batch per call
        monkeypatch.setattr(steps, "CHUNK_WORK", work)
        net = nn.MLP([2, 16, 3], rng=0, kernels="numba")
        seen = []
        trainer = Trainer(net, nn.losses.SoftmaxCrossEntropy(), nn.optim.Adam(lr=0.01), count_correct=True)
        with net.training_mode():
            for epoch in range(2):
                trainer.run_epoch(X.astype(np.float32), y, np.arange(96), 10,
                                  on_batch=lambda size, step: seen.append((size, step)))
        assert len(seen) == 2 * 10 and seen[-1][0] == 6  # 96 rows: nine batches of 10 and one of 6
        results.append((seen, net.parameter_vector().copy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("case", sorted(LOSS_CASES))
def test_the_compiled_gradient_passes_the_gradient_check(case):
    loss, width, make_targets = LOSS_CASES[case]
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 3))
    targets = loss.check_targets(np.empty((6, width)), make_targets(rng, 6))
    net = nn.MLP([3, 5, width], activation="tanh", rng=0, dtype=np.float64, kernels="numba")
    trainer = Trainer(net, loss, nn.optim.SGD(lr=0.1), l2=1e-2)
    assert trainer._compiled(X, targets, None) is not None, trainer.plan
    value, penalty = trainer.compute_gradient(X, targets)
    assert str(trainer.plan) == "numba kernels"
    compiled_gradient = net.gradient_vector().copy()
    theta = net.parameter_vector().copy()

    def objective(vector):  # the reference: the layers' forward pass, the loss, (l2 / 2)||W||^2
        net.set_parameter_vector(vector)
        weights = vector[net.decayed_slice]
        return loss.forward(net.forward(X, training=False), targets) + 0.5e-2 * float(np.dot(weights, weights))

    assert value + penalty == pytest.approx(objective(theta), rel=1e-12)
    numerical = nn.gradients.numerical_gradient(objective, theta.copy(), eps=1e-6)
    np.testing.assert_allclose(compiled_gradient, numerical, rtol=1e-5, atol=1e-7)


def test_the_plan_says_why_a_step_takes_the_numpy_path():
    X, y = nn.datasets.make_gaussians(20, seed=0)
    X = X.astype(np.float32)
    loss = nn.losses.SoftmaxCrossEntropy()

    def plan_for(net, optimizer=None, data=(X, y), **options):
        trainer = Trainer(net, loss, optimizer or nn.optim.Adam(), **options)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compiled = trainer._compiled(*data, None) is not None
        assert compiled == trainer.plan.compiled
        fallbacks = [w for w in caught if issubclass(w.category, KernelFallbackWarning)]
        if net.kernels_asked == "numba" and not compiled:  # asked by name: told why, once
            assert len(fallbacks) == 1 and trainer.plan.reason in str(fallbacks[0].message)
        else:
            assert not fallbacks
        return str(trainer.plan)

    assert plan_for(nn.MLP([2, 4, 3], rng=0, kernels="numba")) == "numba kernels"
    assert plan_for(nn.MLP([2, 4, 3], rng=0, kernels="numpy")) == "numpy kernels: kernels='numpy'"
    assert plan_for(nn.MLP([2, 4, 3], rng=0, dropout=0.5, kernels="numba")) == \
        "numpy kernels: Dropout has no compiled form"
    assert plan_for(nn.MLP([2, 4, 3], rng=0, kernels="numba"), gradient="numerical") == \
        "numpy kernels: gradient='numerical'"
    assert plan_for(nn.Sequential(nn.layers.Dense(2, 3, rng=0), nn.layers.Softmax(), kernels="numba")) == \
        "numpy kernels: Softmax has no compiled form"

    class Halving(nn.optim.SGD):  # the formula unchanged: the kernel still applies
        pass

    class Rewritten(nn.optim.SGD):  # the formula rewritten without a kernel of its own: none
        def update(self, param, grad, state, scratch):
            param -= grad

    assert plan_for(nn.MLP([2, 4, 3], rng=0, kernels="numba"), Halving(lr=0.1)) == "numba kernels"
    assert plan_for(nn.MLP([2, 4, 3], rng=0, kernels="numba"), Rewritten(lr=0.1)) == \
        "numpy kernels: Rewritten has no compiled form"
    assert plan_for(nn.MLP([2, 4, 3], rng=0, kernels="numba"), data=(X.astype(np.float64), y)) == \
        "numpy kernels: X is float64, the network float32"
    import scipy.sparse

    assert plan_for(nn.MLP([2, 4, 3], rng=0, kernels="numba"), data=(scipy.sparse.csr_matrix(X), y)) == \
        "numpy kernels: X is a scipy csr_matrix, not a NumPy array"
    # auto: the same reasons, without a warning
    assert plan_for(nn.MLP([2, 4, 3], rng=0, dropout=0.5)) == "numpy kernels: Dropout has no compiled form"
    # before any step, the trainer's plan is the network's; the network's own view, without data
    assert str(Trainer(nn.MLP([2, 4, 3], rng=0, dropout=0.5), loss, nn.optim.Adam()).plan) == \
        "numpy kernels: Dropout has no compiled form"
    net = nn.MLP([2, 4, 3], rng=0, kernels="numba")
    assert str(net.kernel_plan("softmax_cross_entropy", "adam")) == "numba kernels"
    assert str(net.kernel_plan("cross_entropy", "adam")) == "numpy kernels: CrossEntropy has no compiled form"
    assert str(net.kernel_plan("hinge", "sgd", gradient="numerical")) == "numpy kernels: gradient='numerical'"


def test_kernels_is_a_validated_property_and_the_variable_overrides_it(monkeypatch):
    monkeypatch.delenv("NEURONET_KERNELS", raising=False)
    net = nn.MLP([2, 3], rng=0, kernels="numpy")
    net.kernels = "numba"
    assert net.kernels == "numba"
    with pytest.raises(nn.errors.ConfigurationError,
                       match="kernels: expected 'auto', 'numpy' or 'numba', got 'numbaa'"):
        net.kernels = "numbaa"
    assert net.kernels == "numba"  # unchanged by the refused value
    monkeypatch.setenv("NEURONET_KERNELS", "numpy")
    net = nn.MLP([2, 3], rng=0, kernels="numba")
    assert net.kernels == "numpy"
    assert str(net.kernel_plan("mse", "sgd")) == "numpy kernels: NEURONET_KERNELS=numpy"
    monkeypatch.setenv("NEURONET_KERNELS", "fast")
    with pytest.raises(nn.errors.ConfigurationError, match="^NEURONET_KERNELS: expected 'auto', 'numpy' or 'numba'"):
        nn.MLP([2, 3], rng=0)


def test_an_unknown_code_raises_instead_of_computing_another_formula():
    compiled = _compiled()
    z = np.zeros((2, 3))
    unknown = max(compiled.ACTIVATIONS.values()) + 1
    with pytest.raises(ValueError, match="unknown activation code"):
        compiled.bias_activation(z, np.zeros(3), unknown, 0.0)
    with pytest.raises(ValueError, match="unknown activation code"):
        compiled.activation_backward(z, z.copy(), unknown, 0.0)
    loss = compiled.LossForm(max(compiled.LOSSES.values()) + 1, 1.0, False, 1e-16)
    with pytest.raises(ValueError, match="unknown loss code"):
        compiled.loss_gradient(loss, z, np.arange(2), np.zeros(2, np.intp), np.zeros((0, 3)), z.copy(), np.zeros(2))
    hyper = compiled.Hyper(*[0.0] * 9)
    with pytest.raises(ValueError, match="unknown optimizer code"):
        compiled.optimizer_step(max(compiled.OPTIMIZERS.values()) + 1, hyper, np.zeros(3), np.zeros(3), 0.0,
                                np.zeros(0), np.zeros(0), 0.1)


def test_every_kernel_name_an_object_declares_is_defined_in_the_kernel_module():
    compiled = _compiled()
    for registry, table in ((activation_registry, compiled.ACTIVATIONS), (loss_registry, compiled.LOSSES),
                            (nn.optim, compiled.OPTIMIZERS)):
        for name in registry.names():
            form = registry.get(name).kernel
            assert form is None or form.name in table, (name, form)


# --- degenerate batches: one meaning on both paths -------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_batches_with_no_data_are_skipped_alike_on_both_paths(dtype):
    X, y = nn.datasets.make_gaussians(24, seed=4)
    X = X.astype(dtype)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, 24)
    weights[8:16] = 0.0  # the second batch of 8 holds no data
    loss = nn.losses.SoftmaxCrossEntropy()
    outcomes = {}
    for kind in ("numpy", "numba"):
        net = nn.MLP([2, 5, 3], rng=0, dtype=dtype, kernels=kind)
        trainer = Trainer(net, loss, nn.optim.Adam(lr=0.01), l2=1e-2, l2_per_sample=True, count_correct=True)
        steps_seen = []
        with net.training_mode():
            trainer.run_epoch(X, y, np.arange(24), 8, weights, on_batch=lambda size, step: steps_seen.append(step))
            one = trainer.step(X[:1], y[:1])  # one sample: an ordinary step
            empty = trainer.step(X[:0], y[:0])  # no rows: skipped
            zero = trainer.step(X[:4], y[:4], np.zeros(4))  # every weight 0: skipped
            value, penalty = trainer.compute_gradient(X[:4], y[:4], np.zeros(4))
        assert value == penalty == 0.0 and not net.gradient_vector().any()
        outcomes[kind] = (steps_seen, one, empty, zero, trainer.optimizer.iterations, trainer.samples_seen,
                          trainer.batch, net.parameter_vector().copy())
    numpy_run, numba_run = outcomes["numpy"], outcomes["numba"]
    assert numpy_run[1].loss > 0 and numpy_run[2] == numpy_run[3] == (0.0, 0.0, 0)
    flat = [[*run[1], *run[2], *run[3], *run[4:7]] for run in (numpy_run, numba_run)]
    assert flat[0] == pytest.approx(flat[1], rel=TOLERANCE[dtype]["rtol"])
    assert numpy_run[4] == 3 and numpy_run[5] == 16 + 1 and numpy_run[6] == 3 + 3  # the empty batches: no update
    assert numpy_run[0][1] == numba_run[0][1] == (0.0, 0.0, 0)
    np.testing.assert_allclose([tuple(s) for s in numba_run[0]], [tuple(s) for s in numpy_run[0]],
                               rtol=TOLERANCE[dtype]["rtol"])
    np.testing.assert_allclose(numba_run[7], numpy_run[7], rtol=TOLERANCE[dtype]["rtol"] * 10,
                               atol=TOLERANCE[dtype]["atol"] * 10)


def test_multi_output_binary_cross_entropy_counts_exact_matches_on_both_paths():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 4))
    T = (rng.uniform(size=(32, 3)) < 0.5).astype(float)
    counts = {}
    for kind in ("numpy", "numba"):
        net = nn.MLP([4, 6, 3], rng=0, dtype=np.float64, kernels=kind)
        loss = nn.losses.BinaryCrossEntropy()
        trainer = Trainer(net, loss, nn.optim.Adam(lr=0.01), count_correct=True)
        with net.training_mode():
            _, correct = trainer.run_epoch(X, T, np.arange(32), 8)
        scores = net.forward(X, training=False)
        counts[kind] = correct
        assert loss.count_correct(scores, T) == int(np.sum(((scores > 0) == T).all(axis=1)))
        history = nn.MLP([4, 6, 3], rng=0, dtype=np.float64, kernels=kind).fit(
            X, T, loss="binary_cross_entropy", epochs=2, batch_size=8, verbose=0, seed=0)
        assert 0.0 <= history.history["accuracy"][-1] <= 1.0
    assert counts["numpy"] == counts["numba"]


# --- the BLAS the kernels call ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_the_kernels_products_are_numpys_own(dtype):
    from neuronet.kernels import blas

    gemm = blas.gemm(np.dtype(dtype).name)
    if np.__config__.CONFIG["Build Dependencies"]["blas"]["name"] == "scipy-openblas":  # NumPy's wheels
        assert gemm is not None
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 5)).astype(dtype), rng.normal(size=(5, 3)).astype(dtype)
    g = rng.normal(size=(7, 3)).astype(dtype)
    compiled = _compiled()
    matmul = compiled.matmul
    for args, expected in (((a, b, False, False), a @ b), ((a, g, True, False), a.T @ g),
                           ((g, b, False, True), g @ b.T)):
        out = np.empty(expected.shape, dtype)
        matmul(gemm, compiled.Blas(blas.ROW_MAJOR, blas.NO_TRANS, blas.TRANS), args[0], args[1], out, args[2], args[3])
        if gemm is not None:
            np.testing.assert_array_equal(out, expected)  # the same library: the same bits
        np.testing.assert_allclose(out, expected, **TOLERANCE[dtype])


def test_without_numpys_blas_the_kernels_use_numbas_and_agree(monkeypatch):
    from neuronet.kernels import blas

    monkeypatch.setattr(blas, "gemm", lambda name: None)
    X, y = nn.datasets.make_spiral(60, seed=0)
    X = X.astype(np.float32)
    loss = nn.losses.SoftmaxCrossEntropy()
    runs = {kind: _twenty_steps(kind, [2, 7, 3], "relu", loss, y, X, "adam", np.float32) for kind in ("numpy", "numba")}
    np.testing.assert_allclose(runs["numba"][0], runs["numpy"][0], **TOLERANCE[np.float32])


def test_blas_threads_are_set_for_the_block_and_restored():
    from neuronet.kernels import blas

    setter = blas._thread_setter()
    if setter is None:
        pytest.skip("this BLAS has no per-thread setting (OpenBLAS >= 0.3.27 has)")
    original = setter(2)
    setter(original)
    with blas.threads(1):
        inside = setter(1)
    assert inside == 1 and setter(original) == original


def test_without_any_blas_to_call_the_layer_path_trains(monkeypatch):
    import importlib.util

    from neuronet.kernels import blas

    monkeypatch.setattr(blas, "gemm", lambda name: None)
    real_find_spec = importlib.util.find_spec
    from neuronet.kernels import plan as plan_module

    monkeypatch.setattr(plan_module, "find_spec", lambda name: None if name == "scipy" else real_find_spec(name))
    net = nn.MLP([2, 4, 3], rng=0, kernels="numba")
    trainer = Trainer(net, nn.losses.SoftmaxCrossEntropy(), nn.optim.Adam())
    X, y = nn.datasets.make_gaussians(20, seed=0)
    assert trainer._compiled(X.astype(np.float32), y, None) is None


def test_a_slow_first_call_says_it_is_compiling_once(monkeypatch, capsys):
    from neuronet.kernels import loading

    monkeypatch.setattr(loading, "_ready", set())
    monkeypatch.setattr(loading, "seconds", {})
    timers = []

    class Timer:  # stands for the notice's timer; "fires" when the first call is slow (here: always)
        def __init__(self, delay, function, args, kwargs):
            timers.append(self)
            self.delay, self.fire, self.cancelled = delay, lambda: function(*args, **kwargs), False
            self.daemon = False

        def start(self):
            pass

        def cancel(self):
            self.cancelled = True

    monkeypatch.setattr(loading.threading, "Timer", Timer)
    calls = []

    def kernel(*args):  # stands for a kernel whose first call compiles
        calls.append(args)

    def slow_first_call():
        timers[-1].fire()  # the call outlasts NOTICE_AFTER
        kernel(1)

    assert loading.prepare(kernel, np.zeros(3).dtype.char, slow_first_call)
    assert "compiling kernels, once" in capsys.readouterr().err
    assert timers[-1].delay == loading.NOTICE_AFTER and timers[-1].cancelled and "kernel" in loading.seconds
    assert not loading.prepare(kernel, np.ones(3).dtype.char, lambda: kernel(2))  # same signature: nothing
    assert calls == [(1,)] and capsys.readouterr().err == "" and len(timers) == 1
    assert loading.prepare(kernel, np.ones(3, np.float32).dtype.char, lambda: kernel(3))  # a new dtype: again
    assert capsys.readouterr().err == "" and timers[-1].cancelled  # fast: cancelled before the notice


def test_kernels_that_cannot_load_leave_training_on_the_numpy_path(monkeypatch):
    from neuronet.kernels import loading

    monkeypatch.setattr(loading, "_unusable", ["no locator available for the cache"])
    net = nn.MLP([2, 4, 3], rng=0, kernels="auto")
    X, y = nn.datasets.make_gaussians(40, seed=0)
    trainer = Trainer(net, nn.losses.SoftmaxCrossEntropy(), nn.optim.Adam())
    assert trainer._compiled(X.astype(np.float32), y, None) is None
    assert str(trainer.plan) == "numpy kernels: no locator available for the cache"
    from neuronet.kernels.optimizers import fused_step

    params = np.ones(6, np.float32)
    assert fused_step(nn.optim.Adam(), params, params.copy(), 3) is False and np.all(params == 1)  # not done
    history = net.fit(X, y, epochs=2, verbose=0, seed=0)
    reference = nn.MLP([2, 4, 3], rng=0, kernels="numpy")
    np.testing.assert_array_equal(history.history["loss"],
                                  reference.fit(X, y, epochs=2, verbose=0, seed=0).history["loss"])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("case", ["binary_ce", "binary_hinge", "mse_one_output"])
def test_a_single_output_bias_gradient_sums_in_the_references_order(case, seed):
    """One output column: NumPy sums its bias gradient pairwise (np.sum over a contiguous column),
    the compiled step sums it the same way. RMSProp divides by sqrt(h) + eps, so a gradient that
    should be 0.0 and comes out as 1e-17 moves a parameter by lr: summed in another order, float64
    runs drifted apart by 1e-11 in rare draws; in the reference's order they agree to 1e-12 (values
    that separate the two orders for sure: the next test)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 3))
    loss, width, make_targets = LOSS_CASES[case] if case in LOSS_CASES else (loss_registry.MSE(), 1,
                                                                              lambda r, n: r.normal(size=(n, 1)))
    targets = loss.check_targets(np.empty((64, width)), make_targets(rng, 64))
    runs = {kind: _twenty_steps(kind, [3, 5, width], "tanh", loss, targets, X, "rmsprop", np.float64, batch_size=37)
            for kind in ("numpy", "numba")}
    np.testing.assert_allclose(runs["numba"][0], runs["numpy"][0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(runs["numba"][1], runs["numpy"][1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("width", [1, 3])
def test_the_bias_gradient_is_summed_as_dense_backward_sums_it(width):
    """``Dense.backward``'s db = np.sum(g, axis=0): pairwise down one contiguous column, row after
    row across several. Values that cancel in one order and not the other tell the orders apart."""
    column = np.array([1e16, 1.0, -1e16, -1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])  # pairwise 0, in order -1
    g = np.repeat(column[:, None], width, axis=1) * np.arange(1, width + 1)
    out = np.empty(width)
    _compiled().column_sums(np.ascontiguousarray(g), out)
    np.testing.assert_array_equal(out, np.sum(g, axis=0))
    if width == 1:
        assert out[0] == 0.0 and np.sum(column[:, None], axis=0)[0] == 0.0


def test_the_compiled_pairwise_sum_is_numpys():
    pairwise_sum = _compiled().pairwise_sum
    rng = np.random.default_rng(0)
    for n in [*range(0, 300), 1000, 4097, 10_000]:
        for dtype in (np.float32, np.float64):
            a = (rng.normal(size=n) * 10 ** rng.uniform(-3, 3, size=n)).astype(dtype)
            assert pairwise_sum(a) == np.sum(a.reshape(-1, 1), axis=0)[0], (n, dtype)

"""Two speeds, one meaning: the compiled kernels against the readable NumPy reference."""

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


def test_gradient_checks_still_pass_with_kernels_on():
    X, y = nn.datasets.make_gaussians(40, seed=1)
    net = nn.MLP([2, 5, 3], activation="tanh", rng=0, dtype=np.float64, kernels="numba")
    net.fit(X, y, epochs=2, verbose=0, seed=0)
    assert max(nn.gradient_check(net, "softmax_cross_entropy", X[:10], y[:10]).values()) < 1e-7


def test_an_optimizer_without_a_kernel_takes_the_reference_path():
    class Halving(nn.optim.SGD):  # a subclass may change the formula: never fused
        def update(self, param, grad, state, scratch):
            param -= 0.5 * self.lr * grad

    params = np.ones(10)
    Halving(lr=1.0).step_flat(params, np.ones(10), 5, kernels="numba")
    np.testing.assert_allclose(params, 0.5)


# --- the fused pieces, each against the NumPy formula it replaces ---------------------------------
from neuronet import activations as activation_registry  # noqa: E402
from neuronet import layers as layer_module  # noqa: E402
from neuronet import losses as loss_registry  # noqa: E402
from neuronet.kernels import steps  # noqa: E402
from neuronet.trainer import Trainer  # noqa: E402

ACTIVATIONS = steps.ACTIVATIONS


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
    compiled.bias_activation(fused, b, ACTIVATIONS.index(name), alpha)
    np.testing.assert_allclose(fused, expected, **TOLERANCE[dtype])  # NaN where the reference has NaN
    # the derivative from the same output (1 - y^2 near |y| = 1 would magnify a last-bit difference of tanh)
    layer._output = fused.copy()
    expected_grad = layer.backward(grad)
    fused_grad = grad.copy()
    compiled.activation_backward(fused_grad, fused, ACTIVATIONS.index(name), alpha)
    np.testing.assert_allclose(fused_grad, expected_grad, **TOLERANCE[dtype])


LOSS_CASES = {  # name: (loss, K, targets from a generator, kernel code)
    "softmax_ce_labels": (loss_registry.SoftmaxCrossEntropy(), 4, lambda r, n: r.integers(0, 4, n), 0),
    "softmax_ce_one_hot": (loss_registry.SoftmaxCrossEntropy(), 4, lambda r, n: np.eye(4)[r.integers(0, 4, n)], 0),
    "mse": (loss_registry.MSE(), 3, lambda r, n: r.normal(size=(n, 3)), 1),
    "binary_ce": (loss_registry.BinaryCrossEntropy(), 1, lambda r, n: r.integers(0, 2, n), 2),
    "multilabel_ce": (loss_registry.BinaryCrossEntropy(), 3, lambda r, n: r.integers(0, 2, (n, 3)), 2),
    "hinge": (loss_registry.Hinge(margin=0.5), 4, lambda r, n: r.integers(0, 4, n), 3),
    "binary_hinge": (loss_registry.Hinge(), 1, lambda r, n: r.integers(0, 2, n), 4),
    "poisson": (loss_registry.Poisson(), 2, lambda r, n: r.poisson(2.0, (n, 2)).astype(float), 5),
}


@settings(max_examples=20, deadline=None)
@given(case=st.sampled_from(sorted(LOSS_CASES)), n=st.integers(1, 9), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 10_000))
def test_each_loss_and_its_gradient_in_one_pass_match_the_reference(case, n, dtype, seed):
    loss, width, make_targets, code = LOSS_CASES[case]
    rng = np.random.default_rng(seed)
    scores = (rng.normal(size=(n, width)) * 2).astype(dtype)
    targets = loss.check_targets(scores, make_targets(rng, n))
    expected = loss.per_sample(scores, targets)
    expected_grad = loss.sample_gradient().reshape(n, width)
    found = steps._targets(loss, targets, np.dtype(dtype), width)
    assert found is not None and found[0] == code
    _, labels, rows = found
    grad, losses = np.empty_like(scores), np.empty(n, dtype)
    _compiled().loss_gradient(code, scores, np.arange(n), labels, rows, float(getattr(loss, "margin", 1.0)), grad,
                              losses)
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
                  weight_decay=0.0, sample_weight=None, batch_size=8, on_nonfinite="raise", count_correct=False):
    net = nn.MLP(sizes, activation=activation, rng=0, dtype=dtype, kernels=kind)
    options = {"weight_decay": weight_decay}
    trainer = Trainer(net, loss, nn.optim.get(optimizer, **options), l2=l2, l2_per_sample=l2_per_sample,
                      on_nonfinite=on_nonfinite, count_correct=count_correct)
    assert (trainer._compiled(X, targets, sample_weight) is not None) == (kind == "numba")
    curve = []
    order = np.random.default_rng(1).permutation(len(X))
    with net.training_mode():
        for epoch in range(-(-20 * batch_size // len(X))):
            trainer.begin_epoch(epoch)
            trainer.run_epoch(X, targets, order, batch_size, sample_weight,
                              on_batch=lambda size, step: curve.append((step.loss, step.penalty, step.correct)))
    return np.array(curve[:20]), net.parameter_vector().copy(), trainer


@settings(max_examples=30, deadline=None)
@given(case=st.sampled_from(sorted(LOSS_CASES)), activation=st.sampled_from(ACTIVATIONS),
       optimizer=st.sampled_from(nn.optim.names()), dtype=st.sampled_from([np.float32, np.float64]),
       hidden=st.lists(st.integers(1, 9), min_size=0, max_size=3), n_in=st.integers(1, 6),
       batch_size=st.integers(1, 13), l2=st.sampled_from([0.0, 1e-2]), decay=st.sampled_from([0.0, 1e-3]))
def test_compiled_steps_give_the_reference_loss_curve(case, activation, optimizer, dtype, hidden, n_in, batch_size,
                                                       l2, decay):
    loss, width, make_targets, _ = LOSS_CASES[case]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, n_in)).astype(dtype)
    targets = loss.check_targets(np.empty((40, width), dtype), make_targets(rng, 40))
    runs = {kind: _twenty_steps(kind, [n_in, *hidden, width], activation, loss, targets, X, optimizer, dtype, l2=l2,
                                weight_decay=decay, batch_size=batch_size,
                                count_correct=case not in ("mse", "poisson", "multilabel_ce"))
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
    loss, width, make_targets, _ = LOSS_CASES[case]
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 3))
    targets = loss.check_targets(np.empty((6, width)), make_targets(rng, 6))
    net = nn.MLP([3, 5, width], activation="tanh", rng=0, dtype=np.float64, kernels="numba")
    trainer = Trainer(net, loss, nn.optim.SGD(lr=0.1), l2=1e-2)
    assert trainer._compiled(X, targets, None) is not None
    value, penalty = trainer.compute_gradient(X, targets)
    compiled_gradient = net.gradient_vector().copy()
    theta = net.parameter_vector().copy()

    def objective(vector):  # the reference: the layers' forward pass, the loss, (l2 / 2)||W||^2
        net.set_parameter_vector(vector)
        weights = vector[net.decayed_slice]
        return loss.forward(net.forward(X, training=False), targets) + 0.5e-2 * float(np.dot(weights, weights))

    assert value + penalty == pytest.approx(objective(theta), rel=1e-12)
    numerical = nn.gradients.numerical_gradient(objective, theta.copy(), eps=1e-6)
    np.testing.assert_allclose(compiled_gradient, numerical, rtol=1e-5, atol=1e-7)


def test_what_has_no_kernel_takes_the_layer_path():
    X, y = nn.datasets.make_gaussians(20, seed=0)
    X = X.astype(np.float32)
    loss = nn.losses.SoftmaxCrossEntropy()

    def compiled_for(net, optimizer=None, **options):
        trainer = Trainer(net, loss, optimizer or nn.optim.Adam(), **options)
        return trainer._compiled(X, y, None) is not None

    assert compiled_for(nn.MLP([2, 4, 3], rng=0, kernels="numba"))
    assert not compiled_for(nn.MLP([2, 4, 3], rng=0, kernels="numpy"))
    assert not compiled_for(nn.MLP([2, 4, 3], rng=0, dropout=0.5, kernels="numba"))
    assert not compiled_for(nn.MLP([2, 4, 3], rng=0, kernels="numba"), gradient="numerical")
    assert not compiled_for(nn.Sequential(nn.layers.Dense(2, 3, rng=0), nn.layers.Softmax(), kernels="numba"))

    class Halving(nn.optim.SGD):
        pass

    assert not compiled_for(nn.MLP([2, 4, 3], rng=0, kernels="numba"), Halving(lr=0.1))
    trainer = Trainer(nn.MLP([2, 4, 3], rng=0, kernels="numba"), loss, nn.optim.Adam())
    assert trainer._compiled(X.astype(np.float64), y, None) is None  # data in another dtype
    import scipy.sparse

    assert trainer._compiled(scipy.sparse.csr_matrix(X), y, None) is None


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
    matmul = _compiled().matmul
    for args, expected in (((a, b, False, False), a @ b), ((a, g, True, False), a.T @ g),
                           ((g, b, False, True), g @ b.T)):
        out = np.empty(expected.shape, dtype)
        matmul(gemm, args[0], args[1], out, args[2], args[3])
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
    monkeypatch.setattr(steps, "find_spec", lambda name: None if name == "scipy" else real_find_spec(name))
    net = nn.MLP([2, 4, 3], rng=0, kernels="numba")
    trainer = Trainer(net, nn.losses.SoftmaxCrossEntropy(), nn.optim.Adam())
    X, y = nn.datasets.make_gaussians(20, seed=0)
    assert trainer._compiled(X.astype(np.float32), y, None) is None


def test_a_slow_first_call_says_it_is_compiling_once(monkeypatch, capsys):
    import time as time_module

    from neuronet.kernels import loading

    monkeypatch.setattr(loading, "NOTICE_AFTER", 0.01)
    monkeypatch.setattr(loading, "_ready", set())
    monkeypatch.setattr(loading, "seconds", {})
    calls = []

    def kernel(*args):  # stands for a kernel whose first call compiles
        calls.append(args)

    assert loading.prepare(kernel, np.zeros(3).dtype.char, lambda: (time_module.sleep(0.2), kernel(1)))
    assert "compiling kernels, once" in capsys.readouterr().err
    assert loading.seconds["kernel"] >= 0.2
    assert not loading.prepare(kernel, np.ones(3).dtype.char, lambda: kernel(2))  # same signature: nothing
    assert calls == [(1,)] and capsys.readouterr().err == ""
    assert loading.prepare(kernel, np.ones(3, np.float32).dtype.char, lambda: kernel(3))  # a new dtype: again
    assert capsys.readouterr().err == ""  # fast: no notice


def test_kernels_that_cannot_load_leave_training_on_the_numpy_path(monkeypatch):
    from neuronet.kernels import loading

    monkeypatch.setattr(loading, "_unusable", ["no locator available for the cache"])
    net = nn.MLP([2, 4, 3], rng=0, kernels="numba")
    X, y = nn.datasets.make_gaussians(40, seed=0)
    trainer = Trainer(net, nn.losses.SoftmaxCrossEntropy(), nn.optim.Adam())
    assert trainer._compiled(X.astype(np.float32), y, None) is None
    from neuronet.kernels.optimizers import fused_step

    params = np.ones(6, np.float32)
    assert fused_step(nn.optim.Adam(), params, params.copy(), 3) is False and np.all(params == 1)  # not done
    history = net.fit(X, y, epochs=2, verbose=0, seed=0)
    reference = nn.MLP([2, 4, 3], rng=0, kernels="numpy")
    np.testing.assert_array_equal(history.history["loss"],
                                  reference.fit(X, y, epochs=2, verbose=0, seed=0).history["loss"])

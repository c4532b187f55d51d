"""The one trainer: fit, the scikit-learn estimator and the playground session take the same steps."""

import warnings

import numpy as np
import pytest

import neuronet as nn
from neuronet.errors import TrainingDiverged
from neuronet import kernels, losses, optim
from neuronet.trainer import Trainer


def _sklearn_initial_weights(layer_units, random_state):
    """The Glorot-uniform draw scikit-learn (and neuronet.sklearn) makes for tanh layers."""
    rng = np.random.RandomState(random_state)
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(rng.uniform(-bound, bound, fan_out))
    return coefs, intercepts


def _set_weights(net, coefs, intercepts):
    dense = [layer for layer in net.layers if isinstance(layer, nn.Dense)]
    for layer, W, b in zip(dense, coefs, intercepts):
        layer.params["W"][...] = W
        layer.params["b"][...] = b


@pytest.mark.parametrize("optimizer, sklearn_solver", [
    ("adam", dict(solver="adam")),
    ("sgd", dict(solver="sgd", momentum=0.0)),
    ("nesterov", dict(solver="sgd", momentum=0.9, nesterovs_momentum=True)),
])
def test_fit_the_estimator_and_the_playground_agree(optimizer, sklearn_solver):
    pytest.importorskip("sklearn")
    pytest.importorskip("starlette")
    from neuronet.playground import Session, validate_settings
    from neuronet.sklearn import MLPClassifier

    lr, epochs, batch = 0.05, 6, 10
    session = Session(validate_settings({"dataset": "gaussians", "samples": 80, "seed": 3, "optimizer": optimizer,
                                         "lr": lr, "batch_size": batch, "layers": [{"neurons": 5, "activation": "tanh"}]}),
                      dtype=np.float64, shuffle=False)
    X, y = session.X_train, session.y_train
    coefs, intercepts = _sklearn_initial_weights([2, 5, 3], random_state=0)

    _set_weights(session.net, coefs, intercepts)
    for _ in range(epochs * -(-len(X) // batch)):
        session.step()

    net = nn.MLP([2, 5, 3], activation="tanh", dtype=np.float64, rng=0)
    _set_weights(net, coefs, intercepts)
    optimizer_object = nn.optim.Nesterov(lr, 0.9) if optimizer == "nesterov" else nn.optim.get(optimizer, lr)
    history = net.fit(X, y, optimizer=optimizer_object, epochs=epochs, batch_size=batch, shuffle=False, verbose=0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: a short run on purpose
        estimator = MLPClassifier(hidden_layer_sizes=(5,), activation="tanh", learning_rate_init=lr, batch_size=batch,
                                  shuffle=False, alpha=0.0, max_iter=epochs, random_state=0, **sklearn_solver)
        estimator.fit(X, y)

    np.testing.assert_allclose(history.history["loss"], session.epoch_losses, rtol=1e-12, atol=0)
    np.testing.assert_allclose(estimator.loss_curve_, session.epoch_losses, rtol=1e-12, atol=0)
    np.testing.assert_allclose(net.parameter_vector(), session.net.parameter_vector(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.concatenate([c.ravel() for c in estimator.coefs_] +
                                              [b.ravel() for b in estimator.intercepts_]),
                               net.parameter_vector(), rtol=1e-12, atol=1e-15)


def test_sample_weights_scale_the_loss_and_gradient_like_repeated_rows():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), np.array([0, 1, 2, 0, 1, 2])
    weights = np.array([1.0, 2.0, 1.0, 3.0, 1.0, 1.0])
    repeated = np.repeat(np.arange(6), weights.astype(int))
    a = nn.MLP([3, 4, 3], dtype=np.float64, rng=0)
    b = nn.MLP([3, 4, 3], dtype=np.float64, rng=0)
    loss = nn.losses.SoftmaxCrossEntropy()
    value_a, _ = Trainer(a, loss, nn.optim.SGD()).compute_gradient(X, y, weights)
    value_b, _ = Trainer(b, loss, nn.optim.SGD()).compute_gradient(X[repeated], y[repeated])
    assert value_a == pytest.approx(value_b, rel=1e-12)
    np.testing.assert_allclose(a.gradient_vector(), b.gradient_vector(), rtol=1e-10)


def test_l2_per_sample_is_scikit_learns_alpha_over_n():
    net = nn.MLP([3, 2], dtype=np.float64, rng=0)
    X, y = np.zeros((4, 3)), np.array([0, 1, 0, 1])
    trainer = Trainer(net, nn.losses.SoftmaxCrossEntropy(), nn.optim.SGD(), l2=0.8, l2_per_sample=True)
    _, penalty = trainer.compute_gradient(X, y)
    W = net.parameter_vector()[net.decayed_slice]
    assert penalty == pytest.approx(0.8 / 4 / 2 * float(W @ W))
    np.testing.assert_allclose(net.gradient_vector()[net.decayed_slice], 0.8 / 4 * W)  # X = 0: only the penalty


def test_nonfinite_steps_raise_skip_or_continue():
    X, y = np.full((4, 2), 1e200), np.eye(2)[[0, 1, 0, 1]]  # squares overflow to inf
    for policy in ("raise", "skip", "ignore"):
        net = nn.MLP([2, 3, 2], activation="identity", rng=0, dtype=np.float64)
        before = net.parameter_vector().copy()
        trainer = Trainer(net, nn.losses.MSE(), nn.optim.SGD(1.0), on_nonfinite=policy)
        with np.errstate(all="ignore"):
            if policy == "raise":
                with pytest.raises(TrainingDiverged, match="epoch 1, batch 1"):
                    trainer.step(X, y)
                np.testing.assert_array_equal(net.parameter_vector(), before)
            else:
                trainer.step(X, y)
                changed = not np.array_equal(net.parameter_vector(), before, equal_nan=True)
                assert changed == (policy == "ignore")


def test_schedules_set_the_rate_of_each_epoch():
    X, y = nn.datasets.make_gaussians(60, seed=0)
    net = nn.MLP([2, 4, 3], rng=0)
    history = net.fit(X, y, lr=nn.schedules.StepDecay(0.1, drop=0.5, every=2), epochs=5, verbose=0, seed=0)
    assert history.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    cosine = nn.schedules.Cosine(0.1, epochs=4, min_lr=0.0)
    assert [round(cosine.rate(e), 6) for e in range(5)] == [0.1, 0.085355, 0.05, 0.014645, 0.0]
    plateau = nn.schedules.ReduceOnPlateau(1.0, factor=0.5, patience=1)
    for epoch, value in enumerate([3.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0]):
        plateau.observe(epoch, {"loss": value})
    assert plateau.rate(7) == 0.25
    assert nn.schedules.InverseScaling(0.1, power_t=0.5).rate(3, samples_seen=99) == pytest.approx(0.01)
    assert nn.schedules.Exponential(0.1, gamma=0.5).rate(3) == pytest.approx(0.0125)


def test_l1_adds_its_penalty_and_the_sign_of_each_weight_to_the_gradient():
    """l1 ||W||_1 over the weights (not the biases): the backprop gradient equals the numerical one
    of the same objective, and the compiled step is not taken (the plan says why)."""
    import warnings as _warnings

    rng = np.random.default_rng(4)
    X = rng.normal(size=(12, 3))
    y = rng.integers(0, 3, 12)
    results = {}
    for method in ("backprop", "numerical"):
        net = nn.MLP([3, 5, 3], "tanh", rng=0, dtype=np.float64, kernels="auto")
        trainer = Trainer(net, losses.get("softmax_cross_entropy"), optim.get("sgd", lr=0.1), l1=0.05, l2=0.01,
                          gradient=method)
        value, penalty = trainer.compute_gradient(X, y)
        weights = net.parameter_vector()[net.decayed_slice]
        assert penalty == pytest.approx(0.5 * 0.01 * np.dot(weights, weights) + 0.05 * np.abs(weights).sum())
        results[method] = net.gradient_vector().copy()
    np.testing.assert_allclose(results["backprop"], results["numerical"], rtol=1e-6, atol=1e-8)
    assert not trainer.plan.compiled
    numba_net = nn.MLP([3, 5, 3], "tanh", rng=0, dtype=np.float64, kernels="auto")
    sparse = Trainer(numba_net, losses.get("softmax_cross_entropy"), optim.get("sgd", lr=0.1), l1=0.05)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        sparse.step(X, y)
    assert not sparse.plan.compiled
    if "numba" in kernels.available():  # else the plan's first reason is that Numba is missing
        assert str(sparse.plan) == "numpy kernels: L1 regularization (l1) has no compiled form"


def test_l1_makes_weights_exactly_zero_where_l2_only_shrinks_them():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)  # one feature matters, five do not
    sparse, shrunk = nn.MLP([6, 2], rng=0), nn.MLP([6, 2], rng=0)
    sparse.fit(X, y, optimizer="sgd", lr=0.05, l1=0.01, epochs=60, batch_size=20, verbose=0, seed=0)
    shrunk.fit(X, y, optimizer="sgd", lr=0.05, l2=0.02, epochs=60, batch_size=20, verbose=0, seed=0)
    W_sparse, W_shrunk = sparse.layers[0].params["W"], shrunk.layers[0].params["W"]
    assert np.mean(np.abs(W_sparse[1:]) < 1e-3) > np.mean(np.abs(W_shrunk[1:]) < 1e-3)
    assert np.abs(W_sparse[0]).max() > 0.1  # the feature that matters keeps its weight


def test_the_objective_is_what_the_trainer_reports_with_l1_and_l2():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(16, 3))
    y = rng.integers(0, 3, 16)
    net = nn.MLP([3, 5, 3], "tanh", rng=0, dtype=np.float64, kernels="numpy")
    trainer = Trainer(net, losses.get("softmax_cross_entropy"), optim.get("sgd"), l2=0.02, l1=0.03)
    value, penalty = trainer.compute_gradient(X, y)
    assert net.objective(X, y, l2=0.02, l1=0.03) == pytest.approx(value + penalty, rel=1e-12)


def test_evaluate_in_chunks_is_the_weighted_loss_of_the_whole_and_keeps_the_scores():
    from neuronet.trainer import evaluate

    rng = np.random.default_rng(0)
    net = nn.MLP([3, 5, 4], activation="tanh", output="softmax", rng=1, dtype=np.float64)
    X, y = rng.normal(size=(7, 3)), rng.integers(0, 4, 7)
    weights = np.array([0.0, 0.0, 2.0, 1.0, 0.5, 3.0, 1.0])  # the first chunk of 2 weighs nothing
    loss = losses.get("softmax_cross_entropy")
    scores = net.forward(X, training=False).copy()
    value, accuracy, kept = evaluate(net, loss, X, y, chunk=2, sample_weight=weights, return_scores=True)
    assert value == pytest.approx(loss.forward(scores, y, weights), rel=1e-12)
    assert accuracy == np.mean(scores.argmax(axis=1) == y)  # rows counted, not weighted
    np.testing.assert_array_equal(kept, scores)
    assert evaluate(net, loss, X, y, chunk=3)[0] == pytest.approx(loss.forward(scores, y), rel=1e-12)
    assert evaluate(net, losses.get("mse"), X, np.eye(4)[y], classify=True)[1] == accuracy  # mse as a classifier

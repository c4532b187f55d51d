import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import neuronet as nn
from neuronet.datasets import make_gaussians


def test_mlp_builds_seed_001_net():
    net = nn.MLP([2, 3, 3], activation="sigmoid", rng=0)
    assert [type(layer).__name__ for layer in net.layers] == ["Dense", "Sigmoid", "Dense"]
    assert {k: v.shape for k, v in net.parameters().items()} == {
        "0.W": (2, 3), "0.b": (3,), "2.W": (3, 3), "2.b": (3,)}
    assert net.n_parameters == 21 and net.in_features == 2 and net.out_features == 3


def test_parameters_are_views_of_one_flat_buffer():
    net = nn.MLP([4, 5, 3], activation="relu", rng=0)
    flat = net.flat_parameters()
    assert flat["W"].size == 4 * 5 + 5 * 3 and flat["b"].size == 5 + 3
    flat["W"][:] = 1.0
    assert np.all(net.parameters()["0.W"] == 1.0) and np.all(net.parameters()["2.W"] == 1.0)
    net.layers[0].params["b"][...] = 7.0
    assert np.all(flat["b"][:5] == 7.0)


def test_same_seed_same_weights_and_different_seed_different():
    a, b, c = (nn.MLP([3, 4, 2], rng=s).flat_parameters()["W"] for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_dtypes_are_never_mixed():
    net = nn.MLP([2, 3, 2], rng=0)
    assert net.forward(np.zeros((1, 2))).dtype == np.float32
    net64 = nn.MLP([2, 3, 2], rng=0, dtype=np.float64)
    assert net64.forward(np.zeros((1, 2), dtype=np.float32)).dtype == np.float64
    with pytest.raises(TypeError, match="share one dtype"):
        nn.Sequential(nn.Dense(2, 3), nn.Dense(3, 2, dtype=np.float64))


def test_mismatched_layer_shapes_are_named():
    with pytest.raises(ValueError, match=r"layer 2: Dense\(4, 2\): expects 4 input features but the previous layer gives 3"):
        nn.Sequential(nn.Dense(2, 3), nn.ReLU(), nn.Dense(4, 2))
    with pytest.raises(TypeError, match="not a neuronet Layer"):
        nn.Sequential(nn.Dense(2, 3), "relu")
    with pytest.raises(ValueError, match="activation lists 1 names but there are 2 hidden layers"):
        nn.MLP([2, 3, 3, 2], activation=["relu"])
    with pytest.raises(ValueError, match="unknown name 'sigmod'"):
        nn.MLP([2, 3, 2], activation="sigmod")


def test_per_layer_activations_and_output():
    net = nn.MLP([2, 4, 4, 3], activation=["tanh", "leaky_relu"], output="softmax", dropout=0.1, rng=0)
    names = [type(layer).__name__ for layer in net.layers]
    assert names == ["Dense", "Tanh", "Dropout", "Dense", "LeakyReLU", "Dropout", "Dense", "Softmax"]
    np.testing.assert_allclose(net(np.ones((2, 2))).sum(axis=1), 1.0, rtol=1e-6)


def test_single_sample_forward():
    net = nn.MLP([2, 3, 3], rng=0)
    assert net(np.array([0.1, 0.2])).shape == (3,)


def test_predict_rejects_non_finite_and_wrong_width():
    net = nn.MLP([2, 3, 3], rng=0)
    with pytest.raises(ValueError, match="NaN or infinity"):
        net.predict(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match=r"X: expected shape \(n_samples, 2\), got \(4, 5\)"):
        net.predict(np.zeros((4, 5)))


@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "hinge", "mse"])
@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4),
       activation=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "identity"]),
       seed=st.integers(0, 10_000))
@settings(max_examples=15, deadline=None)
def test_gradient_check_random_networks(sizes, activation, loss, seed):
    rng = np.random.default_rng(seed)
    sizes = [*sizes[:-1], max(sizes[-1], 2)]
    net = nn.MLP(sizes, activation=activation, rng=rng, dtype=np.float64)
    for param in net.flat_parameters().values():
        param += rng.normal(0, 0.1, param.shape)
    X = rng.normal(size=(4, sizes[0]))
    y = rng.integers(0, sizes[-1], 4)
    errors = nn.gradient_check(net, loss, X, y)
    if loss == "hinge":  # a margin at its kink is non-differentiable: such draws are skipped
        scores = net(X)
        margins = scores - scores[np.arange(4), y][:, None] + 1
        margins[np.arange(4), y] = 1
        assume(np.min(np.abs(margins)) >= 1e-4)
    if activation in ("relu", "leaky_relu"):
        pre = nn.Sequential(net.layers[0])(X)  # first pre-activation near the kink: skip
        assume(np.min(np.abs(pre)) >= 1e-4)
    assert max(errors.values()) < 1e-7, errors


def test_gradient_check_catches_a_wrong_backward():
    net = nn.MLP([3, 4, 2], activation="tanh", rng=0, dtype=np.float64)
    X, y = np.random.default_rng(0).normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    tanh_layer = net.layers[1]
    correct_backward = tanh_layer.backward
    tanh_layer.backward = lambda g: correct_backward(g) * 1.5  # a deliberate bug
    errors = nn.gradient_check(net, "softmax_cross_entropy", X, y)
    assert errors["0.W"] > 1e-2 and errors["2.W"] < 1e-7


def test_seed_001_net_learns_the_three_class_problem_with_backprop():
    X, y = make_gaussians(600, seed=1)
    X_test, y_test = make_gaussians(600, seed=2)
    net = nn.MLP([2, 3, 3], activation="sigmoid", rng=0)
    net.fit(X, y, optimizer="sgd", lr=0.5, epochs=100, batch_size=10, seed=0, verbose=0)
    # overlapping Gaussians: the Bayes-optimal accuracy is about 0.9
    assert net.evaluate(X_test, y_test)["accuracy"] > 0.84


def test_backprop_and_numerical_gradient_agree_on_seed_001_net():
    X, y = make_gaussians(50, seed=3)
    net = nn.MLP([2, 3, 3], activation="sigmoid", rng=0, dtype=np.float64)
    loss = nn.losses.SoftmaxCrossEntropy()
    loss(net.forward(X), y)
    net.backward(loss.backward())
    backprop = net._flat_grads.copy()
    numeric = nn.numerical_gradient(lambda _: loss(net.forward(X), y), net._flat_params)
    np.testing.assert_allclose(backprop, numeric, rtol=1e-6, atol=1e-9)


def test_pickle_and_deepcopy_keep_one_flat_buffer():
    import copy
    import pickle

    net = nn.MLP([3, 4, 2], activation="relu", rng=0)
    x = np.ones((2, 3), np.float32)
    for twin in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        np.testing.assert_array_equal(twin(x), net(x))
        twin._flat_params[:] = 0  # the layers see the flat buffer: outputs become 0
        assert not twin(x).any()
        assert net(x).any()  # and the original is a separate network


def test_the_device_belongs_to_the_network_not_the_process():
    net = nn.MLP([2, 3, 2], rng=0, device="cpu")
    assert net.device == "cpu" and isinstance(net.parameter_vector(), np.ndarray)
    with pytest.raises(ValueError, match="device"):
        nn.MLP([2, 3, 2], device="tpu")
    try:
        import cupy  # noqa: F401
        cupy.cuda.runtime.getDeviceCount()
    except Exception:
        with pytest.raises(ValueError, match="CuPy and a CUDA GPU"):
            nn.MLP([2, 3, 2], device="cuda")
    else:  # pragma: no cover - only where a GPU is
        gpu = nn.MLP([2, 3, 2], device="cuda", rng=0)
        assert gpu.device == "cuda"
        np.testing.assert_allclose(gpu.predict_proba(np.ones((2, 2))), net.predict_proba(np.ones((2, 2))), rtol=1e-5)
    other = nn.MLP([2, 3, 2], rng=0)
    assert other.device == "cpu"  # building (or failing to build) one network changes no other


def test_the_flat_parameter_vector_is_public_and_laid_out():
    net = nn.MLP([3, 4, 2], rng=0, dtype=np.float64)
    vector = net.parameter_vector()
    layout = net.parameter_layout()
    assert [name for name, _, _ in layout] == ["0.W", "2.W", "0.b", "2.b"]  # decayed weights first
    assert net.decayed_slice == slice(0, 3 * 4 + 4 * 2)
    for name, where, shape in layout:
        np.testing.assert_array_equal(vector[where].reshape(shape), net.parameters()[name])
    net.set_parameter_vector(np.arange(vector.size, dtype=float))
    assert net.parameters()["0.b"][0] == 20.0
    with pytest.raises(ValueError, match="vector: expected shape"):
        net.set_parameter_vector(np.zeros(3))


def test_objective_is_what_fit_minimizes():
    X, y = make_gaussians(60, seed=0)
    net = nn.MLP([2, 4, 3], rng=0, dtype=np.float64)
    net.fit(X, y, epochs=1, verbose=0, l2=0.1, shuffle=False, batch_size=60, seed=0)
    weights = net.parameter_vector()[net.decayed_slice]
    expected = net.evaluate(X, y)["loss"] + 0.05 * float(weights @ weights)
    assert net.objective(X, y, l2=0.1) == pytest.approx(expected, rel=1e-12)


def test_flatten_takes_image_tensors():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(40, 3, 4, 4))
    labels = (images[:, 0].mean(axis=(1, 2)) > 0).astype(int)
    net = nn.Sequential(nn.Flatten((3, 4, 4)), nn.Dense(48, 8, rng=0), nn.ReLU(), nn.Dense(8, 2, rng=0))
    assert net.input_shape == (3, 4, 4)
    net.fit(images, labels, epochs=30, verbose=0, seed=0, lr=0.01)
    assert net.evaluate(images, labels)["accuracy"] > 0.9
    np.testing.assert_array_equal(net.predict(images), net.predict(images.reshape(40, -1)))


def test_predict_on_an_untrained_network_warns_once():
    from neuronet.network import UntrainedNetworkWarning

    net = nn.MLP([2, 3, 2], rng=0)
    X = np.zeros((4, 2), np.float32)
    with pytest.warns(UntrainedNetworkWarning, match="has not been trained"):
        net.predict(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.predict_proba(X)  # once is enough
        trained = nn.MLP([2, 3, 2], rng=0)
        trained.fit(X, [0, 1, 0, 1], epochs=1, verbose=0)
        trained.predict(X)


def test_complex_input_is_refused_clearly():
    net = nn.MLP([2, 2], rng=0)
    net.trained = True
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not NumPy's ComplexWarning
        with pytest.raises(ValueError, match="X: complex numbers are not supported"):
            net.predict(np.array([[1 + 2j, 3.0]]))


def test_evaluate_a_multi_label_network_counts_exact_matches():
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(30, 4)), (rng.uniform(size=(30, 3)) < 0.5) * 1
    net = nn.MLP([4, 5, 3], rng=0, dtype=np.float64)
    net.loss, net.trained = nn.losses.BinaryCrossEntropy(), True
    result = net.evaluate(X, T)
    scores = net(X)
    assert result["accuracy"] == pytest.approx(np.mean(((scores > 0) == T).all(axis=1)))
    assert result["loss"] == pytest.approx(nn.losses.BinaryCrossEntropy()(scores, T))


def test_values_too_large_for_the_networks_dtype_are_named_as_overflow():
    net = nn.MLP([2, 3, 2], rng=0)
    with pytest.raises(nn.errors.DataError, match=r"values up to 1e\+300 overflow float32 .*use float64"):
        net.fit(np.array([[1e300, 0.0], [1.0, 2.0]]), [0, 1], epochs=1, verbose=0)
    with pytest.raises(nn.errors.DataError, match="contains NaN or infinity"):
        net.fit(np.array([[np.inf, 0.0], [1.0, 2.0]]), [0, 1], epochs=1, verbose=0)
    wide = nn.MLP([2, 3, 2], rng=0, dtype=np.float64)
    wide.fit(np.array([[1e300, 0.0], [1.0, 2.0]]) / 1e300, [0, 1], epochs=1, verbose=0)  # float64 holds it

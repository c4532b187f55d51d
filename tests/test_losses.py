import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuronet import activations, losses
from neuronet.errors import ConfigurationError
from neuronet.gradients import numerical_gradient, relative_error, resolution


def check_loss(loss, scores, targets):
    value = loss(scores, targets)
    analytic = loss.backward().copy()
    numeric = numerical_gradient(lambda s: loss(s, targets), scores.copy(), eps=1e-6)
    return relative_error(analytic, numeric, resolution(value, 1e-6))


@given(n=st.integers(1, 6), k=st.integers(2, 5), seed=st.integers(0, 10_000), one_hot=st.booleans())
@settings(max_examples=30, deadline=None)
def test_softmax_cross_entropy_gradient(n, k, seed, one_hot):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    targets = np.eye(k)[labels] if one_hot else labels
    assert check_loss(losses.SoftmaxCrossEntropy(), rng.normal(size=(n, k)), targets) < 1e-7


def test_softmax_cross_entropy_value_and_y_minus_t():
    scores = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    labels = np.array([0, 2])
    loss = losses.SoftmaxCrossEntropy()
    y = activations.softmax(scores)
    assert loss(scores, labels) == pytest.approx(-np.mean(np.log(y[[0, 1], labels])))   # eq. 8
    np.testing.assert_allclose(loss.backward(), (y - np.eye(3)[labels]) / 2)          # eq. 23


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    loss = losses.SoftmaxCrossEntropy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss(np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=np.float32), np.array([0, 0]))
    assert value == pytest.approx(1e4, rel=1e-6)


@given(n=st.integers(1, 6), k=st.integers(2, 5), seed=st.integers(0, 10_000))
@settings(max_examples=30, deadline=None)
def test_cross_entropy_on_probabilities_gradient(n, k, seed):
    rng = np.random.default_rng(seed)
    probabilities = activations.softmax(rng.normal(size=(n, k)))
    assert check_loss(losses.CrossEntropy(), probabilities, rng.integers(0, k, n)) < 1e-7


@given(n=st.integers(1, 8), seed=st.integers(0, 10_000), column=st.booleans())
@settings(max_examples=30, deadline=None)
def test_binary_cross_entropy_gradient(n, seed, column):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n, 1) if column else n) * 3
    assert check_loss(losses.BinaryCrossEntropy(), scores, rng.integers(0, 2, n)) < 1e-7


def test_binary_cross_entropy_equals_two_class_softmax():
    z = np.array([-2.0, 0.3, 4.0])
    t = np.array([0, 1, 1])
    binary = losses.BinaryCrossEntropy()(z, t)
    # a logit z is the score difference of a 2-class softmax with scores (0, z)
    assert binary == pytest.approx(losses.SoftmaxCrossEntropy()(np.stack([np.zeros(3), z], 1), t))


@given(n=st.integers(1, 6), k=st.integers(2, 5), seed=st.integers(0, 10_000))
@settings(max_examples=30, deadline=None)
def test_hinge_gradient(n, k, seed):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n, k)) * 2
    labels = rng.integers(0, k, n)
    margins = scores - scores[np.arange(n), labels][:, None] + 1
    margins[np.arange(n), labels] = 5.0
    if np.min(np.abs(margins)) < 1e-3:  # a margin exactly at its kink has no derivative
        return
    assert check_loss(losses.Hinge(), scores, labels) < 1e-7


def test_hinge_values_and_binary_case():
    hinge = losses.Hinge()
    assert hinge(np.array([[3.0, 1.0, 2.5]]), np.array([0])) == pytest.approx(0.0 + 0.5)
    # one neuron: labels 0/1 -> -1/+1, max(0, 1 - y s)
    assert hinge(np.array([0.5, -2.0]), np.array([1, 0])) == pytest.approx((0.5 + 0.0) / 2)
    # K = 2 equals the binary SVM on the score difference
    s = np.array([[0.2, 0.7], [1.0, -1.0]])
    t = np.array([1, 1])
    assert hinge(s, t) == pytest.approx(hinge(s[:, 1] - s[:, 0], t))
    assert check_loss(losses.Hinge(), np.array([0.3, -0.4, 2.0]), np.array([1, 1, 0])) < 1e-7


@given(n=st.integers(1, 6), k=st.integers(1, 4), seed=st.integers(0, 10_000))
@settings(max_examples=30, deadline=None)
def test_mse_gradient(n, k, seed):
    rng = np.random.default_rng(seed)
    assert check_loss(losses.MSE(), rng.normal(size=(n, k)), rng.normal(size=(n, k))) < 1e-7


def test_mse_value_and_integer_labels_become_one_hot():
    assert losses.MSE()(np.array([[1.0], [3.0]]), np.array([0.0, 1.0])) == pytest.approx((0.5 + 2.0) / 2)
    assert losses.MSE()(np.array([[1.0, 0.0]]), np.array([0])) == pytest.approx(0.0)


def test_target_validation_messages():
    scores = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"label out of range: targets must be in \[0, 4\)"):
        losses.SoftmaxCrossEntropy()(scores, np.array([0, 1, 4]))
    with pytest.raises(ValueError, match="targets has 2 rows but scores has 3"):
        losses.SoftmaxCrossEntropy()(scores, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"one-hot of shape \(3, 4\)"):
        losses.SoftmaxCrossEntropy()(scores, np.zeros((3, 5)))
    with pytest.raises(ValueError, match="0/1 labels"):
        losses.BinaryCrossEntropy()(np.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="unknown name 'l1'"):
        losses.get("l1")


@given(n=st.integers(1, 6), k=st.integers(2, 4), seed=st.integers(0, 10_000))
@settings(max_examples=20, deadline=None)
def test_multilabel_binary_cross_entropy_gradient(n, k, seed):
    rng = np.random.default_rng(seed)
    scores = rng.normal(0, 2, (n, k))
    assert check_loss(losses.BinaryCrossEntropy(), scores, rng.integers(0, 2, (n, k))) < 1e-7


def test_multilabel_binary_cross_entropy_is_k_independent_binary_losses():
    rng = np.random.default_rng(0)
    scores, targets = rng.normal(size=(5, 3)), rng.integers(0, 2, (5, 3))
    loss = losses.BinaryCrossEntropy()
    per_column = sum(loss(scores[:, j], targets[:, j]) for j in range(3))
    assert loss(scores, targets) == pytest.approx(per_column)
    assert loss.probabilities(scores).shape == (5, 3)
    np.testing.assert_array_equal(loss.predict(scores), (scores > 0).astype(int))
    with pytest.raises(ValueError, match="0/1 matrix"):
        loss(scores, targets[:, :2])


@given(n=st.integers(1, 6), k=st.integers(1, 3), seed=st.integers(0, 10_000))
@settings(max_examples=20, deadline=None)
def test_poisson_gradient(n, k, seed):
    rng = np.random.default_rng(seed)
    scores = rng.normal(0, 1, (n, k))
    assert check_loss(losses.Poisson(), scores, rng.poisson(2.0, (n, k)).astype(float)) < 1e-7


def test_poisson_predicts_rates_and_refuses_negative_counts():
    loss = losses.get("poisson")
    np.testing.assert_allclose(loss.predict(np.log(np.array([[2.0], [0.5]]))), [[2.0], [0.5]])
    # at the optimum exp(s) equals the target: the gradient is zero
    loss(np.log(np.array([[3.0]])), np.array([[3.0]]))
    assert abs(loss.backward()[0, 0]) < 1e-12
    with pytest.raises(ValueError, match=">= 0"):
        loss(np.zeros((2, 1)), np.array([1.0, -1.0]))


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "cross_entropy", "binary_cross_entropy", "hinge", "mse",
                                  "poisson"])
def test_backward_returns_an_array_the_caller_owns(name):
    from neuronet import losses

    loss = losses.get(name)
    rng = np.random.default_rng(0)
    scores = rng.uniform(0.1, 0.9, size=(4, 1 if name == "binary_cross_entropy" else 3))
    targets = np.array([0, 1, 1, 0]) if name == "binary_cross_entropy" else (
        rng.uniform(0, 2, size=(4, 3)) if name in ("mse", "poisson") else np.array([0, 1, 2, 1]))
    loss(scores, targets)
    first = loss.backward()
    expected = first.copy()
    first[...] = 123.0  # the caller scribbles on its array
    np.testing.assert_array_equal(loss.backward(), expected)  # the loss's own state is untouched


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clipped_log_losses_are_scikit_learns(dtype):
    """clip=True: the value scikit-learn's log_loss / binary_log_loss reports (probabilities
    clipped to [eps, 1 - eps]), even for scores far out where the unclipped loss keeps growing;
    the gradient stays y - t."""
    sklearn_base = pytest.importorskip("sklearn.neural_network._base")
    rng = np.random.default_rng(0)
    scores = (rng.normal(size=(20, 3)) * 60).astype(dtype)  # saturated: probabilities of 0 and 1
    labels = rng.integers(0, 3, 20)
    clipped = losses.get("softmax_cross_entropy", clip=True)
    value = clipped(scores, labels)
    expected = sklearn_base.log_loss(np.eye(3, dtype=dtype)[labels], losses.SoftmaxCrossEntropy().probabilities(scores))
    assert value == pytest.approx(float(expected), rel=1e-6 if dtype == np.float32 else 1e-12)
    assert value < losses.get("softmax_cross_entropy")(scores, labels)  # clipped: bounded by -log eps per row
    reference = losses.SoftmaxCrossEntropy()
    reference(scores, labels)
    np.testing.assert_array_equal(clipped.backward(), reference.backward())  # the gradient is unchanged: y - t
    for width, targets in ((3, (rng.uniform(size=(20, 3)) < 0.5).astype(dtype)), (1, rng.integers(0, 2, 20))):
        z = scores[:, :width]
        binary = losses.get("binary_cross_entropy", clip=True)
        value = binary(z, targets)
        with np.errstate(over="ignore"):
            p = 1 / (1 + np.exp(-z))
        expected = sklearn_base.binary_log_loss(np.asarray(targets, dtype).reshape(20, width), p)
        assert value == pytest.approx(float(expected), rel=1e-6 if dtype == np.float32 else 1e-12)
        reference = losses.BinaryCrossEntropy()
        reference(z, targets)
        np.testing.assert_array_equal(binary.backward(), reference.backward())  # the gradient is unchanged


def test_clip_is_a_setting_of_the_probability_losses_only():
    assert losses.get("binary_cross_entropy", clip=True).config() == {"name": "binary_cross_entropy", "clip": True}
    assert losses.from_config({"name": "softmax_cross_entropy", "clip": True}).clip is True
    assert losses.get("softmax_cross_entropy").config() == {"name": "softmax_cross_entropy"}
    with pytest.raises(ConfigurationError, match="loss mse: unknown settings"):
        losses.get("mse", clip=True)
    with pytest.raises(ConfigurationError, match="clip: expected True or False"):
        losses.SoftmaxCrossEntropy(clip="yes")


@pytest.mark.parametrize("name", losses.names())
def test_what_a_loss_says_it_gives_is_what_it_gives(name):
    """Front ends ask ``gives_probabilities`` and ``takes_signed_targets`` instead of trying."""
    loss = losses.get(name)
    scores = np.abs(np.random.default_rng(0).normal(size=(4, 3))) + 0.1
    scores /= scores.sum(axis=1, keepdims=True)  # valid for every loss, a softmax output included
    if loss.gives_probabilities:
        probabilities = loss.probabilities(scores)
        assert probabilities.shape[0] == 4 and np.all((probabilities >= 0) & (probabilities <= 1))
    else:
        with pytest.raises(TypeError):
            loss.probabilities(scores)
    signed = np.array([[-0.5], [0.5]])
    if loss.is_classification:  # class labels or one-hot rows: never signed real targets
        assert not loss.takes_signed_targets
    elif loss.takes_signed_targets:
        loss.check_targets(np.zeros((2, 1)), signed)
    else:
        with pytest.raises((TypeError, ValueError)):
            loss.check_targets(np.zeros((2, 1)), signed)

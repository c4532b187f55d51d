import numpy as np
import pytest

from neuronet import Neuron, Perceptron
from neuronet.gates import TRUTH_TABLE


def test_neuron_is_weighted_sum_through_activation():
    neuron = Neuron([0.5, -1.0, 2.0], bias=0.1, activation="tanh")
    x = np.array([1.0, 2.0, 3.0])
    assert neuron(x) == pytest.approx(np.tanh(0.5 - 2.0 + 6.0 + 0.1))
    batch = np.stack([x, -x])
    np.testing.assert_allclose(neuron(batch), np.tanh(batch @ neuron.weights + 0.1))


def test_seed_001_neuron_boundary():
    # w0 = -2 (bias), w1 = 1, w2 = 2: output 0.5 exactly on -2 + x1 + 2 x2 = 0
    neuron = Neuron([1.0, 2.0], bias=-2.0)
    for x1 in (-2.0, 0.0, 2.0, 4.0):
        assert neuron([x1, (2 - x1) / 2]) == pytest.approx(0.5)
    assert neuron([3.0, 3.0]) > 0.99 and neuron([-3.0, -3.0]) < 0.01


def test_neuron_rejects_wrong_input_shape():
    with pytest.raises(ValueError, match=r"expected x of shape \(2,\) or \(batch, 2\)"):
        Neuron([1.0, 2.0])([1.0, 2.0, 3.0])


@pytest.mark.parametrize("truth", [[0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 1, 0]], ids=["AND", "OR", "NAND"])
def test_perceptron_learns_linearly_separable_gates(truth):
    perceptron = Perceptron(2, rng=0).fit(TRUTH_TABLE, truth, epochs=50)
    assert perceptron.predict(TRUTH_TABLE).tolist() == truth
    assert perceptron.errors_[-1] == 0


def test_perceptron_cannot_learn_xor():
    perceptron = Perceptron(2, rng=0).fit(TRUTH_TABLE, [0, 1, 1, 0], epochs=100)
    assert len(perceptron.errors_) == 100 and min(perceptron.errors_) > 0
    assert perceptron.predict(TRUTH_TABLE).tolist() != [0, 1, 1, 0]


def test_perceptron_threshold_is_minus_bias():
    perceptron = Perceptron(2, weights=[0.5, 0.5], bias=-0.7)
    assert perceptron.threshold == pytest.approx(0.7)
    assert perceptron.predict([[1, 1], [1, 0]]).tolist() == [1, 0]


def test_perceptron_validation():
    with pytest.raises(ValueError, match="0/1"):
        Perceptron(2).fit(TRUTH_TABLE, [0, 2, 1, 0])
    with pytest.raises(ValueError, match="y has 3 entries"):
        Perceptron(2).fit(TRUTH_TABLE, [0, 1, 1])

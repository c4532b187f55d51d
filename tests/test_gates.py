import numpy as np
import pytest

from neuronet import gates


@pytest.mark.parametrize("gate, truth", [(gates.AND, [0, 0, 0, 1]), (gates.OR, [0, 1, 1, 1]),
                                         (gates.NAND, [1, 1, 1, 0]), (gates.XOR, [0, 1, 1, 0])])
def test_truth_tables(gate, truth):
    assert gate(gates.TRUTH_TABLE).tolist() == truth
    assert [gate(int(a), int(b)) for a, b in gates.TRUTH_TABLE] == truth


def test_single_gates_are_perceptrons_with_textbook_weights():
    assert gates.AND.perceptron.weights.tolist() == [0.5, 0.5] and gates.AND.perceptron.bias == -0.7
    assert gates.NAND.perceptron.weights.tolist() == [-0.5, -0.5]
    assert gates.XOR.perceptron is None  # two layers, not one perceptron


def test_gate_rejects_bad_shape():
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        gates.XOR(np.zeros((4, 3)))

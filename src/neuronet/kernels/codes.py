"""The numbers by which the compiled kernels know each activation and loss (Python, so that
deciding whether a network has kernels never imports Numba)."""

from __future__ import annotations

__all__ = ["ACTIVATIONS", "IDENTITY", "RELU", "LEAKY_RELU", "SIGMOID", "TANH", "STEP", "SOFTMAX_CROSS_ENTROPY",
           "SQUARED_ERROR", "BINARY_CROSS_ENTROPY", "HINGE", "BINARY_HINGE", "POISSON"]

# activation layers, by their registry names (a Dense layer without one is IDENTITY)
ACTIVATIONS = ("identity", "relu", "leaky_relu", "sigmoid", "tanh", "step")
IDENTITY, RELU, LEAKY_RELU, SIGMOID, TANH, STEP = range(len(ACTIVATIONS))

# losses: softmax cross-entropy (labels or one-hot rows), squared error, binary cross-entropy (one
# output, or several independent ones), hinge with K scores, hinge with one score, Poisson deviance
SOFTMAX_CROSS_ENTROPY, SQUARED_ERROR, BINARY_CROSS_ENTROPY, HINGE, BINARY_HINGE, POISSON = range(6)

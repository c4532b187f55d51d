"""Drop-in replacements for scikit-learn's ``MLPClassifier`` and ``MLPRegressor``.

Change one import line and the rest of the code runs unchanged::

    # from sklearn.neural_network import MLPClassifier
    from neuronet.sklearn import MLPClassifier

Same constructor parameters (names, defaults, meaning), methods, fitted attributes,
warnings and random-number use as scikit-learn's estimators: with the same
``random_state`` the initial weights, the shuffling and the early-stopping split are
the very ones scikit-learn draws. The training itself runs on a ``neuronet.Sequential``
through the engine's one ``Trainer`` (the same step ``fit`` and the playground take),
with the loss of ``neuronet.losses`` that matches the output layer. As in scikit-learn,
float32 input is trained in float32 and anything else in float64, unless ``dtype=`` says
otherwise: pass float32 data (or ``dtype=np.float32``) for speed.

Beyond scikit-learn: ``activation`` also takes ``"leaky_relu"`` (or any elementwise
activation of neuronet's registry) or a list with one activation per hidden layer; ``dropout``;
``dtype``; ``kernels`` (``"auto"``, ``"numpy"`` or ``"numba"``: the network's kernels, see
``neuronet.kernels``; ``NEURONET_KERNELS`` still overrides it for the whole process);
``validation_loss_curve_``; and ``to_network()``, which hands back the trained ``neuronet``
network for ``neuronet.save``, ``neuronet.plot`` and ``neuronet.onnx.export``.

The package is laid out as scikit-learn lays out its own: ``_parameters`` (the declared
constraints), ``_base`` (what both estimators share), ``_stochastic`` (the sgd and adam solver,
an object: settings in, ``Progress`` out), ``_lbfgs`` (the L-BFGS solver, likewise),
``_classes`` (the two estimators). The solvers read the estimator's public parameters and
return what the estimator publishes as its fitted attributes; they never write into it.
"""

from __future__ import annotations

from ..errors import MissingExtra

try:
    import scipy.optimize  # noqa: F401
    import sklearn  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise MissingExtra("neuronet.sklearn needs scikit-learn and SciPy: pip install 'neuronet[sklearn]'") from error

from sklearn.exceptions import ConvergenceWarning

from ._classes import MLPClassifier, MLPRegressor
from ._parameters import InvalidParameterError, hidden_activations

__all__ = ["MLPClassifier", "MLPRegressor", "InvalidParameterError", "ConvergenceWarning", "hidden_activations"]

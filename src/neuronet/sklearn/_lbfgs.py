"""The ``lbfgs`` solver: SciPy's L-BFGS-B minimizing the engine's objective (the trainer's
loss + penalty and gradient over the flat parameter vector), in float64.

``LbfgsSolver(max_iter, max_fun, tol, alpha)`` is built from the estimator's parameters;
``run(net, loss, X, y, sample_weight)`` trains the float64 network in place and returns what
the estimator publishes (``LbfgsResult``: ``n_iter_`` and ``loss_``).
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import scipy.optimize
import scipy.sparse
from sklearn.exceptions import ConvergenceWarning

from .. import optim as _optim
from ..losses import Loss
from ..network import Sequential
from ..trainer import Trainer

__all__ = ["LbfgsSolver", "LbfgsResult"]


class LbfgsResult(NamedTuple):
    n_iter: int   # iterations L-BFGS took (at most max_iter)
    loss: float   # the objective at the solution


class LbfgsSolver:
    """scikit-learn's ``lbfgs`` solver: ``report_scale`` multiplies the data loss in the objective
    (scikit-learn reports and line-searches a multi-output squared error averaged over the
    outputs, with the gradient of the plain sum: kept as it is, so that L-BFGS takes scikit-learn's
    very steps)."""

    def __init__(self, *, max_iter: int, max_fun: int, tol: float, alpha: float, report_scale: float = 1.0):
        self.max_iter, self.max_fun, self.tol, self.alpha = max_iter, max_fun, tol, alpha
        self.report_scale = report_scale

    def run(self, net: Sequential, loss: Loss, X: Any, y: np.ndarray, sample_weight: np.ndarray | None) -> LbfgsResult:
        """Minimize over ``net``'s parameters (a float64 network: the line search needs float64)."""
        X64 = X.astype(np.float64)
        if scipy.sparse.issparse(X64):
            X64 = X64.toarray()
        targets = loss.check_targets(np.empty(y.shape, np.float64), y.astype(np.float64))
        trainer = Trainer(net, loss, _optim.SGD(), l2=self.alpha, l2_per_sample=True)  # the optimizer is never used

        def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return trainer.objective(theta, X64, targets, sample_weight, data_scale=self.report_scale)

        result = scipy.optimize.minimize(
            loss_and_gradient, net.parameter_vector().copy(), method="L-BFGS-B", jac=True,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol})
        if not result.success:
            warnings.warn(f"lbfgs failed to converge after {result.nit} iteration(s) (status={result.status}): "
                          f"{result.message}.\n\nIncrease the number of iterations to improve the convergence "
                          f"(max_iter={self.max_iter}).", ConvergenceWarning, stacklevel=5)
        net.set_parameter_vector(result.x)
        return LbfgsResult(min(result.nit, self.max_iter), float(result.fun))

"""The ``lbfgs`` solver: SciPy's L-BFGS-B minimizing the engine's objective (the trainer's
loss + penalty and gradient over the flat parameter vector), in float64."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.optimize
import scipy.sparse
from sklearn.exceptions import ConvergenceWarning

from .. import optim as _optim
from ..trainer import Trainer

__all__ = ["fit_lbfgs"]


def fit_lbfgs(est: Any, X: Any, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
    # The line search needs float64 precision: L-BFGS always runs in float64.
    target_dtype = est.coefs_[0].dtype
    net = est._network(np.float64)
    X64 = X.astype(np.float64)
    if scipy.sparse.issparse(X64):
        X64 = X64.toarray()
    loss = est._loss()
    targets = loss.check_targets(np.empty(y.shape, np.float64), y.astype(np.float64))
    trainer = Trainer(net, loss, _optim.SGD(), l2=est.alpha, l2_per_sample=True)  # the optimizer is never used
    # scikit-learn reports (and line-searches) the squared error averaged over the outputs, with the
    # gradient of the plain sum: kept as it is, so that L-BFGS takes scikit-learn's very steps
    scale = est._reported(1.0)

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return trainer.objective(theta, X64, targets, sample_weight, data_scale=scale)

    result = scipy.optimize.minimize(
        loss_and_gradient, net.parameter_vector().copy(), method="L-BFGS-B", jac=True,
        options={"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol})
    if not result.success:
        warnings.warn(f"lbfgs failed to converge after {result.nit} iteration(s) (status={result.status}): "
                      f"{result.message}.\n\nIncrease the number of iterations to improve the convergence "
                      f"(max_iter={est.max_iter}).", ConvergenceWarning, stacklevel=4)
    est.n_iter_ = min(result.nit, est.max_iter)
    net.set_parameter_vector(result.x)
    est.loss_ = float(result.fun)
    if target_dtype != np.float64:
        dense = est._dense_layers(net)
        net = est._build_network(est._layer_units(), est._activations, target_dtype,
                                 [d.params["W"] for d in dense], [d.params["b"] for d in dense])
    est._adopt(net)

"""scikit-learn's own estimator checks, run on neuronet's MLPClassifier and MLPRegressor."""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weight_equivalence_on_sparse_data,
    parametrize_with_checks,
)

from neuronet.sklearn import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # max_iter=100 on purpose

# Checks that cannot apply, and why (each is also reported as not applicable by scikit-learn
# for its own MLPClassifier/MLPRegressor):
NOT_APPLICABLE = {
    # Runs only when SCIPY_ARRAY_API=1 and the estimator declares array-API support; neuronet
    # computes with NumPy (or CuPy through neuronet.backend), not through the array API.
    "check_array_api_input": "no array-API support declared",
    # An MLP classifier has no decision_function (scikit-learn's neither).
    "check_classifiers_multilabel_output_format_decision_function": "no decision_function",
}

# No check is expected to fail. (Sample-weight equivalence used to: weighting a sample by 2 is not
# repeating it when the copy lands in another minibatch, and float32 rounding differed too. Since the
# estimators follow scikit-learn's dtype rule, the checks' float64 data trains in float64 and the
# equivalence holds in the setting the checks use; test_sample_weight_equivalence below checks it
# for L-BFGS and SGD explicitly as well.)
def _check_name(param) -> str:
    check = (param.values if hasattr(param, "values") else param)[1]  # a tuple, or a pytest.param when marked
    return getattr(check, "func", check).__name__


def _applicable(params):
    return [param for param in params if _check_name(param) not in NOT_APPLICABLE]


_all_checks = parametrize_with_checks([MLPClassifier(max_iter=100, random_state=0),
                                       MLPRegressor(max_iter=100, random_state=0)])
APPLICABLE = _applicable(_all_checks.args[1])


@pytest.mark.parametrize(_all_checks.args[0], APPLICABLE, **_all_checks.kwargs)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_not_applicable_checks_are_really_excluded():
    names = {_check_name(param) for param in APPLICABLE}
    assert "check_fit2d_1sample" in names and "check_estimators_pickle" in names
    assert not names & set(NOT_APPLICABLE)


@pytest.mark.parametrize("estimator", [
    MLPClassifier(solver="lbfgs", max_iter=100),
    MLPRegressor(solver="sgd", tol=1e-2, random_state=42, max_iter=100, dtype=np.float64),
], ids=["classifier-lbfgs", "regressor-sgd-float64"])
@pytest.mark.parametrize("check", [check_sample_weight_equivalence_on_dense_data,
                                   check_sample_weight_equivalence_on_sparse_data])
def test_sample_weight_equivalence(estimator, check):
    check(type(estimator).__name__, estimator)

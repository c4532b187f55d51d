"""Hyperparameter search on a Dask cluster: the estimators clone and pickle, so joblib's dask
backend ships them to worker processes."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from neuronet.sklearn import MLPClassifier

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

GRID = {"hidden_layer_sizes": [(3,), (16,)], "alpha": [1e-4, 1.0], "learning_rate_init": [1e-3, 1e-2]}


@pytest.mark.slow
def test_grid_search_on_a_local_cluster_matches_the_local_run():
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    search = lambda: GridSearchCV(MLPClassifier(max_iter=150, random_state=0), GRID, cv=3)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local = search().fit(X, y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
            remote = search().fit(X, y)
        # the 8 x 3 fits ran as tasks on the cluster's workers (joblib batches them: "batch_of_<f>_<n>_calls")
        fits = [task for task in tasks.data if "_fit_and_score" in str(task["key"])]
        assert sum(int(re.search(r"_(\d+)_calls", str(task["key"])).group(1)) for task in fits) == 24
        assert {task["worker"] for task in tasks.data} <= set(client.scheduler_info()["workers"])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))

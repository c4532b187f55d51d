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


def _digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


@pytest.mark.slow
def test_incremental_trains_block_by_block_on_a_local_cluster():
    """dask_ml.wrappers.Incremental calls partial_fit once per block of a Dask array: the result is
    the model partial_fit gives on the same blocks in the same order, here."""
    dask_array = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = _digits()
    classes = np.unique(y)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        blocks_X, blocks_y = dask_array.from_array(X, chunks=450), dask_array.from_array(y, chunks=450)
        incremental = wrappers.Incremental(MLPClassifier(hidden_layer_sizes=(32,), random_state=0,
                                                         learning_rate_init=0.01), shuffle_blocks=False)
        incremental.fit(blocks_X, blocks_y, classes=classes)
    local = MLPClassifier(hidden_layer_sizes=(32,), random_state=0, learning_rate_init=0.01)
    for start in range(0, X.shape[0], 450):
        local.partial_fit(X[start:start + 450], y[start:start + 450], classes=classes)
    for mine, reference in zip(incremental.estimator_.coefs_, local.coefs_):
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-7)
    assert incremental.estimator_.score(X, y) > 0.6  # one pass over four blocks: learning, not done


@pytest.mark.slow
def test_hyperband_search_on_a_local_cluster_finds_a_good_model():
    dask_array = pytest.importorskip("dask.array")
    model_selection = pytest.importorskip("dask_ml.model_selection")
    X, y = _digits()
    grid = {"hidden_layer_sizes": [(4,), (64,)], "learning_rate_init": [1e-4, 1e-2]}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        blocks_X, blocks_y = dask_array.from_array(X, chunks=300), dask_array.from_array(y, chunks=300)
        search = model_selection.HyperbandSearchCV(MLPClassifier(random_state=0), grid, max_iter=9, random_state=0)
        search.fit(blocks_X, blocks_y, classes=np.unique(y))
    # the large, fast-learning network wins on a budget of 9 partial_fit calls; the rest are far behind
    assert search.best_params_ == {"hidden_layer_sizes": (64,), "learning_rate_init": 1e-2}
    assert search.best_score_ > 0.85
    assert search.best_estimator_.score(X, y) > 0.85

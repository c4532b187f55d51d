"""Hyperparameter search for neuronet's MLPClassifier on a Dask cluster.

The estimator clones and pickles like any scikit-learn estimator, so GridSearchCV hands
its fits to joblib, and joblib's "dask" backend runs them on the cluster's workers.
Here the cluster is a LocalCluster on this machine; for a real one, give Client the
scheduler's address instead: Client("tcp://scheduler:8786").

    pip install "neuronet[sklearn]" "dask[distributed]"
    python examples/dask_grid_search.py [--fast]       # or: neuronet tour dask_grid_search
"""

import warnings

import joblib
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronet.examples._common import arguments
from neuronet.sklearn import MLPClassifier


def main(argv=None) -> None:
    args = arguments(__doc__.splitlines()[0], argv)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    pipeline = make_pipeline(StandardScaler(), MLPClassifier(max_iter=20 if args.fast else 100, random_state=0))
    grid = {"mlpclassifier__hidden_layer_sizes": [(64,)] if args.fast else [(64,), (128, 64)],
            "mlpclassifier__activation": ["relu", "leaky_relu"],
            "mlpclassifier__alpha": [1e-4, 1e-2]}
    search = GridSearchCV(pipeline, grid, cv=3)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster), joblib.parallel_backend("dask"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    print("best parameters:", search.best_params_)
    print(f"cross-validated accuracy: {search.best_score_:.4f}  test accuracy: {search.score(X_test, y_test):.4f}")


if __name__ == "__main__":
    main()

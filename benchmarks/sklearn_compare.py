"""neuronet.sklearn.MLPClassifier vs scikit-learn's MLPClassifier: test accuracy and fit time.

Both with their default parameters and random_state=0, on digits, iris, wine and
breast_cancer (StandardScaler fitted on the training part of a stratified 75/25 split,
random_state=0). Fit time is the best of --repeats runs (wall clock, one process).

Both follow scikit-learn's dtype rule, so the float64 data trains in float64 in both: the
"float64" columns compare like with like. The "float32" columns give neuronet (and
scikit-learn) the same data cast to float32, which both then train in float32.

    python benchmarks/sklearn_compare.py [--repeats 5] [--markdown]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.preprocessing import StandardScaler

from neuronet.bench import machine, print_table
from neuronet.sklearn import MLPClassifier as NeuronetMLP

DATASETS = ("digits", "iris", "wine", "breast_cancer")


def split(name: str):
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def measure(estimator_class, X_train, X_test, y_train, y_test, repeats: int):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model = estimator_class(random_state=0).fit(X_train, y_train)
        best = min(best, time.perf_counter() - start)
    return model.score(X_test, y_test), best, model.n_iter_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"# {machine()}, scikit-learn {sklearn.__version__}")
    header = ("dataset", "dtype", "samples", "sklearn acc", "neuronet acc", "sklearn fit", "neuronet fit", "speed-up",
              "epochs")
    rows = []
    for name in DATASETS:
        data = split(name)
        for dtype in (np.float64, np.float32):
            X_train, X_test, y_train, y_test = data
            cast = (X_train.astype(dtype), X_test.astype(dtype), y_train, y_test)
            theirs = measure(SklearnMLP, *cast, args.repeats)
            ours = measure(NeuronetMLP, *cast, args.repeats)
            rows.append((name, np.dtype(dtype).name, f"{len(X_train):,}", f"{theirs[0]:.4f}", f"{ours[0]:.4f}",
                         f"{theirs[1] * 1000:.0f} ms", f"{ours[1] * 1000:.0f} ms", f"{theirs[1] / ours[1]:.1f}x",
                         f"{theirs[2]} / {ours[2]}"))
    print_table(header, rows, args.markdown)


if __name__ == "__main__":
    main()

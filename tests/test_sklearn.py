"""neuronet.sklearn: the drop-in MLPClassifier / MLPRegressor."""

import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse
import sklearn.neural_network as skl
from sklearn import datasets
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import neuronet as nn
from neuronet.sklearn import InvalidParameterError, MLPClassifier, MLPRegressor

# Short runs on purpose; the tests that are about the warning use pytest.warns, which still sees it.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _split(name):
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture(scope="module")
def digits():
    return _split("digits")


@pytest.fixture(scope="module")
def iris():
    return _split("iris")


@pytest.mark.parametrize("name", ["digits", "iris", "wine", "breast_cancer"])
def test_default_accuracy_at_least_sklearns(name):
    X_train, X_test, y_train, y_test = _split(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = skl.MLPClassifier(random_state=0).fit(X_train, y_train).score(X_test, y_test)
        ours = MLPClassifier(random_state=0).fit(X_train, y_train)
        ours32 = MLPClassifier(random_state=0).fit(X_train.astype(np.float32), y_train)
    assert ours.coefs_[0].dtype == np.float64  # scikit-learn's rule: float64 input trains in float64
    assert ours.score(X_test, y_test) >= theirs  # the same training, step for step
    # float32 input trains in float32, which rounds differently; on another CPU's BLAS that may move one
    # borderline test point either way (on the reference machine the scores are equal)
    assert ours32.coefs_[0].dtype == np.float32
    assert ours32.score(X_test, y_test) >= theirs - 1 / len(y_test)


# In float64 the estimator follows scikit-learn step for step: same random draws, same updates.
SOLVER_SETTINGS = [
    dict(solver="adam"),
    dict(solver="sgd", learning_rate="constant", momentum=0.9, nesterovs_momentum=True),
    dict(solver="sgd", learning_rate="invscaling", momentum=0.5, nesterovs_momentum=False, learning_rate_init=0.05),
    dict(solver="sgd", learning_rate="adaptive", momentum=0.0, tol=1e-2, n_iter_no_change=2),
    dict(solver="adam", early_stopping=True, validation_fraction=0.2, alpha=0.01),
    dict(solver="adam", activation="tanh", batch_size=64, shuffle=False),
    dict(solver="sgd", activation="logistic", hidden_layer_sizes=(20, 10)),
]


@pytest.mark.parametrize("settings", SOLVER_SETTINGS, ids=lambda s: "-".join(f"{v}" for v in s.values()))
def test_float64_training_matches_sklearn_step_for_step(iris, settings):
    X_train, X_test, y_train, _ = iris
    options = {"hidden_layer_sizes": (16,), "max_iter": 40, "random_state": 3, **settings}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(dtype=np.float64, **options).fit(X_train, y_train)
        theirs = skl.MLPClassifier(**options).fit(X_train, y_train)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    for mine, reference in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test), atol=1e-10)
    if settings.get("early_stopping"):
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)
        assert ours.best_validation_score_ == theirs.best_validation_score_
        assert len(ours.validation_loss_curve_) == ours.n_iter_


def test_lbfgs_goes_through_scipy_and_matches_sklearn(iris):
    X_train, _, y_train, _ = iris
    ours = MLPClassifier(solver="lbfgs", hidden_layer_sizes=(10,), max_iter=500, random_state=0).fit(X_train, y_train)
    theirs = skl.MLPClassifier(solver="lbfgs", hidden_layer_sizes=(10,), max_iter=500, random_state=0).fit(X_train, y_train)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6)
    assert ours.coefs_[0].dtype == np.float64  # float64 input: float64 weights
    narrow = MLPClassifier(solver="lbfgs", hidden_layer_sizes=(10,), max_iter=500, random_state=0)
    narrow.fit(X_train.astype(np.float32), y_train)
    assert narrow.coefs_[0].dtype == np.float32  # computed in float64, stored in the training dtype
    assert narrow.n_iter_ == theirs.n_iter_
    assert not hasattr(ours, "loss_curve_")
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        MLPClassifier(solver="lbfgs", max_iter=3, random_state=0).fit(X_train, y_train)


def test_fitted_attributes(digits):
    X_train, _, y_train, _ = digits
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(5\)"):
        model = MLPClassifier(hidden_layer_sizes=(30, 20), max_iter=5, random_state=0).fit(X_train, y_train)
    assert list(model.classes_) == list(range(10))
    assert [c.shape for c in model.coefs_] == [(64, 30), (30, 20), (20, 10)]
    assert [b.shape for b in model.intercepts_] == [(30,), (20,), (10,)]
    assert model.n_features_in_ == 64 and model.n_layers_ == 4 and model.n_outputs_ == 10
    assert model.out_activation_ == "softmax" and model.n_iter_ == 5 and model.t_ == 5 * len(X_train)
    assert len(model.loss_curve_) == 5 and model.loss_ == model.loss_curve_[-1]
    assert model.best_loss_ == min(model.loss_curve_)
    assert model.validation_scores_ is None and model.best_validation_score_ is None
    assert model.validation_loss_curve_ is None
    probabilities = model.predict_proba(X_train[:7])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(model.predict_log_proba(X_train[:7]), np.log(probabilities), rtol=1e-6)


def test_feature_names_from_a_dataframe(iris):
    pd = pytest.importorskip("pandas")
    X_train, _, y_train, _ = iris
    frame = pd.DataFrame(X_train, columns=["sl", "sw", "pl", "pw"])
    model = MLPClassifier(max_iter=20, random_state=0).fit(frame, y_train)
    assert list(model.feature_names_in_) == ["sl", "sw", "pl", "pw"]
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame.rename(columns={"sl": "other"}))


def test_binary_multilabel_and_multioutput():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    binary = (X[:, 0] > 0).astype(int)
    model = MLPClassifier(max_iter=300, random_state=0).fit(X, np.where(binary, "yes", "no"))
    assert model.out_activation_ == "logistic" and model.n_outputs_ == 1
    assert model.predict_proba(X).shape == (200, 2) and set(model.predict(X)) <= {"yes", "no"}
    assert model.score(X, np.where(binary, "yes", "no")) > 0.95

    labels = np.stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0], axis=1).astype(int)
    multilabel = MLPClassifier(max_iter=300, random_state=0).fit(X, labels)
    assert multilabel.out_activation_ == "logistic" and multilabel.n_outputs_ == 3
    assert multilabel.predict(X).shape == (200, 3) and multilabel.predict_proba(X).shape == (200, 3)
    assert (multilabel.predict(X) == labels).mean() > 0.95

    targets = np.stack([X[:, 0] * 2 + 1, X[:, 1] - X[:, 2]], axis=1)
    regressor = MLPRegressor(max_iter=500, random_state=0).fit(X, targets)
    assert regressor.predict(X).shape == (200, 2) and regressor.score(X, targets) > 0.95
    single = MLPRegressor(max_iter=500, random_state=0).fit(X, targets[:, 0])
    assert single.predict(X).shape == (200,) and single.out_activation_ == "identity"


def test_poisson_regressor_predicts_positive_rates():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0] + 0.3))
    model = MLPRegressor(loss="poisson", hidden_layer_sizes=(8,), max_iter=300, random_state=0).fit(X, y)
    assert model.out_activation_ == "exp" and (model.predict(X) > 0).all()
    with pytest.raises(ValueError, match="poisson"):
        MLPRegressor(loss="poisson").fit(X, -np.ones(300))


def test_sparse_input_gives_the_dense_result(iris):
    X_train, _, y_train, _ = iris
    dense = MLPClassifier(max_iter=20, random_state=0).fit(X_train, y_train)
    for matrix in (scipy.sparse.csr_matrix, scipy.sparse.csc_matrix):
        sparse = MLPClassifier(max_iter=20, random_state=0).fit(matrix(X_train), y_train)
        np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-5)
        np.testing.assert_allclose(sparse.predict_proba(matrix(X_train)), dense.predict_proba(X_train), atol=1e-5)


def test_partial_fit_needs_classes_first_then_trains_one_epoch(iris):
    X_train, _, y_train, _ = iris
    model = MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X_train, y_train)
    model.partial_fit(X_train[:50], y_train[:50], classes=np.unique(y_train))
    assert model.n_iter_ == 1 and list(model.classes_) == [0, 1, 2]
    first = model.loss_
    for _ in range(30):
        model.partial_fit(X_train, y_train)
    assert model.n_iter_ == 31 and model.loss_ < first
    reference = skl.MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    reference.partial_fit(X_train[:50], y_train[:50], classes=np.unique(y_train))
    assert model.loss_curve_[0] == pytest.approx(reference.loss_curve_[0], rel=1e-5)
    with pytest.raises(ValueError, match="classes not in"):
        model.partial_fit(X_train, y_train + 5)
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")


def test_warm_start_continues_from_the_fitted_weights(iris):
    X_train, _, y_train, _ = iris
    model = MLPClassifier(max_iter=10, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
        after_first = model.loss_
        model.fit(X_train, y_train)
    assert len(model.loss_curve_) == 20 and model.loss_ < after_first


def test_beyond_sklearn_leaky_relu_per_layer_activations_dropout_and_dtype(digits):
    X_train, X_test, y_train, y_test = digits
    model = MLPClassifier(hidden_layer_sizes=(64, 32), activation=["leaky_relu", "tanh"], dropout=0.2,
                          max_iter=60, early_stopping=True, random_state=0).fit(X_train, y_train)
    kinds = [type(layer).__name__ for layer in model.to_network().layers]
    assert kinds == ["Dense", "LeakyReLU", "Dense", "Tanh", "Dense"]  # dropout is gone at inference
    assert model.score(X_test, y_test) > 0.93
    assert len(model.validation_loss_curve_) == len(model.validation_scores_) == model.n_iter_
    again = MLPClassifier(hidden_layer_sizes=(64, 32), activation=["leaky_relu", "tanh"], dropout=0.2,
                          max_iter=60, early_stopping=True, random_state=0).fit(X_train, y_train)
    np.testing.assert_array_equal(again.loss_curve_, model.loss_curve_)  # dropout masks follow random_state
    no_dropout = MLPClassifier(hidden_layer_sizes=(64, 32), activation=["leaky_relu", "tanh"], max_iter=3,
                               random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        no_dropout.fit(X_train, y_train)
    assert no_dropout.loss_curve_[0] != model.loss_curve_[0]
    wide = MLPClassifier(max_iter=5, dtype=np.float64, random_state=0)
    narrow = MLPClassifier(max_iter=5, dtype=np.float32, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        wide.fit(X_train.astype(np.float32), y_train)  # dtype= overrides the input's
        narrow.fit(X_train, y_train)
    assert wide.coefs_[0].dtype == np.float64 and wide.predict_proba(X_test).dtype == np.float64
    assert narrow.coefs_[0].dtype == np.float32 and narrow.predict_proba(X_test).dtype == np.float32


def test_early_stopping_restores_the_best_validation_weights(digits):
    X_train, _, y_train, _ = digits
    # float64: the trajectory (and so the epoch where it peaks) does not depend on the CPU's float32 rounding
    model = MLPClassifier(hidden_layer_sizes=(32,), early_stopping=True, n_iter_no_change=3, max_iter=200,
                          learning_rate_init=0.01, random_state=3, dtype=np.float64).fit(X_train, y_train)
    assert model.n_iter_ < 200 and model.best_loss_ is None
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.validation_scores_[-1] < model.best_validation_score_  # it stopped after a worse stretch
    # The validation split is scikit-learn's: drawn after the initial weights from the same RandomState.
    rng = np.random.RandomState(3)
    for fan_in, fan_out in [(64, 32), (32, 10)]:
        rng.uniform(size=(fan_in, fan_out)), rng.uniform(size=fan_out)
    # (like scikit-learn, only a single-output target is stratified; ten classes are ten outputs)
    _, X_val, _, y_val = train_test_split(X_train, y_train, random_state=rng, test_size=0.1)
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_)


def test_to_network_predicts_like_the_estimator_and_saves(tmp_path, digits):
    X_train, X_test, y_train, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(20,), max_iter=20, random_state=0).fit(X_train, y_train + 1)
    net = model.to_network()
    assert isinstance(net, nn.Sequential) and isinstance(net.loss, nn.losses.SoftmaxCrossEntropy)
    np.testing.assert_array_equal(net.predict(X_test), model.predict(X_test))
    np.testing.assert_allclose(net.predict_proba(X_test), model.predict_proba(X_test), atol=1e-6)
    net.layers[0].params["W"][...] = 0  # a copy: the estimator is untouched
    assert model.coefs_[0].any()
    nn.save(model, tmp_path / "model.npz")
    loaded = nn.load(tmp_path / "model.npz")
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    regressor = MLPRegressor(hidden_layer_sizes=(5,), max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        regressor.fit(X_train, X_train[:, 10])
    np.testing.assert_allclose(regressor.to_network().predict(X_test)[:, 0], regressor.predict(X_test), atol=1e-6)


def test_pipeline_grid_search_pickle_and_clone(iris):
    X_train, X_test, y_train, y_test = iris
    pipeline = make_pipeline(StandardScaler(), MLPClassifier(max_iter=300, random_state=0))
    search = GridSearchCV(pipeline, {"mlpclassifier__hidden_layer_sizes": [(4,), (32,)],
                                     "mlpclassifier__alpha": [1e-4, 1e-1]}, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    assert search.best_params_["mlpclassifier__hidden_layer_sizes"] in [(4,), (32,)]
    assert search.score(X_test, y_test) > 0.85
    fitted = search.best_estimator_
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X_test), fitted.predict_proba(X_test))
    estimator = restored[-1]
    estimator.partial_fit(X_train, y_train)  # training goes on after unpickling
    assert estimator.predict_proba(X_test).shape == (len(X_test), 3)
    fresh = clone(fitted[-1])
    assert not hasattr(fresh, "coefs_") and fresh.get_params() == fitted[-1].get_params()
    fresh.set_params(alpha=0.5)
    assert fresh.alpha == 0.5


@pytest.mark.parametrize("params, message", [
    (dict(hidden_layer_sizes=(10, 0)), "hidden_layer_sizes"),
    (dict(activation="softplus"), "activation"),
    (dict(hidden_layer_sizes=(5, 5), activation=["relu"]), "one per hidden layer"),
    (dict(solver="newton"), "solver"),
    (dict(alpha=-1.0), "alpha"),
    (dict(batch_size=0), "batch_size"),
    (dict(learning_rate="fast"), "learning_rate"),
    (dict(learning_rate_init=0.0), "learning_rate_init"),
    (dict(max_iter=0), "max_iter"),
    (dict(momentum=1.5), "momentum"),
    (dict(validation_fraction=1.0), "validation_fraction"),
    (dict(beta_1=1.0), "beta_1"),
    (dict(n_iter_no_change=0), "n_iter_no_change"),
    (dict(dropout=1.0), "dropout"),
    (dict(dtype=np.int32), "dtype"),
    (dict(solver="lbfgs", dropout=0.5), "dropout needs solver"),
])
def test_invalid_parameters_are_named(iris, params, message):
    X_train, _, y_train, _ = iris
    with pytest.raises(InvalidParameterError, match=message) as caught:
        MLPClassifier(**params).fit(X_train, y_train)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(InvalidParameterError, match="loss"):
        MLPRegressor(loss="absolute").fit(X_train, y_train)


@pytest.mark.parametrize("labels, shown", [([True] * 19 + [False], "[False]"), (["a"] * 19 + ["b"], "['b']")])
def test_labels_keep_their_type_in_messages(labels, shown):
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=re.escape(shown)):
        MLPClassifier(early_stopping=True, max_iter=2).fit(X, np.array(labels))


@pytest.mark.parametrize("weights, message", [
    ([1.0, 2.0], "shape"), (np.full(150, np.nan), "finite"), (-np.ones(150), ">= 0"), (np.zeros(150), "zero"),
    ("heavy", "number"),
])
def test_bad_sample_weights_are_named(iris, weights, message):
    X_train, _, y_train, _ = iris
    X, y = np.tile(X_train, (2, 1))[:150], np.tile(y_train, 2)[:150]
    with pytest.raises(ValueError, match=rf"sample_weight: .*{re.escape(message)}"):
        MLPClassifier(max_iter=2).fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("kernels", ["numpy", "numba"])
def test_the_kernels_parameter_chooses_the_networks_kernels(iris, kernels):
    if kernels == "numba":
        pytest.importorskip("numba")
    X_train, _, y_train, _ = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0, kernels=kernels).fit(X_train, y_train)
        reference = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0, kernels="numpy").fit(
            X_train, y_train)
    assert model._network().kernels == kernels
    np.testing.assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=1e-12)
    with pytest.raises(ValueError, match="kernels must be one of 'auto', 'numpy', 'numba', got 'numbaa'"):
        MLPClassifier(kernels="numbaa").fit(X_train, y_train)


def test_the_solvers_never_write_into_the_estimator():
    """The solver modules take explicit inputs and return what the estimator publishes: no
    assignment to an estimator's attribute, and no scikit-learn private import, in them."""
    import ast
    import inspect

    from neuronet.sklearn import _base, _lbfgs, _stochastic

    for module in (_stochastic, _lbfgs):
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for part in ast.walk(target):
                        assert not (isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name)
                                    and part.value.id in ("est", "estimator")), ast.unparse(node)
    for module in (_base, _stochastic, _lbfgs):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn"):
                assert not any(part.startswith("_") for part in node.module.split(".")), node.module
                assert not any(alias.name.startswith("_") for alias in node.names), ast.unparse(node)


def _imbalanced():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = np.array(["rare"] * 12 + ["common"] * 108)
    X[:12] += 1.0
    return X, y


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_class_weight_equals_the_explicit_sample_weights(solver):
    X, y = _imbalanced()
    options = {"solver": solver, "hidden_layer_sizes": (6,), "max_iter": 15, "random_state": 0}
    balanced = np.where(y == "rare", 120 / (2 * 12), 120 / (2 * 108))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        by_class = MLPClassifier(class_weight="balanced", **options).fit(X, y)
        by_sample = MLPClassifier(**options).fit(X, y, sample_weight=balanced)
        mapped = MLPClassifier(class_weight={"rare": 3.0}, **options).fit(X, y, sample_weight=np.full(120, 2.0))
        explicit = MLPClassifier(**options).fit(X, y, sample_weight=np.where(y == "rare", 6.0, 2.0))
        plain = MLPClassifier(**options).fit(X, y)
    for a, b in [(by_class, by_sample), (mapped, explicit)]:
        for mine, reference in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
            np.testing.assert_array_equal(mine, reference)
    assert not np.array_equal(by_class.coefs_[0], plain.coefs_[0])  # the weights did change the training


@pytest.mark.parametrize("class_weight, message", [
    ("even", "class_weight must be None or one of 'balanced' or a dict, got 'even'"), ({"unknown": 2.0}, "'unknown' is not a class"),
    ({"rare": -1.0}, "finite number >= 0"), ({"rare": 0.0, "common": 0.0}, "weighs zero"),
])
def test_bad_class_weights_are_named(class_weight, message):
    X, y = _imbalanced()
    with pytest.raises(ValueError, match=re.escape(message)):
        MLPClassifier(max_iter=2, class_weight=class_weight).fit(X, y)


def test_balanced_class_weight_is_refused_by_partial_fit():
    X, y = _imbalanced()
    with pytest.raises(ValueError, match="not supported by partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=["common", "rare"])


def test_a_table_with_text_columns_and_missing_values_is_encoded_by_the_estimator():
    pytest.importorskip("pyarrow")
    from neuronet.datasets.tables import load_penguins
    from neuronet.tables import TableEncoder

    table, target = load_penguins()
    frame = table.to_pandas().dropna(subset=[target])
    y, features = frame[target].to_numpy(), frame.drop(columns=[target])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, random_state=0).fit(features, y)
        encoder = TableEncoder().fit(features)
        reference = MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, random_state=0).fit(
            encoder.transform(features), y)
    assert model.encoder_.width == encoder.width == model.n_features_in_
    np.testing.assert_array_equal(model.predict(features), reference.predict(encoder.transform(features)))
    assert model.score(features, y) > 0.95
    assert set(model.predict(features.head())) <= {"Adelie", "Chinstrap", "Gentoo"}
    with pytest.raises(ValueError, match="fitted on a table"):
        model.predict(encoder.transform(features))
    with pytest.raises(ValueError, match="island"):
        model.predict(features.drop(columns=["island"]))
    # a numeric table without gaps stays scikit-learn's: column names kept, no encoding
    numeric = features[["bill_length_mm", "body_mass_g"]].fillna(0.0)
    plain = MLPClassifier(max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain.fit(numeric, y)
    assert plain.encoder_ is None and list(plain.feature_names_in_) == ["bill_length_mm", "body_mass_g"]


@pytest.mark.slow
def test_incremental_over_a_dask_dataframe_with_the_encoding_fitted_first():
    pytest.importorskip("pyarrow")
    distributed = pytest.importorskip("distributed")
    dask_frame = pytest.importorskip("dask.dataframe")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    from neuronet.datasets.tables import load_penguins
    from neuronet.tables import TableEncoder

    table, target = load_penguins()
    frame = table.to_pandas().dropna(subset=[target]).reset_index(drop=True)
    features = dask_frame.from_pandas(frame.drop(columns=[target]), npartitions=3)
    labels = dask_frame.from_pandas(frame[target], npartitions=3)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        # one streaming pass over the partitions learns the encoding, then partial_fit per partition
        encoder = TableEncoder().fit(features.get_partition(i).compute() for i in range(features.npartitions))
        model = wrappers.Incremental(MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
                                                   random_state=0, encoder=encoder), shuffle_blocks=False)
        for _ in range(20):
            model.partial_fit(features, labels, classes=["Adelie", "Chinstrap", "Gentoo"])
    local = frame.drop(columns=[target])
    assert model.estimator_.encoder_ is encoder or model.estimator_.encoder_.width == encoder.width
    assert np.mean(model.estimator_.predict(local) == frame[target].to_numpy()) > 0.9


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_unscaled_data_gives_sklearns_loss_curve_and_stopping_epoch(solver):
    """On unscaled data the output saturates and scikit-learn's log-loss clips the probabilities to
    [eps, 1 - eps]: the reported loss, and so the tol/n_iter_no_change stopping rule and L-BFGS's
    line search, follow that clipped value (the gradient is y - t either way)."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X = X * 100.0
    options = {"solver": solver, "hidden_layer_sizes": (8,), "max_iter": 40, "random_state": 0,
               "learning_rate_init": 0.01}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(**options).fit(X, y)
        theirs = skl.MLPClassifier(**options).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    if solver == "lbfgs":
        assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    else:
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    for mine, reference in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=1e-7, atol=1e-10)

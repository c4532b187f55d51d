"""The compiled step's boundary: whatever a caller hands the ``Trainer`` (labels out of range or not
whole, per-sample arrays of the wrong length, wrong shapes), the compiled path raises the very
error the NumPy path raises, before any kernel runs; never a crash, never a read past an array.

The property runs in a child process, so that a kernel reading out of bounds shows as a signal
(the child's death) instead of taking the test run down with it."""

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("numba")
pytest.importorskip("hypothesis")

PROPERTY = textwrap.dedent('''
    import numpy as np
    from hypothesis import given, settings, HealthCheck
    from hypothesis import strategies as st

    import neuronet as nn
    from neuronet.errors import NeuronetError
    from neuronet.trainer import Trainer

    LOSSES = {"hinge": 3, "softmax_cross_entropy": 3, "binary_cross_entropy": 1, "mse": 2, "poisson": 2}
    BAD_LABELS = [10**11, 50, 3, -1, -10**11, 1.5, float("nan"), float("inf")]

    def outcome(kind, loss_name, action, X, targets, weights, order):
        width = LOSSES[loss_name]
        net = nn.MLP([5, 4, width], rng=0, kernels=kind)
        trainer = Trainer(net, nn.losses.get(loss_name), nn.optim.get("sgd", lr=0.1), l2=1e-3, l2_per_sample=True)
        before = net.parameter_vector().copy()
        try:
            with net.training_mode():
                if action == "step":
                    trainer.step(X, targets, weights)
                elif action == "gradient":
                    trainer.compute_gradient(X, targets, weights)
                else:
                    trainer.run_epoch(X, targets, order, 3, weights)
        except NeuronetError as error:
            if type(error).__name__ == "DataError":
                assert np.array_equal(net.parameter_vector(), before), "parameters changed before the error"
            return type(error).__name__, str(error)
        return "trained", None

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(loss_name=st.sampled_from(sorted(LOSSES)), action=st.sampled_from(["step", "gradient", "epoch"]),
           n=st.integers(1, 9), defect=st.sampled_from(["label", "labels_short", "labels_long", "weights_short",
           "weights_long", "weights_negative", "weights_nan", "columns", "order", "order_fraction", "none"]),
           bad=st.sampled_from(BAD_LABELS), seed=st.integers(0, 100))
    def check(loss_name, action, n, defect, bad, seed):
        rng = np.random.default_rng(seed)
        width = LOSSES[loss_name]
        X = rng.normal(size=(n, 5)).astype(np.float32)
        if loss_name in ("hinge", "softmax_cross_entropy"):
            targets = list(rng.integers(0, width, n))
        elif loss_name == "binary_cross_entropy":
            targets = list(rng.integers(0, 2, n))
        else:
            targets = rng.uniform(0, 2, (n, width)).tolist()
        weights, order = rng.uniform(0.1, 2, n), np.arange(n)
        if defect == "label":
            if loss_name in ("mse", "poisson"):
                targets[0] = [bad] * width
            else:
                targets[rng.integers(n)] = bad
        elif defect == "labels_short":
            targets = targets[:-1]
        elif defect == "labels_long":
            targets = targets + targets[:1]
        elif defect == "weights_short":
            weights = weights[:-1]
        elif defect == "weights_long":
            weights = np.append(weights, 1.0)
        elif defect == "weights_negative":
            weights[0] = -1.0
        elif defect == "weights_nan":
            weights[0] = np.nan
        elif defect == "columns":
            X = rng.normal(size=(n, 4)).astype(np.float32)
        elif defect == "order":
            order = np.append(order, [n + int(bad) if np.isfinite(bad) and abs(bad) < 1e12 else n])
        elif defect == "order_fraction":
            order = order + 0.5
        results = [outcome(kind, loss_name, action, X, targets, weights, order) for kind in ("numpy", "numba")]
        assert results[0] == results[1], results
        valid_value = loss_name in ("mse", "poisson") and np.isfinite(bad) and (loss_name == "mse" or bad >= 0)
        if defect != "none" and not (defect == "label" and valid_value) and not (
                defect.startswith("order") and action != "epoch"):
            assert results[0][0] == "DataError", (defect, results)
            named = results[0][1]
            assert any(word in named for word in ("targets", "sample_weight", "X:", "order")), named

    check()
    print("boundary: ok")
''')


@pytest.mark.slow
def test_invalid_labels_weights_and_shapes_give_the_same_clean_error_on_both_paths():
    done = subprocess.run([sys.executable, "-c", PROPERTY], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (f"exit {done.returncode} (a negative one is a signal)\n{done.stdout}\n"
                                  f"{done.stderr[-4000:]}")
    assert "boundary: ok" in done.stdout


def test_the_probe_of_a_label_far_out_of_range_is_a_data_error_on_the_compiled_path():
    import numpy as np

    import neuronet as nn
    from neuronet.errors import DataError
    from neuronet.trainer import Trainer

    X = np.random.default_rng(0).normal(size=(8, 5)).astype(np.float32)
    for labels in ([0, 1, 2, 10**11, 0, 1, 2, 1], [0, 1, 2, 50, 0, 1, 2, 1], [0, 1, 2, -1, 0, 1, 2, 1],
                   [0, 1, 2, 1.5, 0, 1, 2, 1], [0, 1, 2, 1, 0, 1, 2]):
        net = nn.MLP([5, 4, 3], kernels="numba")
        before = net.parameter_vector().copy()
        with pytest.raises(DataError, match="targets"):
            Trainer(net, nn.losses.get("hinge"), nn.optim.get("sgd", lr=0.1)).step(X, labels)
        np.testing.assert_array_equal(net.parameter_vector(), before)
    with pytest.raises(DataError, match="sample_weight"):
        Trainer(nn.MLP([5, 4, 3], kernels="numba"), nn.losses.get("hinge"), nn.optim.get("sgd", lr=0.1)).step(
            X, [0, 1, 2, 1, 0, 1, 2, 1], np.ones(5))

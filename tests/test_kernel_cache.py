"""The compiled kernels' disk cache: it never serves stale code, and a damaged, unwritable or full
cache never stops training (each case in a child process with its own NUMBA_CACHE_DIR)."""

import ast
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("numba")

COMPILED = Path(__file__).resolve().parents[1] / "src" / "neuronet" / "kernels" / "compiled.py"


def test_the_kernel_module_depends_on_nothing_outside_its_file():
    """Numba's cache checks only the file of the function it compiled: every constant the kernels use
    is defined in compiled.py, or arrives as an argument."""
    tree = ast.parse(COMPILED.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"compiled.py imports from its package (line {node.lineno}): a stale-cache trap"
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
    assert imported <= {"__future__", "collections", "numba", "numpy"}, imported


def _run(code, cache, *, limit_bytes=None, cwd=None):
    def limits():
        if limit_bytes is not None:  # a full disk, as a file-size limit: writes past it fail with EFBIG
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "NEURONET_KERNELS": ""}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                          timeout=600, preexec_fn=limits, cwd=cwd)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_an_edited_kernel_module_is_recompiled_not_served_from_the_cache(tmp_path):
    package = tmp_path / "kernelcopy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(COMPILED, package / "compiled.py")
    run = """
        import numpy as np
        from kernelcopy import compiled as c
        p, g = np.ones(3), np.ones(3)
        c.optimizer_step(0, c.Hyper(*[0.5] * 9), p, g, 0.0, np.ones(3), np.zeros(0), 0.1)
        print(p[0])
    """
    cache = tmp_path / "cache"
    first = _run(run, cache, cwd=tmp_path).stdout.split()[-1]
    assert float(first) == pytest.approx(0.9)  # code 0 is SGD: 1 - 0.1 * 1
    source = (package / "compiled.py").read_text()
    edited = source.replace("SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM = range(6)",
                            "MOMENTUM, SGD, NESTEROV, ADAGRAD, RMSPROP, ADAM = range(6)")
    assert edited != source
    (package / "compiled.py").write_text(edited)
    stat = os.stat(package / "compiled.py")
    os.utime(package / "compiled.py", (stat.st_atime + 10, stat.st_mtime + 10))
    second = _run(run, cache, cwd=tmp_path).stdout.split()[-1]
    assert float(second) == pytest.approx(1.4)  # code 0 is now momentum: v = 0.5 * 1 - 0.1 * 1; p += v
    assert float(second) != float(first)


TRAIN = """
    import json, warnings
    import numpy as np
    import neuronet as nn
    from neuronet.trainer import Trainer

    X, y = nn.datasets.make_gaussians(48, seed=0)
    X = X.astype(np.float32)
    curves, plans = {}, {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for kind in ("numba", "numpy"):
            net = nn.MLP([2, 4, 3], rng=0, kernels=kind)
            trainer = Trainer(net, nn.losses.SoftmaxCrossEntropy(), nn.optim.Adam(lr=0.01))
            with net.training_mode():
                curves[kind] = [trainer.run_epoch(X, y, np.arange(48), 8)[0] for _ in range(3)]
            plans[kind] = str(trainer.plan)
    print(json.dumps({"curves": curves, "plans": plans,
                      "warnings": [str(w.message) for w in caught if "neuronet" in str(w.message)]}))
"""


def _train(cache, **options):
    result = json.loads(_run(TRAIN, cache, **options).stdout.strip().splitlines()[-1])
    assert result["curves"]["numba"] == pytest.approx(result["curves"]["numpy"], rel=1e-5)
    return result


def _damage(cache, how):
    files = [path for path in Path(cache).rglob("*") if path.suffix in (".nbi", ".nbc")]
    assert files, "the first run left no cache files"
    for path in files:
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 3] if how == "truncated" else bytes(b ^ 0x5A for b in data))


@pytest.mark.slow
@pytest.mark.parametrize("how", ["truncated", "corrupted"])
def test_a_damaged_cache_costs_one_warning_and_a_compilation(tmp_path, how):
    cache = tmp_path / "cache"
    first = _train(cache)
    assert first["plans"]["numba"] == "numba kernels" and not first["warnings"]
    _damage(cache, how)
    second = _train(cache)
    assert second["plans"]["numba"] == "numba kernels"  # recompiled, not given up
    assert len(second["warnings"]) <= 1, second["warnings"]
    assert second["curves"] == first["curves"]


@pytest.mark.slow
def test_an_unwritable_cache_folder_does_not_stop_compiled_training(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _train(blocker / "cache")  # the cache folder cannot be made: Numba's next place, or a temporary one
    assert result["plans"]["numba"] == "numba kernels"
    assert len(result["warnings"]) <= 1, result["warnings"]


def test_no_place_for_the_cache_at_all_costs_one_warning(monkeypatch):
    """Where Numba finds no place to cache in (its import refuses: "cannot cache function ... no
    locator available"), the kernels are imported again with the cache in a temporary folder."""
    import neuronet.kernels as package
    from neuronet.kernels import loading

    original = loading.compiled()  # put back afterwards: the other tests keep the cached kernels
    monkeypatch.setitem(sys.modules, "neuronet.kernels.compiled", original)
    monkeypatch.setattr(package, "compiled", original, raising=False)
    real_import = __import__
    refused = []

    def importing(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 1 and fromlist and "compiled" in fromlist and not refused:
            refused.append(name)
            raise RuntimeError("cannot cache function 'sgd': no locator available for file 'compiled.py'")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(loading, "_uncached", [])
    monkeypatch.setattr(loading, "_unusable", [])
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", config.CACHE_DIR)
    monkeypatch.setattr("builtins.__import__", importing)
    with pytest.warns(RuntimeWarning, match="disk cache cannot be used") as caught:
        module = loading.compiled()
    assert refused and module is not None and module.OPTIMIZERS["sgd"] == module.SGD
    assert len([w for w in caught if "neuronet" in str(w.message)]) == 1
    assert "neuronet-kernels-" in config.CACHE_DIR


@pytest.mark.slow
def test_a_full_disk_while_writing_the_cache_costs_one_warning(tmp_path):
    result = _train(tmp_path / "cache", limit_bytes=64 * 1024)
    assert result["plans"]["numba"] == "numba kernels"
    assert len(result["warnings"]) == 1 and "cache" in result["warnings"][0]


def test_a_kernel_that_does_not_compile_is_a_bug_that_surfaces_not_a_fallback():
    pytest.importorskip("numba")
    from numba.core.errors import TypingError

    from neuronet.kernels import loading

    def broken():
        raise TypingError("Cannot unify float64 and array(float32, 1d, C)")

    broken.__name__, broken.__module__ = "a_broken_kernel", "neuronet.kernels.compiled"
    with pytest.raises(TypingError):
        loading.prepare(broken, ("f", "test"), broken)
    assert not loading._unusable  # the compiled path is not switched off behind the bug

"""Training throughput: neuronet against a plain NumPy loop, scikit-learn, PyTorch and the
matmul-only floor.

One epoch of Adam training (the best of three), float32, ReLU hidden layers, softmax cross-entropy, the
same network and the same random data in each; samples per second (higher is better),
GFLOP/s (a training step of a dense layer is three matrix multiplies: 6 x batch x in x
out floating-point operations), the fraction of the matmul-only floor's speed each
reaches, and neuronet's ratio to each. neuronet runs twice where Numba is installed:
with its compiled kernels and with the readable NumPy path.

The matmul-only floor is the same network's forward and backward matrix products alone
(x W, x^T g, g W^T into reused buffers) and nothing else: what any NumPy/BLAS trainer
would reach if everything that is not a matrix product cost nothing.

Also: the compiled kernels' first-run compile time and their load time from the on-disk
cache (each in a fresh interpreter), and the peak memory of a training run on a
60000 x 784 float32 array (MNIST's size).

    neuronet bench                                  # the three standard networks
    neuronet bench --network 784-512-10:64          # and any other: sizes:batch
    neuronet bench --torch-python ~/.venvs/torch/bin/python   # PyTorch from another venv

A benchmark, never a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .errors import ConfigurationError

__all__ = ["Network", "STANDARD_NETWORKS", "matmul_peak", "run", "main"]


@dataclass(frozen=True)
class Network:
    sizes: tuple[int, ...]
    batch: int
    samples: int

    @property
    def label(self) -> str:
        return f"{'-'.join(map(str, self.sizes))}, batch {self.batch}"

    @property
    def flops_per_sample(self) -> int:
        return 6 * sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))


STANDARD_NETWORKS = (
    Network((64, 100, 10), 32, 65_536),
    Network((784, 256, 10), 128, 32_768),
    Network((3072, 1024, 1024, 10), 256, 4_096),
)


def parse_network(text: str, samples: int | None = None) -> Network:
    """``"784-512-10:64"`` -> Network((784, 512, 10), batch=64)."""
    try:
        sizes_text, _, batch_text = text.partition(":")
        sizes = tuple(int(s) for s in sizes_text.split("-"))
        batch = int(batch_text or 128)
    except ValueError:
        raise ConfigurationError(f"--network: expected sizes and batch like 784-512-10:64, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1 or batch < 1:
        raise ConfigurationError(f"--network: expected at least two positive sizes and a positive batch, got {text!r}")
    if max(sizes) > _MAX_WIDTH or batch > _MAX_WIDTH:
        raise ConfigurationError(f"--network: sizes and batch must be at most {_MAX_WIDTH:,}, got {text!r}")
    if samples is None:  # about 2 GFLOP of training: a second or so
        samples = int(np.clip(2e9 / Network(sizes, batch, 0).flops_per_sample, 4 * batch, 65_536))
    return Network(sizes, batch, samples)


_MAX_WIDTH = 2**31 - 1
MEMORY_NETWORK = (784, 256, 10)  # the memory run's network, on MNIST-sized rows


def training_bytes(network: Network) -> int:
    """What one contestant's epoch holds at once, estimated as ``train`` does (``memory.network_bytes``:
    parameters, gradients, Adam's two slots, a batch's workspaces), plus the data: float32 rows and
    int64 labels, and one float32 one-hot target row per sample (scikit-learn's)."""
    from .memory import network_bytes

    data = network.samples * (network.sizes[0] * 4 + 8 + network.sizes[-1] * 4)
    return data + network_bytes(network.sizes, 4, optimizer_slots=2, batch=network.batch)


def check_request(networks: Sequence[Network], memory_samples: int) -> None:
    """Refuse, before anything runs, what would not fit in memory (``memory.check_fits``)."""
    from .memory import check_fits

    for network in networks:
        check_fits(training_bytes(network), f"--network {'-'.join(map(str, network.sizes))}:{network.batch} "
                                            f"with {network.samples:,} samples")
    if memory_samples:
        check_fits(training_bytes(Network(MEMORY_NETWORK, 128, memory_samples)),
                   f"--memory-samples {memory_samples:,} (rows of {MEMORY_NETWORK[0]} float32 features)")


TORCH_PROBE = "import json, torch; print(json.dumps({'torch': torch.__version__}))"


def torch_version(python: str) -> str | None:
    """The torch version ``python`` reports, or None when it is not a Python with torch."""
    try:
        result = subprocess.run([python, "-c", TORCH_PROBE], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        version = json.loads(result.stdout.strip().splitlines()[-1])["torch"]
    except (ValueError, IndexError, KeyError, TypeError):
        return None
    return version if result.returncode == 0 and isinstance(version, str) else None


def check_torch_python(python: str, what: str) -> str:
    """``python`` when it is an executable interpreter with torch; a ``ConfigurationError`` naming
    ``what`` (the flag or variable) otherwise."""
    if not os.path.isfile(python) or not os.access(python, os.X_OK):
        raise ConfigurationError(f"{what}: {python} is not an executable file; expected a Python interpreter "
                                 "with PyTorch")
    if torch_version(python) is None:
        raise ConfigurationError(f"{what}: {python} is not a Python interpreter that can import torch "
                                 "(it did not answer `import torch`); give one that can, or --no-torch")
    return python


def make_data(network: Network, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((network.samples, network.sizes[0]), dtype=np.float32)
    y = rng.integers(0, network.sizes[-1], network.samples)
    return X, y


def matmul_peak(n: int = 1024, repeats: int = 20) -> float:
    """GFLOP/s of a float32 n x n matrix multiply through NumPy's BLAS (best of ``repeats``)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)
    best = min(_timed(lambda: np.matmul(a, b, out=out)) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


REPEATS = 3  # each contestant's epoch is timed this many times and the best is kept (a shared VM varies)


def _best(function: Callable[[], object]) -> float:
    return min(_timed(function) for _ in range(REPEATS))


# --- the contestants: each trains one epoch of Adam on (X, y) -------------------------------
def train_neuronet(network: Network, X: np.ndarray, y: np.ndarray, kernels: str = "auto") -> float:
    """The best epoch of a ``REPEATS``-epoch fit (timed by a callback: the epochs themselves, not
    fit's one-time validation of the data, which the other loops do not do either)."""
    from .callbacks import Callback
    from .network import MLP

    class EpochTimer(Callback):
        def __init__(self) -> None:
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.seconds.append(time.perf_counter() - self.started)

    net = MLP(list(network.sizes), activation="relu", rng=0, kernels=kernels)
    warm = network.batch * 4
    net.fit(X[:warm], y[:warm], epochs=1, batch_size=network.batch, verbose=0, seed=0)
    timer = EpochTimer()
    net.fit(X, y, epochs=REPEATS, batch_size=network.batch, verbose=0, seed=0, callbacks=[timer])
    return min(timer.seconds)


def matmul_floor(network: Network, X: np.ndarray, y: np.ndarray) -> float:
    """Seconds for an epoch's matrix products alone: per batch and layer x W forward, x^T g
    and (above the first layer) g W^T backward, into reused buffers; no bias, activation,
    loss, update or gather (the batches are consecutive rows)."""
    rng = np.random.default_rng(0)
    sizes, batch = network.sizes, network.batch
    weights = [rng.standard_normal((a, b), dtype=np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    outputs = [np.empty((batch, b), np.float32) for b in sizes[1:]]
    grads_out = [rng.standard_normal((batch, b), dtype=np.float32) for b in sizes[1:]]
    grads_in = [np.empty((batch, a), np.float32) for a in sizes[:-1]]
    grads_W = [np.empty_like(W) for W in weights]

    def epoch(X: np.ndarray) -> None:
        for start in range(0, len(X) - batch + 1, batch):
            a = X[start:start + batch]
            inputs = [a]
            for W, out in zip(weights, outputs):
                np.matmul(inputs[-1], W, out=out)
                inputs.append(out)
            for i in reversed(range(len(weights))):
                np.matmul(inputs[i].T, grads_out[i], out=grads_W[i])
                if i:
                    np.matmul(grads_out[i], weights[i].T, out=grads_in[i])

    epoch(X[:batch * 4])
    return _best(lambda: epoch(X)) * len(X) / (len(X) // batch * batch)


def train_numpy_loop(network: Network, X: np.ndarray, y: np.ndarray) -> float:
    """The straightforward NumPy loop a reader would write from the formulas: new arrays at
    every step, one Adam update per parameter array."""
    rng = np.random.default_rng(0)
    sizes = network.sizes
    weights = [(rng.standard_normal((a, b), dtype=np.float32) * np.float32(np.sqrt(2 / a))) for a, b in
               zip(sizes[:-1], sizes[1:])]
    biases = [np.zeros(b, np.float32) for b in sizes[1:]]
    params = weights + biases
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, beta1, beta2, eps = 1e-3, 0.9, 0.999, 1e-8

    def epoch(X: np.ndarray, y: np.ndarray, t: list[int]) -> None:
        order = rng.permutation(len(X))
        for start in range(0, len(X), network.batch):
            index = order[start:start + network.batch]
            x, labels = X[index], y[index]
            activations = [x]
            for i, (W, b) in enumerate(zip(weights, biases)):
                z = activations[-1] @ W + b
                activations.append(np.maximum(z, 0) if i < len(weights) - 1 else z)
            scores = activations[-1]
            exp = np.exp(scores - scores.max(axis=1, keepdims=True))
            grad = exp / exp.sum(axis=1, keepdims=True)
            grad[np.arange(len(labels)), labels] -= 1
            grad /= len(labels)
            grads_W, grads_b = [None] * len(weights), [None] * len(weights)
            for i in reversed(range(len(weights))):
                grads_W[i] = activations[i].T @ grad
                grads_b[i] = grad.sum(axis=0)
                if i:
                    grad = (grad @ weights[i].T) * (activations[i] > 0)
            t[0] += 1
            step = lr * np.sqrt(1 - beta2 ** t[0]) / (1 - beta1 ** t[0])
            for p, g, m_, v_ in zip(params, grads_W + grads_b, m, v):
                m_ *= beta1
                m_ += (1 - beta1) * g
                v_ *= beta2
                v_ += (1 - beta2) * g * g
                p -= (step * m_ / (np.sqrt(v_) + eps)).astype(np.float32)

    counter = [0]
    epoch(X[:network.batch * 4], y[:network.batch * 4], counter)
    return _best(lambda: epoch(X, y, counter))


def train_sklearn(network: Network, X: np.ndarray, y: np.ndarray) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=network.sizes[1:-1], solver="adam", batch_size=network.batch,
                          max_iter=1, random_state=0, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm = network.batch * 4
        model.fit(X[:warm], y[:warm])
        return _best(lambda: model.fit(X, y))


TORCH_SCRIPT = r"""
import json, sys, time
import torch
sizes, batch, samples, repeats = json.loads(sys.argv[1])
torch.manual_seed(0)
X = torch.randn(samples, sizes[0])
y = torch.randint(0, sizes[-1], (samples,))
layers = []
for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
    layers.append(torch.nn.Linear(a, b))
    if i < len(sizes) - 2:
        layers.append(torch.nn.ReLU())
model = torch.nn.Sequential(*layers)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
def epoch(X, y):
    order = torch.randperm(len(X))
    for start in range(0, len(X), batch):
        index = order[start:start + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X[index]), y[index])
        loss.backward()
        optimizer.step()
epoch(X[:batch * 4], y[:batch * 4])
best = float("inf")
for _ in range(repeats):
    start = time.perf_counter()
    epoch(X, y)
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "version": torch.__version__,
                  "threads": torch.get_num_threads()}))
"""


def train_torch(network: Network, python: str) -> tuple[float, str] | None:
    """Seconds for one epoch in PyTorch, run by ``python`` (an interpreter with torch), or None."""
    arguments = json.dumps([list(network.sizes), network.batch, network.samples, REPEATS])
    try:
        result = subprocess.run([python, "-c", TORCH_SCRIPT, arguments], capture_output=True, text=True,
                                timeout=600, check=True)
        report = json.loads(result.stdout.strip().splitlines()[-1])
        return float(report["seconds"]), str(report["version"])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError, KeyError, TypeError):
        warnings.warn(f"PyTorch run with {python} failed; left out of the table", stacklevel=2)
        return None


def find_torch_python() -> str | None:
    """An interpreter that has torch: $NEURONET_TORCH_PYTHON (which must be one), else this one or
    ./.torchenv/bin/python when they have it."""
    chosen = os.environ.get("NEURONET_TORCH_PYTHON")
    if chosen:
        return check_torch_python(chosen, "NEURONET_TORCH_PYTHON")
    for candidate in (sys.executable, os.path.join(os.getcwd(), ".torchenv", "bin", "python")):
        if candidate and os.path.isfile(candidate) and torch_version(candidate) is not None:
            return candidate
    return None


# --- the compiled kernels' one-time cost --------------------------------------------------------
COMPILE_SCRIPT = r"""
import json, time
started = time.perf_counter()
import numpy as np
import neuronet as nn
from neuronet.kernels import loading
net = nn.MLP([8, 16, 3], rng=0, kernels="numba")
X = np.random.default_rng(0).standard_normal((64, 8), dtype=np.float32)
net.fit(X, np.arange(64) % 3, epochs=1, batch_size=32, verbose=0, seed=0)
print(json.dumps({"kernels": sum(loading.seconds.values()), "total": time.perf_counter() - started}))
"""


def kernel_costs() -> dict[str, float] | None:
    """Seconds the compiled kernels cost a fresh interpreter: compiling them (an empty cache),
    then loading them from the cache, and the same small run with the NumPy path; None
    without Numba."""
    from . import kernels

    if "numba" not in kernels.available():
        return None
    import tempfile

    def timed_run(environment: dict) -> dict:
        result = subprocess.run([sys.executable, "-c", COMPILE_SCRIPT], capture_output=True, text=True, check=True,
                                env={**os.environ, **environment}, timeout=900)
        return json.loads(result.stdout.strip().splitlines()[-1])

    with tempfile.TemporaryDirectory() as cache:
        first = timed_run({"NUMBA_CACHE_DIR": cache})
        cached = timed_run({"NUMBA_CACHE_DIR": cache})
    plain = timed_run({"NEURONET_KERNELS": "numpy"})
    return {"compile": first["kernels"], "load": cached["kernels"], "run_compiled": cached["total"],
            "run_numpy": plain["total"]}


# --- memory ------------------------------------------------------------------------------------
MEMORY_SCRIPT = r"""
import resource, sys
import numpy as np
import neuronet as nn

def peak(field="VmHWM"):
    # VmHWM belongs to this process image; ru_maxrss can carry the parent's peak across fork + exec
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
samples, features = int(sys.argv[1]), int(sys.argv[2])
start = peak("VmRSS")
net = nn.MLP([features, 256, 10], activation="relu", rng=0)
warm = np.zeros((256, features), np.float32)  # loads the compiled kernels, if any: a one-time cost, not training's
net.fit(warm, np.arange(256) % 10, epochs=1, batch_size=128, verbose=0, seed=0)
del warm
loaded = peak("VmRSS")
before = peak()
X = np.empty((samples, features), dtype=np.float32)
rng = np.random.default_rng(0)
for start in range(0, samples, 1000):  # filled in chunks: no float64 temporary of the whole array
    X[start:start + 1000] = rng.standard_normal((min(1000, samples - start), features), dtype=np.float32)
y = rng.integers(0, 10, samples).astype(np.int64)
net.fit(X, y, epochs=1, batch_size=128, verbose=0, seed=0)
after = peak()
print(X.nbytes + y.nbytes, start * 1024, loaded * 1024, before * 1024, after * 1024)
"""


def training_memory(samples: int = 60_000, features: int = 784) -> tuple[int, int, int]:
    """(bytes of the data, bytes the peak resident size grew by from just before the data was
    made to the end of one training epoch on it, bytes that building the network and loading
    its kernels took before), in a fresh interpreter so nothing else counts."""
    result = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(samples), str(features)],
                            capture_output=True, text=True, check=True)
    data, start, loaded, before, after = map(int, result.stdout.split())
    return data, after - before, loaded - start


# --- the report ----------------------------------------------------------------------------------
def machine() -> str:
    """The CPU, core count and BLAS (library, version, kernel, threads) behind the figures."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        from threadpoolctl import threadpool_info

        blas = "; ".join(f"{i['internal_api']} {i['version']} ({i.get('architecture')} kernel, {i['num_threads']} "
                         "threads)" for i in threadpool_info() if i.get("user_api") == "blas")
    except ImportError:
        blas = "unknown (pip install threadpoolctl to name it)"
    return (f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}, "
            f"BLAS: {blas}")


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]], markdown: bool = False, out=None) -> None:
    """A results table, as Markdown (for the README) or as aligned columns (for a terminal)."""
    out = out or sys.stdout
    if markdown:
        print("| " + " | ".join(map(str, header)) + " |", file=out)
        print("|" + "---|" * len(header), file=out)
        for row in rows:
            print("| " + " | ".join(map(str, row)) + " |", file=out)
        return
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)), file=out)


def run(networks: Sequence[Network], *, torch_python: str | None = None, sklearn: bool = True,
        memory_samples: int = 60_000, compile_time: bool = True, out=None) -> list[dict]:
    """Run every contestant on every network and print the table (to ``out``, default stdout);
    returns the rows."""
    from . import kernels

    out = out or sys.stdout
    peak = matmul_peak()
    print(machine(), file=out)
    print(f"float32 matmul peak (1024x1024): {peak:.0f} GFLOP/s", file=out)
    compiled = "numba" in kernels.available()
    if compile_time and compiled:
        costs = kernel_costs()
        print(f"compiled kernels: {costs['compile']:.1f} s to compile on the first run ever; later runs load them "
              f"from the cache in {costs['load']:.2f} s (a small fit in a fresh interpreter: "
              f"{costs['run_compiled']:.2f} s with them, {costs['run_numpy']:.2f} s with the NumPy path)", file=out)
    rows = []
    ours = "neuronet" if compiled else "neuronet (numpy)"
    for network in networks:
        X, y = make_data(network)
        seconds = {}
        if compiled:
            seconds["neuronet"] = train_neuronet(network, X, y, "numba")
        seconds["neuronet (numpy)"] = train_neuronet(network, X, y, "numpy")
        seconds["numpy loop"] = train_numpy_loop(network, X, y)
        if sklearn:
            seconds["scikit-learn"] = train_sklearn(network, X, y)
        if torch_python:
            measured = train_torch(network, torch_python)
            if measured is not None:
                seconds[f"pytorch {measured[1]}"] = measured[0]
        seconds["matmul-only floor"] = matmul_floor(network, X, y)
        best = network.samples / seconds[ours]
        floor = network.samples / seconds["matmul-only floor"]
        print(f"\n{network.label} ({network.samples:,} samples, {network.flops_per_sample * 1e-6:.2f} MFLOP "
              f"per sample)", file=out)
        print(f"  {'':<22}{'samples/s':>12}{'GFLOP/s':>10}{'of peak':>9}{'of floor':>10}{'neuronet is':>14}", file=out)
        for name, elapsed in seconds.items():
            rate = network.samples / elapsed
            gflops = rate * network.flops_per_sample / 1e9
            ratio = "" if name == ours else f"{best / rate:.2f}x"
            print(f"  {name:<22}{rate:>12,.0f}{gflops:>10.1f}{gflops / peak:>9.0%}{rate / floor:>10.0%}{ratio:>14}",
                  file=out)
            rows.append({"network": network.label, "framework": name, "samples_per_s": rate, "gflops": gflops,
                         "fraction_of_peak": gflops / peak, "fraction_of_floor": rate / floor})
    if memory_samples:
        data, grown, code = training_memory(memory_samples)
        print(f"\nmemory: one epoch of 784-256-10 on a {memory_samples:,}x784 float32 array: data {data / 2**20:.0f} MB, "
              f"peak resident size grew by {grown / 2**20:.0f} MB, {(grown - data) / 2**20:+.0f} MB beyond the data "
              f"(before it, building the network and loading its kernels changed the resident size by "
              f"{code / 2**20:+.0f} MB, once per process)", file=out)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="neuronet bench", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


def _count(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``low``, also written like 1e6."""
    def parse(text: str) -> int:
        try:
            value = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            value = None
        if value is None or not np.isfinite(value) or value != int(value) or not low <= value < 2**63:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, got {text!r}")
        return int(value)
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--network", action="append", default=[], metavar="SIZES:BATCH",
                        help="another network, e.g. 784-512-10:64 (repeatable)")
    parser.add_argument("--only", action="store_true", help="run only the --network ones, not the standard three")
    parser.add_argument("--samples", type=_count(1), help="samples per epoch for every network (default: per network)")
    parser.add_argument("--torch-python", help="an interpreter with PyTorch (default: this one, "
                        "$NEURONET_TORCH_PYTHON or ./.torchenv/bin/python when they have it)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--no-sklearn", action="store_true", help="leave scikit-learn out")
    parser.add_argument("--memory-samples", type=_count(0), default=60_000, help="rows of the memory run (0: skip it)")
    parser.add_argument("--no-compile-time", action="store_true",
                        help="skip measuring the kernels' compile and load time (two fresh interpreters)")


def run_from_args(args: argparse.Namespace) -> int:
    """Check every flag (and what the run would need in memory) first, then run."""
    networks = [] if args.only else list(STANDARD_NETWORKS)
    networks += [parse_network(text) for text in args.network]
    if args.samples is not None:
        networks = [Network(n.sizes, n.batch, args.samples) for n in networks]
    if not networks:
        raise ConfigurationError("--only: give at least one --network")
    if args.torch_python and args.no_torch:
        raise ConfigurationError("--torch-python: given with --no-torch; leave one out")
    check_request(networks, args.memory_samples)
    if args.no_torch:
        torch_python = None
    elif args.torch_python:
        torch_python = check_torch_python(args.torch_python, "--torch-python")
    else:
        torch_python = find_torch_python()
    run(networks, torch_python=torch_python, sklearn=not args.no_sklearn, memory_samples=args.memory_samples,
        compile_time=not args.no_compile_time)
    return 0


if __name__ == "__main__":
    sys.exit(main())

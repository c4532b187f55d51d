"""Training streamed from a Parquet file, against the same rows in memory: peak RSS and samples/s.

    python benchmarks/streaming_parquet.py                    # the full run: 2 GB of float32 features
    python benchmarks/streaming_parquet.py --gb 0.05          # a quick check that it works

1. writes (once, into ``--dir``, default a temporary folder removed afterwards) a Parquet file of
   ``--features`` float32 columns plus an int64 label, ``--gb`` gigabytes of float32 content, in
   row groups of ``--row-group`` rows, uncompressed (random floats do not compress): a synthetic
   10-class problem, label = argmax of a fixed linear map of the features;
2. trains ``--epochs`` epochs (default 2: the first pays for first-touch allocations, the last is
   compared) **streaming** from the file (``neuronet.tables.ParquetSource``: row groups in
   random order, ``--read-rows`` rows per read, a shuffle buffer of ``--buffer-rows`` rows) through
   ``neuronet.tables.train_epoch`` and the ``Trainer``;
3. trains as many epochs **in memory** on the first ``--memory-rows`` rows of the same file (default:
   all of them when three times their size fits in the free memory, else a quarter) with
   ``Trainer.run_epoch`` and a full permutation.

Each phase runs in its own process, so each peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``)
is that phase's alone; samples/s counts the training epochs only (reading, converting and shuffling
included for the stream). The printed table also says whether the compiled step ran.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CLASSES = 10


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def write(path: Path, gb: float, features: int, row_group: int, seed: int = 0) -> int:
    """The Parquet file: ``gb`` gigabytes of float32 features; returns the number of rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = int(gb * 1e9 / (4 * features))
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal((features, CLASSES)).astype(np.float32)
    schema = pa.schema([(f"x{j}", pa.float32()) for j in range(features)] + [("label", pa.int64())])
    with pq.ParquetWriter(path, schema, compression="none", use_dictionary=False, write_statistics=False) as writer:
        for start in range(0, rows, row_group):
            n = min(row_group, rows - start)
            X = rng.standard_normal((n, features), dtype=np.float32)
            label = np.argmax(X @ weights, axis=1).astype(np.int64)
            columns = [pa.array(X[:, j]) for j in range(features)] + [pa.array(label)]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema), row_group_size=row_group)
    return rows


def _trainer(features: int, hidden: int):
    from neuronet import losses, optim
    from neuronet.network import MLP
    from neuronet.trainer import Trainer

    net = MLP([features, hidden, hidden, CLASSES], activation="relu", rng=np.random.default_rng(0))
    return Trainer(net, losses.get("softmax_cross_entropy"), optim.get("adam", lr=1e-3), count_correct=True)


def _warm_up(trainer, features: int, batch_size: int) -> None:
    """A short epoch of random rows in a random order, so that compiling or loading the kernels
    (and first-touch allocations) is not timed in either phase."""
    rng = np.random.default_rng(1)
    rows = 8 * batch_size + batch_size // 2
    X = rng.standard_normal((rows, features), dtype=np.float32)
    trainer.run_epoch(X, rng.integers(0, CLASSES, rows), rng.permutation(rows), batch_size)


def phase_stream(args) -> dict:
    from neuronet.tables import ParquetSource, train_epoch

    source = ParquetSource(args.file, target="label", read_rows=args.read_rows, buffer_rows=args.buffer_rows)
    trainer = _trainer(source.n_features, args.hidden)
    _warm_up(trainer, source.n_features, args.batch_size)
    rng, rates = np.random.default_rng(0), []
    for epoch in range(args.epochs):
        trainer.begin_epoch(epoch)
        start = time.perf_counter()
        loss, correct, seen = train_epoch(trainer, source, args.batch_size, rng=rng,
                                          batches_per_call=args.batches_per_call)
        rates.append(seen / (time.perf_counter() - start))
    return {"phase": "stream", "rows": seen, "samples_per_s": rates, "loss": loss,
            "accuracy": correct / seen, "peak_rss_mb": _peak_rss_mb(), "buffer_peak_rows": source.buffer.peak,
            "largest_read_rows": source.largest_read, "kernels": str(getattr(trainer, "plan", "?"))}


def phase_memory(args) -> dict:
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(args.file)
    total = handle.metadata.num_rows
    features = handle.schema_arrow.names[:-1]
    if args.memory_rows in (None, "None"):  # all the rows when three times their size fits in free memory
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        rows = total if 3 * total * (len(features) * 4 + 8) < available else total // 4
    else:
        rows = total if args.memory_rows == "all" else min(int(args.memory_rows), total)
    X = np.empty((rows, len(features)), dtype=np.float32)
    y = np.empty(rows, dtype=np.int64)
    filled = 0
    for batch in handle.iter_batches(batch_size=16384):
        n = min(batch.num_rows, rows - filled)
        for j, name in enumerate(features):
            X[filled:filled + n, j] = batch.column(name).to_numpy()[:n]
        y[filled:filled + n] = batch.column("label").to_numpy()[:n]
        filled += n
        if filled == rows:
            break
    trainer = _trainer(X.shape[1], args.hidden)
    _warm_up(trainer, X.shape[1], args.batch_size)
    rng, rates = np.random.default_rng(0), []
    for epoch in range(args.epochs):
        trainer.begin_epoch(epoch)
        start = time.perf_counter()
        loss, correct = trainer.run_epoch(X, y, rng.permutation(rows), args.batch_size)
        rates.append(rows / (time.perf_counter() - start))
    return {"phase": "memory", "rows": rows, "samples_per_s": rates, "loss": loss,
            "accuracy": correct / rows, "peak_rss_mb": _peak_rss_mb(), "kernels": str(getattr(trainer, "plan", "?"))}


def _child(args, phase: str) -> dict:
    command = [sys.executable, __file__, "--phase", phase, "--file", str(args.file)] + [
        f"--{key.replace('_', '-')}={value}" for key, value in vars(args).items()
        if key not in ("phase", "file", "dir", "keep", "gb") and value is not None]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"the {phase} phase failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gb", type=float, default=2.0, help="gigabytes of float32 feature content (default 2)")
    parser.add_argument("--features", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--row-group", type=int, default=16384)
    parser.add_argument("--epochs", type=int, default=2, help="epochs per phase; the last one's rate is compared")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--batches-per-call", type=int, default=16)
    parser.add_argument("--read-rows", type=int, default=16384)
    parser.add_argument("--buffer-rows", type=int, default=65536)
    parser.add_argument("--memory-rows", default=None, help="rows of the in-memory run: a number, or 'all'")
    parser.add_argument("--dir", default=None, help="where to write the file (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the file for another run")
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--file", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(phase_stream(args) if args.phase == "stream" else phase_memory(args)))
        return 0
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="neuronet-stream-"))
    folder.mkdir(parents=True, exist_ok=True)
    args.file = folder / f"stream-{args.gb:g}gb-{args.features}f.parquet"
    need = args.gb * 1e9 * (1 + 2 / args.features) * 1.1
    try:
        if not args.file.exists():
            free = shutil.disk_usage(folder).free
            if free < need:
                raise SystemExit(f"--dir {folder}: {free / 1e9:.1f} GB free, the file needs about {need / 1e9:.1f} GB")
            start = time.perf_counter()
            rows = write(args.file, args.gb, args.features, args.row_group)
            print(f"wrote {rows:,} rows x {args.features} float32 features ({args.file.stat().st_size / 1e9:.2f} GB "
                  f"on disk) in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        results = [_child(args, "stream"), _child(args, "memory")]
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"{'phase':<8} {'rows':>11} {'samples/s':>11} {'peak RSS':>10} {'accuracy':>9}  {'kernels':<14} every epoch")
    for result in results:
        rates = result["samples_per_s"]
        print(f"{result['phase']:<8} {result['rows']:>11,} {rates[-1]:>11,.0f} {result['peak_rss_mb']:>7.0f} MB "
              f"{result['accuracy']:>9.3f}  {result['kernels']:<14} {', '.join(f'{rate:,.0f}' for rate in rates)}")
    ratio = results[0]["samples_per_s"][-1] / results[1]["samples_per_s"][-1]
    print(f"streaming throughput / in-memory: {ratio:.2f}; stream buffer peak {results[0]['buffer_peak_rows']:,} rows, "
          f"largest read {results[0]['largest_read_rows']:,} rows; CPU: {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())

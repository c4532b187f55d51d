"""Every error of the operating system on the command line is one line naming the path and the
reason, whatever the command: a full disk, a read-only location, a file where a folder is
wanted, a missing folder, a name over the file system's limit. A programming error still
surfaces as a traceback."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from neuronet.cli import main


@pytest.fixture(scope="module")
def model_and_csv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    csv = folder / "rows.csv"
    csv.write_text("a,b,label\n" + "".join(f"{a},{b},{int(a > b)}\n" for a, b in X))
    model = folder / "m.npz"
    assert main(["train", "--data", str(csv), "--hidden", "3", "--epochs", "1", "--verbose", "0",
                 "--out", str(model)]) == 0
    return model, csv


def commands(model: Path, csv: Path, out: Path, folder: Path) -> dict[str, list[str]]:
    """Each command writing to ``out`` (a file) or ``folder`` (a folder it is to create or fill)."""
    return {
        "train --out": ["train", "--data", str(csv), "--hidden", "3", "--epochs", "1", "--verbose", "0",
                        "--out", str(out.with_suffix(".npz"))],
        "predict --out": ["predict", str(model), str(csv), "--out", str(out.with_suffix(".csv"))],
        "export --onnx": ["export", str(model), "--onnx", str(out.with_suffix(".onnx"))],
        "plot -o": ["plot", "activations", "--names", "relu", "-o", str(out.with_suffix(".png"))],
        "tour --notebooks": ["tour", "--notebooks", str(folder)],
        "tour NAME --out": ["tour", "activations", "--fast", "--out", str(folder)],
    }


def one_line(capsys, argv, path_part: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    errors = [line for line in err.strip().splitlines() if "error" in line.lower()]
    assert code == 2, (argv, err)
    assert "Traceback" not in err
    assert len(errors) == 1 and errors[0].startswith(f"neuronet {argv[0]}: error: "), err
    assert err.strip().splitlines()[-1] == errors[0]  # progress before it, nothing after it
    assert path_part in errors[0], (path_part, errors[0])
    return errors[0]


@contextlib.contextmanager
def mounted(options: str):
    """A small tmpfs mounted with ``options`` (root only); skips where mounting is not allowed."""
    import tempfile

    point = tempfile.mkdtemp(prefix="neuronet-fs-")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", point], capture_output=True)
    if result.returncode != 0:
        os.rmdir(point)
        yield None
        return
    try:
        yield Path(point)
    finally:
        subprocess.run(["umount", "-l", point], capture_output=True)
        os.rmdir(point)


def fill(folder: Path) -> None:
    with contextlib.suppress(OSError), open(folder / "filler", "wb", buffering=0) as handle:
        while True:
            handle.write(b"\0" * 4096)


CASES = ["train --out", "predict --out", "export --onnx", "plot -o", "tour --notebooks", "tour NAME --out"]


@pytest.mark.parametrize("case", CASES)
def test_a_full_disk_is_one_line(case, model_and_csv, capsys, tmp_path):
    model, csv = model_and_csv
    with mounted("size=256k") as disk:
        if disk is None:
            return _full_disk_by_file_size_limit(case, model, csv, tmp_path)
        fill(disk)
        argv = commands(model, csv, disk / "out", disk / "notes")[case]
        line = one_line(capsys, argv, str(disk))
        assert "No space left on device" in line
        assert sorted(p.name for p in disk.iterdir() if p.name != "notes") == ["filler"]  # no temporary left


def _full_disk_by_file_size_limit(case, model, csv, tmp_path):
    """Where no file system can be mounted: a file-size limit in a child process (EFBIG)."""
    argv = commands(model, csv, tmp_path / "out", tmp_path / "notes")[case]
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        from neuronet.cli import main
        resource.setrlimit(resource.RLIMIT_FSIZE, (16, 16))
        sys.exit(main({argv!r}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    errors = [line for line in result.stderr.strip().splitlines() if "error" in line.lower()]
    assert result.returncode == 2 and "Traceback" not in result.stderr and len(errors) == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == errors[0]
    assert str(tmp_path) in errors[0] and "too large" in errors[0].lower()


@pytest.mark.parametrize("case", CASES)
def test_a_read_only_location_is_one_line(case, model_and_csv, capsys, tmp_path):
    model, csv = model_and_csv
    with mounted("size=256k,ro") as disk:
        if disk is None:  # not root: a folder without write permission
            if os.geteuid() == 0:
                pytest.skip("root ignores permission bits and cannot mount here")
            disk = tmp_path / "locked"
            disk.mkdir()
            disk.chmod(0o555)
        argv = commands(model, csv, disk / "out", disk / "notes")[case]
        one_line(capsys, argv, str(disk))
        assert list(disk.iterdir()) == []


@pytest.mark.parametrize("case", CASES)
def test_a_file_where_a_folder_is_wanted_is_one_line(case, model_and_csv, capsys, tmp_path):
    model, csv = model_and_csv
    blocker = tmp_path / "a-file"
    blocker.write_text("I am a file")
    # a file as the folder of the output (for the folder-taking commands: as the folder itself)
    argv = commands(model, csv, blocker / "out", blocker)[case]
    one_line(capsys, argv, str(blocker))
    assert blocker.read_text() == "I am a file"


@pytest.mark.parametrize("case", CASES)
def test_a_missing_folder_is_one_line_or_created(case, model_and_csv, capsys, tmp_path):
    model, csv = model_and_csv
    missing = tmp_path / "missing" / "deeper"
    argv = commands(model, csv, missing / "out", missing)[case]
    if case.startswith("tour"):  # the tour's --notebooks and --out name folders, made as needed
        assert main(argv) == 0 and missing.is_dir()
        capsys.readouterr()
    else:
        one_line(capsys, argv, str(missing))
        assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("case", CASES)
def test_an_over_long_name_is_one_line(case, model_and_csv, capsys, tmp_path):
    model, csv = model_and_csv
    long = tmp_path / ("n" * 300)
    argv = commands(model, csv, long, long)[case]
    line = one_line(capsys, argv, "n" * 300)
    assert "too long" in line.lower() or "limit" in line
    assert list(tmp_path.iterdir()) == []


def test_a_programming_error_is_still_a_traceback(monkeypatch, model_and_csv):
    from neuronet.cli import export

    def broken(args):
        raise AttributeError("a bug")

    monkeypatch.setattr(export, "run_export", broken)
    model, _ = model_and_csv
    with pytest.raises(AttributeError, match="a bug"):
        main(["export", str(model), "--onnx", "x.onnx"])

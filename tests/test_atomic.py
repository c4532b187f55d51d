"""The atomic writer: whole files or none, permissions and owners kept, symlinks written through,
and the process umask never touched."""

import os
import stat
import threading

import pytest

import neuronet as nn
from neuronet.atomic import atomic_write, check_writable


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "model.npz"
    nn.save(nn.MLP([2, 2], rng=0), path)
    os.chmod(path, 0o600)
    nn.save(nn.MLP([2, 3, 2], rng=1), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert nn.load(path).n_parameters == 17


def test_a_new_file_gets_the_umask_default(tmp_path):
    previous = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "new.txt", "w") as handle:
            handle.write("x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_the_umask_is_never_changed(tmp_path, monkeypatch):
    def forbidden(mask):  # threads share the umask: toggling it races with them
        raise AssertionError("os.umask was called")

    monkeypatch.setattr(os, "umask", forbidden)
    results = []

    def write(index):
        with atomic_write(tmp_path / f"f{index}.txt", "w") as handle:
            handle.write(str(index))
        results.append(index)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(8))


def test_saving_through_a_symlink_replaces_its_target(tmp_path):
    target = tmp_path / "real.npz"
    nn.save(nn.MLP([2, 2], rng=0), target)
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    nn.save(nn.MLP([2, 4, 2], rng=0), link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert nn.load(target).n_parameters == 22


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(path, "w") as handle:
            handle.write("new")
            raise RuntimeError("crash")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_check_writable_names_the_flag(tmp_path):
    with pytest.raises(FileNotFoundError, match="--out: the folder .*missing does not exist"):
        check_writable(tmp_path / "missing" / "m.npz", "--out")
    with pytest.raises(IsADirectoryError, match="--history: .* is a folder"):
        check_writable(tmp_path, "--history")
    assert check_writable(tmp_path / "ok.npz") == tmp_path / "ok.npz"

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


# --- names, targets that are not regular files, and what an interrupted save leaves ----------------
def test_any_legal_name_can_be_saved(tmp_path):
    for name in ("m" * 241 + ".npz", "m" * 251 + ".npz", "é" * 125 + ".npz"):  # 245, 255 and 254 bytes
        path = tmp_path / name
        nn.save(nn.MLP([2, 2], rng=0), path)
        assert nn.load(path).n_parameters == 6
        path.unlink()
    assert list(tmp_path.iterdir()) == []


def test_temporary_names_fit_and_keep_long_names_apart(tmp_path):
    from neuronet.atomic import temporary_name

    first, second = tmp_path / ("a" * 250 + "1"), tmp_path / ("a" * 250 + "2")
    assert len(os.fsencode(temporary_name(first).name)) <= 255
    assert temporary_name(first, 1, "00000000").name != temporary_name(second, 1, "00000000").name


def test_an_over_long_name_is_refused_before_anything_is_written(tmp_path):
    from neuronet.errors import PathError

    with pytest.raises(PathError, match="over the file system's limit"):
        check_writable(tmp_path / ("x" * 300), "--out")
    assert list(tmp_path.iterdir()) == []


def _character_device(tmp_path):
    """A character device the test owns (like /dev/full), or /dev/full itself where mknod is not allowed."""
    device = tmp_path / "full"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, AttributeError, OSError):
        return "/dev/full"
    return str(device)


def test_targets_that_are_not_regular_files_are_refused(tmp_path):
    from neuronet.errors import PathError

    device = _character_device(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(loop)
    for path, message in ((device, "character device"), (fifo, "FIFO"), (loop, "loop of symbolic links"),
                          ("/proc/self/status", "/proc")):
        with pytest.raises(PathError, match=message):
            check_writable(path, "--out")
        with pytest.raises(PathError, match=message):
            nn.save(nn.MLP([2, 2], rng=0), path)
    with pytest.raises(IsADirectoryError):
        nn.save(nn.MLP([2, 2], rng=0), tmp_path)
    assert stat.S_ISCHR(os.stat(device).st_mode) and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert loop.is_symlink() and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_the_standard_streams_are_refused(tmp_path):
    from neuronet.errors import PathError

    script = ("import sys\nfrom neuronet.atomic import check_writable\n"
              "try:\n    check_writable('/dev/stdout', '--history')\nexcept Exception as e:\n"
              "    print(type(e).__name__, e, file=sys.stderr)\n")
    import subprocess
    import sys

    with open(tmp_path / "stdout.txt", "w") as out:  # standard output a regular file: still refused
        result = subprocess.run([sys.executable, "-c", script], stdout=out, stderr=subprocess.PIPE, text=True)
    assert "PathError" in result.stderr, result.stderr
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)  # a pipe
    assert "PathError" in result.stderr, result.stderr
    assert PathError


KILLED_MID_SAVE = """
import os, signal, sys
from neuronet.atomic import atomic_write
with atomic_write(sys.argv[1]) as handle:
    handle.write(b"x" * 100_000)
    handle.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_next_save_removes_what_a_killed_save_left(tmp_path):
    import subprocess
    import sys

    from neuronet.atomic import QUIET_FOR, temporary_name

    target = tmp_path / "model.npz"
    result = subprocess.run([sys.executable, "-c", KILLED_MID_SAVE, str(target)])
    assert result.returncode == -9
    left = [p for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].name.endswith(".tmp") and left[0].stat().st_size == 100_000
    old_style = tmp_path / ".model.npz.999999999.0123abcd.tmp"  # the earlier naming
    old_style.write_bytes(b"x")
    fresh = temporary_name(target, 999_999_999, "abcdef01")  # no such process here, but written a moment ago:
    fresh.write_bytes(b"x")                                    # another machine's save in progress
    for leftover in (left[0], old_style):  # quiet for longer than QUIET_FOR
        os.utime(leftover, (0, os.stat(leftover).st_mtime - QUIET_FOR - 5))
    alive = temporary_name(target, os.getpid(), "feedbeef")  # a save in progress (this process) is left alone
    alive.write_bytes(b"x")
    other = tmp_path / ".other.npz.4242.0123abcd.tmp"  # another target's temporaries are not touched
    other.write_bytes(b"x")
    nn.save(nn.MLP([2, 2], rng=0), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name, fresh.name, "model.npz"])


def test_a_stale_temporary_of_a_live_process_id_goes_when_old(tmp_path):
    from neuronet.atomic import STALE_AFTER, remove_stale_temporaries, temporary_name

    target = tmp_path / "model.npz"
    stale = temporary_name(target, os.getpid(), "0badc0de")  # a reused process id: only its age tells
    stale.write_bytes(b"x")
    os.utime(stale, (0, os.stat(stale).st_mtime - STALE_AFTER - 60))
    assert remove_stale_temporaries(target) == [stale] and not stale.exists()


def test_a_read_only_file_is_not_replaced(tmp_path, monkeypatch):
    path = tmp_path / "keep.npz"
    nn.save(nn.MLP([2, 2], rng=0), path)
    path.chmod(0o444)
    if os.geteuid() == 0:  # root may write any file; answer as the file's permission bits do for others
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: (False if os.fspath(p) == str(path)
                                                                 and mode & os.W_OK else real(p, mode, **kw)))
    with pytest.raises(PermissionError, match="read-only"):
        check_writable(path, "--out")
    with pytest.raises(PermissionError, match="read-only"):
        nn.save(nn.MLP([2, 3, 2], rng=0), path)
    assert nn.load(path).n_parameters == 6 and sorted(p.name for p in tmp_path.iterdir()) == ["keep.npz"]

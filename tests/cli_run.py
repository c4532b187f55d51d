"""Running ``neuronet`` commands in-process from the tests, as a user at a terminal would see them."""

import pytest

from neuronet.cli import main


def run(capsys, *argv):
    """(exit status, stdout, stderr) of ``neuronet ARGV``."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(capsys, *argv):
    """The stderr of a command that must fail as a user's mistake: exit status 2, one line, no traceback."""
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def argparse_error(capsys, *argv):
    """The stderr of a command whose flags argparse refuses (exit status 2)."""
    with pytest.raises(SystemExit) as caught:
        main([str(a) for a in argv])
    assert caught.value.code == 2
    return capsys.readouterr().err

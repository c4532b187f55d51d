"""Checked exercises: write the formula yourself, and ``check`` says whether it is right, and if
not, what is wrong in plain words (in English or Japanese).

    >>> import numpy as np
    >>> from neuronet.exercises import check
    >>> def sigmoid_derivative(x):
    ...     s = 1 / (1 + np.exp(-x))
    ...     return 2 * s * (1 - s)                       # one factor too many
    >>> check("sigmoid_derivative", sigmoid_derivative, verbose=False).message
    '✗ sigmoid_derivative: off by a factor of 2 at x = 0'

Each exercise compares the learner's function with a reference solution (``solutions.py``, in
plain NumPy) on random and edge-case inputs (x = ±1000 for stability, x = 0, odd shapes,
float32 arrays, several learning rates), recognises the typical wrong answers by what they
compute and says what they got wrong, and, for the numerical gradient, watches where the
learner's function evaluates f. The learner's code runs guarded: an exception (``SystemExit``
too), an endless loop (a time limit), endless printing, a wrong return type or a changed input
each get one plain sentence, never a traceback from inside the checker. ``names()`` lists the
exercises; ``describe(name)`` says what to write.
"""

from __future__ import annotations

import inspect
import io
import signal
import sys
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import ConfigurationError
from . import solutions
from .catalog import EXERCISES, Case, Exercise, Failed, Text
from .messages import MESSAGES

__all__ = ["check", "names", "describe", "Result", "Exercise", "EXERCISES", "solutions", "MESSAGES",
           "TIME_LIMIT", "MESSAGE_LENGTH"]

TIME_LIMIT = 5.0          # seconds one call of the learner's function may take
PRINT_LIMIT = 100_000     # characters the learner's function may print before it is stopped
PRINT_SHOWN = 2_000       # characters of that printing passed on to the screen
MESSAGE_LENGTH = 240      # a message is cut to this many characters


@dataclass
class Result:
    """What ``check`` found: ``passed`` and the ``message`` it printed. True when passed. As the
    last line of a notebook cell it shows its message once (not again when ``check`` printed it)."""

    name: str
    passed: bool
    message: str
    printed: bool = field(default=False, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        if not self.printed:
            print(self.message)


def names() -> list[str]:
    return list(EXERCISES)


def describe(name: str, language: str = "en") -> str:
    """What the exercise asks for: its signature and task."""
    exercise = _exercise(name)
    return f"{exercise.signature}\n{exercise.task_ja if language == 'ja' else exercise.task}"


def _exercise(name: str) -> Exercise:
    if not isinstance(name, str) or name not in EXERCISES:
        raise ConfigurationError(f"exercise: unknown name {name!r}; expected one of {names()}")
    return EXERCISES[name]


# --- running the learner's code, guarded ---------------------------------------------------------
class _Stop(BaseException):
    """Raised inside the learner's code by the time limit or the printing limit. A BaseException,
    so that an ``except Exception`` in the learner's code does not swallow it."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class _CappedWriter(io.TextIOBase):
    """Stands in for stdout and stderr while the learner's code runs: keeps the first
    ``PRINT_SHOWN`` characters to show afterwards, and stops the code past ``PRINT_LIMIT``."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, text: Any) -> int:
        text = str(text)
        if self.count < PRINT_SHOWN:
            self.kept.append(text[:PRINT_SHOWN - self.count])
        self.count += len(text)
        if self.count > PRINT_LIMIT:
            raise _Stop("printed")
        return len(text)

    def shown(self) -> str:
        text = "".join(self.kept)
        return text + ("…\n" if self.count > PRINT_SHOWN else "")


_ALARM = {"armed": False}   # the time limit stops the learner's code only while that code runs


def _on_alarm(signum, frame):  # pragma: no cover - timing dependent entry, tested through check
    """Stop the learner's code. ``_Stop`` is a BaseException, so ``except Exception`` does not
    swallow it; should a bare ``except:`` do so, the timer fires again every 50 ms."""
    if _ALARM["armed"]:
        raise _Stop("timeout")


def _timed(call: Callable[[], Any]) -> Any:
    _ALARM["armed"] = True
    try:
        return call()
    finally:
        _ALARM["armed"] = False   # an alarm that fires after this point is ignored


def _shorten(text: str, length: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[:length - 1] + "…"


def guarded(call: Callable[[], Any], time_limit: float = TIME_LIMIT) -> Any:
    """Run ``call()`` (the learner's code) and return its value, or raise ``Failed`` with the
    reason in words: an exception, ``SystemExit``, no answer within ``time_limit`` seconds, or
    endless printing. Warnings and floating-point overflow are silenced (an overflow shows as a
    value that is not finite, which the checker names)."""
    writer = _CappedWriter()
    saved = sys.stdout, sys.stderr
    alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous = None
    sys.stdout = sys.stderr = writer
    try:
        if alarm:
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, time_limit, 0.05)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if alarm:
                return _timed(call)
            return _in_a_thread(call, time_limit)
    except _Stop as stop:
        raise Failed(stop.key, seconds=time_limit, limit=PRINT_LIMIT) from None
    except KeyboardInterrupt:
        raise
    except NotImplementedError:
        raise Failed("not_done") from None
    except SystemExit as error:
        raise Failed("exited", code=_shorten(repr(error.code), 40)) from None
    except RecursionError:
        raise Failed("recursion") from None
    except Failed:
        raise
    except BaseException as error:  # the learner's code: say what it raised, do not crash
        raise Failed("raised", error=_shorten(f"{type(error).__name__}: {error}", 120), exception=error) from None
    finally:
        _ALARM["armed"] = False
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        sys.stdout, sys.stderr = saved
        shown = writer.shown()
        if shown:
            saved[0].write(shown if shown.endswith("\n") else shown + "\n")


def _in_a_thread(call: Callable[[], Any], time_limit: float) -> Any:
    """Where no alarm signal can be used (not the main thread, or Windows): run the call in a
    daemon thread and give up on it after ``time_limit`` seconds."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as error:  # carried back to the caller's thread
            box["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(time_limit)
    if thread.is_alive():
        raise _Stop("timeout")
    if "error" in box:
        raise box["error"]
    return box["value"]


# --- check ------------------------------------------------------------------------------------------
def _message(language: str, name: str, failure: Failed, case: Case | None) -> str:
    ja = language == "ja"
    fields = {key: (value.ja if ja else value.en) if isinstance(value, Text) else value
              for key, value in failure.fields.items()}
    if "where" not in fields:
        fields["where"] = (case.label_ja if ja else case.label) if case is not None else ""
    text = MESSAGES[language][failure.key].format(name=name, **fields)
    return _shorten(text, MESSAGE_LENGTH)


def _signature_problem(function: Callable, exercise: Exercise, arguments: tuple) -> Failed | None:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a builtin or other object without a readable signature
        return None
    try:
        signature.bind(*arguments)
    except TypeError:
        return Failed("signature", takes=_shorten(str(signature), 60),
                      call=f"{exercise.name}({', '.join(exercise.arguments)})")
    return None


def check(name: str, function: Callable, language: str = "en", verbose: bool = True,
          time_limit: float = TIME_LIMIT) -> Result:
    """Run the learner's ``function`` for exercise ``name`` on every check case and say, in
    ``language`` ("en" or "ja"), whether it is right, and if not, what is wrong. Whatever the
    function does (raises, loops, prints, returns nonsense), ``check`` returns a ``Result``
    with one plain sentence."""
    if language not in MESSAGES:
        raise ConfigurationError(f"language: expected 'en' or 'ja', got {language!r}")
    if not callable(function):
        raise ConfigurationError(f"function: expected your function, got {type(function).__name__}")
    if not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise ConfigurationError(f"time_limit: expected a positive number of seconds, got {time_limit!r}")
    exercise = _exercise(name)
    count, case = 0, None
    try:
        for case in exercise.cases(np.random.default_rng(0)):
            count += 1
            problem = _signature_problem(function, exercise, case.arguments)
            if problem is not None:
                raise problem
            exercise.run(function, case, lambda call: guarded(call, time_limit))
        result = Result(name, True, MESSAGES[language]["passed"].format(
            name=name, count=count, plural="" if count == 1 else "s"))
    except Failed as failure:
        result = Result(name, False, _message(language, name, failure, case))
    if verbose:
        print(result.message)
        result.printed = True
    return result

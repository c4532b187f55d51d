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
plain NumPy) on random and edge-case inputs (x = ±1000 for stability, x = 0, odd shapes), and,
for the backward passes, with the numerical gradient (gradient checking, as CS231n's notebooks
do). ``names()`` lists them; ``describe(name)`` says what to write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import ConfigurationError
from . import solutions
from .catalog import EXERCISES, Exercise

__all__ = ["check", "names", "describe", "Result", "Exercise", "EXERCISES", "solutions"]

MESSAGES = {
    "en": {
        "passed": "✓ {name}: correct ({count} input set{plural}, edge cases included)",
        "raised": "✗ {name}: raised {error}",
        "type": "✗ {name}: returned {got}, expected {expected}",
        "shape": "✗ {name}: wrong shape{what}: expected {expected}, got {got}",
        "unstable": "✗ {name}: not stable for {where}: got {got}",
        "factor": "✗ {name}: off by a factor of {factor:g} at {where}",
        "sign": "✗ {name}: the sign is wrong at {where}",
        "wrong": "✗ {name}: wrong at {where}: expected {expected:.6g}, got {got:.6g}",
        "changed": "✗ {name}: it changed its input {argument}; leave it as it was",
        "gradient": "✗ {name}: {part} does not match the numerical gradient (relative error {error:.1e}) {where}",
        "inaccurate": "✗ {name}: close, but not accurate enough (relative error {error:.1e}): a one-sided difference? "
                      "(f(x + eps) - f(x - eps)) / (2 eps) is accurate to about eps^2",
    },
    "ja": {
        "passed": "✓ {name}: 正解です（端の値を含む {count} 組の入力）",
        "raised": "✗ {name}: エラーが発生しました：{error}",
        "type": "✗ {name}: {got} が返りました。期待したのは {expected} です",
        "shape": "✗ {name}: 形が違います{what}。期待した形は {expected}、結果は {got} です",
        "unstable": "✗ {name}: {where} で数値が不安定です（結果 {got}）",
        "factor": "✗ {name}: {where} で {factor:g} 倍ずれています",
        "sign": "✗ {name}: {where} で符号が逆です",
        "wrong": "✗ {name}: {where} で違います。期待値 {expected:.6g}、結果 {got:.6g}",
        "changed": "✗ {name}: 入力 {argument} を書き換えています。元のままにしてください",
        "gradient": "✗ {name}: {part} が数値微分の勾配と一致しません（相対誤差 {error:.1e}）{where}",
        "inaccurate": "✗ {name}: 近いのですが精度が足りません（相対誤差 {error:.1e}）。片側差分ではありませんか？"
                      "(f(x + eps) - f(x - eps)) / (2 eps) なら誤差はおよそ eps^2 です",
    },
}


@dataclass
class Result:
    """What ``check`` found: ``passed`` and the ``message`` it printed. True when passed."""

    name: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed


def names() -> list[str]:
    return list(EXERCISES)


def describe(name: str, language: str = "en") -> str:
    """What the exercise asks for: its signature and task."""
    exercise = _exercise(name)
    return f"{exercise.signature}\n{exercise.task_ja if language == 'ja' else exercise.task}"


def _exercise(name: str) -> Exercise:
    if name not in EXERCISES:
        raise ConfigurationError(f"exercise: unknown name {name!r}; expected one of {names()}")
    return EXERCISES[name]


class _Failed(Exception):
    def __init__(self, key: str, **fields: Any):
        super().__init__(key)
        self.key, self.fields = key, fields


def _where(case_label: str, index: tuple, language: str, x_values: Any) -> str:
    if x_values is not None and len(index) == 1:
        return f"x = {x_values[index[0]]:g}"
    if not index:
        return case_label
    if language == "ja":
        position = f"{index[0]} 行 {index[1]} 列" if len(index) == 2 else f"要素 {index}"
    else:
        position = f"row {index[0]}, column {index[1]}" if len(index) == 2 else f"element {index}"
    separator = "、" if language == "ja" else ", "
    return f"{case_label}{separator}{position}" if case_label else position


def _compare(got: Any, expected: np.ndarray, label: str, language: str, what: str = "",
             x_values: Any = None, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Raise _Failed saying how ``got`` differs from ``expected`` (shape, stability, a constant
    factor, the sign, or a value), or return when they agree."""
    expected = np.asarray(expected, dtype=float)
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise _Failed("type", got=type(got).__name__, expected=f"an array of shape {expected.shape}") from None
    if got.shape != expected.shape:
        if got.size == expected.size == 1:
            got = got.reshape(expected.shape)
        else:
            raise _Failed("shape", what=what, expected=expected.shape, got=got.shape)
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        return_where = _where(label, index, language, x_values)
        raise _Failed("unstable", where=return_where, got=got[index] if index else got)
    if np.allclose(got, expected, rtol=rtol, atol=atol):
        return
    significant = np.abs(expected) > 1e-6
    if significant.any():
        ratios = got[significant] / expected[significant]
        factor = float(np.median(ratios))
        if np.allclose(ratios, factor, rtol=1e-4) and abs(factor - 1.0) > 1e-3:
            # named at the largest expected value: the most telling point (x = 0 for a sigmoid's slope)
            largest = np.where(significant, np.abs(expected), -1.0)
            index = tuple(int(i) for i in np.unravel_index(np.argmax(largest), largest.shape)) if largest.ndim else ()
            where = _where(label, index, language, x_values)
            if np.isclose(factor, -1.0):
                raise _Failed("sign", where=where)
            raise _Failed("factor", factor=round(factor, 6), where=where)
    error = np.abs(got - expected) - atol - rtol * np.abs(expected)
    index = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape)) if error.ndim else ()
    where = _where(label, index, language, x_values) + (f" ({what.strip(' :')})" if what else "")
    raise _Failed("wrong", where=where, expected=float(expected[index]), got=float(got[index]))


def check(name: str, function: Callable, language: str = "en", verbose: bool = True) -> Result:
    """Run the learner's ``function`` for exercise ``name`` on every check case and say, in
    ``language`` ("en" or "ja"), whether it is right, and if not, what is wrong."""
    if language not in MESSAGES:
        raise ConfigurationError(f"language: expected 'en' or 'ja', got {language!r}")
    if not callable(function):
        raise ConfigurationError(f"function: expected your function, got {type(function).__name__}")
    exercise = _exercise(name)
    rng = np.random.default_rng(0)
    count = 0
    try:
        for case in exercise.cases(rng):
            arguments = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in case.arguments]
            try:
                with np.errstate(all="ignore"):  # an overflow is reported as instability, in words
                    got = function(*arguments)
            except Exception as error:  # the learner's code: say what it raised, do not crash
                raise _Failed("raised", error=f"{type(error).__name__}: {error}") from None
            for position, (before, after) in enumerate(zip(case.arguments, arguments)):
                if isinstance(before, np.ndarray) and not np.array_equal(before, after, equal_nan=True):
                    raise _Failed("changed", argument=exercise.arguments[position])
            exercise.verify(got, case, lambda g, e, what="", x=None, **tolerance: _compare(
                g, e, case.label_ja if language == "ja" else case.label, language, what, x, **tolerance), _Failed)
            count += 1
        result = Result(name, True, MESSAGES[language]["passed"].format(name=name, count=count,
                                                                        plural="" if count == 1 else "s"))
    except _Failed as failure:
        result = Result(name, False, MESSAGES[language][failure.key].format(name=name, **failure.fields))
    if verbose:
        print(result.message)
    return result

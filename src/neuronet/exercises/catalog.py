"""The exercises: what each asks for, the inputs it is checked on, how its answer is judged, and
the typical wrong answers it recognises by what they compute.

Inputs mix random values with the edge cases learners' code tends to miss: x = 0, |x| = 1000
(a softmax that forgets to subtract the maximum overflows there), rows of scores far apart (one
that subtracts the batch's maximum, not each row's, gives nan there), gradients near 1e-4 (an
Adam with eps inside the square root takes smaller steps there), a batch of one, float32
arrays, matrices that are not square (so a transposed weight matrix shows as a wrong shape),
learning rates other than 1, the perceptron's boundary w·x + b = 0, several λ. The numerical
gradient is judged by where the learner's function evaluates f, not by the size of its error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import solutions as ref

__all__ = ["Case", "Exercise", "EXERCISES", "Failed", "Text", "Mistake"]

EDGES = np.array([-1000.0, -10.0, -1.0, 0.0, 0.5, 1.0, 10.0, 1000.0])


class Failed(Exception):
    """How the learner's answer failed: a message key and the fields the message names."""

    def __init__(self, key: str, **fields: Any):
        super().__init__(key)
        self.key, self.fields = key, fields


@dataclass(frozen=True)
class Text:
    """A piece of a message in both languages."""

    en: str
    ja: str


@dataclass
class Case:
    arguments: tuple
    expected: Any = None
    label: str = ""
    label_ja: str = ""
    x: Any = None           # for elementwise functions: the x values, to name the failing point
    float32: bool = False   # the inputs are float32: compared with float32's precision


@dataclass
class Mistake:
    """A typical wrong answer: ``compute(*arguments)`` is what it returns; when the learner's
    answer is that, the message ``key`` says what is wrong."""

    compute: Callable[..., Any]
    key: str
    fields: Any = field(default_factory=dict)   # a dict, or a function of the case giving one


def _part(name: str | None) -> Text:
    return Text(f" in {name}", f"（{name}）") if name else Text("", "")


def _describe(value: Any) -> Text:
    if isinstance(value, tuple):
        return Text(f"a tuple of {len(value)}", f"要素 {len(value)} 個のタプル")
    if isinstance(value, list):
        return Text(f"a list of {len(value)}", f"要素 {len(value)} 個のリスト")
    if isinstance(value, dict):
        keys = ", ".join(sorted(map(str, value)))[:60]
        return Text(f"a dict with keys {keys}", f"キー {keys} の辞書")
    if isinstance(value, np.ndarray):
        return Text(f"an array of shape {value.shape}", f"形 {value.shape} の配列")
    if isinstance(value, (int, float, np.number)):
        return Text("a single number", "1つの数値")
    name = type(value).__name__
    return Text(f"a {name}", f"{name} 型の値")


class Judge:
    """Turns the learner's answer into arrays and compares them with the expected ones, raising
    ``Failed`` with the reason. ``guard`` runs anything that may call the learner's code."""

    def __init__(self, exercise: "Exercise", case: Case, guard: Callable):
        self.exercise, self.case, self.guard = exercise, case, guard

    def array(self, got: Any, part: str | None = None) -> np.ndarray:
        what = _part(part)
        if got is None:
            if self.exercise.in_place and part is None:
                raise Failed("none_in_place", argument=self.exercise.in_place[0])
            raise Failed("none", part=what)
        if isinstance(got, (str, bytes)):
            raise Failed("string", part=what, got=repr(got)[:30])
        try:
            value = self.guard(lambda: np.asarray(got))
        except Failed as failure:
            if failure.key != "raised":
                raise
            if isinstance(got, (list, tuple)) and isinstance(failure.fields.get("exception"), ValueError):
                raise Failed("ragged", part=what) from None
            raise Failed("conversion", part=what, got=_describe(got), error=failure.fields["error"]) from None
        kind = value.dtype.kind
        if kind in "US":
            raise Failed("string", part=what, got=repr(got)[:30])
        if kind == "c":
            raise Failed("complex", part=what)
        if kind == "O":
            if isinstance(got, (list, tuple)) and any(isinstance(item, (list, tuple, np.ndarray)) for item in got):
                raise Failed("ragged", part=what)
            raise Failed("not_numbers", part=what, got=_describe(got))
        if kind not in "biuf":
            raise Failed("not_numbers", part=what, got=_describe(got))
        return value.astype(float)

    def tolerance(self, expected: np.ndarray, rtol: float | None, atol: float | None) -> tuple[float, float]:
        rtol = self.exercise.rtol if rtol is None else rtol
        atol = self.exercise.atol if atol is None else atol
        if self.case.float32:
            scale = float(np.max(np.abs(expected))) if expected.size else 1.0
            rtol, atol = max(rtol, 2e-4), max(atol, 2e-5 * max(scale, 1e-3))
        return rtol, atol

    def compare(self, got: Any, expected: Any, part: str | None = None, rtol: float | None = None,
                atol: float | None = None, x: Any = None) -> None:
        """Return when ``got`` agrees with ``expected``; else raise ``Failed`` saying how it
        differs: its type, shape, stability, a constant factor, the sign, or a value."""
        expected = np.asarray(expected, dtype=float)
        got = self.array(got, part)
        if got.shape != expected.shape:
            if got.size == expected.size == 1:
                got = got.reshape(expected.shape)
            else:
                hint = self.exercise.shape_hint(self.case, part, got.shape) if self.exercise.shape_hint else None
                if hint is not None:
                    raise hint
                raise Failed("shape", part=_part(part), expected=expected.shape, got=got.shape)
        rtol, atol = self.tolerance(expected, rtol, atol)
        bad = ~np.isfinite(got) & np.isfinite(expected)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise Failed("unstable", where=self.where(index, x), got=float(got[index]) if index else float(got))
        if np.allclose(got, expected, rtol=rtol, atol=atol):
            return
        significant = np.abs(expected) > max(1e-6, atol)
        if significant.any():
            ratios = got[significant] / expected[significant]
            factor = float(np.median(ratios))
            if np.allclose(ratios, factor, rtol=max(1e-4, rtol)) and abs(factor - 1.0) > 1e-3 \
                    and abs(factor) > 1e-3:   # "a factor of 0" says nothing: that is a value that is wrong
                # named at the largest expected value: the most telling point (x = 0 for a sigmoid's slope)
                largest = np.where(significant, np.abs(expected), -1.0)
                index = tuple(int(i) for i in np.unravel_index(np.argmax(largest), largest.shape)) \
                    if largest.ndim else ()
                where = self.where(index, x, part)
                if abs(factor + 1.0) < 1e-3:
                    raise Failed("sign", where=where)
                raise Failed("factor", factor=round(factor, 6), where=where)
        error = np.abs(got - expected) - atol - rtol * np.abs(expected)
        index = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape)) if error.ndim else ()
        raise Failed("wrong", where=self.where(index, x, part), expected=float(expected[index]),
                     got=float(got[index]))

    def where(self, index: tuple, x: Any = None, part: str | None = None) -> Text:
        label, label_ja = self.case.label, self.case.label_ja
        if x is not None and len(index) == 1:
            return Text(f"x = {x[index[0]]:g}", f"x = {x[index[0]]:g}")
        if index:
            if len(index) == 2:
                en, ja = f"row {index[0]}, column {index[1]}", f"{index[0]} 行 {index[1]} 列"
            else:
                en, ja = f"element {index}", f"要素 {index}"
            label = f"{label}, {en}" if label else en
            label_ja = f"{label_ja}、{ja}" if label_ja else ja
        if part:
            label, label_ja = f"{label} (in {part})", f"{label_ja}（{part}）"
        return Text(label, label_ja)


@dataclass
class Exercise:
    name: str
    chapter: str
    signature: str
    task: str
    task_ja: str
    arguments: tuple[str, ...]
    cases: Callable[[np.random.Generator], list[Case]]
    verify: Callable[..., None] | None = None      # (got, case, judge); default: compare with case.expected
    parts: tuple[str, ...] = ()                    # the answer is a tuple (or dict, see ``returns``) of these
    returns: str = "array"                         # "array", "tuple" or "dict"
    mistakes: tuple[Mistake, ...] = ()
    # (error, case, call): what a raised error means; call(arguments) runs the learner's function again (guarded)
    error_hint: Callable[[BaseException, Case, Callable[[tuple], Any]], Failed | None] | None = None
    shape_hint: Callable[[Case, str | None, tuple], Failed | None] | None = None
    in_place: tuple[str, ...] = ()                 # arguments the learner may update in place (and return)
    changed_key: str = "changed"
    rtol: float = 1e-6
    atol: float = 1e-9

    def run(self, function: Callable, case: Case, guard: Callable) -> None:
        """Call the learner's function on ``case`` (guarded) and judge the answer; raise ``Failed``."""
        arguments = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in case.arguments]
        try:
            got = guard(lambda: function(*arguments))
        except Failed as failure:
            hint = None
            if failure.key == "raised" and self.error_hint:
                def call(probe: tuple) -> Any:
                    return guard(lambda: function(*[np.array(a, copy=True) if isinstance(a, np.ndarray) else a
                                                    for a in probe]))
                hint = self.error_hint(failure.fields["exception"], case, call)
            raise (hint or failure) from None
        for position, (before, after) in enumerate(zip(case.arguments, arguments)):
            if isinstance(before, np.ndarray) and self.arguments[position] not in self.in_place and not (
                    isinstance(after, np.ndarray) and after.shape == before.shape
                    and np.allclose(before, after, rtol=1e-12, atol=1e-12, equal_nan=True)):
                raise Failed(self.changed_key, argument=self.arguments[position])
        judge = Judge(self, case, guard)
        try:
            (self.verify or _verify_expected)(got, case, judge)
        except Failed as failure:
            if failure.key in ("not_done", "raised", "exited", "timeout", "printed", "recursion"):
                raise
            for mistake in self.mistakes:
                if _is(got, mistake, case):
                    fields = mistake.fields(case) if callable(mistake.fields) else mistake.fields
                    raise Failed(mistake.key, **fields) from None
            raise


def _close(got: Any, wrong: Any, rtol: float = 1e-6) -> bool:
    """Whether ``got`` is ``wrong``, part for part (the parts as ``wrong`` has them)."""
    try:
        if isinstance(wrong, dict):
            if not isinstance(got, dict) or set(got) != set(wrong):
                return False
            pairs = [(got[key], wrong[key]) for key in wrong]
        elif isinstance(wrong, tuple):
            if not isinstance(got, (tuple, list)) or len(got) != len(wrong):
                return False
            pairs = list(zip(got, wrong))
        else:
            pairs = [(got, wrong)]
        for a, b in pairs:
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            if a.shape != b.shape and not a.size == b.size == 1:
                return False
            if not np.allclose(a.reshape(b.shape), b, rtol=rtol, atol=1e-9, equal_nan=True):
                return False
        return True
    except Exception:  # the learner's answer is not comparable: it is not this mistake
        return False


def _is(got: Any, mistake: Mistake, case: Case) -> bool:
    """Whether the learner's answer is ``mistake``'s answer on ``case`` (and that differs from the
    right one, so the mistake shows on this case)."""
    arguments = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in case.arguments]
    try:
        with np.errstate(all="ignore"):
            wrong = mistake.compute(*arguments)
    except Exception:
        return False
    rtol = 2e-4 if case.float32 else 1e-6
    return case.expected is not None and not _close(case.expected, wrong, rtol) and _close(got, wrong, rtol)


# --- verifying -----------------------------------------------------------------------------------------
def _verify_expected(got, case, judge):
    exercise = judge.exercise
    if not exercise.parts:
        _unchanged(judge, got, case.expected, exercise.in_place[0] if exercise.in_place else None)
        judge.compare(got, case.expected, x=case.x)
        return
    parts = exercise.parts
    if exercise.returns == "dict":
        if not isinstance(got, dict) or set(map(str, got)) != set(parts):
            raise Failed("type", got=_describe(got) if got is not None else Text("None", "None"),
                         expected=Text(f"a dict with keys {', '.join(parts)}",
                                       f"キー {', '.join(parts)} を持つ辞書"))
        values = [got[key] for key in parts]
        expected = [case.expected[key] for key in parts]
    else:
        if got is None and exercise.in_place:
            raise Failed("none_in_place", argument=exercise.in_place[0])
        if not isinstance(got, (tuple, list)) or len(got) != len(parts):
            raise Failed("type", got=_describe(got) if got is not None else Text("None", "None"),
                         expected=Text(f"a tuple ({', '.join(parts)})", f"タプル ({', '.join(parts)})"))
        values, expected = list(got), list(case.expected)
    for part, value, wanted in zip(parts, values, expected):
        judge.array(value, part)
    for part, value, wanted in zip(parts, values, expected):
        _unchanged(judge, value, wanted, part)
    for part, value, wanted in zip(parts, values, expected):
        judge.compare(value, wanted, part=part)


def _unchanged(judge, value, wanted, part):
    """A missing update: ``part`` (an argument's name) came back as it went in, though it should
    have changed."""
    exercise, case = judge.exercise, judge.case
    if part is None or part not in exercise.arguments:
        return
    before = np.asarray(case.arguments[exercise.arguments.index(part)], dtype=float)
    value, wanted = judge.array(value, part if exercise.parts else None), np.asarray(wanted, dtype=float)
    if value.shape == before.shape and np.array_equal(value, before) and not np.allclose(wanted, before):
        raise Failed("unchanged", part=part)


def _elementwise(function, float32=True):
    def cases(rng):
        x = np.concatenate([EDGES, rng.normal(0, 3, 16)])
        small = rng.normal(0, 3, (3, 4)).astype(np.float32)
        with np.errstate(over="ignore"):
            return [Case((x,), function(x), "24 values of x from -1000 to 1000", "-1000 から 1000 までの x の 24 個の値",
                         x=x),
                    Case((small,), function(small.astype(float)), "a float32 array (3, 4)",
                         "float32 の配列 (3, 4)", float32=True)][:2 if float32 else 1]
    return cases


def _matrices(rng, *shapes, dtype=float):
    return [rng.normal(size=shape).astype(dtype) for shape in shapes]


def _one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, n)]


def _f32(arrays):
    return tuple(np.asarray(a, dtype=np.float32) if isinstance(a, np.ndarray) else a for a in arrays)


def _f64(arrays):
    return tuple(np.asarray(a, dtype=float) if isinstance(a, np.ndarray) else a for a in arrays)


def _is_shape_error(error: BaseException) -> bool:
    text = str(error)
    return isinstance(error, ValueError) and any(
        word in text for word in ("matmul", "not aligned", "broadcast", "mismatch", "shapes"))


EXERCISES: dict[str, Exercise] = {}


def _add(exercise: Exercise) -> None:
    EXERCISES[exercise.name] = exercise


# --- chapter 2 and 10: activations and their derivatives ------------------------------------------------
_add(Exercise("sigmoid", "02-activations", "sigmoid(x) -> array like x",
              "The sigmoid 1 / (1 + exp(-x)), elementwise; it must give 0 and 1 (not NaN) at x = -1000 and 1000.",
              "シグモイド 1 / (1 + exp(-x)) を要素ごとに。x = -1000 と 1000 で NaN ではなく 0 と 1 を返すこと。",
              ("x",), _elementwise(ref.sigmoid),
              mistakes=(Mistake(lambda x: 1 / (1 + np.exp(x)), "sigmoid_sign"),)))
_add(Exercise("sigmoid_derivative", "02-activations", "sigmoid_derivative(x) -> array like x",
              "The sigmoid's derivative, written with the sigmoid itself: f'(x) = f(x)(1 - f(x)).",
              "シグモイドの微分を、シグモイド自身で書く：f'(x) = f(x)(1 - f(x))。",
              ("x",), _elementwise(ref.sigmoid_derivative)))
_add(Exercise("tanh_derivative", "02-activations", "tanh_derivative(x) -> array like x",
              "The derivative of tanh: 1 - tanh(x)^2.", "tanh の微分：1 - tanh(x)^2。",
              ("x",), _elementwise(ref.tanh_derivative)))


def _verify_relu_derivative(got, case, judge):
    """The derivative of max(0, x) is undefined at exactly 0: 0 (neuronet, DLFS ch. 5's mask) and
    1 (DLFS ch. 4's relu_grad) are both accepted there, as is any value between."""
    value = judge.array(got)
    expected = np.array(case.expected, dtype=float)
    if value.shape == expected.shape:
        at_zero = (np.asarray(case.arguments[0]) == 0) & (value >= 0) & (value <= 1)
        expected[at_zero] = value[at_zero]
    judge.compare(value, expected, x=case.x)


_add(Exercise("relu_derivative", "10-relu-family", "relu_derivative(x) -> array like x",
              "The derivative of max(0, x): 1 where x > 0, 0 where x < 0 (at exactly 0 it is undefined: 0 or 1 "
              "are both accepted).",
              "max(0, x) の微分：x > 0 なら 1、x < 0 なら 0（x = 0 ちょうどでは定義されないので、0 でも 1 でもよい）。",
              ("x",), _elementwise(ref.relu_derivative), _verify_relu_derivative))


# --- chapter 5 and 6: softmax and the cross-entropy ---------------------------------------------------------
# Scores near ±1000 in rows far apart: the first row overflows a softmax that subtracts no maximum, the
# second one that subtracts the row's mean, and the third, 2000 below the batch's largest score, is
# 0 / 0 = nan in one that subtracts a single maximum for the whole batch instead of each row's own.
_FAR_APART = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0], [-1000.0, -1001.0, -1002.0]])
_FAR_LABEL = ("scores near ±1000", "±1000 付近のスコア")


def _softmax_cases(rng):
    a = rng.normal(size=(4, 3))
    square = rng.normal(size=(3, 3))
    one = rng.normal(size=(1, 5))
    single = rng.normal(size=(2, 4)).astype(np.float32)
    return [Case((a,), ref.softmax(a), "random scores (4, 3)", "ランダムなスコア (4, 3)"),
            Case((square,), ref.softmax(square), "random scores (3, 3)", "ランダムなスコア (3, 3)"),
            Case((one,), ref.softmax(one), "a batch of one (1, 5)", "1件のバッチ (1, 5)"),
            Case((_FAR_APART,), ref.softmax(_FAR_APART), *_FAR_LABEL),
            Case((single,), ref.softmax(single.astype(float)), "float32 scores (2, 4)", "float32 のスコア (2, 4)",
                 float32=True)]


def _softmax_form(a, row_max=True, max_keepdims=True, sum_keepdims=True, sum_axis: int | None = 1):
    """A softmax as learners write it, right or with one of the usual slips: the batch's one max
    (``row_max=False``), ``keepdims`` missing on the row max or the row sum, or the sum over
    another axis."""
    e = np.exp(a - (a.max(axis=1, keepdims=max_keepdims) if row_max else a.max()))
    return e / e.sum(axis=sum_axis, keepdims=sum_keepdims and sum_axis is not None)


# Inputs that tell the two missing keepdims apart when the scores' shape made the learner's code
# raise: square, so the missing keepdims broadcasts instead; in the first every row's max is 0, so
# a missing keepdims on the max changes nothing there, and a missing one on the sum does.
_SAME_MAXIMA = np.array([[0.0, -1.0, -2.5], [-0.5, 0.0, -1.5], [-2.0, -0.3, 0.0]])
_OTHER_MAXIMA = np.array([[2.0, -1.0, 0.5], [-0.5, 1.0, -1.5], [0.3, -2.0, -1.0]])


def _keepdims_hint(call, probe, answer):
    """Which keepdims the learner's softmax lacks: ``call(probe(a))`` runs the learner's function
    on the scores ``a``, ``answer(a, softmax)`` is what it should then return with that softmax."""
    def is_form(a, got, **form):
        return _close(got, answer(a, lambda scores: _softmax_form(scores, **form)))
    try:
        same = call(probe(_SAME_MAXIMA))
        if is_form(_SAME_MAXIMA, same):
            return Failed("softmax_max_keepdims")
        if not is_form(_SAME_MAXIMA, same, sum_keepdims=False):
            return Failed("softmax_row_shapes")
        other = call(probe(_OTHER_MAXIMA))
    except Failed:   # the learner's code fails on these too: say what both keepdims do
        return Failed("softmax_row_shapes")
    if is_form(_OTHER_MAXIMA, other, max_keepdims=False, sum_keepdims=False):
        return Failed("softmax_both_keepdims")
    return Failed("softmax_keepdims")


def _softmax_error(error, case, call):
    if not _is_shape_error(error):
        return None
    return _keepdims_hint(call, lambda a: (a,), lambda a, softmax: softmax(a))


_add(Exercise("softmax", "06-cross-entropy", "softmax(a) -> (N, K) array",
              "Softmax of each row of a (N, K): exp(a_k) / sum_j exp(a_j) (eq. 7), stable for scores near 1000: "
              "subtract each row's own max first.",
              "a (N, K) の各行のソフトマックス：exp(a_k) / Σ_j exp(a_j)（式(7)）。1000 付近のスコアでも安定に："
              "先に各行自身の最大値を引く。",
              ("a",), _softmax_cases,
              mistakes=(Mistake(lambda a: _softmax_form(a, row_max=False), "softmax_batch_max"),
                        Mistake(lambda a: _softmax_form(a, row_max=False, sum_keepdims=False), "softmax_keepdims"),
                        Mistake(lambda a: _softmax_form(a, sum_keepdims=False), "softmax_keepdims"),
                        Mistake(lambda a: _softmax_form(a, max_keepdims=False), "softmax_max_keepdims"),
                        Mistake(lambda a: _softmax_form(a, max_keepdims=False, sum_keepdims=False),
                                "softmax_both_keepdims"),
                        Mistake(lambda a: _softmax_form(a, row_max=False, sum_axis=None), "softmax_whole"),
                        Mistake(lambda a: _softmax_form(a, row_max=False, sum_axis=0), "softmax_columns")),
              error_hint=_softmax_error))


def _cross_entropy_cases(rng):
    y, t = ref.softmax(rng.normal(size=(5, 3))), _one_hot(rng, 5, 3)
    y2, t2 = ref.softmax(rng.normal(size=(4, 6))), _one_hot(rng, 4, 6)
    y3, t3 = ref.softmax(rng.normal(size=(3, 4))).astype(np.float32), _one_hot(rng, 3, 4).astype(np.float32)
    return [Case((y, t), ref.cross_entropy(y, t), "a batch of 5", "5件のバッチ"),
            Case((y2, t2), ref.cross_entropy(y2, t2), "a batch of 4 with 6 classes", "6クラス・4件のバッチ"),
            Case((y3, t3), ref.cross_entropy(*_f64((y3, t3))), "float32 arrays, a batch of 3",
                 "float32 の配列、3件のバッチ", float32=True)]


def _cross_entropy_shape(case, part, shape):
    if len(shape) == 1 and shape[0] == case.arguments[0].shape[0]:
        return Failed("per_sample", got=shape)
    return None


_add(Exercise("cross_entropy", "06-cross-entropy", "cross_entropy(y, t) -> float",
              "The mean cross-entropy -1/N sum_n sum_k t_nk log y_nk (eq. 8) of probabilities y and one-hot t, (N, K).",
              "確率 y と one-hot の t（どちらも (N, K)）の平均交差エントロピー -1/N Σ_n Σ_k t_nk log y_nk（式(8)）。",
              ("y", "t"), _cross_entropy_cases,
              mistakes=(Mistake(lambda y, t: float(-(t * np.log(y)).sum()), "no_mean",
                                lambda case: {"n": case.arguments[0].shape[0]}),),
              shape_hint=_cross_entropy_shape, rtol=1e-4, atol=1e-6))  # DLFS's log(y + 1e-7) is right too


def _gradient_cases(rng):
    a, t = rng.normal(size=(6, 4)), _one_hot(rng, 6, 4)
    small = _f32((rng.normal(size=(3, 5)), _one_hot(rng, 3, 5)))
    far = np.eye(3)[[2, 0, 1]]
    return [Case((a, t), ref.softmax_cross_entropy_gradient(a, t), "a batch of 6", "6件のバッチ"),
            Case((_FAR_APART, far), ref.softmax_cross_entropy_gradient(_FAR_APART, far), *_FAR_LABEL),
            Case(small, ref.softmax_cross_entropy_gradient(*_f64(small)), "float32 arrays, a batch of 3",
                 "float32 の配列、3件のバッチ", float32=True)]


_PROBE_TARGETS = np.eye(3)[[0, 2, 1]]   # one-hot targets for the square scores of _keepdims_hint


def _gradient_error(error, case, call):
    if not _is_shape_error(error):
        return None
    return _keepdims_hint(call, lambda a: (a, _PROBE_TARGETS),
                          lambda a, softmax: (softmax(a) - _PROBE_TARGETS) / a.shape[0])


_add(Exercise("softmax_cross_entropy_gradient", "08-backpropagation",
              "softmax_cross_entropy_gradient(a, t) -> (N, K) array",
              "dE/da of the mean softmax cross-entropy for scores a and one-hot t: (softmax(a) - t) / N (eq. 23), "
              "with a softmax that subtracts each row's own max.",
              "スコア a と one-hot の t に対する平均ソフトマックス交差エントロピーの dE/da：(softmax(a) - t) / N（式(23)）。"
              "ソフトマックスでは各行自身の最大値を引く。",
              ("a", "t"), _gradient_cases,
              mistakes=(Mistake(lambda a, t: (_softmax_form(a, row_max=False) - t) / a.shape[0], "softmax_batch_max"),),
              error_hint=_gradient_error))


# --- chapter 7: the numerical gradient, judged by where f is evaluated ----------------------------------
class _Recorder:
    """The f handed to the learner's numerical_gradient: computes a smooth function and writes
    down every point it is evaluated at, with the value it gave."""

    def __init__(self, function: Callable[[np.ndarray], float]):
        self.function, self.points, self.values = function, [], []

    def __call__(self, x):
        point = np.array(x, dtype=float, copy=True)
        value = self.function(point)
        self.points.append(point)
        self.values.append(value)
        return value


def _smooth(v):
    v = np.asarray(v, dtype=float)
    return float(np.sum(v ** 3) + np.prod(v) + np.sum(np.sin(v)))


def _numerical_cases(rng):
    cases = []
    for shape in ((3,), (2, 3)):
        x = rng.normal(size=shape)
        flat = x.ravel()
        analytic = 3 * flat ** 2 + np.array([np.prod(np.delete(flat, i)) for i in range(flat.size)]) + np.cos(flat)
        cases.append(Case((_Recorder(_smooth), x), analytic.reshape(shape), f"x of shape {shape}",
                          f"形 {shape} の x"))
    return cases


def _verify_numerical_gradient(got, case, judge):
    f, x0 = case.arguments
    value = judge.array(got)
    if value.shape != x0.shape and value.size == x0.size:
        value = value.reshape(x0.shape)
    if value.shape != x0.shape:
        raise Failed("shape", part=_part(None), expected=x0.shape, got=value.shape)
    if not f.points:
        raise Failed("never_called")
    flat0, n = x0.ravel(), x0.size
    noise = 1e-14 * (1 + np.abs(flat0))          # x[i] + h - h is x[i] only to rounding
    offsets: list[list[tuple[float, float]]] = [[] for _ in range(n)]
    base = []
    for point, f_value in zip(f.points, f.values):
        if point.size != n:
            raise Failed("f_shape", got=point.shape, expected=x0.shape)
        moved = point.ravel() - flat0
        which = np.flatnonzero(np.abs(moved) > noise)
        if which.size == 0:
            base.append(f_value)
        elif which.size > 1:
            raise Failed("all_at_once", count=int(which.size))
        else:
            offsets[which[0]].append((float(moved[which[0]]), f_value))
    central = np.empty(n)
    for i in range(n):
        steps = offsets[i]
        if not steps:
            index = np.unravel_index(i, x0.shape)
            raise Failed("never_moved", index=index if len(index) > 1 else index[0])
        plus = [(d, v) for d, v in steps if d > 0]
        minus = [(d, v) for d, v in steps if d < 0]
        if not (plus and minus):
            one_sided = (plus or minus)[0]
            estimate = (one_sided[1] - base[0]) / one_sided[0] if base else None
            flipped = estimate is not None and np.isclose(value.ravel()[i], -estimate, rtol=1e-3)
            raise Failed("forward" if plus else "backward",
                         sign=Text(", and its sign is reversed", "。しかも符号が逆です") if flipped else Text("", ""))
        h = max(abs(d) for d, _ in steps)
        if h > 1e-2:
            raise Failed("step_large", h=h)
        if h < 1e-8:
            raise Failed("step_small", h=h)
        (dp, vp), (dm, vm) = max(plus), min(minus)
        central[i] = (vp - vm) / (dp - dm)   # what a central difference through these very points gives
    try:
        if all(len(steps) == 2 for steps in offsets):
            judge.compare(value, central.reshape(x0.shape), rtol=1e-6, atol=1e-8)
        else:  # more points than x ± h (a higher-order formula): judged by the true gradient
            judge.compare(value, case.expected, rtol=1e-5, atol=1e-7)
    except Failed as failure:
        if failure.key == "factor" and failure.fields["factor"] in (2.0, 0.5):
            raise Failed("halved", factor=failure.fields["factor"]) from None
        raise


_add(Exercise("numerical_gradient", "07-numerical-differentiation", "numerical_gradient(f, x) -> array like x",
              "df/dx by central differences, one element of x at a time, x restored afterwards (eq. 9-11, done "
              "well: see the errata).",
              "中心差分で df/dx を、x の要素1つずつ求める。終わったら x を元に戻すこと（式(9)〜(11)を正しく直した形。"
              "正誤表を参照）。",
              ("f", "x"), _numerical_cases, _verify_numerical_gradient, changed_key="not_restored"))


# --- chapter 4: the dense layer, forward and back -----------------------------------------------------
def _dense_forward_cases(rng):
    args = _matrices(rng, (4, 3), (3, 2), (2,))
    one = _matrices(rng, (1, 5), (5, 3), (3,))
    single = _f32(_matrices(rng, (2, 4), (4, 3), (3,)))
    return [Case(tuple(args), ref.dense_forward(*args), "x (4, 3), W (3, 2)", "x (4, 3)、W (3, 2)"),
            Case(tuple(one), ref.dense_forward(*one), "a batch of one, x (1, 5), W (5, 3)",
                 "1件のバッチ、x (1, 5)、W (5, 3)"),
            Case(single, ref.dense_forward(*_f64(single)), "float32 x (2, 4), W (4, 3)", "float32 の x (2, 4)、W (4, 3)",
                 float32=True)]


def _dense_forward_error(error, case, call):
    return Failed("W_transposed", W=case.arguments[1].shape) if _is_shape_error(error) else None


def _dense_forward_shape(case, part, shape):
    x, W, _ = case.arguments
    expected = (x.shape[0], W.shape[1])
    if shape == expected[::-1]:
        return Failed("answer_transposed", got=shape, expected=expected)
    return Failed("W_transposed", W=W.shape) if len(shape) == 2 else None


_add(Exercise("dense_forward", "04-matrices", "dense_forward(x, W, b) -> (N, out) array",
              "The matrix form of many neurons: y = x W + b, x (N, in), W (in, out), b (out,).",
              "たくさんのニューロンを行列で：y = x W + b。x は (N, in)、W は (in, out)、b は (out,)。",
              ("x", "W", "b"), _dense_forward_cases, error_hint=_dense_forward_error,
              shape_hint=_dense_forward_shape))


def _dense_backward_cases(rng):
    args = _matrices(rng, (4, 3), (3, 2), (4, 2))
    other = _matrices(rng, (2, 5), (5, 3), (2, 3))
    single = _f32(_matrices(rng, (3, 4), (4, 2), (3, 2)))
    return [Case(tuple(args), ref.dense_backward(*args), "x (4, 3), W (3, 2)", "x (4, 3)、W (3, 2)"),
            Case(tuple(other), ref.dense_backward(*other), "x (2, 5), W (5, 3)", "x (2, 5)、W (5, 3)"),
            Case(single, ref.dense_backward(*_f64(single)), "float32 x (3, 4), W (4, 2)",
                 "float32 の x (3, 4)、W (4, 2)", float32=True)]


def _dense_backward_error(error, case, call):
    x, W, g = case.arguments
    return Failed("backward_shapes", W=W.shape, g=g.shape) if _is_shape_error(error) else None


def _dense_backward_shape(case, part, shape):
    x, W, g = case.arguments
    if part == "dL/dW":
        return Failed("dW_transposed", W=W.shape)
    if part == "dL/dx":
        return Failed("dx_shape", x=x.shape)
    if part == "dL/db":
        return Failed("db_axis", b=(W.shape[1],))
    return None


_add(Exercise("dense_backward", "04-matrices", "dense_backward(x, W, grad_output) -> (dx, dW, db)",
              "Given dL/dy for y = x W + b: dL/dx = grad W^T, dL/dW = x^T grad, dL/db = the sum over the batch.",
              "y = x W + b の dL/dy から：dL/dx = grad W^T、dL/dW = x^T grad、dL/db = バッチ方向の和。",
              ("x", "W", "grad_output"), _dense_backward_cases, parts=("dL/dx", "dL/dW", "dL/db"),
              returns="tuple", error_hint=_dense_backward_error, shape_hint=_dense_backward_shape))


def _two_layer_cases(rng):
    X, W1, b1, W2, b2 = _matrices(rng, (5, 3), (3, 4), (4,), (4, 3), (3,))
    T = _one_hot(rng, 5, 3)
    small = _f32(_matrices(rng, (2, 4), (4, 3), (3,), (3, 2), (2,)))
    T2 = _one_hot(rng, 2, 2).astype(np.float32)
    return [Case((X, T, W1, b1, W2, b2), ref.two_layer_gradients(X, T, W1, b1, W2, b2),
                 "a 3-4-3 network, 5 samples", "3-4-3 のネットワーク、5件"),
            Case((small[0], T2) + small[1:], ref.two_layer_gradients(*_f64((small[0], T2) + small[1:])),
                 "a float32 4-3-2 network, 2 samples", "float32 の 4-3-2 ネットワーク、2件", float32=True)]


def _two_layer_error(error, case, call):
    return Failed("network_shapes") if _is_shape_error(error) else None


def _two_layer_without_sigmoid_derivative(X, T, W1, b1, W2, b2):
    z = ref.sigmoid(X @ W1 + b1)
    delta = (ref.softmax(z @ W2 + b2) - T) / X.shape[0]
    hidden = delta @ W2.T
    return {"W1": X.T @ hidden, "b1": hidden.sum(axis=0), "W2": z.T @ delta, "b2": delta.sum(axis=0)}


_add(Exercise("two_layer_gradients", "08-backpropagation",
              "two_layer_gradients(X, T, W1, b1, W2, b2) -> {'W1', 'b1', 'W2', 'b2'}",
              "Backpropagation by hand for y = softmax(sigmoid(X W1 + b1) W2 + b2) and the mean cross-entropy with "
              "one-hot T: the four gradients (eq. 12-28).",
              "y = softmax(sigmoid(X W1 + b1) W2 + b2) と one-hot の T の平均交差エントロピーについて、誤差逆伝播法を"
              "自分で書き、4つの勾配を求める（式(12)〜(28)）。",
              ("X", "T", "W1", "b1", "W2", "b2"), _two_layer_cases, parts=("W1", "b1", "W2", "b2"), returns="dict",
              error_hint=_two_layer_error,
              shape_hint=lambda case, part, shape: Failed("network_shapes") if len(shape) == 2 else None,
              mistakes=(Mistake(_two_layer_without_sigmoid_derivative, "no_sigmoid_derivative"),
                        Mistake(lambda X, *rest: {k: v * X.shape[0] for k, v in
                                                  ref.two_layer_gradients(X, *rest).items()}, "no_mean",
                                        lambda case: {"n": case.arguments[0].shape[0]}))))


# --- chapter 9: the update rules -------------------------------------------------------------------------
def _sgd_cases(rng):
    cases = []
    for lr, shape in ((0.1, (3, 2)), (0.5, (4,)), (1.0, (2, 2))):
        w, g = _matrices(rng, shape, shape)
        cases.append(Case((w, g, lr), ref.sgd_step(w, g, lr), f"lr = {lr:g}", f"lr = {lr:g}"))
    w, g = _f32(_matrices(rng, (3,), (3,)))
    cases.append(Case((w, g, 0.01), ref.sgd_step(*_f64((w, g)), 0.01), "float32 w, lr = 0.01",
                      "float32 の w、lr = 0.01", float32=True))
    return cases


_add(Exercise("sgd_step", "09-three-classes", "sgd_step(w, grad, lr) -> new w",
              "One step of gradient descent: w - lr * grad (eq. 27). Return the new w; updating w in place "
              "(w -= lr * grad; return w, as DLFS's SGD does) is right too.",
              "勾配降下法の1ステップ：w - lr * grad（式(27)）。新しい w を返す。w をその場で書き換えて返しても"
              "（w -= lr * grad; return w。DLFS の SGD の書き方）正解。",
              ("w", "grad", "lr"), _sgd_cases, in_place=("w",),
              mistakes=(Mistake(lambda w, g, lr: w - g, "lr_ignored"),
                        Mistake(lambda w, g, lr: w + lr * g, "update_sign",
                                {"rule": Text("w - lr * grad, downhill", "w - lr * grad（坂を下る向き）")}))))


def _momentum_cases(rng):
    cases = []
    for lr, mu, zero in ((0.1, 0.9, False), (0.01, 0.5, False), (0.1, 0.9, True)):
        w, v, g = _matrices(rng, (4,), (4,), (4,))
        v = np.zeros(4) if zero else v
        label = f"lr = {lr:g}, momentum {mu:g}" + (", velocity 0" if zero else "")
        label_ja = f"lr = {lr:g}、momentum {mu:g}" + ("、速度 0" if zero else "")
        cases.append(Case((w, v, g, lr, mu), ref.momentum_step(w, v, g, lr, mu), label, label_ja))
    w, v, g = _f32(_matrices(rng, (3,), (3,), (3,)))
    cases.append(Case((w, v, g, 0.05, 0.8), ref.momentum_step(*_f64((w, v, g)), 0.05, 0.8),
                      "float32, lr = 0.05, momentum 0.8", "float32、lr = 0.05、momentum 0.8", float32=True))
    return cases


def _momentum_other_form(w, v, g, lr, mu):
    v = mu * v + g
    return w - lr * v, v


_add(Exercise("momentum_step", "09-three-classes", "momentum_step(w, velocity, grad, lr, momentum) -> (w, velocity)",
              "Momentum: v <- momentum v - lr g; w <- w + v. Return (w, v); updating w and velocity in place "
              "(as DLFS's Momentum does) is right too.",
              "モメンタム：v <- momentum v - lr g、w <- w + v。(w, v) を返す。w と velocity をその場で書き換えて返しても"
              "（DLFS の Momentum の書き方）正解。",
              ("w", "velocity", "grad", "lr", "momentum"), _momentum_cases, parts=("w", "velocity"),
              returns="tuple", in_place=("w", "velocity"),
              mistakes=(Mistake(_momentum_other_form, "momentum_other_form"),
                        Mistake(lambda w, v, g, lr, mu: (w - g + mu * v, mu * v - g), "lr_ignored"))))


_SMALL_GRADIENTS = (np.array([0.5, -1.0, 1.5, -0.25]), np.array([0.8, -0.5, 0.4, -1.2]) * 1e-4,
                    np.array([1.0, 0.4, 0.2, 1.5]) * 1e-8, np.array([1.0, -0.6, 0.3, -1.4]) * 1e-4, 1000, 1e-4)


def _adam_cases(rng):
    w, m, v, g = rng.normal(size=4), rng.normal(size=4) * 0.1, np.abs(rng.normal(size=4)) * 0.1, rng.normal(size=4)
    zeros = np.zeros(4)
    w2, g2 = _f32(_matrices(rng, (3,), (3,)))
    return [Case((w, zeros, zeros, g, 1, 0.01), ref.adam_step(w, zeros, zeros, g, 1, 0.01), "the first step (t = 1)",
                 "最初のステップ（t = 1）"),
            Case((w, m, v, g, 10, 0.01), ref.adam_step(w, m, v, g, 10, 0.01), "step t = 10", "ステップ t = 10"),
            Case((w, m, v, g, 3, 0.1), ref.adam_step(w, m, v, g, 3, 0.1), "step t = 3, lr = 0.1",
                 "ステップ t = 3、lr = 0.1"),
            # gradients near 1e-4 (sqrt(v_hat) near 1e-4): eps inside the square root, sqrt(v_hat + eps), makes
            # these steps 15-50 % smaller; DLFS's folded form (eps 1e-7 outside it) is off by 1.5e-7 at most,
            # a fifth of the tolerance (its eps grows to 3e-6 at t = 1: small gradients are tested at large t)
            Case(_SMALL_GRADIENTS, ref.adam_step(*_SMALL_GRADIENTS), "step t = 1000, gradients near 1e-4",
                 "ステップ t = 1000、1e-4 前後の小さな勾配"),
            Case((w2, np.zeros(3, np.float32), np.zeros(3, np.float32), g2, 1, 0.001),
                 ref.adam_step(*_f64((w2, np.zeros(3), np.zeros(3), g2)), 1, 0.001), "float32, t = 1",
                 "float32、t = 1", float32=True)]


def _adam_moments(m, v, g):
    """Adam's running averages after one more gradient (beta1 0.9, beta2 0.999): what both slips below get right."""
    return 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g ** 2


def _adam_without_correction(w, m, v, g, t, lr):
    m, v = _adam_moments(m, v, g)
    return w - lr * m / (np.sqrt(v) + 1e-8), m, v


def _adam_eps_inside(w, m, v, g, t, lr):
    m, v = _adam_moments(m, v, g)
    return w - lr * (m / (1 - 0.9 ** t)) / np.sqrt(v / (1 - 0.999 ** t) + 1e-8), m, v


_add(Exercise("adam_step", "09-three-classes", "adam_step(w, m, v, grad, t, lr) -> (w, m, v)",
              "Adam's step t (from 1): m and v running averages (beta1 0.9, beta2 0.999), bias-corrected, "
              "w - lr m_hat / (sqrt(v_hat) + eps) with eps 1e-8 outside the square root. Updating w, m and v in "
              "place is right too.",
              "Adam のステップ t（1 から）：m と v の移動平均（beta1 0.9、beta2 0.999）、バイアス補正つき、"
              "w - lr m_hat / (sqrt(v_hat) + eps)。eps 1e-8 は平方根の外。w、m、v をその場で書き換えても正解。",
              ("w", "m", "v", "grad", "t", "lr"), _adam_cases, parts=("w", "m", "v"), returns="tuple",
              in_place=("w", "m", "v"), atol=1e-7,   # DLFS's form puts its eps 1e-7 elsewhere: equal to 1e-7
              mistakes=(Mistake(_adam_without_correction, "adam_no_correction"),
                        Mistake(_adam_eps_inside, "adam_eps_inside"))))


# --- chapter 3: the perceptron ------------------------------------------------------------------------------
_PERCEPTRON = (
    # w, b, x, t, lr, label, label_ja: the boundary w·x + b = 0 comes first, as zero initial weights hit it
    ([0.0, 0.0], 0.0, [1.0, 2.0], 0.0, 1.0, "zero weights, t = 0 (w·x + b = 0)", "重みがすべて 0、t = 0（w·x + b = 0）"),
    ([1.0, -1.0], 0.0, [2.0, 2.0], 0.0, 0.5, "w·x + b = 0, t = 0, lr = 0.5", "w·x + b = 0、t = 0、lr = 0.5"),
    ([0.5, -0.5], 0.0, [1.0, 0.0], 1.0, 1.0, "a right answer (no change)", "正解（変化なし）"),
    ([0.5, -0.5], 0.0, [0.0, 1.0], 1.0, 1.0, "a missed positive, lr = 1", "見逃した正例、lr = 1"),
    ([0.5, -0.5], 0.2, [0.0, 1.0], 1.0, 0.1, "a missed positive, lr = 0.1", "見逃した正例、lr = 0.1"),
    ([0.5, -0.5], 0.0, [1.0, 0.0], 0.0, 0.5, "a false positive, lr = 0.5", "誤った正例、lr = 0.5"),
    ([0.0, 0.0], 0.0, [1.0, 2.0], 1.0, 0.25, "zero weights, t = 1, lr = 0.25", "重みがすべて 0、t = 1、lr = 0.25"),
)


def _perceptron_cases(rng):
    cases = []
    for w, b, x, t, lr, label, label_ja in _PERCEPTRON:
        w, x = np.array(w), np.array(x)
        cases.append(Case((w, b, x, t, lr), ref.perceptron_update(w, b, x, t, lr), label, label_ja))
    w, x = np.array([0.25, 0.5], np.float32), np.array([-1.0, 1.0], np.float32)
    cases.append(Case((w, np.float32(-0.5), x, 1.0, 0.5), ref.perceptron_update(w.astype(float), -0.5,
                                                                                 x.astype(float), 1.0, 0.5),
                      "float32 w and x, a missed positive", "float32 の w と x、見逃した正例", float32=True))
    return cases


def _fires(w, b, x):
    return float(np.dot(w, x) + b > 0)


def _perceptron_mistake(rule):
    def compute(w, b, x, t, lr):
        return rule(w, b, x, t, lr, t - _fires(w, b, x))
    return compute


_add(Exercise("perceptron_update", "03-perceptron", "perceptron_update(w, b, x, t, lr) -> (w, b)",
              "The perceptron rule for one sample: y = 1 if w.x + b > 0 else 0; w += lr (t - y) x; b += lr (t - y). "
              "Return (w, b); updating w in place is right too.",
              "1サンプルのパーセプトロンの学習規則：w.x + b > 0 なら y = 1、それ以外は 0。w += lr (t - y) x、b += lr (t - y)。"
              "(w, b) を返す。w をその場で書き換えても正解。",
              ("w", "b", "x", "t", "lr"), _perceptron_cases, parts=("w", "b"), returns="tuple", in_place=("w",),
              mistakes=(
                  Mistake(lambda w, b, x, t, lr: (w + lr * (t - float(np.dot(w, x) + b >= 0)) * x,
                                                  b + lr * (t - float(np.dot(w, x) + b >= 0))), "fires_at_zero"),
                  Mistake(_perceptron_mistake(lambda w, b, x, t, lr, e: (w + e * x, b + e)), "lr_ignored"),
                  Mistake(_perceptron_mistake(lambda w, b, x, t, lr, e: (w + lr * e * x, b + e)), "lr_w_only"),
                  Mistake(_perceptron_mistake(lambda w, b, x, t, lr, e: (w + e * x, b + lr * e)), "lr_b_only"),
                  Mistake(_perceptron_mistake(lambda w, b, x, t, lr, e: (w - lr * e * x, b - lr * e)), "update_sign",
                          {"rule": Text("w += lr (t - y) x, b += lr (t - y)", "w += lr (t - y) x、b += lr (t - y)")}),
                  Mistake(lambda w, b, x, t, lr: (w + lr * t * x, b + lr * t), "no_error_term"),
              )))


# --- chapter 11: the L2 penalty ----------------------------------------------------------------------------------
def _l2_cases(rng):
    cases = []
    for lam, shape in ((0.1, (3, 2)), (0.5, (2, 4)), (0.003, (5,))):
        W = rng.normal(size=shape)
        cases.append(Case((W, lam), ref.l2_penalty(W, lam), f"lam = {lam:g}", f"lam = {lam:g}"))
    W = rng.normal(size=(2, 3)).astype(np.float32)
    cases.append(Case((W, 0.2), ref.l2_penalty(W.astype(float), 0.2), "float32 W, lam = 0.2",
                      "float32 の W、lam = 0.2", float32=True))
    return cases


def _verify_l2(got, case, judge):
    try:
        _verify_expected(got, case, judge)
    except Failed as failure:
        W, lam = case.arguments
        if failure.key in ("factor", "wrong", "sign") and isinstance(got, (tuple, list)) and len(got) == 2:
            try:
                penalty, gradient = float(np.asarray(got[0])), np.asarray(got[1], dtype=float)
            except Exception:
                raise failure from None
            squares = float(np.sum(np.asarray(W, float) ** 2))
            fixed = 2 * penalty / squares if squares else None
            if fixed is not None and fixed > 0 and not np.isclose(fixed, lam, rtol=1e-3) and gradient.shape == W.shape \
                    and np.allclose(gradient, fixed * np.asarray(W, float), rtol=1e-4):
                raise Failed("lam_fixed", fixed=float(f"{fixed:.3g}")) from None
        raise


_add(Exercise("l2_penalty", "11-one-neuron-classifiers", "l2_penalty(W, lam) -> (penalty, gradient)",
              "The L2 term lam/2 ||W||^2 and its gradient lam W (the notes' gradual forgetting).",
              "L2 の項 lam/2 ||W||^2 とその勾配 lam W（ノートの言う緩やかな忘却）。",
              ("W", "lam"), _l2_cases, _verify_l2, parts=("penalty", "gradient"), returns="tuple",
              mistakes=(Mistake(lambda W, lam: (lam * float(np.sum(W ** 2)), 2 * lam * W), "l2_no_half"),
                        Mistake(lambda W, lam: (lam * float(np.sum(W ** 2)), lam * W), "l2_no_half"))))

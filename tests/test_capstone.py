"""The capstone (chapter 14 and neuronet.examples.capstone): the from-scratch network passes every
stage's check, reaches 95 % on the bundled digits' test split, ends weight for weight where
neuronet.MLP ends after the same steps from the same start, and the chapter shows (and runs)
exactly that code and says what it measures."""

import ast
import inspect
import io
import re
import textwrap
import tokenize
from pathlib import Path

import numpy as np
import pytest

from neuronet.examples import capstone
from neuronet.exercises import EXERCISES, check

CHAPTERS = Path(capstone.__file__).resolve().parents[1] / "chapters"
EN, JA = CHAPTERS / "en" / "14-capstone.md", CHAPTERS / "ja" / "14-capstone.md"
CODE = re.compile(r"```python\n(.*?)```", re.S)

pytest.importorskip("sklearn")  # the bundled digits come through scikit-learn


@pytest.fixture(scope="module")
def digits():
    (X_train, y_train), (X_test, y_test) = capstone.load_digits()
    X_train, X_test = capstone.standardize(X_train, X_test)
    return X_train, y_train, X_test, y_test


@pytest.fixture(scope="module")
def reference_run(digits):
    """The chapter's run: 30 epochs of SGD from init_params(seed 0)."""
    X_train, y_train, _, _ = digits
    start = capstone.init_params(64, capstone.HIDDEN, 10, capstone.SEED)
    trained, history = capstone.train(X_train, capstone.one_hot(y_train, 10), start, capstone.EPOCHS,
                                      capstone.BATCH_SIZE, capstone.LR, capstone.SEED)
    return start, trained, history


# --- the reference solution -----------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_stage_of_the_reference_passes_its_check(language):
    results = capstone.check_stages(language=language)
    assert set(results) == set(capstone.STAGES) and set(capstone.STAGES) <= set(EXERCISES)
    failed = {name: result.message for name, result in results.items() if not result.passed}
    assert not failed


def test_the_reference_reaches_95_percent_on_the_digits_test_split(digits, reference_run):
    X_train, y_train, X_test, y_test = digits
    start, trained, history = reference_run
    assert X_train.shape == (1438, 64) and X_test.shape == (359, 64)
    assert capstone.accuracy(X_test, y_test, trained) >= 0.95
    assert history[-1] < 0.1 * history[0]  # E fell
    assert all(np.array_equal(value, capstone.init_params(64, capstone.HIDDEN, 10, capstone.SEED)[name])
               for name, value in start.items())  # train left the start as it was
    again, _ = capstone.train(X_train, capstone.one_hot(y_train, 10), start, capstone.EPOCHS,
                              capstone.BATCH_SIZE, capstone.LR, capstone.SEED)
    assert all(np.array_equal(again[name], trained[name]) for name in trained)  # seeded: the same run twice


def test_the_reference_agrees_with_mlp_weight_for_weight(digits, reference_run):
    X_train, y_train, _, _ = digits
    start, trained, _ = reference_run
    difference = capstone.compare_with_mlp(X_train, y_train, start, trained, capstone.EPOCHS, capstone.BATCH_SIZE,
                                           capstone.LR, capstone.SEED)
    assert difference < 1e-10  # measured 1.3e-15 after 1,350 steps


def test_the_compiled_mlp_agrees_too(digits):
    from neuronet import kernels

    if "numba" not in kernels.available():
        pytest.skip("Numba is not installed: the compiled path does not exist here")
    X_train, y_train, _, _ = digits
    start = capstone.init_params(64, capstone.HIDDEN, 10, capstone.SEED)
    trained, _ = capstone.train(X_train, capstone.one_hot(y_train, 10), start, 3, 32, 0.5, 0)
    assert capstone.compare_with_mlp(X_train, y_train, start, trained, 3, 32, 0.5, 0, kernels="numba") < 1e-10


def test_the_comparison_sees_anything_more_than_rounding(digits, monkeypatch):
    """Another batch order, or a backward pass that forgets the 1/N, is far from the MLP."""
    X_train, y_train, _, _ = digits
    T_train = capstone.one_hot(y_train, 10)
    start = capstone.init_params(64, capstone.HIDDEN, 10, capstone.SEED)
    trained, _ = capstone.train(X_train, T_train, start, 1, 32, 0.5, 0)
    assert capstone.compare_with_mlp(X_train, y_train, start, trained, 1, 32, 0.5, seed=1) > 1e-3
    monkeypatch.setattr(capstone, "softmax_cross_entropy_gradient", lambda a, t: capstone.softmax(a) - t)
    wrong, _ = capstone.train(X_train, T_train, start, 1, 32, 0.5, 0)
    assert capstone.compare_with_mlp(X_train, y_train, start, wrong, 1, 32, 0.5, 0) > 1e-3


def test_the_gradient_check_passes_and_catches_a_wrong_backward_pass(digits, monkeypatch):
    X_train, y_train, _, _ = digits
    X, T = X_train[:20], capstone.one_hot(y_train[:20], 10)
    small = capstone.init_params(64, 10, 10, seed=1)
    errors = capstone.gradient_check(X, T, small)
    assert set(errors) == {"W1", "b1", "W2", "b2"} and max(errors.values()) < 1e-7

    def without_the_sigmoid_slope(X, T, W1, b1, W2, b2):
        z = capstone.sigmoid(X @ W1 + b1)
        delta_out = capstone.softmax_cross_entropy_gradient(z @ W2 + b2, T)
        grad_z, grad_W2, grad_b2 = capstone.dense_backward(z, W2, delta_out)
        _, grad_W1, grad_b1 = capstone.dense_backward(X, W1, grad_z)   # h'(b_j) forgotten
        return {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2}

    monkeypatch.setattr(capstone, "two_layer_gradients", without_the_sigmoid_slope)
    errors = capstone.gradient_check(X, T, small)
    assert errors["W1"] > 1e-2 and errors["W2"] < 1e-7  # the error is where the slope was left out


def test_the_example_trains_checks_and_draws(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    capstone.main(["--fast", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert out.count("✓") == len(capstone.STAGES) and "✗" not in out
    assert re.search(r"test accuracy 0\.9\d{3}", out)
    difference = float(re.search(r"largest weight difference (\S+)", out).group(1))
    assert difference < 1e-10
    assert (tmp_path / "capstone.png").stat().st_size > 1000


# --- the chapter ----------------------------------------------------------------------------------
def _code(path):
    return CODE.findall(path.read_text(encoding="utf-8"))


def _without_comments(source):
    """The code's tokens without its comments (the Japanese chapter comments in Japanese)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(kind, text) for kind, text, *_ in tokens
            if kind not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)]


def _functions(tree):
    """{name: the function's AST without its docstring}."""
    functions = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]
            functions[node.name] = ast.dump(ast.Module(body=body, type_ignores=[])) + ast.dump(node.args)
    return functions


def test_both_chapters_have_the_same_code():
    english, japanese = _code(EN), _code(JA)
    assert len(english) == len(japanese) >= 8
    for en, ja in zip(english, japanese):
        assert _without_comments(en) == _without_comments(ja)
    for block in japanese:
        for comment in re.findall(r"#\s*(.+)$", block, re.M):
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", comment), f"comment not in Japanese: # {comment}"


def test_the_chapter_shows_the_reference_solution():
    """Every function the chapter writes is the reference's, statement for statement, and every
    stage is written; the docstrings live in the package, the comments in the chapter."""
    shown = _functions(ast.parse("\n".join(_code(EN))))
    assert set(capstone.STAGES) <= set(shown)
    assert {"forward", "gradient_check", "init_params", "train", "accuracy", "compare_with_mlp", "standardize",
            "one_hot"} <= set(shown)
    for name, tree in shown.items():
        reference = _functions(ast.parse(textwrap.dedent(inspect.getsource(getattr(capstone, name)))))[name]
        assert tree == reference, f"{name}: the chapter's code is not neuronet.examples.capstone's"


def test_the_chapter_code_runs_and_reaches_what_it_says(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "tour"}
    for block in _code(EN):
        exec(compile(block, str(EN), "exec"), namespace)
    out = capsys.readouterr().out
    assert out.count("✓") == len(capstone.STAGES) and "✗" not in out
    accuracy = namespace["accuracy"](namespace["X_test"], namespace["y_test"], namespace["trained"])
    assert accuracy >= 0.95
    text = EN.read_text(encoding="utf-8")
    stated = float(re.search(r"test accuracy is\s+\*\*(0\.\d+)\*\*", text).group(1))
    assert abs(stated - accuracy) < 1.5 / 359  # the number in the prose is the one the code gives, to a digit
    assert f"0.{round(accuracy * 1e4):04d}" in JA.read_text(encoding="utf-8")
    difference = float(out.strip().splitlines()[-1])
    assert difference < 1e-10


MISTAKES = [  # (exercise, a typical wrong answer, what the chapter quotes check saying)
    ("softmax", lambda a: np.exp(a) / np.exp(a).sum(axis=1, keepdims=True),
     "not stable for scores near ±1000", "数値が不安定"),
    ("softmax", lambda a: np.exp(a - a.max(axis=1, keepdims=True))
     / np.exp(a - a.max(axis=1, keepdims=True)).sum(axis=1),
     "e / e.sum(axis=1, keepdims=True)", "keepdims=True"),
    ("dense_forward", lambda x, W, b: (W @ x.T).T + b,
     "use x @ W, not W @ x", "W @ x ではなく x @ W"),
    ("cross_entropy", lambda y, t: float(-np.sum(t * np.log(y))),
     "off by a factor of N = 5: divide the sum by the batch size N", "和をバッチサイズ N で割って"),
    ("softmax_cross_entropy_gradient", lambda a, t: capstone.softmax(a) - t, "off by a factor of 6", "6 倍ずれ"),
    ("softmax_cross_entropy_gradient", lambda a, t: (t - capstone.softmax(a)) / a.shape[0],
     "the sign is wrong", "符号が逆"),
    ("two_layer_gradients", lambda X, T, W1, b1, W2, b2: _no_slope(X, T, W1, b1, W2, b2),
     "multiply by the sigmoid's derivative z (1 - z) (eq. 28's h'(b_j))", "シグモイドの微分 z (1 - z)"),
    ("numerical_gradient", lambda f, x, eps=1e-5: _forward_difference(f, x, eps),
     "a one-sided difference: it evaluates f at x and x + h only", "片側差分"),
]


def _no_slope(X, T, W1, b1, W2, b2):
    z = capstone.sigmoid(X @ W1 + b1)
    delta_out = capstone.softmax_cross_entropy_gradient(z @ W2 + b2, T)
    grad_z, grad_W2, grad_b2 = capstone.dense_backward(z, W2, delta_out)
    _, grad_W1, grad_b1 = capstone.dense_backward(X, W1, grad_z)
    return {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2}


def _forward_difference(f, x, eps):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        original, before = x[index], f(x)
        x[index] = original + eps
        grad[index] = (f(x) - before) / eps
        x[index] = original
    return grad


@pytest.mark.parametrize("name, wrong, english, japanese", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_what_the_chapter_says_check_says_is_what_it_says(name, wrong, english, japanese):
    en, ja = EN.read_text(encoding="utf-8"), JA.read_text(encoding="utf-8")
    message = check(name, wrong, verbose=False).message
    assert message.startswith("✗") and english in message
    assert english in " ".join(en.split()), f"the chapter does not quote {english!r}"
    message_ja = check(name, wrong, language="ja", verbose=False).message
    assert message_ja.startswith("✗") and japanese in message_ja
    assert japanese in re.sub(r"\s*\n\s*", "", ja), f"the Japanese chapter does not quote {japanese!r}"


def _prose(text):
    text = CODE.sub(" ", text)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"`[^`\n]*`", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def test_the_chapter_is_long_enough_and_its_math_renders_as_written():
    en, ja = EN.read_text(encoding="utf-8"), JA.read_text(encoding="utf-8")
    assert len(re.findall(r"[A-Za-z]+(?:'[a-z]+)?", _prose(en))) >= 600
    assert len(re.findall(r"[\u3040-\u30ff\u4e00-\u9fff]", _prose(ja))) >= 1500
    for text in (en, ja):
        displays = re.findall(r"\$\$(.*?)\$\$", text, re.S)
        assert len(displays) >= 10
        assert all(display.count("\\tag") <= 1 for display in displays)  # KaTeX refuses two tags in a display
        assert sorted(re.findall(r"\\tag\{(\d+)\}", text)) == sorted(re.findall(r"\\tag\{(\d+)\}", en))
        exercises = text.split("## Exercises" if text is en else "## 練習問題", 1)[1]
        assert 2 <= len(re.findall(r"^\d+\. ", exercises, re.M)) <= 3
        assert all(f"`{name}`" in exercises or f'"{name}"' in exercises for name in capstone.STAGES)


def test_the_chapter_prints_in_a_terminal_and_as_a_page():
    """`neuronet tour 14` turns every formula into text and the page renders (the terminal renderer
    knows \\frac, not every LaTeX macro: \\tfrac once broke it)."""
    pytest.importorskip("pylatexenc")
    pytest.importorskip("markdown_it")
    from neuronet import tour_render

    for path in (EN, JA):
        text = path.read_text(encoding="utf-8")
        for display in re.findall(r"\$\$(.*?)\$\$", text, re.S):
            body, _ = tour_render.latex_to_text(display)
            assert body.strip() and "\\" not in body, display
        printed = tour_render.terminal_text(text, width=100, chapter_link=lambda words, slug: words)
        assert "Δ₂" in printed and "0.9638" in printed
        page = tour_render.html_page(text, "capstone", japanese=path is JA, chapter_href=lambda slug: f"{slug}.html")
        assert "compare_with_mlp" in page

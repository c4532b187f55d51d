"""The course's prose counter (benchmarks/course_counts.py) counts prose, not code or math."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "course_counts.py"
spec = importlib.util.spec_from_file_location("course_counts", SCRIPT)
course_counts = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course_counts)


def test_code_math_images_and_link_targets_are_not_prose():
    text = ("The gradient is y - t.\n\n```python\nimport numpy as np  # many words in code\n```\n\n"
            "$$ \\frac{a}{b} \\tag{1} $$ and $x_i$ or \\(y\\) with `code words` "
            "![a figure caption](fig.png) see [the errata](errata.md#eq-9-11) <!-- hidden words -->")
    assert course_counts.english_words(text) == len("The gradient is y t and or with see the errata".split())
    assert course_counts.japanese_characters("勾配は y − t です。\n```\n計算\n```\n$$ 数式 $$") == len("勾配はです")


def test_every_chapter_has_a_japanese_twin_and_the_english_chapters_are_long_enough():
    rows, english, _, _, _ = course_counts.table()
    assert len(rows) >= 14
    for name, words, characters in rows:
        assert (course_counts.CHAPTERS / "ja" / name).exists(), name
        assert words >= course_counts.MIN_CHAPTER_WORDS, f"{name}: {words} English words"
        assert characters > 0, name
    assert english >= course_counts.MIN_ENGLISH_WORDS

"""The guided tour: the seeds' path through neural networks, chapter by chapter.

``neuronet tour`` lists the chapters (docs/tour/ in English, docs/ja/tour/ in Japanese)
and the example each one runs; ``neuronet tour NAME`` runs that example
(``neuronet.examples.NAME``), which prints what it computes and writes its figure.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Sequence

from .errors import ConfigurationError

__all__ = ["Chapter", "CHAPTERS", "EXAMPLES", "run_example"]


@dataclass(frozen=True)
class Chapter:
    slug: str        # docs/tour/<slug>.md and docs/ja/tour/<slug>.md
    title: str
    title_ja: str
    example: str | None


CHAPTERS = (
    Chapter("01-neuron", "The formal neuron", "形式ニューロン", "single_neuron"),
    Chapter("02-activations", "Step, sigmoid, tanh and their derivatives", "ステップ関数・シグモイド・tanh とその微分",
            "activations"),
    Chapter("03-perceptron", "The perceptron and logic gates", "パーセプトロンと論理ゲート", "gates"),
    Chapter("04-matrices", "Vectors and matrices", "ベクトルと行列", None),
    Chapter("05-feed-forward", "The feed-forward network and softmax", "フィードフォワードネットワークとソフトマックス",
            None),
    Chapter("06-cross-entropy", "Cross-entropy", "交差エントロピー誤差", None),
    Chapter("07-numerical-differentiation", "Numerical differentiation", "数値微分", "numerical_vs_backprop"),
    Chapter("08-backpropagation", "Backpropagation, equation by equation", "誤差逆伝播法を式ごとに",
            "numerical_vs_backprop"),
    Chapter("09-three-classes", "Training a 3-class classifier", "3クラス分類器の学習", "three_class_boundary"),
    Chapter("10-relu-family", "ReLU, Leaky ReLU and the other activations", "ReLU・Leaky ReLU とその他の活性化関数",
            "activations"),
    Chapter("11-one-neuron-classifiers", "One neuron as binary softmax or SVM; regularization",
            "1つのニューロンによる二値ソフトマックスとSVM、正則化", "binary_softmax_vs_svm"),
    Chapter("12-image-classifier", "An image classifier on CIFAR-10", "CIFAR-10 の画像分類器", "cifar10_two_layer"),
)

EXAMPLES = ("single_neuron", "gates", "activations", "numerical_vs_backprop", "three_class_boundary",
            "binary_softmax_vs_svm", "cifar10_two_layer", "dask_grid_search")


def listing(japanese: bool = False) -> str:
    lines = []
    for number, chapter in enumerate(CHAPTERS, start=1):
        title = chapter.title_ja if japanese else chapter.title
        run = f"neuronet tour {chapter.example}" if chapter.example else ""
        lines.append(f"{number:>2}. {title:<54} {run}")
    return "\n".join(lines)


def run_example(name: str, argv: Sequence[str] = ()) -> None:
    """Run ``neuronet.examples.<name>`` with command-line ``argv`` (e.g. ``["--fast"]``)."""
    if name not in EXAMPLES:
        raise ConfigurationError(f"example: unknown name {name!r}; expected one of {', '.join(EXAMPLES)}")
    importlib.import_module(f"neuronet.examples.{name}").main(list(argv))

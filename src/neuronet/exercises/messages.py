"""What ``check`` says, in English and Japanese. Every message is one sentence about the learner's
code; ``{where}`` names the input it failed on, in the message's language."""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "passed": "✓ {name}: correct ({count} input set{plural}, edge cases included)",
        # the learner's code did not give an answer
        "not_done": "✗ {name}: not done yet: replace `raise NotImplementedError` with your code",
        "raised": "✗ {name}: raised {error} (on {where})",
        "exited": "✗ {name}: called exit() (SystemExit {code}); return the answer instead",
        "recursion": "✗ {name}: calls itself without end (RecursionError); compute the answer directly",
        "timeout": "✗ {name}: no answer after {seconds:g} s (on {where}): an endless loop?",
        "printed": "✗ {name}: printed more than {limit} characters, so it was stopped: an endless print loop?",
        "signature": "✗ {name}: your function takes {takes}, but the exercise calls it as {call}",
        # it answered, but not with numbers of the right kind
        "none": "✗ {name}: returned None{part}: did you forget `return`?",
        "none_in_place": "✗ {name}: returned None: if you change {argument} in place, still `return` it",
        "string": "✗ {name}: returned text{part} ({got}); return numbers, not strings",
        "complex": "✗ {name}: returned complex numbers{part}; the answer is real",
        "ragged": "✗ {name}: returned a list whose rows have different lengths{part}",
        "not_numbers": "✗ {name}: returned {got}{part}, which is not an array of numbers",
        "conversion": "✗ {name}: returned {got}{part}, which cannot be turned into an array ({error})",
        "type": "✗ {name}: returned {got}, expected {expected}",
        "shape": "✗ {name}: wrong shape{part}: expected {expected}, got {got}",
        # numbers of the right kind, but wrong
        "changed": "✗ {name}: it changed its input {argument}; leave it as it was (work on a copy)",
        "unstable": "✗ {name}: not stable for {where}: got {got}",
        "factor": "✗ {name}: off by a factor of {factor:g} at {where}",
        "sign": "✗ {name}: the sign is wrong at {where}",
        "wrong": "✗ {name}: wrong at {where}: expected {expected:.6g}, got {got:.6g}",
        "unchanged": "✗ {name}: {part} did not change on {where}, but it should have: its update is missing",
        # shape and broadcasting mistakes, in plain words
        "sigmoid_sign": "✗ {name}: exp(-x), not exp(x): the minus sign in 1 / (1 + exp(-x)) is missing",
        "W_transposed": "✗ {name}: W is (in, out) = {W}: use x @ W, not W @ x",
        "answer_transposed": "✗ {name}: the answer is transposed: got {got}, expected (N, out) = {expected}; "
                             "use x @ W, not W.T @ x.T",
        "backward_shapes": "✗ {name}: the shapes do not fit: with W (in, out) = {W} and grad_output (N, out) = {g}, "
                           "dL/dx = grad_output @ W.T and dL/dW = x.T @ grad_output",
        "dW_transposed": "✗ {name}: dL/dW must have W's shape (in, out) = {W}: use x.T @ grad_output, "
                         "not grad_output.T @ x",
        "dx_shape": "✗ {name}: dL/dx must have x's shape (N, in) = {x}: use grad_output @ W.T",
        "db_axis": "✗ {name}: dL/db must have b's shape (out,) = {b}: sum grad_output over the batch, axis=0",
        "network_shapes": "✗ {name}: the shapes do not fit: X is (N, D), W1 (D, M), W2 (M, K): go forward with "
                          "X @ W1 and z @ W2, back with delta @ W2.T, and take dW = input.T @ delta",
        "softmax_keepdims": "✗ {name}: the row sums lack keepdims=True: e.sum(axis=1) has shape (N,), "
                            "so write e / e.sum(axis=1, keepdims=True)",
        "softmax_max_keepdims": "✗ {name}: the row maxima lack keepdims=True: a.max(axis=1) has shape (N,), "
                                "so write a - a.max(axis=1, keepdims=True)",
        "softmax_both_keepdims": "✗ {name}: the row maxima and the row sums both lack keepdims=True: write "
                                 "a - a.max(axis=1, keepdims=True) and e / e.sum(axis=1, keepdims=True)",
        "softmax_row_shapes": "✗ {name}: the shapes do not broadcast: each row's max and sum must be a column "
                              "(N, 1): a.max(axis=1, keepdims=True), e.sum(axis=1, keepdims=True)",
        "softmax_batch_max": "✗ {name}: it subtracts one max for the whole batch, so a row far below it gives "
                             "0 / 0 = nan (on {where}): subtract each row's own max (axis=1, keepdims=True)",
        "softmax_whole": "✗ {name}: it sums over the whole batch; sum over each row instead: "
                         "e / e.sum(axis=1, keepdims=True)",
        "softmax_columns": "✗ {name}: it sums over each column (axis=0); sum over each row instead: "
                           "e / e.sum(axis=1, keepdims=True)",
        "per_sample": "✗ {name}: returned one loss per sample {got}; average them into one number",
        "no_mean": "✗ {name}: off by a factor of N = {n}: divide the sum by the batch size N",
        "lr_ignored": "✗ {name}: the step does not scale with lr (on {where}): multiply the change by lr",
        "lr_w_only": "✗ {name}: lr scales the change of w but not of b (on {where}): b += lr (t - y)",
        "lr_b_only": "✗ {name}: lr scales the change of b but not of w (on {where}): w += lr (t - y) x",
        "fires_at_zero": "✗ {name}: at w·x + b = 0 the perceptron must output 0 (on {where}): "
                         "fire only when w·x + b > 0",
        "update_sign": "✗ {name}: the update has the wrong sign (on {where}): {rule}",
        "no_error_term": "✗ {name}: the update must use the error t - y, not t alone (on {where})",
        "lam_fixed": "✗ {name}: the result does not follow lam: it uses λ = {fixed:g} whatever lam is given "
                     "(on {where})",
        "l2_no_half": "✗ {name}: the penalty is λ/2 ||W||², not λ ||W||² (its gradient is then λ W, "
                      "without the 2)",
        "momentum_other_form": "✗ {name}: this is the form v <- momentum v + g, w <- w - lr v; the exercise "
                               "uses v <- momentum v - lr g, w <- w + v",
        "adam_no_correction": "✗ {name}: the bias correction is missing: m_hat = m / (1 - beta1^t), "
                              "v_hat = v / (1 - beta2^t)",
        "adam_eps_inside": "✗ {name}: eps belongs outside the square root (on {where}): "
                           "m_hat / (sqrt(v_hat) + eps); sqrt(v_hat + eps) shrinks the steps when the gradients "
                           "are small",
        "no_sigmoid_derivative": "✗ {name}: going back through the hidden layer, multiply by the sigmoid's "
                                 "derivative z (1 - z) (eq. 28's h'(b_j))",
        # the numerical gradient, judged by where f was evaluated
        "never_called": "✗ {name}: it never called f: estimate each slope from f(x + h) and f(x - h)",
        "forward": "✗ {name}: a one-sided difference: it evaluates f at x and x + h only{sign}; "
                   "(f(x + h) - f(x - h)) / (2 h) is accurate to about h², the one-sided one only to h",
        "backward": "✗ {name}: a one-sided (backward) difference: it evaluates f at x and x - h only{sign}; "
                    "(f(x + h) - f(x - h)) / (2 h) is accurate to about h²",
        "all_at_once": "✗ {name}: it moves {count} elements of x at once; move one element at a time "
                       "and put it back before the next",
        "never_moved": "✗ {name}: it never moved element {index} of x: every element needs f at x ± h",
        "step_large": "✗ {name}: the step h = {h:.0e} is too large: use h between 1e-6 and 1e-3 (1e-4 is common)",
        "step_small": "✗ {name}: the step h = {h:.0e} is too small (rounding errors swamp the difference): "
                      "use h between 1e-6 and 1e-3",
        "not_restored": "✗ {name}: x was not put back: after evaluating f, restore x[i] to its old value",
        "halved": "✗ {name}: off by a factor of {factor:g}: divide f(x + h) - f(x - h) by 2 h, the distance "
                  "between the two points",
        "f_shape": "✗ {name}: it called f with an array of shape {got}; f takes x's shape {expected}",
    },
    "ja": {
        "passed": "✓ {name}: 正解です（端の値を含む {count} 組の入力）",
        "not_done": "✗ {name}: まだ書かれていません。`raise NotImplementedError` をあなたのコードに置き換えてください",
        "raised": "✗ {name}: {where} でエラーが発生しました：{error}",
        "exited": "✗ {name}: exit() が呼ばれました（SystemExit {code}）。終了せずに答えを return してください",
        "recursion": "✗ {name}: 関数が自分自身を呼び続けています（RecursionError）。答えを直接計算してください",
        "timeout": "✗ {name}: {where} で {seconds:g} 秒たっても答えが返りません。無限ループではありませんか？",
        "printed": "✗ {name}: {limit} 文字を超えて出力したので止めました。print が無限に続いていませんか？",
        "signature": "✗ {name}: あなたの関数の引数は {takes} ですが、この演習は {call} の形で呼び出します",
        "none": "✗ {name}: None が返りました{part}。return を書き忘れていませんか？",
        "none_in_place": "✗ {name}: None が返りました。{argument} をその場で書き換える場合も、return してください",
        "string": "✗ {name}: 文字列が返りました{part}（{got}）。文字列ではなく数値を返してください",
        "complex": "✗ {name}: 複素数が返りました{part}。答えは実数です",
        "ragged": "✗ {name}: 行ごとに長さの違うリストが返りました{part}",
        "not_numbers": "✗ {name}: {got} が返りました{part}。数値の配列ではありません",
        "conversion": "✗ {name}: {got} が返りました{part}が、配列に変換できません（{error}）",
        "type": "✗ {name}: {got} が返りました。期待したのは {expected} です",
        "shape": "✗ {name}: 形が違います{part}。期待した形は {expected}、結果は {got} です",
        "changed": "✗ {name}: 入力 {argument} を書き換えています。元のままにしてください（コピーを使いましょう）",
        "unstable": "✗ {name}: {where} で数値が不安定です（結果 {got}）",
        "factor": "✗ {name}: {where} で {factor:g} 倍ずれています",
        "sign": "✗ {name}: {where} で符号が逆です",
        "wrong": "✗ {name}: {where} で違います。期待値 {expected:.6g}、結果 {got:.6g}",
        "unchanged": "✗ {name}: {where} で {part} が変わっていません。{part} の更新が抜けています",
        "sigmoid_sign": "✗ {name}: exp(x) ではなく exp(-x) です。1 / (1 + exp(-x)) のマイナスが抜けています",
        "W_transposed": "✗ {name}: W の形は (入力数, 出力数) = {W} です。W @ x ではなく x @ W と書きます",
        "answer_transposed": "✗ {name}: 答えが転置されています。結果の形は {got}、期待した形は (N, 出力数) = {expected} です。"
                             "W.T @ x.T ではなく x @ W と書きます",
        "backward_shapes": "✗ {name}: 形が合いません。W は (入力数, 出力数) = {W}、grad_output は (N, 出力数) = {g} "
                           "なので、dL/dx = grad_output @ W.T、dL/dW = x.T @ grad_output です",
        "dW_transposed": "✗ {name}: dL/dW は W と同じ形 (入力数, 出力数) = {W} になります。"
                         "grad_output.T @ x ではなく x.T @ grad_output と書きます",
        "dx_shape": "✗ {name}: dL/dx は x と同じ形 (N, 入力数) = {x} になります。grad_output @ W.T と書きます",
        "db_axis": "✗ {name}: dL/db は b と同じ形 (出力数,) = {b} になります。grad_output をバッチ方向（axis=0）に"
                   "足し合わせます",
        "network_shapes": "✗ {name}: 形が合いません。X は (N, D)、W1 は (D, M)、W2 は (M, K) です。順方向は X @ W1 と "
                          "z @ W2、逆方向は delta @ W2.T、重みの勾配は 入力.T @ delta です",
        "softmax_keepdims": "✗ {name}: 行ごとの和に keepdims=True がありません。e.sum(axis=1) の形は (N,) なので、"
                            "e / e.sum(axis=1, keepdims=True) と書きます",
        "softmax_max_keepdims": "✗ {name}: 行ごとの最大値に keepdims=True がありません。a.max(axis=1) の形は (N,) "
                                "なので、a - a.max(axis=1, keepdims=True) と書きます",
        "softmax_both_keepdims": "✗ {name}: 行ごとの最大値にも和にも keepdims=True がありません。"
                                 "a - a.max(axis=1, keepdims=True) と e / e.sum(axis=1, keepdims=True) と書きます",
        "softmax_row_shapes": "✗ {name}: 形が合わずブロードキャストできません。各行の最大値と和は (N, 1) の列にします："
                              "a.max(axis=1, keepdims=True)、e.sum(axis=1, keepdims=True)",
        "softmax_batch_max": "✗ {name}: バッチ全体で1つの最大値を引いているので、それより大きく下にある行が "
                             "0 / 0 = nan になります（{where}）。各行自身の最大値を引いてください（axis=1, keepdims=True）",
        "softmax_whole": "✗ {name}: バッチ全体の和で割っています。各行ごとに和をとってください："
                         "e / e.sum(axis=1, keepdims=True)",
        "softmax_columns": "✗ {name}: 列ごと（axis=0）に和をとっています。各行ごとに和をとってください："
                           "e / e.sum(axis=1, keepdims=True)",
        "per_sample": "✗ {name}: サンプルごとの誤差 {got} が返りました。平均して1つの数値にしてください",
        "no_mean": "✗ {name}: N = {n} 倍ずれています。和をバッチサイズ N で割ってください",
        "lr_ignored": "✗ {name}: {where} で、更新の大きさが lr に比例していません。変化量に lr を掛けてください",
        "lr_w_only": "✗ {name}: {where} で、w の変化には lr が掛かっていますが b には掛かっていません。"
                     "b += lr (t - y) です",
        "lr_b_only": "✗ {name}: {where} で、b の変化には lr が掛かっていますが w には掛かっていません。"
                     "w += lr (t - y) x です",
        "fires_at_zero": "✗ {name}: {where} で、w·x + b = 0 のときの出力は 0 です。"
                         "w·x + b > 0 のときだけ発火させてください",
        "update_sign": "✗ {name}: {where} で、更新の符号が逆です：{rule}",
        "no_error_term": "✗ {name}: {where} で、更新には t だけでなく誤差 t - y を使います",
        "lam_fixed": "✗ {name}: {where} で、結果が lam に従っていません。どの lam を渡しても λ = {fixed:g} を使っています",
        "l2_no_half": "✗ {name}: ペナルティは λ ||W||² ではなく λ/2 ||W||² です（そうすると勾配は 2 のつかない λ W になります）",
        "momentum_other_form": "✗ {name}: これは v <- momentum v + g、w <- w - lr v の形です。この演習では "
                               "v <- momentum v - lr g、w <- w + v を使います",
        "adam_no_correction": "✗ {name}: バイアス補正が抜けています：m_hat = m / (1 - beta1^t)、"
                              "v_hat = v / (1 - beta2^t)",
        "adam_eps_inside": "✗ {name}: eps は平方根の外に置きます（{where}）。m_hat / (sqrt(v_hat) + eps) です。"
                           "sqrt(v_hat + eps) では、勾配が小さいときにステップが縮んでしまいます",
        "no_sigmoid_derivative": "✗ {name}: 中間層を逆にたどるとき、シグモイドの微分 z (1 - z)（式(28)の h'(b_j)）を"
                                 "掛けてください",
        "never_called": "✗ {name}: f を一度も呼んでいません。f(x + h) と f(x - h) から各要素の傾きを求めてください",
        "forward": "✗ {name}: 片側差分です。f を x と x + h でしか評価していません{sign}。"
                   "(f(x + h) - f(x - h)) / (2 h) なら誤差はおよそ h² で、片側差分は h 程度です",
        "backward": "✗ {name}: 片側差分（後退差分）です。f を x と x - h でしか評価していません{sign}。"
                    "(f(x + h) - f(x - h)) / (2 h) なら誤差はおよそ h² です",
        "all_at_once": "✗ {name}: x の要素を {count} 個同時に動かしています。要素は1つずつ動かし、"
                       "次へ進む前に元に戻してください",
        "never_moved": "✗ {name}: x の要素 {index} を一度も動かしていません。どの要素についても x ± h での f が必要です",
        "step_large": "✗ {name}: 刻み h = {h:.0e} は大きすぎます。h は 1e-6 から 1e-3 の間にしてください（1e-4 がよく使われます）",
        "step_small": "✗ {name}: 刻み h = {h:.0e} は小さすぎます（丸め誤差が差を覆い隠します）。"
                      "h は 1e-6 から 1e-3 の間にしてください",
        "not_restored": "✗ {name}: x が元に戻っていません。f を評価したら x[i] を元の値に戻してください",
        "halved": "✗ {name}: {factor:g} 倍ずれています。f(x + h) - f(x - h) は、2点間の距離 2 h で割ります",
        "f_shape": "✗ {name}: f を形 {got} の配列で呼んでいます。f には x と同じ形 {expected} の配列を渡します",
    },
}

"""The playground in a real headless browser: Playwright driving the system Chromium.

.ci/system-packages installs Debian's chromium; the tests start the server on 127.0.0.1."""

import pytest

playwright = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")

from browsers import chromium, playground_server  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    with playground_server() as (_, port):
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def _regions(page):
    return page.evaluate("document.getElementById('regions').toDataURL()")


def _ready(page, epoch=0):
    page.wait_for_function(f"Number(document.getElementById('epoch').textContent) >= {epoch} && "
                           "document.getElementById('test-accuracy').textContent !== '–'")


def test_spiral_with_a_new_layer_learns_and_the_regions_change(server, page, tmp_path):
    page.goto(server)
    _ready(page)
    page.select_option("#dataset", "spiral")
    page.fill("#classes", "3")
    page.dispatch_event("#classes", "change")
    page.click("#add-layer")
    page.wait_for_function("document.querySelectorAll('#network .layer').length === 5")  # in, 3 hidden, out
    # the state of the new network (3 classes, 3 hidden layers: 4 weight matrices) has been drawn
    page.wait_for_function("state !== null && state.classes === 3 && state.weights.length === 4")
    before = _regions(page)
    blank = page.evaluate("""(() => { const c = document.createElement('canvas');
        c.width = 400; c.height = 400; return c.toDataURL(); })()""")
    assert before != blank
    page.click("#play")
    page.wait_for_function("Number(document.getElementById('test-accuracy').textContent) > 0.9", timeout=60_000)
    after = _regions(page)
    assert after != before and after != blank
    assert int(page.inner_text("#epoch")) > 0
    assert len(page.query_selector_all("#confusion tr")) == 4  # header + 3 classes
    page.click("#play")  # pause
    page.wait_for_function("document.getElementById('play').textContent.includes('play')")
    assert "layers=8:tanh,8:tanh,8:tanh" in page.url and "classes=3" in page.url
    page.screenshot(path=str(tmp_path / "playground.png"))
    assert not page.errors


def test_upload_a_csv(server, page, tmp_path):
    page.goto(server)
    _ready(page)
    csv = tmp_path / "points.csv"
    rows = [f"{x},{y},{'left' if x < 0 else 'right'}" for x in (-2, -1, 1, 2) for y in (-1, 0, 1)]
    csv.write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    page.set_input_files("#upload", str(csv))
    page.wait_for_function("document.querySelectorAll('#confusion tr').length === 3")  # 2 classes
    assert page.input_value("#dataset") == "upload"
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n")
    page.set_input_files("#upload", str(bad))
    page.wait_for_selector("#error:not([hidden])")
    assert "x1,x2,label" in page.inner_text("#error")
    assert not page.errors


def test_a_shared_url_restores_the_settings(server, page):
    url = (server + "#dataset=moons&loss=hinge&optimizer=sgd&gradient=numerical&classes=2&noise=0.1"
           "&samples=200&train_ratio=0.7&seed=7&lr=0.1&batch_size=20&l2=0.001&layers=5:relu,3:sigmoid&kernels=numpy")
    page.goto(url)
    _ready(page)
    assert page.input_value("#dataset") == "moons"
    assert page.input_value("#loss") == "hinge"
    assert page.input_value("#optimizer") == "sgd"
    assert page.input_value("#gradient") == "numerical"
    assert page.input_value("#kernels") == "numpy"
    assert [option.get_attribute("value") for option in page.query_selector_all("#kernels option")] == \
        ["auto", "numpy", "numba"]
    assert page.input_value("#seed") == "7" and page.input_value("#batch") == "20"
    assert page.input_value("#ratio") == "0.7"
    layers = page.query_selector_all("#network .layer")
    assert len(layers) == 4
    assert len(layers[1].query_selector_all(".neuron")) == 5 and len(layers[2].query_selector_all(".neuron")) == 3
    assert layers[2].query_selector("select").input_value() == "sigmoid"
    first = _regions(page)
    page.reload()
    _ready(page)
    assert _regions(page) == first  # same settings, same seed: the same picture
    assert not page.errors


def test_a_chapter_link_shows_a_linear_model_solving_the_circle_with_squares(server, page):
    # the link a chapter gives: no hidden layer, the inputs x1² and x2², regions in full colour
    page.goto(server + "#dataset=circles&noise=0.05&seed=2&lr=0.1&layers=&features=x1_sq,x2_sq&discretize=true")
    _ready(page)
    inputs = page.query_selector_all('#network .neuron[data-layer="0"]')
    assert [i.get_attribute("title") for i in inputs] == ["x1²", "x2²"]
    assert page.is_checked("#discretize")
    checked = page.eval_on_selector_all("#features input:checked", "boxes => boxes.map(b => b.value)")
    assert checked == ["x1_sq", "x2_sq"]
    page.click("#play")
    page.wait_for_function("Number(document.getElementById('test-accuracy').textContent) > 0.95", timeout=60_000)
    page.click("#play")  # pause
    # choosing the inputs and the view in the page goes into the URL a chapter can link to
    page.click("#features input[value=x1_x2]")
    page.wait_for_function("document.querySelectorAll('#network .neuron[data-layer=\"0\"]').length === 3")
    page.uncheck("#discretize")
    page.wait_for_function("location.hash.includes('discretize=false')")
    assert "features=x1_sq,x2_sq,x1_x2" in page.url
    assert not page.errors


def test_regression_draws_the_predicted_values_and_learns_them(server, page):
    page.goto(server + "#problem=regression&dataset=bumps&loss=mse&noise=0")
    page.wait_for_function("document.getElementById('test-loss').textContent !== '–'")  # no accuracy to wait for
    assert page.input_value("#problem") == "regression"
    assert [o.get_attribute("value") for o in page.query_selector_all("#dataset option")] == ["plane", "bumps"]
    assert page.input_value("#loss") == "mse"
    assert len(page.query_selector_all('#network .neuron[data-layer="3"]')) == 1  # one output
    assert page.is_hidden("#confusion") and page.inner_text("#test-accuracy") == "–"
    first = float(page.inner_text("#test-loss"))
    before = _regions(page)
    page.click("#play")
    page.wait_for_function(f"Number(document.getElementById('test-loss').textContent) < {first / 4}",
                           timeout=60_000)
    page.click("#play")
    assert _regions(page) != before
    page.select_option("#problem", "classification")  # back: a classification set and loss again
    page.wait_for_function("document.getElementById('confusion').hidden === false")
    assert page.input_value("#dataset") == "spiral" and "problem=classification" in page.url
    assert not page.errors

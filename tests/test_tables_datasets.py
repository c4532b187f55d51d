"""neuronet.datasets.tables: the bundled real tables, offline, and a table trained end to end."""

import numpy as np
import pytest

from neuronet.datasets.tables import TABLES, load_cars, load_penguins, load_table, path
from neuronet.errors import ConfigurationError
from neuronet.tables.encoding import TableEncoder


def test_penguins():
    table, target = load_penguins()
    assert (table.num_rows, target) == (344, "species")
    assert sorted(set(table.column("species").to_pylist())) == ["Adelie", "Chinstrap", "Gentoo"]
    assert table.column("sex").null_count == 11 and table.column("body_mass_g").null_count == 2
    assert sum(column.null_count for column in table.columns) == 19


def test_cars():
    table, target = load_cars()
    assert (table.num_rows, target) == (406, "Miles_per_Gallon")
    assert table.column("Miles_per_Gallon").null_count == 8 and table.column("Horsepower").null_count == 6
    assert sorted(set(table.column("Origin").to_pylist())) == ["Europe", "Japan", "USA"]
    assert table.column("Year").to_pylist()[:2] == [1970, 1970]


def test_every_bundled_table_loads_and_names_its_license():
    readme = (path("penguins").parent / "README.md").read_text()
    for name, info in TABLES.items():
        table, target = load_table(name)
        assert target == info.target and target in table.column_names
        assert info.file in readme
    assert "CC0" in readme and "CC BY 4.0" in readme
    with pytest.raises(ConfigurationError, match="expected one of the bundled tables"):
        load_table("titanic")


def test_penguins_trains_and_predicts_text_labels_from_raw_rows():
    from neuronet.network import MLP
    from neuronet.training import fit

    table, target = load_penguins()
    encoder = TableEncoder(target=target).fit(table)
    X, y = encoder.transform_xy(table)
    net = MLP([encoder.width, 16, 3], activation="relu", rng=np.random.default_rng(0))
    fit(net, X, y, epochs=30, batch_size=16, seed=0, verbose=0, lr=0.01)
    raw = table.drop_columns([target]).slice(0, 50)      # rows as a user has them, without the label
    labels = encoder.target.decode(net.predict(encoder.transform(raw)))
    assert labels.dtype.kind == "U"
    assert np.mean(labels == np.array(table.column(target).to_pylist()[:50])) > 0.9

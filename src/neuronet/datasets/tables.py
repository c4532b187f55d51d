"""Real tables that ship with neuronet (offline): text columns, missing values, a target.

    >>> from neuronet.datasets.tables import load_penguins
    >>> table, target = load_penguins()
    >>> table.num_rows, target
    (344, 'species')

| name | rows | target | task | columns |
|---|---|---|---|---|
| ``penguins`` | 344 | ``species`` (Adelie, Chinstrap, Gentoo) | classification | ``island``, ``sex`` text (11 ``sex`` missing); four measurements (2 rows missing); ``year`` |
| ``cars`` | 406 | ``Miles_per_Gallon`` (8 missing) | regression | ``Origin`` text; ``Cylinders``; ``Horsepower`` (6 missing); displacement, weight, acceleration, model ``Year`` |

Licenses and sources (also in ``data/README.md``):

- **Palmer Penguins**: CC0 1.0. Data collected by Dr. Kristen Gorman and the Palmer Station Long
  Term Ecological Research program (Gorman, Williams & Fraser 2014, PLoS ONE 9(3): e90081);
  the CSV of the ``palmerpenguins`` package (Horst, Hill & Gorman 2020), unchanged.
- **Cars (auto-mpg)**: the ``cars`` table of vega-datasets (a BSD-3-Clause collection); the data
  come from the StatLib archive at Carnegie Mellon (Donoho & Ramos 1982, the 1983 ASA Data
  Exposition) and are also published by the UCI Machine Learning Repository as "Auto MPG" under
  CC BY 4.0, attributed here. The car's name is left out; ``Year`` is the model year as a number.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple

from ..errors import ConfigurationError

if TYPE_CHECKING:  # pyarrow is imported when a table is read, so the catalogue never needs it
    import pyarrow as pa

__all__ = ["load_penguins", "load_cars", "load_table", "TABLES", "LOADERS", "TableInfo", "path"]

DATA = Path(__file__).resolve().parent / "data"


class TableInfo(NamedTuple):
    file: str
    target: str
    task: str
    description: str


TABLES: dict[str, TableInfo] = {
    "penguins": TableInfo("penguins.csv", "species", "classification",
                          "Palmer Penguins: 344 penguins, 3 species; island and sex as text, missing cells (CC0)"),
    "cars": TableInfo("cars.csv", "Miles_per_Gallon", "regression",
                      "auto-mpg: 406 cars, fuel economy; origin as text, missing horsepower (CC BY 4.0)"),
}


def path(name: str) -> Path:
    """The bundled CSV file of table ``name``."""
    if name not in TABLES:
        raise ConfigurationError(f"name: expected one of the bundled tables {sorted(TABLES)}, got {name!r}")
    return DATA / TABLES[name].file


def load_table(name: str) -> tuple[pa.Table, str]:
    """(the table as Arrow, the target column's name) of the bundled table ``name``."""
    from ..tables.read import read_table

    return read_table(path(name)), TABLES[name].target


def load_penguins() -> tuple[pa.Table, str]:
    """Palmer Penguins: (344-row Arrow table, "species")."""
    return load_table("penguins")


def load_cars() -> tuple[pa.Table, str]:
    """The auto-mpg cars: (406-row Arrow table, "Miles_per_Gallon")."""
    return load_table("cars")


LOADERS: dict[str, Callable[[], tuple[pa.Table, str]]] = {"penguins": load_penguins, "cars": load_cars}

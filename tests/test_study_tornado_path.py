"""The tornado chart's cost axis: per year for one year, the discounted total on a path."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from model.studies.charts import _plt, tornado


def _study(path: object) -> SimpleNamespace:
    """A one-at-a-time study of freight rates (synthetic: only what the chart reads)."""
    return SimpleNamespace(
        params=["transport_cost_scale"],
        base={"transport_cost_scale": 1.0},
        name="synthetic",
        scenario=SimpleNamespace(path=path),
    )


TABLE = pd.DataFrame(
    {
        "transport_cost_scale": [1.0, 0.8, 1.2],
        "status": ["optimal"] * 3,
        "objective_10k_cny": [1e5, 0.9e5, 1.1e5],
    }
)


@pytest.mark.parametrize(
    ("path", "lang", "says", "not_says"),
    [
        (None, "en", "10^8 CNY/yr", "discounted"),
        (None, "zh", "亿元/年", "贴现"),
        ({"years": [2021, 2025]}, "en", "discounted cost over the model years", "/yr"),
        ({"years": [2021, 2025]}, "zh", "贴现总成本", "/年"),
    ],
)
def test_tornado_axis_names_the_cost_of_a_point(
    path: object, lang: str, says: str, not_says: str
) -> None:
    _, fonts = _plt(lang)  # the chart's own fonts (Chinese glyphs)
    with fonts:
        fig = tornado(_study(path), TABLE, lang)  # type: ignore[arg-type]
    label = fig.axes[0].get_xlabel()
    plt.close(fig)
    assert says in label and not_says not in label
    # the bars are the change of that cost: -1 and +1 x 10^8 CNY
    assert sorted(round(b.get_width(), 9) for b in fig.axes[0].patches) == [-1.0, 1.0]


@pytest.mark.parametrize(
    ("path", "lang", "says", "not_says"),
    [
        (None, "en", "Cost above ref, 10^8 CNY/yr", "discounted"),
        (None, "zh", "亿元/年", "贴现"),
        ({"years": [2021, 2025]}, "en", "Discounted cost over the model years above ref", "/yr"),
        ({"years": [2021, 2025]}, "zh", "贴现总成本相对ref", "/年"),
    ],
)
def test_response_cost_above_the_reference_names_the_cost_of_a_point(
    path: object, lang: str, says: str, not_says: str
) -> None:
    from model.studies.charts import response

    study = _study(path)
    study.reference = SimpleNamespace(name="ref")
    table = TABLE.assign(cost_above_reference_10k_cny=[1e4, 0.5e4, 1.5e4])
    _, fonts = _plt(lang)
    with fonts:
        fig = response(study, table, "transport_cost_scale", None, lang)  # type: ignore[arg-type]
    title = fig.axes[0].get_title(loc="left")
    plt.close(fig)
    assert says in title and not_says not in title

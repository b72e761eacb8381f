"""One way to draw a chart on any page: a `Chart` spec, `{% chart spec %}`, `chart_csv`.

A view builds a `Chart` (type, category labels, one or more series of numbers) and puts it in
its context; the template loads `{% load charts %}`, adds `{% include
"analytics/partials/chart_scripts.html" %}` inside `{% block scripts %}` and writes
`{% chart spec %}` where the chart goes. That renders, side by side:

- a `<canvas data-chart="<id>-data">` that `static/charts.js` draws with Chart.js (the npm package,
  served by staticfiles as `vendor/chartjs`) from the spec's data, which the page carries in a
  `<script type="application/json" id="<id>-data">` block (the CSP forbids inline scripts);
- a table with the same numbers (a row per label, a column per series);
- a "CSV" link to the same page with `?chart=<id>&format=csv`: the view answers it with
  `chart_csv(request, [spec, ...])`, the same numbers through the one CSV writer
  (apps/core/csv_export.py). Put that call before the page is rendered:

    charts = [funnel, pipeline]
    if (download := chart_csv(request, charts)) is not None:
        return download

A browser test reads what was drawn with `Chart.getChart(canvas).data` (labels, and each
dataset's `label` and `data`); `canvas.dataset.drawn` is "true" once it is drawn.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpRequest, StreamingHttpResponse

from apps.core.csv_export import csv_download, csv_requested

TYPES = ("bar", "line", "doughnut", "pie")


def _number(value) -> float | int | None:
    """JSON numbers for the chart (json_script would write a Decimal as a string)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | int | Decimal | None]


@dataclass(frozen=True)
class Chart:
    """`id` names the chart on its page (HTML id, CSV file name); `type` is one of `TYPES`.

    `stacked` stacks bar or line series; `horizontal` lays bars along the y axis; `x_title` and
    `y_title` caption the axes (and head the table's first column and its value columns when
    there is one series). `unit` follows each number in the table (e.g. "%", "days").
    """

    id: str
    title: str
    type: str
    labels: Sequence[str]
    series: Sequence[Series]
    x_title: str = ""
    y_title: str = ""
    stacked: bool = False
    horizontal: bool = False
    unit: str = ""
    empty_text: str = "Nothing to show yet."
    description: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"Chart {self.id!r}: type {self.type!r} is not one of {TYPES}.")
        for series in self.series:
            if len(series.values) != len(self.labels):
                raise ValueError(
                    f"Chart {self.id!r}: series {series.label!r} has {len(series.values)} "
                    f"values for {len(self.labels)} labels."
                )

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    @property
    def is_empty(self) -> bool:
        return not self.labels or not self.series

    @property
    def data(self) -> dict:
        """What `static/charts.js` reads: the spec in JSON numbers."""
        return {
            "type": self.type,
            "labels": [str(label) for label in self.labels],
            "series": [
                {"label": s.label, "values": [_number(v) for v in s.values]} for s in self.series
            ],
            "x_title": self.x_title,
            "y_title": self.y_title,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            **self.extra,
        }

    @property
    def header(self) -> list[str]:
        return [self.x_title or "Label", *[s.label for s in self.series]]

    @property
    def rows(self) -> list[list]:
        """One row per label: the label, then each series' value."""
        return [
            [label, *[series.values[i] for series in self.series]]
            for i, label in enumerate(self.labels)
        ]


def chart_csv(request: HttpRequest, charts: Iterable[Chart]) -> StreamingHttpResponse | None:
    """The CSV download of the chart the request asks for (`?chart=<id>&format=csv`), else None."""
    if not csv_requested(request):
        return None
    wanted = request.GET.get("chart")
    for chart in charts:
        if chart.id == wanted:
            return csv_download(filename=chart.id, header=chart.header, rows=chart.rows)
    return None

"""plotly.js for the pages (one shared copy per output folder, or inlined), and plotly
itself loaded ahead of the first chart.

    >>> PLOTLY_JS
    'plotly.min.js'
"""

from __future__ import annotations

from functools import lru_cache

from assessment.present.figures.chart import Chart, template_json
from assessment.present.figures.comparison import GRID
from assessment.present.theme import TEMPLATE

#: the file name of the plotly.js copy shared by the pages of one output folder
PLOTLY_JS = "plotly.min.js"


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundle of the installed plotly (``plotly.offline.get_plotlyjs``).

    >>> len(plotly_js()) > 1_000_000
    True
    """
    from plotly.offline import get_plotlyjs  # plotly only when a page needs plotly.js

    return get_plotlyjs()


@lru_cache(maxsize=2)
def plotly_head(self_contained: bool) -> str:
    """The ``<script>`` that provides the global ``Plotly`` to a page: a reference to the
    shared copy next to the page, or plotly.js itself inlined (single-file reports).

    >>> plotly_head(False)
    '<script charset="utf-8" src="plotly.min.js"></script>'
    """
    if not self_contained:  # attributes in the order nbconvert's HTML pass writes them
        return f'<script charset="utf-8" src="{PLOTLY_JS}"></script>'
    code = plotly_js().replace("</script", "<\\/script")
    return f'<script type="text/javascript">{code}</script>'


def warm() -> None:
    """Pay plotly's once-per-process costs now: import plotly, take the template and make
    the report's subplot layout (together about 0.3 s on a quiet machine), for a process
    that has time before its first chart (a batch kernel while the dataset is read).

    >>> warm()
    """
    template_json(TEMPLATE)
    Chart.subplots(**GRID, subplot_titles=["", ""])

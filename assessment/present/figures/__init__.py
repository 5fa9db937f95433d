"""The report's and the portfolio page's figures, and how to show them in a notebook.

Every figure is a pure function of tidy data (rows of ``Scores`` tables or ``Diagnosis``
objects), the instrument (for labels, the scale and the thresholds in force: pass
``scores.instrument``, which carries the dataset's threshold overrides) and a language.
It is a :class:`Chart`: plotly's figure JSON as plain dicts, written to HTML by
``plotly.io.to_html`` (:mod:`.chart`). One module per chart family:

- :mod:`.profile`: the profile bars and the lens gaps (sections 2 and 4)
- :mod:`.triangle`: the discipline triangle of one company and of the portfolio
- :mod:`.departments`: the department heatmap (section 5)
- :mod:`.roles`: the customer-role map
- :mod:`.comparison`: the company beside the others (section 8)
- :mod:`.portfolio`: the portfolio page's heatmap of all companies
- :mod:`.base`: what they share (escaped texts, the layout)
- :mod:`.page`: plotly.js for the pages, and :func:`warm`

Security: plotly renders a subset of HTML in labels; every text that enters a figure is
escaped with ``markupsafe.escape`` (see :mod:`.base`), and plotly writes the figure's JSON
into the page with ``<``, ``>`` and ``/`` as ``\\u`` escapes, so no text can end the script
it sits in.

    >>> from assessment.present import figures
    >>> figures.ternary_shares({"operational_excellence": 2, "customer_intimacy": 2,
    ...                         "product_leadership": 2}, 1)["product_leadership"]
    0.3333333333333333
"""

from __future__ import annotations

from assessment.present.figures.chart import (
    PLOTLY_CONFIG,
    PLOTLY_JSON_ENV,
    PLOTLY_MIME,
    Chart,
    figure_html,
    mime_bundle,
    plotly_json_wanted,
    show,
    template_json,
    trace,
)
from assessment.present.figures.comparison import comparison_chart
from assessment.present.figures.departments import department_heatmap
from assessment.present.figures.page import PLOTLY_JS, plotly_head, plotly_js, warm
from assessment.present.figures.portfolio import portfolio_heatmap
from assessment.present.figures.profile import gap_chart, profile_chart
from assessment.present.figures.roles import (
    ROLE_MAX_PX,
    ROLE_NEEDED_COLOR,
    ROLE_OTHER_COLOR,
    role_bubble_sizeref,
    role_map,
)
from assessment.present.figures.triangle import (
    TERNARY_KEYS,
    portfolio_triangle,
    ternary_shares,
    ternary_zoom,
    triangle_chart,
)
from assessment.present.theme import FONT, TEMPLATE

__all__ = [
    "FONT",
    "PLOTLY_CONFIG",
    "PLOTLY_JS",
    "PLOTLY_JSON_ENV",
    "PLOTLY_MIME",
    "ROLE_MAX_PX",
    "ROLE_NEEDED_COLOR",
    "ROLE_OTHER_COLOR",
    "TEMPLATE",
    "TERNARY_KEYS",
    "Chart",
    "comparison_chart",
    "department_heatmap",
    "figure_html",
    "gap_chart",
    "mime_bundle",
    "plotly_head",
    "plotly_js",
    "plotly_json_wanted",
    "portfolio_heatmap",
    "portfolio_triangle",
    "profile_chart",
    "role_bubble_sizeref",
    "role_map",
    "show",
    "template_json",
    "ternary_shares",
    "ternary_zoom",
    "trace",
    "triangle_chart",
    "warm",
]

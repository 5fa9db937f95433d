"""The look shared by reports, the portfolio page and the workshop: colours and fonts.

Colours are from the Okabe-Ito palette, which stays distinguishable with the common
colour-vision deficiencies.

    >>> LENS_COLORS["setup"]
    '#E69F00'
"""

from __future__ import annotations

EXPERIENCE_COLOR = "#0072B2"  # Okabe-Ito blue
SETUP_COLOR = "#E69F00"  # Okabe-Ito orange
BLIND_COLOR = "#CC79A7"  # Okabe-Ito purple
TARGET_COLOR = "#009E73"  # Okabe-Ito green
OTHERS_COLOR = "#9AA5B1"
GAP_BAND_COLOR = "rgba(120, 120, 120, 0.13)"
#: the colour of each lens, in every chart and page
LENS_COLORS = {"experience": EXPERIENCE_COLOR, "setup": SETUP_COLOR}
FONT_FAMILY = "Helvetica, Arial, sans-serif"
#: the charts' font
FONT = {"family": FONT_FAMILY, "size": 13, "color": "#222"}
#: the plotly template every chart starts from
TEMPLATE = "plotly_white"

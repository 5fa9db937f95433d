"""The look shared by reports, the portfolio page and the workshop: colours and fonts.

Colours are from the Okabe-Ito palette where they tell things apart (the lenses, the
blind spot, the target), which stays distinguishable with the common colour-vision
deficiencies; the rest are greys and the red/green of the thresholds.

    >>> LENS_COLORS["setup"]
    '#E69F00'
"""

from __future__ import annotations

EXPERIENCE_COLOR = "#0072B2"  # Okabe-Ito blue
SETUP_COLOR = "#E69F00"  # Okabe-Ito orange
BLIND_COLOR = "#CC79A7"  # Okabe-Ito purple
TARGET_COLOR = "#009E73"  # Okabe-Ito bluish green
OTHERS_COLOR = "#9AA5B1"
GAP_BAND_COLOR = "rgba(120, 120, 120, 0.13)"
#: the colour of each lens, in every chart and page
LENS_COLORS = {"experience": EXPERIENCE_COLOR, "setup": SETUP_COLOR}

# -- thresholds ---------------------------------------------------------------------------
PAR_COLOR = "#B22222"  # the par line and the par ring of the role map
EXCELLENCE_COLOR = "#1B7F3B"
PAR_CHECK_COLOR = "#6B1010"  # the threshold-value tick over a profile bar
#: the department heatmap: red below par, white at par, blue from excellence up
HEATMAP_COLORS = {"low": "#B2182B", "par": "#F7F7F7", "excellence": "#92C5DE",
                  "high": "#2166AC"}

# -- customer roles -----------------------------------------------------------------------
ROLE_NEEDED_COLOR = TARGET_COLOR  # a role the claimed discipline needs
ROLE_OTHER_COLOR = OTHERS_COLOR
ROLE_GROUP_SHADE = "rgba(120, 120, 120, 0.07)"

# -- ink and paper ------------------------------------------------------------------------
INK = "#222"  # body text of the charts
TEXT_COLOR = "#333"  # labels next to points, error bars, the triangle's arrow
NOTE_COLOR = "#555"  # notes under a chart, "no data" messages
RULE_COLOR = "#666"  # the zero line, the band label, group labels
MARK_COLOR = "#999"  # the triangle's centre, "no data" markers
GRID_COLOR = "#e6e6e6"
TERNARY_GRID_COLOR = "#e2e2e2"
TERNARY_BG_COLOR = "#fbfbfb"
ARROW_COLOR = "rgba(60,60,60,0.55)"  # the portfolio triangle's arrows
ARROW_HEAD_COLOR = "rgba(60,60,60,0.8)"
OUTLINE_COLOR = "white"  # the outline of markers

# -- fonts --------------------------------------------------------------------------------
FONT_FAMILY = "Helvetica, Arial, sans-serif"
#: the charts' font
FONT = {"family": FONT_FAMILY, "size": 13, "color": INK}
TITLE_SIZE = 16  # a chart's title
LABEL_SIZE = 12  # threshold labels, notes, text next to points
SMALL_SIZE = 11

#: the plotly template every chart starts from
TEMPLATE = "plotly_white"

#: the colours of the HTML pages (the portfolio page's CSS variables)
PAGE_COLORS = {"ink": "#1f2933", "muted": "#616e7c", "line": "#d9e2ec",
               "accent": EXPERIENCE_COLOR, "bad": "#b42318", "bg-bad": "#fef3f2",
               "head": "#f5f7fa"}

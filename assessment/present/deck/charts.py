"""Native, editable PowerPoint charts from a :class:`~assessment.present.deck.content.ChartSpec`
(python-pptx's public chart API: ``CategoryChartData``, ``XyChartData``,
``shapes.add_chart``).

The chart data go into the workbook embedded in the deck ("Edit data" in PowerPoint), so
every name that enters it (a department's name is untrusted) passes through
:func:`assessment.files.csv_safe`: text starting like a spreadsheet formula gets a ``'``.

>>> from pptx import Presentation
>>> from pptx.util import Inches
>>> from assessment.present.deck.spec import ChartSpec
>>> slide = Presentation().slides.add_slide(Presentation().slide_layouts[6])
>>> spec = ChartSpec("bar", ["OE", "CI"], [("=1+1", [3.5, 2.5], "#0072B2")])
>>> frame = add_chart(slide, spec, Inches(1), Inches(1), Inches(6), Inches(4))
>>> frame.chart.plots[0].series[0].name, list(frame.chart.plots[0].series[0].values)
("'=1+1", [3.5, 2.5])
"""

from __future__ import annotations

import re
from typing import Any

from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_LABEL_POSITION,
)
from pptx.util import Pt

from assessment.files import csv_safe
from assessment.present.deck.spec import ChartSpec
from assessment.present.theme import PAR_COLOR

__all__ = ["add_chart", "clean", "rgb"]

# characters XML 1.0 does not allow (lxml refuses them)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
FONT = "Arial"


def clean(value: Any) -> str:
    """``value`` as text an XML document may hold (control characters dropped).

    Examples
    --------
    >>> clean("a\\x00b\\x1fc"), clean("<script>")
    ('abc', '<script>')
    """
    return _NOT_XML.sub("", str(value))


def rgb(colour: str) -> RGBColor:
    """``#RRGGBB`` as python-pptx's colour.

    Examples
    --------
    >>> str(rgb("#1F3A5F"))
    '1F3A5F'
    """
    return RGBColor.from_string(colour.lstrip("#")[:6].upper())


def _name(value: str) -> str:
    return clean(csv_safe(value))


def _style_text(chart: Any, size: int = 12) -> None:
    chart.font.size = Pt(size)
    chart.font.name = FONT


def _bar(slide: Any, spec: ChartSpec, x: int, y: int, cx: int, cy: int) -> Any:
    data = CategoryChartData(number_format=spec.number_format)
    data.categories = [_name(c) for c in spec.categories]
    for name, values, _ in spec.series:
        data.add_series(_name(name), values, spec.number_format)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, x, y, cx, cy, data)
    chart = frame.chart
    _style_text(chart)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.overlap = -10
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = spec.number_format
    labels.number_format_is_linked = False
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size = Pt(12)
    labels.font.bold = True
    for series, (name, _, colour) in zip(plot.series, spec.series, strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = rgb(colour)
        series.invert_if_negative = False
        for j, flag in enumerate(spec.flagged.get(name, [])):
            if flag:  # below par: the bar outlined in the par line's colour
                line = series.points[j].format.line
                line.color.rgb = rgb(PAR_COLOR)
                line.width = Pt(3)
    axis = chart.value_axis
    if spec.minimum is not None:
        axis.minimum_scale = spec.minimum
    if spec.maximum is not None:
        axis.maximum_scale = spec.maximum
        axis.major_unit = 1.0
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = rgb("#D9D9D9")
    axis.tick_labels.font.size = Pt(11)
    axis.tick_labels.number_format = "0" if spec.maximum is not None else "+0.0;-0.0;0"
    axis.tick_labels.number_format_is_linked = False
    if spec.axis_title:
        axis.has_title = True
        axis.axis_title.text_frame.text = clean(spec.axis_title)
        axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(11)
        axis.axis_title.text_frame.paragraphs[0].runs[0].font.bold = False
    if spec.crosses_at is not None:
        # the category axis (its line is the par line) crosses the values at par: bars
        # grow up from par or down from it
        axis.crosses_at = spec.crosses_at
    cats = chart.category_axis
    cats.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    cats.tick_labels.font.size = Pt(12)
    cats.format.line.color.rgb = rgb(PAR_COLOR)
    cats.format.line.width = Pt(2)
    _legend(chart, XL_LEGEND_POSITION.TOP)
    return frame


def _legend(chart: Any, position: Any) -> None:
    """A legend at ``position`` that does not shrink the plot area."""
    chart.has_legend = True
    chart.legend.position = position
    chart.legend.include_in_layout = False


def _xy(slide: Any, spec: ChartSpec, x: int, y: int, cx: int, cy: int) -> Any:
    data = XyChartData(number_format="0.00")
    for name, points, _ in spec.series:
        series = data.add_series(_name(name))
        for px, py in points:
            series.add_data_point(px, py)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER_LINES, x, y, cx, cy, data)
    chart = frame.chart
    _style_text(chart)
    for axis in (chart.value_axis, chart.category_axis):
        axis.minimum_scale = spec.minimum
        axis.maximum_scale = spec.maximum
        axis.has_major_gridlines = False
        axis.visible = False
    chart.value_axis.maximum_scale = 1.0
    for i, (series, (name, points, colour)) in enumerate(
            zip(chart.plots[0].series, spec.series, strict=True)):
        labels = spec.points.get(name, [])
        if i == 0:  # the triangle's outline: a line, no markers
            series.marker.style = XL_MARKER_STYLE.NONE
            series.format.line.color.rgb = rgb(colour)
            series.format.line.width = Pt(1.5)
        else:  # a lens's position: a marker, no line
            series.format.line.fill.background()
            series.marker.style = XL_MARKER_STYLE.CIRCLE
            series.marker.size = 16
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = rgb(colour)
            series.marker.format.line.color.rgb = rgb("#FFFFFF")
        positions = ([XL_LABEL_POSITION.BELOW, XL_LABEL_POSITION.BELOW,
                      XL_LABEL_POSITION.ABOVE] if i == 0 else [XL_LABEL_POSITION.RIGHT])
        for j, label in enumerate(labels[:len(points)]):
            if not label:
                continue
            tf = series.points[j].data_label.text_frame
            tf.text = clean(label)
            tf.paragraphs[0].runs[0].font.size = Pt(13 if i else 12)
            tf.paragraphs[0].runs[0].font.bold = bool(i)
            series.points[j].data_label.position = positions[min(j, len(positions) - 1)]
    chart.has_legend = False
    return frame


def _radar(slide: Any, spec: ChartSpec, x: int, y: int, cx: int, cy: int) -> Any:
    data = CategoryChartData(number_format=spec.number_format)
    data.categories = [_name(c) for c in spec.categories]
    for name, values, _ in spec.series:
        data.add_series(_name(name), values, spec.number_format)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.RADAR_MARKERS, x, y, cx, cy, data)
    chart = frame.chart
    _style_text(chart, 11)
    axis = chart.value_axis
    if spec.minimum is not None:
        axis.minimum_scale = spec.minimum
    if spec.maximum is not None:
        axis.maximum_scale = spec.maximum
        axis.major_unit = 1.0
    axis.tick_label_position = XL_TICK_LABEL_POSITION.NONE  # the ring says where par is
    for i, (series, (_, _, colour)) in enumerate(
            zip(chart.plots[0].series, spec.series, strict=True)):
        series.format.line.color.rgb = rgb(colour)
        series.format.line.width = Pt(2.5 if i == 0 else 1.5)
        series.marker.style = XL_MARKER_STYLE.CIRCLE if i == 0 else XL_MARKER_STYLE.NONE
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = rgb(colour)
        if i == 0:
            series.data_labels.show_value = True
            series.data_labels.number_format = spec.number_format
            series.data_labels.number_format_is_linked = False
            series.data_labels.font.size = Pt(10)
    _legend(chart, XL_LEGEND_POSITION.BOTTOM)
    return frame


def add_chart(slide: Any, spec: ChartSpec, x: int, y: int, cx: int, cy: int) -> Any:
    """Add ``spec`` to ``slide`` as a native chart at ``x, y`` of size ``cx, cy`` (EMU);
    returns the chart's graphic frame.

    ``bar``: a clustered column chart, values labelled, the category axis crossing the
    values at ``crosses_at`` (the par line); ``xy``: an XY scatter (the first series is an
    outline drawn as a line, the others single labelled points); ``radar``: a radar with
    markers, the first series labelled.
    """
    build = {"bar": _bar, "xy": _xy, "radar": _radar}[spec.kind]
    return build(slide, spec, x, y, cx, cy)

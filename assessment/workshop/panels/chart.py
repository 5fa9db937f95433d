"""The live chart of the workshop page: a plotly FigureWidget in its box, laid out for the
size the page reports and updated with only what changed."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w
import plotly.graph_objects as go

from assessment.instrument.models import Instrument
from assessment.workshop.figure import FIG_HEIGHT, FIG_WIDTH, build_figure, update_figure
from assessment.workshop.server_config import skip_slow_optional_import

skip_slow_optional_import()  # before plotly's FigureWidget is first imported


class ChartView:
    """The chart (``figure``) in its box (``box``), and the hidden field (``viewport``)
    through which the page reports the box's size (``"<width>x<height>"`` in pixels).

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> chart = ChartView()
    >>> chart.rebuild(load_instrument(), "en", "PC Maker")
    >>> chart.viewport.value = "812x604"
    >>> chart.figure.layout.width, chart.figure.layout.height
    (812, 604)
    """

    def __init__(self, on: Callable[[Callable], Callable] = lambda fn: fn):
        self.figure: go.FigureWidget | None = None
        self._sent: dict = {}  # what the figure was last given (see update_figure)
        self._size: tuple[int, int] | None = None  # the chart's box in the page
        self.box = w.Box(layout=w.Layout(width="100%"))
        self.box.add_class("ws-fig")
        self.viewport = w.Text(continuous_update=True, layout=w.Layout(display="none"))
        self.viewport.add_class("ws-viewport")
        self.viewport.observe(on(lambda ch: self.fit(ch["new"])), "value")

    def fit(self, size: str) -> None:
        """Lay the chart out for its box in the page (``"<width>x<height>"`` in pixels, as
        the page reports it); an unreadable size is ignored."""
        try:
            width, height = (int(v) for v in size.lower().split("x"))
        except ValueError:
            return
        fit = (max(width, 320), max(height, 300))
        if fit == self._size:
            return
        self._size = fit
        if self.figure is not None:  # a new view at that size (a shown one keeps its own)
            figure = go.FigureWidget(go.Figure(self.figure).update_layout(
                width=fit[0], height=fit[1]))  # in the first layout: a view keeps it
            self.figure = figure
            self.box.children = [figure]
            figure._repr_mimebundle_()

    def rebuild(self, instrument: Instrument, lang: str, company_name: str) -> None:
        """A new, empty chart (language or instrument changed), at the page's size."""
        figure = build_figure(instrument, lang, company_name)
        if self._size is not None:
            figure.update_layout(width=self._size[0], height=self._size[1])
        self.figure = go.FigureWidget(figure)
        self._sent = {}
        self.box.children = [self.figure]

    def update(self, instrument: Instrument, lang: str, result, survey, target, moves
               ) -> None:
        """Show a live result (see :func:`~assessment.workshop.figure.update_figure`): only
        the traces whose data changed are sent to the page."""
        update_figure(self.figure, instrument, lang, result, survey, target, moves,
                      self._sent)

    def show(self) -> None:
        """Put the figure's data into its synced state: the figure sits in a box, so its
        own display hook never runs; a new figure's first view needs it."""
        self.figure._repr_mimebundle_()

    def static(self) -> go.Figure:
        """The chart as a plain figure at the snapshot's size."""
        return go.Figure(self.figure).update_layout(width=FIG_WIDTH, height=FIG_HEIGHT)

"""Presentation: report sections, charts, the portfolio page and the summary files."""

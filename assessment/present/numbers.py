"""Numbers and dates in the reader's language, for the pages, the deck and the workshop:
:mod:`assessment.numbers` (a leaf module, so that the text books' own numbers use the
same formats).

    >>> num(3.456, ".2f", "de"), num_range((2.5, 3.75), lang="nl")
    ('3,46', '2,50 – 3,75')
"""

from __future__ import annotations

from assessment.numbers import MISSING, date, format_field, num, num_range

__all__ = ["MISSING", "num", "num_range", "date", "format_field"]

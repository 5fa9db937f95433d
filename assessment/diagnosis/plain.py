"""Plain JSON values: numbers rounded to three decimals, NaN as None."""

from __future__ import annotations

from typing import Any

import numpy as np


def plain(obj: Any) -> Any:
    """``obj`` with numpy numbers as Python numbers, floats rounded to 3 decimals, NaN and
    infinities as None, tuples as lists and keys as strings: what ``json.dumps`` takes.

    Examples
    --------
    >>> import numpy as np
    >>> plain({"mean": np.float64(3.14159), "n": np.int64(4), "sd": float("nan")})
    {'mean': 3.142, 'n': 4, 'sd': None}
    """
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if not np.isfinite(obj) else round(float(obj), 3)
    return obj

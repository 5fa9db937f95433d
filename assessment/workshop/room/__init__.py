"""The workshop room: participants answer on their own phones.

A Jupyter server extension (``assessment.workshop.room``) adds the participant page and its
JSON endpoints (:mod:`~assessment.workshop.room.handlers`) to the Jupyter server that runs
Voila: a phone costs one small HTTP request per answer, never a kernel. The answers go into
one file per participant under the session (:mod:`~assessment.workshop.room.store`); the
facilitator's kernel reads them (:mod:`assessment.workshop.panels.room`).
``python -m assessment workshop`` starts the server with both extensions
(:mod:`~assessment.workshop.room.serve`).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATASET_ENV", "URL_ENV"]

#: the dataset folder the server and the facilitator's kernel work on
DATASET_ENV = "WORKSHOP_DATASET"
#: the participant page's address as phones reach it (``http://<lan address>:<port>``)
URL_ENV = "WORKSHOP_ROOM_URL"


def _jupyter_server_extension_points() -> list[dict]:
    """Jupyter server's entry point: this module is the extension."""
    return [{"module": "assessment.workshop.room"}]


def _load_jupyter_server_extension(serverapp) -> None:
    """Add the participant routes for the sessions of ``$WORKSHOP_DATASET``."""
    from assessment.workshop.room.handlers import handlers
    from assessment.workshop.session import sessions_dir

    dataset = Path(os.environ.get(DATASET_ENV, "data/sample"))
    base = serverapp.web_app.settings.get("base_url", "/")
    serverapp.web_app.add_handlers(".*$", handlers(sessions_dir(dataset.resolve()), base))
    serverapp.log.info("workshop room: participant pages for %s", sessions_dir(dataset))

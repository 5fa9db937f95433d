"""One server for the whole workshop: ``python -m assessment workshop DATASET``.

A Jupyter server (jupyter_server's ``ServerApp``) with two extensions: Voila
(``voila.server_extension``, the facilitator's page at ``/voila/render/workshop.ipynb``,
one kernel) and the room (:mod:`assessment.workshop.room`, the participant page: a tornado
handler, no kernel per phone). The Jupyter API (kernels, files) needs the server's token,
which only the facilitator's address carries; the participant page checks its own join
token instead. JupyterLab, the language server and terminals are switched off.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path

from assessment.instrument.models import LANGS
from assessment.workshop.errors import WorkshopError, check_choice
from assessment.workshop.room import DATASET_ENV, URL_ENV
from assessment.workshop.room.handlers import ROUTE
from assessment.workshop.server_config import (
    skip_slow_optional_import,
    voila_args,
    voila_env,
)

__all__ = ["ServerPlan", "lan_address", "plan_server", "serve"]

NOTEBOOK = "workshop.ipynb"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
EVERYWHERE = ("0.0.0.0", "::", "")
#: server extensions the workshop server runs (True) or keeps off (False)
EXTENSIONS = {"voila.server_extension": True, "assessment.workshop.room": True,
              "jupyterlab": False, "jupyter_lsp": False, "jupyter_server_terminals": False,
              "notebook_shim": False, "nbclassic": False}


@dataclass
class ServerPlan:
    """What :func:`serve` starts: the server's arguments and environment, and what to print."""

    argv: list[str]
    env: dict[str, str]
    facilitator_url: str
    participant_url: str
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the command prints before the server starts."""
        return [f"Facilitator (this laptop): {self.facilitator_url}",
                f"Participants (phones):     {self.participant_url}<session>/<join token>",
                "  the full participant address and its QR code appear on the facilitator's "
                "page once the room is opened", *self.notes, "Ctrl-C stops the workshop."]


def lan_address() -> str | None:
    """This machine's address on the local network (the interface of the default route;
    nothing is sent), None when there is none (offline, no network).

    Examples
    --------
    >>> found = lan_address()
    >>> found is None or found.count(".") == 3
    True
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # a documentation address: connect() sends nothing
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") or addr == "0.0.0.0" else addr


def find_notebook_dir(start: Path | None = None) -> Path:
    """The folder holding ``workshop.ipynb``: ``notebooks/`` of the working folder, else of
    the repository the package runs from.

    Examples
    --------
    >>> (find_notebook_dir() / NOTEBOOK).is_file()
    True
    """
    here = Path(__file__).resolve().parents[3]
    for folder in (Path(start or Path.cwd()) / "notebooks", here / "notebooks"):
        if (folder / NOTEBOOK).is_file():
            return folder.resolve()
    raise WorkshopError(f"{NOTEBOOK} not found in ./notebooks or {here / 'notebooks'}: run the "
                        "command from the repository's folder")


def plan_server(dataset: str | Path, company: str, *, lang: str = "en", port: int = 8866,
                host: str = "127.0.0.1", token: str | None = None,
                lan: str | None = None) -> ServerPlan:
    """The server to start for a workshop on ``dataset`` and ``company``.

    ``host`` ``0.0.0.0`` listens on every network: phones reach the participant page on the
    machine's LAN address (``lan``, default :func:`lan_address`). The default
    ``127.0.0.1`` serves only this machine (a note says how to let phones in).

    Examples
    --------
    >>> plan = plan_server("data/sample", "pcmaker", host="0.0.0.0", port=8870,
    ...                    token="t0k", lan="192.168.1.20")
    >>> plan.facilitator_url
    'http://127.0.0.1:8870/voila/render/workshop.ipynb?token=t0k'
    >>> plan.participant_url, plan.env["WORKSHOP_ROOM_URL"]
    ('http://192.168.1.20:8870/workshop-room/', 'http://192.168.1.20:8870')
    >>> "--ServerApp.ip=0.0.0.0" in plan.argv, plan.notes[0][:42]
    (True, 'Listening on every network of this machine')
    >>> plan_server("data/sample", "pcmaker", token="t").notes[0][:41]
    'Only this machine can open the pages: add'
    """
    check_choice(lang, LANGS, "language")
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise WorkshopError(f"the port must be a whole number from 1 to 65535, not {port!r}")
    data = Path(dataset).resolve()
    if not (data / "companies.csv").is_file():
        raise WorkshopError(f"{dataset}: not a dataset folder (no companies.csv)")
    token = token or secrets.token_urlsafe(24)
    notes = []
    if host in EVERYWHERE:
        lan = lan or lan_address()
        if lan is None:
            notes.append("No local network found: phones cannot reach this machine; the "
                         "participant address below works on this machine only.")
        else:
            notes.append(f"Listening on every network of this machine; phones on the same "
                         f"Wi-Fi open {lan}. Allow incoming connections on port {port} in "
                         "the firewall if they cannot.")
        participant_host, facilitator_host = lan or "127.0.0.1", "127.0.0.1"
    else:
        participant_host = facilitator_host = host
        if host in LOOPBACK:
            notes.append("Only this machine can open the pages: add --host 0.0.0.0 to let "
                         "phones on the same Wi-Fi join.")
    base = f"http://{participant_host}:{port}"
    extensions = "{" + ",".join(f'"{k}":{v}' for k, v in EXTENSIONS.items()) + "}"
    argv = [f"--ServerApp.ip={host or '0.0.0.0'}", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", "--ServerApp.open_browser=False",
            f"--ServerApp.root_dir={find_notebook_dir()}",
            f"--ServerApp.jpserver_extensions={extensions}",
            "--ServerApp.terminals_enabled=False", f"--IdentityProvider.token={token}",
            *voila_args()]  # the page template, the extensions it loads, kernel culling
    if host not in LOOPBACK:
        argv.append("--ServerApp.allow_remote_access=True")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers run as root
        argv.append("--ServerApp.allow_root=True")
    env = {DATASET_ENV: str(data), "WORKSHOP_COMPANY": company, "WORKSHOP_LANG": lang,
           "WORKSHOP_MODE": os.environ.get("WORKSHOP_MODE", "team"), URL_ENV: base,
           "JUPYTER_PATH": voila_env()["JUPYTER_PATH"]}  # where Voila finds the template
    return ServerPlan(argv, env,
                      f"http://{facilitator_host}:{port}/voila/render/{NOTEBOOK}?token={token}",
                      f"{base}{ROUTE}/", notes)


def serve(plan: ServerPlan) -> int:  # pragma: no cover - runs until Ctrl-C
    """Print the addresses and run the server until it is stopped."""
    for text in plan.lines():
        print(text, flush=True)
    os.environ.update(plan.env)  # the facilitator's kernel inherits them
    skip_slow_optional_import()  # before jupyter_server imports jsonschema
    from jupyter_server.serverapp import ServerApp

    ServerApp.launch_instance(argv=plan.argv)
    return 0

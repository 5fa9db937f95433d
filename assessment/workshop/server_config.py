"""How the workshop's page is served: the one place of the Voila and Jupyter server settings
that ``make workshop``, the notebook and the ``workshop`` command share.

- the page template ``workshop`` (``share/voila/templates/workshop``, found through
  ``JUPYTER_PATH``): Voila's lab template without its CDN links (a workshop room is often
  offline), with the presenter view's keys and the chart sized to its box;
- only the browser extensions the page uses (Voila's widget manager, the widget classes,
  anywidget for plotly's FigureWidget, plotly's renderer);
- no MathJax from a CDN: Voila's page config points to cdnjs unless the server's
  ``tornado_settings`` say ``"null"``, which makes the page use the MathJax JupyterLab
  bundles (:data:`OFFLINE_MATHJAX`);
- idle kernels without a connected page are culled (:data:`CULL_IDLE_SECONDS`): every page
  load starts a kernel, and those of closed or reloaded pages do not pile up; the session
  such a kernel held is free again then (before that, the resume offer takes it over).

Examples
--------
>>> args = voila_args()
>>> "--VoilaConfiguration.template=workshop" in args
True
>>> env = voila_env({"JUPYTER_PATH": "/elsewhere"})
>>> env["JUPYTER_PATH"].split(os.pathsep)[1]
'/elsewhere'
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["CULL_IDLE_SECONDS", "OFFLINE_MATHJAX", "SHARE", "SKIPPED_IMPORT", "TEMPLATE",
           "VOILA_CONFIG", "skip_slow_optional_import", "voila_args", "voila_env"]

#: The folder that holds ``voila/templates/workshop`` (put on ``JUPYTER_PATH``).
SHARE = Path(__file__).resolve().parent / "share"
#: The page template's name.
TEMPLATE = "workshop"
#: Seconds a kernel without a connected page may stay idle before it is shut down.
CULL_IDLE_SECONDS = 300
#: How often (seconds) the server looks for such kernels.
CULL_INTERVAL_SECONDS = 30

#: Tornado settings that keep the page from loading MathJax from cdnjs.cloudflare.com: with
#: both set to ``"null"`` Voila's page loads the MathJax bundled with JupyterLab instead.
OFFLINE_MATHJAX = {"mathjax_url": "null", "mathjax_config": "null"}

#: An optional module left out of the workshop's processes: plotly's FigureWidget imports
#: nbformat, nbformat jsonschema, and jsonschema its optional IRI format checker, which
#: compiles some 40 grammars when imported: seconds on every page load (each page starts a
#: kernel) and every server start. jsonschema skips the checker when it cannot be
#: imported; nothing here checks IRIs. A process that imported jsonschema keeps it.
SKIPPED_IMPORT = "rfc3987_syntax"


def skip_slow_optional_import() -> bool:
    """Keep :data:`SKIPPED_IMPORT` from being imported in this process (a ``None`` entry
    in ``sys.modules`` makes its import raise ImportError), unless jsonschema was imported
    already. True when it is kept out.

    Examples
    --------
    >>> skip_slow_optional_import() == (sys.modules.get(SKIPPED_IMPORT, 0) is None)
    True
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault(SKIPPED_IMPORT, None)
    return sys.modules.get(SKIPPED_IMPORT, 0) is None


#: The settings, as traitlets configuration (class -> trait -> value).
VOILA_CONFIG: dict[str, dict[str, object]] = {
    "VoilaConfiguration": {
        "template": TEMPLATE,
        "extension_allowlist": ["@voila-dashboards/widgets-manager8",
                                "@jupyter-widgets/jupyterlab-manager", "anywidget",
                                "jupyterlab-plotly"],
        "show_tracebacks": False,
    },
    "ServerApp": {"tornado_settings": OFFLINE_MATHJAX},  # the ``workshop`` command's server
    "Voila": {"tornado_settings": OFFLINE_MATHJAX},  # ``voila`` run on its own
    "MappingKernelManager": {
        "cull_idle_timeout": CULL_IDLE_SECONDS,
        "cull_interval": CULL_INTERVAL_SECONDS,
        "cull_connected": False,  # a page that is open keeps its kernel however idle
    },
}


def voila_args(config: Mapping[str, Mapping[str, object]] = VOILA_CONFIG) -> list[str]:
    """The settings as command-line options for ``voila`` (or ``jupyter server``).

    Examples
    --------
    >>> voila_args({"MappingKernelManager": {"cull_idle_timeout": 60}})
    ['--MappingKernelManager.cull_idle_timeout=60']
    >>> voila_args({"VoilaConfiguration": {"extension_allowlist": ["a", "b"]}})
    ['--VoilaConfiguration.extension_allowlist=a', '--VoilaConfiguration.extension_allowlist=b']
    >>> voila_args({"ServerApp": {"tornado_settings": {"mathjax_url": "null"}}})
    ['--ServerApp.tornado_settings=mathjax_url=null']
    """
    out: list[str] = []
    for cls, traits in config.items():
        for name, value in traits.items():
            if isinstance(value, Mapping):
                values = [f"{k}={v}" for k, v in value.items()]
            else:
                values = value if isinstance(value, (list, tuple)) else [value]
            out += [f"--{cls}.{name}={v}" for v in values]
    return out


def voila_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's environment) with :data:`SHARE` first on
    ``JUPYTER_PATH``, so Voila finds the ``workshop`` template."""
    env = dict(os.environ if env is None else env)
    rest = env.get("JUPYTER_PATH", "")
    env["JUPYTER_PATH"] = os.pathsep.join([str(SHARE)] + ([rest] if rest else []))
    return env


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - used by make
    """``python -m assessment.workshop.server_config [--json]``: print the options (one a
    line) or the configuration as JSON."""
    import sys
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--json"]:
        print(json.dumps(VOILA_CONFIG, indent=2))
    else:
        print(" ".join(voila_args()))


if __name__ == "__main__":  # pragma: no cover
    main()

"""The addresses the app serves its files at: they name the files' version
(app/api/static_assets.py), so tests ask the app for them as its pages do."""

from starlette.applications import Starlette


def asset_path(app: Starlette, route: str, path: str) -> str:
    """The path of `path` under the mount `route` ("static", "plotly", "dagre")."""
    return str(app.url_path_for(route, path=path))

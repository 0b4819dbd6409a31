"""The pages' files at addresses that name their version, kept by browsers for good."""

import re

from app.api.static_assets import IMMUTABLE, STATIC_DIRECTORY, content_version
from tests.assets import asset_path


def test_the_run_page_links_its_files_at_their_versions(client):
    run = client.post("/api/runs", json={}).json()
    page = client.get(run["url"]).text
    version = content_version(STATIC_DIRECTORY)
    entry = re.search(r'<script type="module" src="([^"]+)"', page)
    assert entry and entry.group(1) == f"/static/{version}/js/pages/run.js"
    plotly = re.search(r'<meta name="plotly-src" content="([^"]+)"', page)
    assert plotly and plotly.group(1) == asset_path(client.app, "plotly", "plotly-cartesian.min.js")
    # No script in the head fetches Plotly: the page does, when it first draws a chart.
    assert 'plotly-cartesian.min.js" defer' not in page


def test_files_are_kept_for_good_and_only_at_their_version(client):
    path = asset_path(client.app, "static", "js/pages/run.js")
    response = client.get(path)
    assert response.status_code == 200 and response.headers["cache-control"] == IMMUTABLE
    assert client.get("/static/js/pages/run.js").status_code == 404
    assert client.get(path.replace("/js/", "/../js/")).status_code == 404
    # The page itself is not: it names the versions.
    assert "immutable" not in client.get("/compare").headers.get("cache-control", "")


def test_any_change_to_a_file_changes_the_version(tmp_path):
    (tmp_path / "js").mkdir()
    module = tmp_path / "js" / "a.js"
    module.write_text("export const a = 1;")
    before = content_version(tmp_path)
    assert content_version(tmp_path) == before  # The same files: the same address.
    module.write_text("export const a = 2;")
    changed = content_version(tmp_path)
    module.rename(tmp_path / "js" / "b.js")
    renamed = content_version(tmp_path)
    assert len({before, changed, renamed}) == 3
    # A listed file that is missing counts as missing, not as an empty file.
    assert content_version(tmp_path, ["js/b.js", "c.js"]) != content_version(tmp_path, ["js/b.js"])

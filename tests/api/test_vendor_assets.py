"""Plotly.js and dagre, served by the app from npm's copy in vendor/node_modules."""

import dataclasses
import json
import logging

import pytest
from fastapi.testclient import TestClient

from app.api import vendor_assets
from app.api.vendor_assets import DAGRE, PLOTLY, VENDOR_LIBRARIES
from app.main import create_app
from app.settings import PROJECT_ROOT

LOCK = json.loads((PROJECT_ROOT / "vendor" / "package-lock.json").read_text())


def test_every_library_is_installed_at_the_locked_version_with_its_checksum():
    # `make run`, `make test` and the Dockerfile install them with `npm ci --prefix vendor`.
    assert vendor_assets.missing_assets() == [], vendor_assets.INSTALL_HINT
    declared = json.loads((PROJECT_ROOT / "vendor" / "package.json").read_text())
    for name, version in declared["dependencies"].items():
        locked = LOCK["packages"][f"node_modules/{name}"]
        assert locked["version"] == version  # Pinned exactly, not a range.
        assert locked["integrity"].startswith("sha512-")
        installed = PROJECT_ROOT / "vendor" / "node_modules" / name / "package.json"
        assert json.loads(installed.read_text())["version"] == version


@pytest.mark.parametrize("library", VENDOR_LIBRARIES, ids=lambda library: library.name)
def test_each_file_is_served_compressed_and_revalidated(client, library):
    script, licence = library.files
    response = client.get(f"{library.path}/{script}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["content-encoding"] == "gzip"
    again = client.get(
        f"{library.path}/{script}", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    notice = client.get(f"{library.path}/{licence}")
    assert notice.status_code == 200 and "Permission is hereby granted" in notice.text


def test_plotly_is_the_cartesian_partial_bundle_of_the_locked_version(client):
    text = client.get(f"{PLOTLY.path}/plotly-cartesian.min.js").text
    version = LOCK["packages"]["node_modules/plotly.js-cartesian-dist-min"]["version"]
    assert f"plotly.js (cartesian - minified) v{version}" in text[:500]
    full = PROJECT_ROOT / "vendor" / "node_modules" / "plotly.js-dist-min"
    assert not full.exists()  # No full bundle to fall back on.
    assert client.get("/vendor/plotly/plotly.min.js").status_code == 404


def test_dagre_is_an_es_module_that_needs_no_eval(client):
    text = client.get(f"{DAGRE.path}/dagre.esm.js").text
    assert "export{" in text  # An ES module the page imports when it needs it.
    # The page's CSP has no 'unsafe-eval': dagre must not need it.
    assert "eval(" not in text and "Function(" not in text


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/dagre/dagre.js",
        "/vendor/dagre/dagre.esm.js.map",
        "/vendor/dagre/../package.json",
        "/vendor/dagre/%2e%2e/package.json",
        "/vendor/dagre/",
        "/vendor/dagre/types",
        "/vendor/plotly/package.json",
        "/vendor/plotly/README.md",
        "/vendor/plotly/",
    ],
)
def test_nothing_else_of_the_packages_is_served(client, path):
    assert client.get(path).status_code == 404


def test_a_missing_copy_is_said_at_start_up_and_answers_404(
    settings, tmp_path, monkeypatch, caplog
):
    absent = dataclasses.replace(PLOTLY, directory=tmp_path / "not-installed")
    monkeypatch.setattr(vendor_assets, "VENDOR_LIBRARIES", (absent, DAGRE))
    with caplog.at_level(logging.ERROR), TestClient(create_app(settings)) as client:
        assert client.get(f"{PLOTLY.path}/plotly-cartesian.min.js").status_code == 404
        assert client.get(f"{DAGRE.path}/dagre.esm.js").status_code == 200
    assert "npm ci --prefix vendor" in caplog.text
    assert "plotly-cartesian.min.js is missing: no chart can be drawn" in caplog.text

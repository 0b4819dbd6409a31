"""dagre, the run page's graph layout, served by the app from npm's copy in vendor/node_modules."""

import json
import logging

import pytest
from fastapi.testclient import TestClient

from app.api import vendor_assets
from app.main import create_app
from app.settings import PROJECT_ROOT

DAGRE = "/vendor/dagre/dagre.esm.js"


def test_dagre_is_installed_at_the_locked_version():
    # `make run`, `make test` and the Dockerfile install it with `npm ci --prefix vendor`.
    assert vendor_assets.missing_assets() == [], vendor_assets.INSTALL_HINT
    lock = (PROJECT_ROOT / "vendor" / "package-lock.json").read_text()
    package = (vendor_assets.DAGRE_DIR.parent / "package.json").read_text()
    version = json.loads(package)["version"]
    assert f'"version": "{version}"' in lock


def test_dagre_is_served_compressed_and_revalidated_like_plotly(client):
    response = client.get(DAGRE, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["content-encoding"] == "gzip"
    assert "export{" in response.text  # An ES module the page imports when it needs it.
    # The page's CSP has no 'unsafe-eval': dagre must not need it.
    assert "eval(" not in response.text and "Function(" not in response.text
    again = client.get(DAGRE, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    licence = client.get("/vendor/dagre/dagre.esm.js.LEGAL.txt")
    assert licence.status_code == 200 and "Permission is hereby granted" in licence.text


@pytest.mark.parametrize(
    "path",
    ["dagre.js", "dagre.esm.js.map", "../package.json", "%2e%2e/package.json", "", "types"],
)
def test_nothing_else_of_the_package_is_served(client, path):
    assert client.get(f"/vendor/dagre/{path}").status_code == 404


def test_a_missing_copy_is_said_at_start_up_and_answers_404(
    settings, tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(vendor_assets, "DAGRE_DIR", tmp_path / "not-installed")
    with caplog.at_level(logging.ERROR), TestClient(create_app(settings)) as client:
        assert client.get(DAGRE).status_code == 404
    assert "npm ci --prefix vendor" in caplog.text
    assert "dagre.esm.js is missing" in caplog.text

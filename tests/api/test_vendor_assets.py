"""Plotly.js and dagre, served by the app from npm's copy in vendor/node_modules."""

import dataclasses
import json
import logging

import pytest
from fastapi.testclient import TestClient

from app.api import vendor_assets
from app.api.precompressed import accepts_brotli
from app.api.static_assets import IMMUTABLE
from app.api.vendor_assets import DAGRE, PLOTLY, VENDOR_LIBRARIES
from app.main import create_app
from app.settings import PROJECT_ROOT
from tests.assets import asset_path

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
def test_each_file_is_served_compressed_at_its_version_and_kept_for_good(client, library):
    script, licence = library.files
    path = asset_path(client.app, library.name, script)
    assert path.startswith(f"{library.path}/") and path != f"{library.path}/{script}"
    response = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == IMMUTABLE
    again = client.get(
        path, headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304 and again.headers["cache-control"] == IMMUTABLE
    notice = client.get(asset_path(client.app, library.name, licence))
    assert notice.status_code == 200 and "Permission is hereby granted" in notice.text
    # Only at its version's address.
    assert client.get(f"{library.path}/{script}").status_code == 404


def test_plotly_is_the_cartesian_partial_bundle_of_the_locked_version(client):
    text = client.get(asset_path(client.app, "plotly", "plotly-cartesian.min.js")).text
    version = LOCK["packages"]["node_modules/plotly.js-cartesian-dist-min"]["version"]
    assert f"plotly.js (cartesian - minified) v{version}" in text[:500]
    full = PROJECT_ROOT / "vendor" / "node_modules" / "plotly.js-dist-min"
    assert not full.exists()  # No full bundle to fall back on.
    assert client.get(asset_path(client.app, "plotly", "plotly.min.js")).status_code == 404


def test_dagre_is_an_es_module_that_needs_no_eval(client):
    text = client.get(asset_path(client.app, "dagre", "dagre.esm.js")).text
    assert "export{" in text  # An ES module the page imports when it needs it.
    # The page's CSP has no 'unsafe-eval': dagre must not need it.
    assert "eval(" not in text and "Function(" not in text


@pytest.mark.parametrize(
    ("library", "path"),
    [
        ("dagre", "dagre.js"),
        ("dagre", "dagre.esm.js.map"),
        ("dagre", "../package.json"),
        ("dagre", "%2e%2e/package.json"),
        ("dagre", ""),
        ("dagre", "types"),
        ("plotly", "package.json"),
        ("plotly", "README.md"),
        ("plotly", ""),
    ],
)
def test_nothing_else_of_the_packages_is_served(client, library, path):
    assert client.get(asset_path(client.app, library, "") + path).status_code == 404


def test_a_missing_copy_is_said_at_start_up_and_answers_404(
    settings, tmp_path, monkeypatch, caplog
):
    absent = dataclasses.replace(PLOTLY, directory=tmp_path / "not-installed")
    monkeypatch.setattr(vendor_assets, "VENDOR_LIBRARIES", (absent, DAGRE))
    with caplog.at_level(logging.ERROR), TestClient(create_app(settings)) as client:
        plotly = client.get(asset_path(client.app, "plotly", "plotly-cartesian.min.js"))
        assert plotly.status_code == 404
        assert client.get(asset_path(client.app, "dagre", "dagre.esm.js")).status_code == 200
    assert "npm ci --prefix vendor" in caplog.text
    assert "plotly-cartesian.min.js is missing: no chart can be drawn" in caplog.text


@pytest.mark.parametrize("library", VENDOR_LIBRARIES, ids=lambda library: library.name)
def test_each_script_goes_as_its_brotli_copy_to_browsers_that_accept_it(client, library):
    script = library.files[0]
    path = asset_path(client.app, library.name, script)
    response = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br"
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["vary"] == "Accept-Encoding"
    original = (library.directory / script).read_bytes()
    assert response.content == original  # httpx decodes Brotli.
    assert int(response.headers["content-length"]) < len(original) / 3
    again = client.get(
        path, headers={"Accept-Encoding": "br", "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    refused = client.get(path, headers={"Accept-Encoding": "br;q=0, gzip"})
    assert refused.headers["content-encoding"] == "gzip" and refused.content == original


@pytest.mark.parametrize(
    ("accept_encoding", "brotli"),
    [
        ("br", True),
        ("gzip, deflate, br, zstd", True),
        ("BR;q=0.5", True),
        ("br;q=0", False),
        ("br; q=0.000", False),
        ("br;q=nonsense", False),
        ("gzip", False),
        ("brotli", False),
        ("", False),
    ],
)
def test_brotli_is_sent_only_where_accepted(accept_encoding, brotli):
    scope = {"type": "http", "headers": [(b"accept-encoding", accept_encoding.encode())]}
    assert accepts_brotli(scope) is brotli

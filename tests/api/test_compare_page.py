import json
import re

from app.api.compare import MAX_COMPARED_RUNS, requested_run_ids
from app.api.templating import templates
from app.i18n import translate
from tests.assets import asset_path


def page_data(html: str) -> dict:
    match = re.search(r'id="compare-data">(.*?)</script>', html, re.S)
    assert match, "the page carries no compare data"
    return json.loads(match.group(1))


def test_the_compare_page_lists_the_runs_asked_for(client):
    response = client.get("/compare", params={"runs": "abc, def,abc,,ghi"})
    assert response.status_code == 200
    assert "Compare runs" in response.text
    data = page_data(response.text)
    assert data["run_ids"] == ["abc", "def", "ghi"]
    assert data["max_runs"] == MAX_COMPARED_RUNS
    assert data["optimizer_classes"]["adam"] == "AdamOptimizer"
    # Only the app's own scripts: no inline code, nothing from elsewhere.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
    for attributes, body in scripts:
        assert 'type="application/json"' in attributes or not body.strip(), attributes
        source = re.search(r'src="([^"]*)"', attributes)
        assert source is None or source.group(1).startswith("/static/"), attributes
    entry = asset_path(client.app, "static", "js/pages/compare.js")
    assert f'src="{entry}"' in response.text


def test_the_compare_page_without_runs_still_renders_in_chinese_too(client):
    response = client.get("/compare", params={"lang": "zh"})
    assert response.status_code == 200
    assert "比较训练" in response.text
    assert page_data(response.text)["run_ids"] == []
    assert '"compare.need_two"' in response.text  # The page's script explains how to add runs.


def test_requested_ids_are_split_trimmed_and_kept_once():
    assert requested_run_ids(None) == []
    assert requested_run_ids(" , ") == []
    assert requested_run_ids("b,a,b") == ["b", "a"]


def test_the_run_page_link_opens_a_comparison_with_that_run():
    html = templates.get_template("_compare_link.html").render(
        run={"id": "Abc_12-x"}, t=lambda key, **params: translate("en", key, **params)
    )
    assert 'href="/compare?runs=Abc_12-x"' in html
    assert "Compare with other runs" in html

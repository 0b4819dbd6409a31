import html
import json
import re
from typing import get_args

import pytest

from app.api.lesson import STOPS
from app.domain.graph import Origin, Role, Unreadable
from app.i18n import LANGUAGES, choose_language, messages
from app.settings import PROJECT_ROOT
from tests.navigation import NAVIGATION


def run_page_url(client, **params) -> str:
    """Where `GET /` sends the browser, without the fragment that hands over the token."""
    response = client.get("/", params=params, headers=NAVIGATION, follow_redirects=False)
    assert response.status_code == 303
    return response.headers["location"].split("#")[0]


def test_start_page_creates_a_run_and_redirects_to_its_link(client):
    response = client.get("/", headers=NAVIGATION, follow_redirects=False)
    location, fragment = response.headers["location"].split("#")
    assert re.fullmatch(r"/runs/[A-Za-z0-9_-]{22}", location)
    # The owner token goes to the page in the fragment, which browsers never send on.
    assert re.fullmatch(r"owner=[A-Za-z0-9_-]{43}", fragment)
    page = client.get(location)
    assert page.status_code == 200
    assert "Final data fit" in page.text
    data = json.loads(re.search(r'id="run-data">(.*?)</script>', page.text, re.S).group(1))
    assert data["id"] == location.rsplit("/", 1)[1]


def test_language_from_query_is_remembered_in_a_cookie(client):
    location = run_page_url(client, lang="zh")
    assert location.endswith("?lang=zh")
    page = client.get(location)
    assert "最终拟合结果" in page.text and '<html lang="zh-Hans">' in page.text
    assert page.cookies.get("stepwise_lang") == "zh"
    again = client.get(location.split("?")[0])  # The client keeps the cookie.
    assert "最终拟合结果" in again.text
    english = client.get(location.split("?")[0], params={"lang": "en"})
    assert "Final data fit" in english.text


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "chosen"),
    [
        (None, None, None, "en"),
        (None, None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        (None, "en", "zh-CN", "en"),
        ("zh", "en", None, "zh"),
        ("klingon", None, "fr-FR", "en"),
    ],
)
def test_choose_language(query, cookie, accept, chosen):
    assert choose_language(query, cookie, accept) == chosen


def test_catalogues_have_the_same_keys_and_placeholders():
    english = messages("en")
    for language in LANGUAGES:
        catalogue = messages(language)
        assert catalogue.keys() == english.keys(), language
        for key, text in english.items():
            assert set(re.findall(r"\{(\w+)\}", catalogue[key])) == set(
                re.findall(r"\{(\w+)\}", text)
            ), (language, key)


def test_every_message_the_page_uses_exists():
    used: set[str] = set()
    for path in [
        *(PROJECT_ROOT / "templates").glob("*.html"),
        *(PROJECT_ROOT / "static/js").glob("**/*.js"),
    ]:
        used |= set(re.findall(r"""\bt\(\s*['"`]([\w.]+)['"`]""", path.read_text()))
    # Keys the scripts build from the graph description.
    used |= {f"graph.legend_{origin}" for origin in get_args(Origin)}
    used |= {f"graph.unreadable.{reason}" for reason in get_args(Unreadable)}
    # And the lesson's from its stops' names.
    used -= {"lesson."}
    used |= {f"lesson.{stop.name}.{part}" for stop in STOPS for part in ("name", "text", "show")}
    used |= {f"graph.role.{role}" for role in get_args(Role)}
    charts = (PROJECT_ROOT / "static/js/charts/plotly.js").read_text()
    used |= set(re.findall(r':\s*"(plotly\.\w+)"', charts))
    assert used, "no message keys found"
    missing = used - messages("en").keys()
    assert not missing


def test_the_code_listings_are_on_the_page(client):
    page = client.get(run_page_url(client)).text
    assert 'data-action="step">        update_weights.run()' in page
    assert "tf.GradientTape()" in page
    assert "# was tf.sub" in page


def test_unknown_run_page_is_404_html(client):
    response = client.get("/runs/not-a-run", params={"lang": "zh"})
    assert response.status_code == 404
    assert "找不到" in response.text


@pytest.mark.parametrize(
    "headers",
    [
        {},  # A crawler or a chat app's link preview: no Fetch Metadata at all.
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},  # From another site.
        {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"},
        {**NAVIGATION, "Sec-Purpose": "prefetch;prerender"},  # The address bar's guess.
    ],
)
@pytest.mark.parametrize("path", ["/", "/new?lr=0.01&lock=lr"])
def test_only_a_person_opening_the_page_starts_a_run(client, headers, path):
    before = len(client.app.state.service.summaries(100))
    page = client.get(path, headers=headers, follow_redirects=False)
    assert page.status_code == 200
    assert '<form method="post"' in page.text and 'id="start-run"' in page.text
    assert len(client.app.state.service.summaries(100)) == before  # No run was created.


@pytest.mark.parametrize("path", ["/", "/new?lr=0.01&lock=lr"])
def test_the_start_button_creates_the_run_from_this_site_only(client, path):
    service = client.app.state.service
    before = len(service.summaries(100))
    own = client.post(path, headers={"Sec-Fetch-Site": "same-origin"}, follow_redirects=False)
    assert own.status_code == 303
    assert re.fullmatch(r"/runs/[A-Za-z0-9_-]{22}(\?.*)?#owner=.+", own.headers["location"])
    old_browser = client.post(path, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert old_browser.status_code == 303
    for foreign in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {}):
        refused = client.post(path, headers=foreign, follow_redirects=False)
        assert refused.status_code == 403
    assert len(service.summaries(100)) == before + 2


def test_the_logo_leads_to_the_start_page_which_starts_nothing(client):
    service = client.app.state.service
    before = len(service.summaries(100))
    run_page = client.get(run_page_url(client)).text
    assert '<a class="brand" href="/start"' in run_page
    # A person clicking the logo: the page with the button, and still no new run.
    home = client.get("/start", params={"lang": "zh"}, headers=NAVIGATION)
    assert home.status_code == 200
    assert '<form method="post" action="/?lang=zh">' in home.text and 'id="start-run"' in home.text
    assert len(service.summaries(100)) == before + 1  # Only the run run_page_url made.


def test_a_wrong_assignment_link_is_refused_before_any_button(client):
    page = client.get("/new", params={"lr": "fast"}, follow_redirects=False)
    assert page.status_code == 422
    assert "lr" in page.text


@pytest.mark.parametrize(
    "optimizer",
    [
        {"name": "gradient_descent"},
        {"name": "momentum", "momentum": 0.9, "use_nesterov": True},
        {"name": "adagrad"},
        {"name": "rmsprop", "centered": True},
        {"name": "adam"},
    ],
)
def test_the_graph_panel_names_the_update_the_runs_graph_has(client, optimizer):
    # It named gradient descent's scope and op whatever the optimizer (found walking through).
    run = client.post("/api/runs", json={"optimizer": optimizer}).json()
    nodes = client.get(f"/api/runs/{run['id']}/graph").json()["nodes"]
    (update,) = [node for node in nodes if node["role"] == "update"]
    scope = update["name"].split("/")[0]
    page = client.get(f"/runs/{run['id']}").text
    (explain,) = re.findall(r'<p class="explain">(Every node of this run.*?)</p>', page, re.S)
    explain = html.unescape(explain)
    assert f"the {scope}/ update" in explain
    assert f"{update['op']} is TF 1.x's {update['op'].removeprefix('Resource')}" in explain

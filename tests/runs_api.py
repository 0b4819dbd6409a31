"""Starting runs through the JSON API, as most API tests do."""


def create_run(client, **config) -> dict:
    """Create a run with `config` (the body of POST /api/runs); its 201 answer."""
    response = client.post("/api/runs", json=config)
    assert response.status_code == 201, response.text
    return response.json()

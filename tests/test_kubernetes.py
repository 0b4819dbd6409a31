"""The Kubernetes manifests: deploy/kubernetes/ rendered as its kustomization.yaml would be,
every object validated against the Kubernetes API's schemas (kubernetes-validate bundles them:
nothing is fetched), and checked against what they describe: the app's routes, the Dockerfile,
the settings, deploy/upstream.conf's routing and the README's benchmark.

No cluster runs here: the Ingress's routing is checked by choosing a location for each of the
app's routes the way ingress-nginx does (every path a regular expression once one Ingress asks
for them, the longest first, case-insensitive) and reading the hash key from its capture.
"""

import inspect
import json
import re

import kubernetes_validate
import pytest
import yaml
from fastapi.routing import iter_route_contexts
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from starlette.routing import Mount

from app.main import app
from app.runs.creation import new_run_id
from app.serve import SHUTDOWN_SECONDS
from app.settings import PROJECT_ROOT, Settings

KUBERNETES = PROJECT_ROOT / "deploy" / "kubernetes"
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
README = (PROJECT_ROOT / "README.md").read_text()
# The oldest Kubernetes the manifests are for (Pod Security's namespace labels, autoscaling/v2
# and policy/v1 are all GA by 1.25) and the newest whose schemas kubernetes-validate ~=1.37.0
# (pyproject.toml) bundles.
KUBERNETES_VERSIONS = ("1.25", "1.37")
# What the rendering below does with a kustomization: any other field fails the test rather
# than being ignored.
KUSTOMIZE_FIELDS = {"apiVersion", "kind", "namespace", "resources", "images"}
CLUSTER_SCOPED = {"Namespace"}
ANNOTATION = "nginx.ingress.kubernetes.io/"
RUN_ID = new_run_id()  # As the app makes them.
# Values for the routes' parameters; any other gets "sample".
PATH_PARAMETERS = {"run_id": RUN_ID, "step": "3", "stream": "stream-0123456789"}
SECRET_EXAMPLE = "secret.example.yaml"


def load(name: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all((KUBERNETES / name).read_text()) if doc]


KUSTOMIZATION = load("kustomization.yaml")[0]


def render() -> list[dict]:
    """The objects `kubectl apply -k deploy/kubernetes` would send: each resource's documents,
    in the kustomization's namespace, with its images."""
    assert set(KUSTOMIZATION) <= KUSTOMIZE_FIELDS
    images = {image["name"]: image for image in KUSTOMIZATION.get("images", [])}
    objects = []
    for name in KUSTOMIZATION["resources"]:
        for obj in load(name):
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = KUSTOMIZATION["namespace"]
            for container in containers(obj):
                image = images.get(container["image"].split(":")[0])
                if image:
                    container["image"] = f"{image['newName']}:{image['newTag']}"
            objects.append(obj)
    return objects


def containers(obj: dict) -> list[dict]:
    if obj["kind"] != "Deployment":
        return []
    return obj["spec"]["template"]["spec"]["containers"]


OBJECTS = render()


def the(kind: str, name: str = "stepwise") -> dict:
    (found,) = (o for o in OBJECTS if o["kind"] == kind and o["metadata"]["name"] == name)
    return found


def all_of(kind: str) -> list[dict]:
    return [o for o in OBJECTS if o["kind"] == kind]


DEPLOYMENT = the("Deployment")
POD = DEPLOYMENT["spec"]["template"]["spec"]
(CONTAINER,) = POD["containers"]
CONFIG = the("ConfigMap")["data"]
(SECRET,) = load(SECRET_EXAMPLE)


def mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    number, unit = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", quantity).groups()
    return int(number) * units[unit]


def dockerfile_cmd() -> list[str]:
    (cmd,) = re.findall(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    return json.loads(cmd)


def option(arguments: list[str], name: str) -> str:
    return arguments[arguments.index(name) + 1]


# The kustomization and the schemas.


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_is_valid_for_the_pinned_kubernetes_versions(version):
    for obj in [*OBJECTS, SECRET]:
        # Strict: a field the API does not know (a misspelt probe, say) fails too.
        assert kubernetes_validate.validate(obj, version, strict=True) == version


def test_the_kustomization_applies_every_manifest_but_the_secret_example():
    manifests = {path.name for path in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(KUSTOMIZATION["resources"]) == manifests - {SECRET_EXAMPLE}
    assert not all_of("Secret")  # Never applied from the repository.
    assert the("Namespace", KUSTOMIZATION["namespace"])


def test_the_deployment_runs_the_image_the_kustomization_names():
    (image,) = KUSTOMIZATION["images"]
    assert CONTAINER["image"] == f"{image['newName']}:{image['newTag']}"
    # The Deployment's own name for it is the one the kustomization replaces.
    (unrendered,) = load("deployment.yaml")
    assert containers(unrendered)[0]["image"] == image["name"]


# The Deployment against the app and its image.


def app_routes() -> dict[str, object]:
    """The app's routes by path, every router included, GET routes over others."""
    routes: dict[str, object] = {}
    for context in iter_route_contexts(app.routes):
        if "GET" in (context.methods or ()) or context.path not in routes:
            routes[context.path] = context.route
    return routes


def test_probes_ask_the_apps_health_routes():
    routes = app_routes()
    port = CONTAINER["ports"][0]
    for probe, path in [
        ("startupProbe", "/livez"),
        ("livenessProbe", "/livez"),
        ("readinessProbe", "/healthz"),
    ]:
        get = CONTAINER[probe]["httpGet"]
        assert get["path"] == path and get["port"] == port["name"]
        assert "GET" in routes[path].methods
    # Liveness runs on the event loop: it never waits behind computations in worker threads,
    # nor for the database (readiness does: no requests while the store is out of reach).
    assert inspect.iscoroutinefunction(routes["/livez"].endpoint)
    assert not inspect.iscoroutinefunction(routes["/healthz"].endpoint)


def test_the_container_runs_the_images_command_on_its_port_as_its_user():
    assert "command" not in CONTAINER and "args" not in CONTAINER  # The image's CMD.
    (exposed,) = re.findall(r"^EXPOSE (\d+)$", DOCKERFILE, re.MULTILINE)
    (port,) = CONTAINER["ports"]
    assert port == {"name": "http", "containerPort": int(exposed), "protocol": "TCP"}
    assert option(dockerfile_cmd(), "--port") == exposed
    assert option(dockerfile_cmd(), "--host") == "0.0.0.0"
    (user,) = re.findall(r"^USER (\d+):(\d+)$", DOCKERFILE, re.MULTILINE)
    security = POD["securityContext"]
    assert (str(security["runAsUser"]), str(security["runAsGroup"])) == user
    assert security["runAsNonRoot"] is True


def test_the_root_filesystem_is_read_only_but_tmp():
    assert CONTAINER["securityContext"]["readOnlyRootFilesystem"] is True
    assert CONTAINER["securityContext"]["capabilities"]["drop"] == ["ALL"]
    (mount,) = CONTAINER["volumeMounts"]
    assert mount["mountPath"] == "/tmp"
    (volume,) = POD["volumes"]
    assert volume["name"] == mount["name"] and "emptyDir" in volume
    # No volume for the image's /data: the store is PostgreSQL, by URL.
    env = {entry["name"]: entry for entry in CONTAINER["env"]}
    reference = env["STEPWISE_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert reference["name"] == SECRET["metadata"]["name"]
    assert not reference.get("optional")  # No database, no pod: never SQLite in a pod.
    assert "STEPWISE_DATA_DIR" not in CONFIG


def test_stopping_lets_the_ingress_stop_routing_then_the_server_drain():
    sleep = CONTAINER["lifecycle"]["preStop"]["exec"]["command"]
    assert sleep[0] == "sleep" and int(sleep[1]) >= 5
    drain = int(option(dockerfile_cmd(), "--timeout-graceful-shutdown"))
    assert drain == SHUTDOWN_SECONDS
    assert POD["terminationGracePeriodSeconds"] > int(sleep[1]) + drain + 5


def test_startup_allows_at_least_the_images_start_period():
    probe = CONTAINER["startupProbe"]
    (start_period,) = re.findall(r"--start-period=(\d+)s", DOCKERFILE)
    assert probe["periodSeconds"] * probe["failureThreshold"] >= int(start_period)


def test_every_setting_named_is_one_of_the_apps():
    named = set(CONFIG) | {entry["name"] for entry in CONTAINER["env"]}
    named |= set(SECRET["stringData"])
    # uvicorn's own: the replicas trust the address and scheme the ingress controller sends.
    assert named - {name for name in named if name.startswith("STEPWISE_")} == {
        "FORWARDED_ALLOW_IPS"
    }
    fields = {f"STEPWISE_{name.upper()}" for name in Settings.model_fields}
    assert {name for name in named if name.startswith("STEPWISE_")} <= fields
    # The ConfigMap's values are valid ones.
    config = {
        name.removeprefix("STEPWISE_").lower(): value
        for name, value in CONFIG.items()
        if name.startswith("STEPWISE_")
    }
    Settings(**config)
    # Every key the Deployment reads from the Secret is in the example, and only the teacher's
    # token may be left out.
    for entry in CONTAINER["env"]:
        reference = entry["valueFrom"]["secretKeyRef"]
        assert reference["key"] in SECRET["stringData"]
        assert bool(reference.get("optional")) == (entry["name"] == "STEPWISE_TEACHER_TOKEN")
    # Services' variables would share the settings' prefix (STEPWISE_PORT…).
    assert POD["enableServiceLinks"] is False


def test_the_secret_example_fails_closed():
    url = make_url(SECRET["stringData"]["STEPWISE_DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    assert url.host.endswith(".invalid")  # RFC 2606: resolves nowhere.
    with pytest.raises(ValidationError, match="teacher_token"):
        Settings(teacher_token=SECRET["stringData"]["STEPWISE_TEACHER_TOKEN"])


def test_resources_are_sized_from_the_benchmark():
    resources = CONTAINER["resources"]
    (peak,) = re.findall(r"server memory, peak \(VmHWM\) \| ([\d,]+) MiB", README)
    assert mebibytes(resources["requests"]["memory"]) >= int(peak.replace(",", ""))
    assert mebibytes(resources["limits"]["memory"]) > mebibytes(resources["requests"]["memory"])
    # The request is sized for the default number of live sessions, which the ConfigMap names.
    assert int(CONFIG["STEPWISE_MAX_LIVE_RUNS"]) == Settings.model_fields["max_live_runs"].default
    # Two computations per core of the limit, as the default gives on the benchmark's machine.
    cores = int(resources["limits"]["cpu"])
    assert int(CONFIG["STEPWISE_MAX_CONCURRENT_COMPUTATIONS"]) == 2 * cores
    assert resources["requests"]["cpu"] == resources["limits"]["cpu"]


def test_the_autoscaler_the_disruption_budget_and_the_network_policy_select_the_pods():
    assert "replicas" not in DEPLOYMENT["spec"]  # The autoscaler's to set.
    target = the("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "stepwise")
    assert the("HorizontalPodAutoscaler")["spec"]["minReplicas"] >= 2
    # Five replicas of 19 connections fit PostgreSQL's default of 100 (README, "Scaling").
    assert the("HorizontalPodAutoscaler")["spec"]["maxReplicas"] * 19 <= 100
    labels = DEPLOYMENT["spec"]["template"]["metadata"]["labels"]
    assert DEPLOYMENT["spec"]["selector"]["matchLabels"].items() <= labels.items()
    for obj in [the("PodDisruptionBudget"), the("NetworkPolicy")]:
        selector = obj["spec"].get("selector") or obj["spec"]["podSelector"]
        assert selector["matchLabels"].items() <= labels.items()
    (rule,) = the("NetworkPolicy")["spec"]["ingress"]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]


# The Ingress against deploy/upstream.conf's routing.


def upstream_run_id(path: str) -> str:
    """The run id deploy/upstream.conf hashes on for `path` ("" for round-robin)."""
    (pattern,) = re.findall(
        r'map \$uri \$run_id \{\s*"~(.+?)" \$id;',
        (PROJECT_ROOT / "deploy" / "upstream.conf").read_text(),
    )
    match = re.match(pattern.replace("(?<", "(?P<"), path)
    return match["id"] if match else ""


def ingress_locations() -> list[tuple[dict, dict]]:
    """Every path of the host with its Ingress, in the order ingress-nginx tries them."""
    locations = []
    for ingress in all_of("Ingress"):
        (rule,) = ingress["spec"]["rules"]
        for path in rule["http"]["paths"]:
            locations.append((path, ingress))
    assert any(
        ingress["metadata"]["annotations"].get(ANNOTATION + "use-regex") == "true"
        for _, ingress in locations
    )
    # ingress-nginx sorts by path, descending, then by length, longest first.
    locations.sort(key=lambda location: location[0]["path"], reverse=True)
    locations.sort(key=lambda location: len(location[0]["path"]), reverse=True)
    return locations


def route_to(path: str) -> tuple[dict, dict, re.Match]:
    """The Ingress path that takes `path`, its Ingress and the match."""
    for location, ingress in ingress_locations():
        match = re.match("^" + location["path"], path, re.IGNORECASE)
        if match:
            return location, ingress, match
    raise AssertionError(f"no Ingress path takes {path}")


def parameter_value(name: re.Match) -> str:
    return PATH_PARAMETERS.get(name[1], "sample")


def sample_paths() -> list[str]:
    """A path of each of the app's routes, and of a file under each of its mounts."""
    paths = []
    for path, route in app_routes().items():
        path = re.sub(r"\{(\w+)(?::\w+)?\}", parameter_value, path)
        paths.append(f"{path}/file.js" if isinstance(route, Mount) else path)
    return paths


def hashed_services() -> dict[str, str]:
    """The hash key of each Service an Ingress names: ingress-nginx keeps one per Service."""
    keys: dict[str, set[str]] = {}
    for location, ingress in ingress_locations():
        service = location["backend"]["service"]["name"]
        key = ingress["metadata"]["annotations"].get(ANNOTATION + "upstream-hash-by", "")
        keys.setdefault(service, set()).add(key)
    assert all(len(key) == 1 for key in keys.values()), keys  # No Ingress disagrees.
    return {service: key.pop() for service, key in keys.items()}


def test_each_run_goes_to_one_replica_by_its_id_and_other_requests_take_turns():
    keys = hashed_services()
    assert keys == {"stepwise-runs": "$1", "stepwise": ""}
    paths = sample_paths()
    assert f"/api/runs/{RUN_ID}/stream" in paths and f"/runs/{RUN_ID}" in paths
    for path in [*paths, "/runs/a-b_C9", "/api/runs/a-b_C9/stream", "/api/runs"]:
        location, _, match = route_to(path)
        run_id = upstream_run_id(path)
        service = location["backend"]["service"]["name"]
        if run_id:
            assert keys[service] == "$1" and match[1] == run_id, path
        else:
            assert keys[service] == "", path  # Round-robin, as upstream.conf's empty key.


def test_streams_are_passed_on_unbuffered_and_for_an_hour():
    routes_conf = (PROJECT_ROOT / "deploy" / "routes.conf").read_text()
    assert "proxy_read_timeout 1h;" in routes_conf
    _, streams, _ = route_to(f"/api/runs/{RUN_ID}/stream")
    annotations = streams["metadata"]["annotations"]
    assert annotations[ANNOTATION + "proxy-buffering"] == "off"
    assert int(annotations[ANNOTATION + "proxy-read-timeout"]) == 3600
    assert int(annotations[ANNOTATION + "proxy-send-timeout"]) == 3600
    for path in [f"/api/runs/{RUN_ID}/step", f"/runs/{RUN_ID}", "/api/runs"]:
        _, ingress, _ = route_to(path)
        assert ingress["metadata"]["annotations"][ANNOTATION + "proxy-read-timeout"] == "120"


def test_every_ingress_works_with_ingress_nginx_defaults():
    settings = Settings()
    service_ports = {
        service["metadata"]["name"]: service["spec"]["ports"] for service in all_of("Service")
    }
    pod_labels = DEPLOYMENT["spec"]["template"]["metadata"]["labels"]
    for ingress in all_of("Ingress"):
        annotations = ingress["metadata"]["annotations"]
        # No snippets: ingress-nginx refuses them unless its operator allows them.
        assert not [name for name in annotations if name.endswith("-snippet")]
        # The app's own limit on bodies, refused before a replica.
        assert annotations[ANNOTATION + "proxy-body-size"] == "1m"
        assert settings.max_body_bytes == 1024 * 1024
        assert ingress["spec"]["ingressClassName"] == "nginx"
        (rule,) = ingress["spec"]["rules"]
        assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"]]
        for path in rule["http"]["paths"]:
            # ingress-nginx's strict path check admits a regular expression only in these.
            regex = bool(re.search(r"[^A-Za-z0-9_./-]", path["path"]))
            assert path["pathType"] == ("ImplementationSpecific" if regex else "Prefix")
            backend = path["backend"]["service"]
            (port,) = service_ports[backend["name"]]
            assert port["name"] == backend["port"]["name"] and port["targetPort"] == "http"
    for service in all_of("Service"):
        assert service["spec"]["selector"].items() <= pod_labels.items()


def test_the_readme_says_how_to_apply_it_and_what_to_replace():
    assert "kubectl apply -k deploy/kubernetes" in README
    assert "create secret generic stepwise" in README
    assert KUSTOMIZATION["images"][0]["newName"] in README
    (ingress_host,) = {ingress["spec"]["rules"][0]["host"] for ingress in all_of("Ingress")}
    assert ingress_host in README

"""docker-compose.yml, checked without a Docker engine: its shape, and the compose-spec schema.

No database and no Docker needed: the file is read with PyYAML (a dependency of drf-spectacular)
and validated by check-jsonschema from the same virtualenv.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
SETTINGS_FILE = ROOT / "config" / "settings.py"

STACK = {"db", "redis", "web", "worker", "beat", "mailpit"}
APP_SERVICES = ("web", "worker", "beat")
MERGE_TAG = "tag:yaml.org,2002:merge"


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def services(compose_text) -> dict:
    return yaml.safe_load(compose_text)["services"]


def environment_of(service: dict) -> dict:
    """A service's environment as a dict, whichever of the two compose forms it is written in."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def command_text(service: dict) -> str:
    command = service.get("command") or ""
    return command if isinstance(command, str) else " ".join(str(part) for part in command)


def one_shot_dependencies(services: dict, name: str) -> list[str]:
    """The services that `name` waits for until they have exited successfully."""
    depends_on = services[name].get("depends_on") or {}
    if isinstance(depends_on, list):
        return []
    return [dep for dep, how in depends_on.items() if (how or {}).get("condition") == "service_completed_successfully"]


def is_one_shot(services: dict, name: str) -> bool:
    """A job that runs to completion: some service waits for it to exit, and it is never restarted."""
    awaited = any(name in one_shot_dependencies(services, other) for other in services)
    return awaited and str(services[name].get("restart", "no")) == "no"


def mapping_value(node: yaml.MappingNode, key: str):
    for key_node, value_node in node.value:
        if key_node.value == key:
            return value_node
    raise KeyError(key)


def test_it_defines_the_whole_production_stack(services):
    assert STACK <= set(services), f"missing services: {sorted(STACK - set(services))}"


def test_it_builds_worker_and_beat_from_the_web_definition_through_the_x_app_anchor(compose_text):
    root = yaml.compose(compose_text)
    anchor = mapping_value(root, "x-app")
    compose_services = mapping_value(root, "services")
    allowed_own_keys = {"web": {"command", "healthcheck", "ports"}, "worker": {"command", "healthcheck"}}
    allowed_own_keys["beat"] = {"command", "healthcheck", "deploy"}
    for name in APP_SERVICES:
        node = mapping_value(compose_services, name)
        merged = [value for key, value in node.value if key.tag == MERGE_TAG]
        assert any(value is anchor for value in merged), f"{name} is not merged from the x-app anchor"
        own_keys = {key.value for key, _ in node.value if key.tag != MERGE_TAG}
        assert own_keys <= allowed_own_keys[name], f"{name} overrides more than it should: {own_keys}"


def test_it_runs_worker_and_beat_on_the_web_image_and_environment_with_their_own_commands(services):
    web = services["web"]
    assert web.get("build"), "web must build the image"
    for name in ("worker", "beat"):
        service = services[name]
        assert service.get("build") == web["build"]
        assert service.get("image") == web.get("image")
        assert environment_of(service) == environment_of(web)
        assert service.get("volumes") == web.get("volumes")
        assert command_text(service) != command_text(web)
    assert command_text(services["worker"]) != command_text(services["beat"])
    assert "gunicorn" in command_text(web)
    assert re.search(r"celery -A config worker\b", command_text(services["worker"]))
    assert re.search(r"celery -A config beat\b", command_text(services["beat"]))


def test_it_starts_exactly_one_beat_and_never_scales_it(services):
    beat = services["beat"]
    assert beat.get("deploy", {}).get("replicas") == 1
    assert "scale" not in beat
    assert beat.get("deploy", {}).get("mode", "replicated") == "replicated"


def test_it_gives_every_service_a_health_check(services):
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no healthcheck"
        if is_one_shot(services, name):
            continue  # a job that exits: its exit code is its health
        check = service["healthcheck"]
        assert not check.get("disable"), f"{name} disables its healthcheck"
        assert check.get("test"), f"{name} has an empty healthcheck"


def test_it_checks_web_health_on_healthz_and_the_worker_with_a_celery_ping(services):
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "python" in web_check and "/healthz" in web_check and "curl" not in web_check
    worker_check = " ".join(services["worker"]["healthcheck"]["test"])
    assert "inspect ping" in worker_check


def test_it_applies_migrations_before_gunicorn_serves(services):
    web_command = command_text(services["web"])
    if "migrate" in web_command:
        assert web_command.index("migrate") < web_command.index("gunicorn")
        return
    migrators = [dep for dep in one_shot_dependencies(services, "web") if "migrate" in command_text(services[dep])]
    assert migrators, "web neither migrates nor waits for a one-shot migrate service"
    for migrator in migrators:
        assert "manage.py migrate" in command_text(services[migrator])
        assert is_one_shot(services, migrator)
        assert services[migrator].get("deploy", {}).get("replicas", 1) == 1
        for name in ("worker", "beat"):
            assert migrator in one_shot_dependencies(services, name), f"{name} does not wait for {migrator}"


def test_it_starts_the_app_only_after_its_backing_services_are_healthy(services):
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        for backing in ("db", "redis"):
            assert depends_on[backing]["condition"] == "service_healthy", f"{name} -> {backing}"


def test_it_configures_the_app_only_with_variables_that_settings_reads(services):
    settings_text = SETTINGS_FILE.read_text(encoding="utf-8")
    for name in APP_SERVICES:
        for variable in environment_of(services[name]):
            assert f'"{variable}"' in settings_text or f"'{variable}'" in settings_text, (
                f"{name} sets {variable}, which config/settings.py does not read"
            )


def test_it_runs_production_shaped_and_refuses_to_start_without_a_secret_key(services):
    env = environment_of(services["web"])
    assert env["DATABASE_URL"] == "postgres://crm:crm@db:5432/crm"
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["EMAIL_URL"] == "smtp://mailpit:1025"
    assert str(env["DEBUG"]).lower() == "false"
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", env["SECRET_KEY"])
    for variable in (
        "DEFAULT_FROM_EMAIL",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "CORS_ALLOWED_ORIGINS",
        "SITE_URL",
        "REMINDER_DAYS_BEFORE",
    ):
        assert variable in env
    # Plain HTTP on localhost: the HTTPS-only defaults of DEBUG=false are turned off explicitly.
    for variable in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert str(env[variable]).lower() == "false"


def test_it_keeps_postgres_data_and_uploads_in_named_volumes(compose_text, services):
    named = set(yaml.safe_load(compose_text).get("volumes") or {})

    def mounted(service: str, target: str) -> str:
        for volume in services[service].get("volumes", []):
            source, _, path = volume.partition(":")
            if path.split(":")[0] == target:
                return source
        raise AssertionError(f"{service} mounts nothing on {target}")

    assert mounted("db", "/var/lib/postgresql/data") in named
    var_dir = environment_of(services["web"]).get("VAR_DIR", "/app/var")
    assert mounted("web", var_dir) in named


def test_it_passes_the_compose_specification_schema():
    checker = Path(sys.executable).parent / "check-jsonschema"
    assert checker.exists(), f"check-jsonschema is not installed next to {sys.executable}"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr

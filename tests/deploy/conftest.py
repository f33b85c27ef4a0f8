"""The shipped deployment as data: gradebook.env.example (the app's settings, compose's
env_file), .env.example (compose's own variables: the database passwords) and
docker-compose.yml, resolved the way docker compose resolves them, so tests can run gradebook
with exactly the environment a container gets."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::(?P<op>[?-])(?P<arg>[^}]*))?\}")


APP_EXAMPLE = REPO / "gradebook.env.example"
COMPOSE_EXAMPLE = REPO / ".env.example"


def example_env(path: Path = APP_EXAMPLE) -> dict[str, str]:
    """The example's assignments, every ``change-me`` replaced by a fresh random secret."""
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = secrets.token_hex(32) if value == "change-me" else value
    return env


def named_in_example(path: Path = APP_EXAMPLE) -> set[str]:
    """Every variable the example sets or names in a commented-out assignment."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", path.read_text(), flags=re.M))


def interpolate(value: str, env: dict[str, str]) -> str:
    """``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}`` as docker compose reads them."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op == "?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return _INTERPOLATION.sub(one, value)


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def service_env(service: str, app: dict[str, str], variables: dict[str, str]) -> dict[str, str]:
    """What the container of ``service`` gets: its env_file (``app``, from the example), then
    its ``environment`` on top, interpolated from compose's ``variables``."""
    spec = compose()["services"][service]
    env = {}
    if "env_file" in spec:
        assert spec["env_file"] == "gradebook.env", f"{service} reads {spec['env_file']}"
        env = dict(app)
    environment = {
        k: interpolate(str(v), variables) for k, v in spec.get("environment", {}).items()
    }
    return {**env, **environment}


@pytest.fixture
def production_env() -> dict[str, str]:
    """gradebook.env as an operator fills it in from the example."""
    return example_env()


@pytest.fixture
def compose_variables() -> dict[str, str]:
    """.env as an operator fills it in from the example."""
    return example_env(COMPOSE_EXAMPLE)

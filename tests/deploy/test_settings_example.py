"""The committed production example names every setting and passes ``check --deploy``; the
database passwords reach only the containers that need them."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.deploy.conftest import (
    COMPOSE_EXAMPLE,
    REPO,
    compose,
    example_env,
    named_in_example,
    service_env,
)

READERS = re.compile(r"\benv(?:str|bool|int|list|choice)\(\s*\"([A-Z][A-Z0-9_]+)\"")
PASSWORDS = {"POSTGRES_PASSWORD", "GRADEBOOK_OWNER_PASSWORD", "GRADEBOOK_APP_PASSWORD"}
#: What a container needs from the host besides its environment, to run the check here.
HOST = ("PATH", "HOME", "LANG", "TMPDIR")


def _settings_variables() -> set[str]:
    return set(READERS.findall((REPO / "gradebook" / "settings.py").read_text()))


def test_every_variable_the_settings_read_is_named_in_the_example_and_the_docs():
    variables = _settings_variables()
    assert {"SECRET_KEY", "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS"} <= variables
    assert variables - named_in_example() == set()
    docs = (REPO / "docs" / "deployment.md").read_text()
    assert {v for v in variables if f"`{v}`" not in docs} == set()


def test_compose_interpolates_only_the_passwords_of_its_own_example():
    text = (REPO / "docker-compose.yml").read_text()
    needed = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    assert needed == PASSWORDS == set(example_env(COMPOSE_EXAMPLE))
    assert not PASSWORDS & named_in_example()  # never in the file every container gets


def test_the_app_runs_as_its_own_role_and_only_migrate_holds_the_owners_password(
    production_env, compose_variables
):
    services = compose()["services"]
    apps = [name for name, spec in services.items() if spec.get("image") == "gradebook:latest"]
    assert {"web", "worker", "worker-images", "migrate"} <= set(apps)
    secret = {name: compose_variables[name] for name in PASSWORDS}
    for name in apps:
        env = service_env(name, production_env, compose_variables)
        role = "gradebook_owner" if name == "migrate" else "gradebook_app"
        assert env["DATABASE_URL"].startswith(f"postgres://{role}:"), (name, env)
        held = {k for k, v in secret.items() if any(v in value for value in env.values())}
        expected = "GRADEBOOK_OWNER_PASSWORD" if name == "migrate" else "GRADEBOOK_APP_PASSWORD"
        assert held == {expected}, name
    assert "grant_app_role gradebook_app" in " ".join(services["migrate"]["command"])
    db = services["db"]
    assert "./deploy/postgres-init:/docker-entrypoint-initdb.d:ro" in db["volumes"]


def test_check_deploy_reports_no_issue_with_the_production_example(
    production_env, compose_variables, tmp_path
):
    env = {
        **{k: os.environ[k] for k in HOST if k in os.environ},
        **service_env("web", production_env, compose_variables),
        "GRADEBOOK_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_the_example_alone_is_refused_until_its_secret_is_replaced(tmp_path):
    env = example_env()
    env["SECRET_KEY"] = "change-me"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env={
            **{k: os.environ[k] for k in HOST if k in os.environ},
            **env,
            "GRADEBOOK_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is still the placeholder" in result.stderr

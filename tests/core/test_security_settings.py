"""Production settings pass Django's deploy check; every page carries the CSP."""

import os
import secrets
import subprocess
import sys

import pytest

from config.env import BASE_DIR


def deploy_check(**overrides: str) -> subprocess.CompletedProcess:
    # The browser tests' conftest allows async-unsafe calls for this process; not for production.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = inherited | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "waymark.example.com",
        "DATABASE_URL": "postgres://waymark@db.example.com:5432/waymark",
        "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = deploy_check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_deployment_behind_a_redirecting_proxy_can_turn_the_redirect_off():
    result = deploy_check(DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_HSTS_SECONDS="0")

    assert result.returncode == 1
    assert "security.W008" in result.stderr
    assert "security.W004" in result.stderr


@pytest.mark.parametrize("path", ["/login/", "/", "/content/assets/"])
def test_every_page_carries_the_content_security_policy(client, marketer, path):
    client.force_login(marketer)

    policy = client.get(path)["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"

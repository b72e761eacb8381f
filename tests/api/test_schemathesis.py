"""The schema tells the truth: schemathesis generates requests for every operation from
`/api/schema/`, as an admin and as a sales rep, and checks each answer against it — no server
error, a documented status code, content type and headers, and a body of the documented shape.

Examples are valid and invalid input alike. A small world (one of every record, built by the
factories) is in place; most examples aim at a record that exists, so details and actions answer
from real data rather than 404. Each example runs in a savepoint that is rolled back, so every
one starts from the same world.
Examples are bounded and derandomized: the run is repeatable and stays within a few minutes.
"""

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import close_old_connections, transaction
from django.test import RequestFactory
from hypothesis import strategies as st
from rest_framework.request import Request
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.users.models import User
from apps.users.services import api_token_issue
from config.api_urls import router

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 5
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(hypothesis.HealthCheck),
)


def existing_path_parameters(operation, user: User) -> dict[str, object]:
    """The lookup of the first record the resource shows the user, as its path names it."""
    prefix = operation.path.removeprefix("/api/v1/").split("/", 1)[0]
    [viewset] = [viewset for p, viewset, _ in router.registry if p == prefix]
    view = viewset(action="retrieve", format_kwarg=None, kwargs={})
    view.request = Request(RequestFactory().get(operation.path))
    view.request.user = user
    record = view.get_queryset().order_by("pk").first()
    assert record is not None, f"the world has nothing for {operation.label}"
    [parameter] = operation.path_parameters
    return {parameter.name: record.serializable_value(viewset.lookup_field)}


def run_operation(operation, user: User, headers: dict[str, str]) -> int:
    """Valid and invalid input (negative mode: a wrong type, a missing field, a value out of
    range), aimed at an existing record when the path names one, and at any id as well.
    Returns how many requests it sent."""
    sent = 0
    fixed = {}
    strategies = []
    if operation.path_parameters:
        fixed = {"path_parameters": existing_path_parameters(operation, user)}
        strategies.append(operation.as_strategy())
    strategies += [
        operation.as_strategy(**fixed),
        operation.as_strategy(GenerationMode.NEGATIVE, **fixed),
    ]
    strategy = st.one_of(*strategies)

    @SETTINGS
    @hypothesis.given(case=strategy)
    def check(case):
        nonlocal sent
        sent += 1
        with transaction.atomic():
            case.call_and_validate(headers=headers, checks=CHECKS)
            transaction.set_rollback(True)

    check()
    return sent


@pytest.mark.parametrize("role", ["admin_member", "sales_rep"])
def test_every_operation_answers_as_its_schema_says(request, role, every_record):
    user = request.getfixturevalue(role)
    headers = {"Authorization": f"Token {api_token_issue(user=user)[1]}"}
    # As Django's test client does: a request must not close the test's connection.
    request_started.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
        failures, unsent = [], []
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:
            try:
                if run_operation(operation, user, headers) < EXAMPLES_PER_OPERATION:
                    unsent.append(operation.label)
            except (Exception, BaseExceptionGroup) as error:  # one run reports every operation
                failures.append(f"{operation.label}: {error}")
    finally:
        request_started.connect(close_old_connections)
    assert len(operations) > 150
    assert not unsent, f"too few requests sent to {unsent}"
    assert not failures, f"{len(failures)} operations disagree with the schema:\n\n" + "\n\n".join(
        failures
    )

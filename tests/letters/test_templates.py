"""The city edits its letters: each edit is checked, saved as a new version and audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.db import Database
from app.models import Role, User
from tests.conftest import MakeUser
from tests.letters.conftest import MakeRequest
from tests.letters.test_api import counts, pdf_text
from tests.letters.test_pdf import Listener, embedded_files, hostile, listener

__all__ = ["listener"]  # the fixture, shared with test_pdf

Headers = Callable[[User], dict[str, str]]


def test_every_kind_has_a_seeded_template_that_passes_its_own_check(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    clerk = sign_in(make_user(Role.clerk))
    templates = client.get("/api/v1/letter-templates", headers=clerk).json()
    assert [t["kind"] for t in templates] == [
        "acknowledgement", "extension_notice", "fee_estimate", "denial", "closing"]
    for template in templates:
        current = template["current"]
        # the closing letter's second seeded wording lists the grounds of a release
        assert current["version"] == (2 if template["kind"] == "closing" else 1)
        saved = client.post(f"/api/v1/letter-templates/{template['id']}/versions", headers=clerk, json={
            "subject_template": current["subject_template"], "body_template": current["body_template"]})
        assert saved.status_code == 201, saved.text


def test_an_edit_is_a_new_version_the_next_letter_uses(
    client: TestClient, database: Database, make_user: MakeUser, sign_in: Headers, make_request: MakeRequest
) -> None:
    admin_user = make_user(Role.admin)
    admin = sign_in(admin_user)
    # the acknowledgement: still at its first seeded wording (the closing letter is at its second)
    edited = next(t for t in client.get("/api/v1/letter-templates", headers=admin).json()
                  if t["kind"] == "acknowledgement")
    url = f"/api/v1/letter-templates/{edited['id']}/versions"
    saved = client.post(url, headers=admin, json={
        "subject_template": "{{ city_name }}: request {{ request_number }} closed",
        "body_template": "<p>Request {{ request_number }} is closed. Goodbye, {{ requester_name }}.</p>"})
    assert saved.status_code == 201 and saved.json()["version"] == 2
    assert saved.json()["created_by"] == admin_user.username
    detail = client.get(f"/api/v1/letter-templates/{edited['id']}", headers=admin).json()
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    assert "24-72" not in detail["current"]["body_template"]
    assert detail["versions"][1]["body_template"] == edited["current"]["body_template"]  # kept
    trail = client.get("/api/v1/audit", headers=admin, params={"action": "letter_template.edit"}).json()
    assert trail["total"] == 1
    assert trail["items"][0]["details"]["before"]["version"] == 1
    assert trail["items"][0]["details"]["after"]["version"] == 2

    request = make_request()
    letter = client.post(f"/api/v1/requests/{request.id}/letters", headers=admin,
                         json={"kind": "acknowledgement"}).json()
    assert letter["template_version"] == 2 and letter["subject"] == f"City: request {request.number} closed"
    pdf = client.get(f"/api/v1/requests/{request.id}/letters/{letter['id']}.pdf", headers=admin)
    assert "Goodbye, Alex Requester." in pdf_text(pdf.content)


def test_a_bad_template_is_refused_with_its_line_and_nothing_saved(
    client: TestClient, database: Database, make_user: MakeUser, sign_in: Headers
) -> None:
    clerk = sign_in(make_user(Role.clerk))
    denial = next(t for t in client.get("/api/v1/letter-templates", headers=clerk).json()
                  if t["kind"] == "denial")
    url = f"/api/v1/letter-templates/{denial['id']}/versions"
    before = counts(database)
    for body, line, words in [
        ("<p>one</p>\n{% for g in grounds %}\n<li>{{ g.code }}</li>", 3, "Unexpected end of template"),
        ("<p>\n{{ ''.__class__.__mro__ }}</p>", 2, "names starting with _"),
        ("<p>{{ requester_phone }}</p>", 1, "'requester_phone' is not a name this template knows"),
        ("<p>{{ ''|attr('__class__') }}</p>", 1, "unsafe"),
    ]:
        answer = client.post(url, headers=clerk, json={"subject_template": "Re {{ request_number }}",
                                                       "body_template": body})
        assert answer.status_code == 400, answer.text
        problem = answer.json()
        assert answer.headers["content-type"] == "application/problem+json"
        assert problem["line"] == line and problem["field"] == "body", problem
        assert f"line {line}" in problem["detail"] and words in problem["detail"], problem
    missing = client.post("/api/v1/letter-templates/00000000-0000-0000-0000-000000000000/versions",
                          headers=clerk, json={"subject_template": "x", "body_template": "y"})
    assert missing.status_code == 404
    assert counts(database) == before


def test_only_clerks_and_admins_edit_templates(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    attorney = sign_in(make_user(Role.attorney))
    templates = client.get("/api/v1/letter-templates", headers=attorney).json()
    answer = client.post(f"/api/v1/letter-templates/{templates[0]['id']}/versions", headers=attorney,
                         json={"subject_template": "x", "body_template": "y"})
    assert answer.status_code == 403


def test_a_saved_template_that_reaches_out_draws_a_letter_that_reached_nothing(
    client: TestClient, make_user: MakeUser, sign_in: Headers, make_request: MakeRequest,
    listener: Listener, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-1234")
    clerk = sign_in(make_user(Role.clerk))
    closing = next(t for t in client.get("/api/v1/letter-templates", headers=clerk).json()
                   if t["kind"] == "closing")
    body = hostile(listener.port, secret).replace("2026-0042", "{{ request_number }}")
    saved = client.post(f"/api/v1/letter-templates/{closing['id']}/versions", headers=clerk,
                        json={"subject_template": "Closed", "body_template": body})
    assert saved.status_code == 201, saved.text
    request = make_request()
    letter = client.post(f"/api/v1/requests/{request.id}/letters", headers=clerk,
                         json={"kind": "closing"}).json()
    pdf = client.get(f"/api/v1/requests/{request.id}/letters/{letter['id']}.pdf", headers=clerk).content
    assert request.number in pdf_text(pdf)
    assert listener.connections == 0
    assert embedded_files(pdf) == [] and b"SECRET-MARKER" not in pdf

"""The admin pages over HTTP: each change goes through the domain's service (audited), and
each bad input shows a clear error with the person's input and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.db import Database
from app.core.settings import Settings
from app.models import Role, User
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, actions, csrf_of, signed_in

pytestmark = EMBEDDED
PASSWORD = "Imap-Secret-4417-zebra"


def as_admin(api: TestClient, make_user: MakeUser) -> str:
    return signed_in(api, make_user(Role.admin, username="root-admin"))


def test_index_links_every_section(api: TestClient, make_user: MakeUser) -> None:
    as_admin(api, make_user)
    page = api.get("/admin").text
    for path in ("/admin/users", "/admin/api-tokens", "/admin/lockouts", "/admin/ingest-roots",
                 "/admin/mail-connections", "/admin/retention", "/admin/calendar",
                 "/admin/rule-sets", "/admin/fee-schedules", "/admin/letter-templates",
                 "/admin/notice-templates", "/admin/citations", "/admin/public-texts"):
        assert f'href="{path}"' in page, path


def test_creating_users_and_the_refusals(api: TestClient, make_user: MakeUser,
                                         database: Database) -> None:
    token = as_admin(api, make_user)
    good = {"csrf_token": token, "username": "jnakamura", "full_name": "June Nakamura",
            "email": "jn@city.example.gov", "roles": ["clerk", "attorney"],
            "password": "a long enough password"}
    made = api.post("/admin/users", data=good, follow_redirects=False)
    assert made.status_code == 303
    assert actions(database)[-1] == "user.create"
    listed = api.get("/admin/users").text
    assert "jnakamura" in listed and "attorney, clerk" in listed
    before = actions(database)
    for change, status, said in (
            ({}, 409, "A user named &#39;jnakamura&#39; already exists."),
            ({"username": "nobody", "roles": []}, 400, "roles"),
            ({"username": "nobody", "roles": ["superuser"]}, 400, "A role is one of"),
            ({"username": "no body"}, 400, "username"),
            ({"username": "nobody", "password": "short"}, 400, "password")):
        answer = api.post("/admin/users", data=good | change)
        assert answer.status_code == status and said in answer.text, change
        assert 'role="alert"' in answer.text
        assert good["password"] not in answer.text and "short" not in answer.text.split(
            "<main")[1].split("Create a user")[1].split("</form>")[0].split('name="password"')[1]
        if "username" in change:
            assert f'value="{change["username"]}"' in answer.text  # the input is kept
    assert actions(database) == before  # nothing changed, nothing audited
    assert "nobody" not in api.get("/admin/users").text


def test_a_password_is_set_through_the_service(api: TestClient, make_user: MakeUser,
                                               database: Database) -> None:
    token = as_admin(api, make_user)
    clerk = make_user(Role.clerk)
    done = api.post(f"/admin/users/{clerk.id}/password",
                    data={"csrf_token": token, "password": "another long password"},
                    follow_redirects=False)
    assert done.status_code == 303 and actions(database)[-1] == "user.password_set"
    short = api.post(f"/admin/users/{clerk.id}/password", data={"csrf_token": token,
                                                                "password": "tiny"})
    assert short.status_code == 400 and "12 to 200" in short.text
    bad_id = api.post("/admin/users/not-a-uuid/password",
                      data={"csrf_token": token, "password": "another long password"})
    assert bad_id.status_code == 400
    assert actions(database)[-1] == "user.password_set"


def test_api_token_secret_shown_once_then_revoked(api: TestClient, make_user: MakeUser,
                                                  database: Database) -> None:
    token = as_admin(api, make_user)
    system = make_user(Role.clerk, username="records-bot")
    before = actions(database)
    unknown = api.post("/admin/api-tokens", data={"csrf_token": token, "name": "scanner",
                                                  "username": "ghost", "lifetime_days": "30"})
    assert unknown.status_code == 404 and "No user named &#39;ghost&#39;" in unknown.text
    assert 'value="scanner"' in unknown.text
    for days in ("0", "abc", "9999"):
        bad = api.post("/admin/api-tokens", data={"csrf_token": token, "name": "scanner",
                                                  "username": system.username,
                                                  "lifetime_days": days})
        assert bad.status_code == 400 and "lifetime_days" in bad.text, days
    assert actions(database) == before
    issued = api.post("/admin/api-tokens", data={"csrf_token": token, "name": "scanner",
                                                 "username": system.username})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    secret = issued.text.split('id="secret" class="secret" readonly value="')[1].split('"')[0]
    assert secret.startswith("cus_")
    me = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["username"] == "records-bot"
    listed = api.get("/admin/api-tokens").text
    assert secret not in listed and secret[:12] in listed
    assert secret not in str([e.details for e in _entries(database)])
    token_id = listed.split('action="/admin/api-tokens/')[1].split("/revoke")[0]
    revoked = api.post(f"/admin/api-tokens/{token_id}/revoke", data={"csrf_token": token},
                       follow_redirects=False)
    assert revoked.status_code == 303 and actions(database)[-1] == "api_token.revoke"
    assert api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}
                   ).status_code == 401
    again = api.post(f"/admin/api-tokens/{token_id}/revoke", data={"csrf_token": token})
    assert again.status_code == 409 and "already revoked" in again.text


def _entries(database: Database) -> list:  # type: ignore[type-arg]
    from tests.ui.conftest import trail
    return trail(database)


def test_a_lockout_is_lifted(api: TestClient, make_user: MakeUser, database: Database) -> None:
    victim = make_user(Role.clerk, username="locked-out")
    page_token = csrf_of(api.get("/sign-in").text)
    for _ in range(5):
        api.post("/sign-in", data={"username": victim.username, "password": "wrong",
                                   "csrf_token": page_token})
    token = as_admin(api, make_user)  # another username: not locked (the address limit is higher)
    listed = api.get("/admin/lockouts").text
    assert "locked-out" in listed
    lockout_id = listed.split('action="/admin/lockouts/')[1].split("/lift")[0]
    lifted = api.post(f"/admin/lockouts/{lockout_id}/lift", data={"csrf_token": token},
                      follow_redirects=False)
    assert lifted.status_code == 303 and actions(database)[-1] == "auth.lockout_lift"
    assert "No lock-out is in force" in api.get("/admin/lockouts").text
    again = api.post(f"/admin/lockouts/{lockout_id}/lift", data={"csrf_token": token})
    assert again.status_code == 409


def test_ingest_roots_inside_what_is_allowed(api: TestClient, make_user: MakeUser,
                                             database: Database, tmp_path: Path) -> None:
    token = as_admin(api, make_user)
    folder = tmp_path / "council-mail"
    folder.mkdir()
    before = actions(database)
    for name, path, said in (
            ("etc", "/etc", "system folder"),
            ("data", str(tmp_path / "var"), "Custodia&#39;s own data"),
            ("inside", str(tmp_path), "Custodia&#39;s own data"),
            ("relative", "council-mail", "absolute path"),
            ("missing", str(tmp_path / "nowhere"), "There is no folder"),
            ("Bad Name", str(folder), "name")):
        (tmp_path / "var").mkdir(exist_ok=True)
        answer = api.post("/admin/ingest-roots", data={"csrf_token": token, "name": name,
                                                       "path": path})
        assert answer.status_code == 400 and said in answer.text, path
        assert f'value="{path}"' in answer.text
    assert actions(database) == before
    added = api.post("/admin/ingest-roots", data={"csrf_token": token, "name": "council",
                                                  "path": str(folder)}, follow_redirects=False)
    assert added.status_code == 303 and actions(database)[-1] == "ingest.root_create"
    listed = api.get("/admin/ingest-roots").text
    assert str(folder) in listed
    twice = api.post("/admin/ingest-roots", data={"csrf_token": token, "name": "council",
                                                  "path": str(folder)})
    assert twice.status_code == 409
    root_id = listed.split('action="/admin/ingest-roots/')[1].split("/remove")[0]
    api.post(f"/admin/ingest-roots/{root_id}/remove", data={"csrf_token": token})
    assert actions(database)[-1] == "ingest.root_delete"
    assert "No ingest folder yet" in api.get("/admin/ingest-roots").text


def test_mail_connection_password_never_comes_back(api: TestClient, make_user: MakeUser,
                                                   database: Database) -> None:
    token = as_admin(api, make_user)
    good = {"csrf_token": token, "name": "city-imap", "host": "mail.city.example",
            "port": "993", "security": "tls", "username": "records@city.example",
            "password": PASSWORD}
    bodies = []
    before = actions(database)
    for change, said in (({"host": "mail.city.example:993"}, "host"),
                         ({"host": "user@evil.example/x"}, "host"),
                         ({"port": "70000"}, "port"), ({"port": "abc"}, "port"),
                         ({"port": "0"}, "port"), ({"security": "ssl3"}, "security"),
                         ({"name": "City IMAP"}, "name")):
        answer = api.post("/admin/mail-connections", data=good | change)
        bodies.append(answer.text)
        assert answer.status_code == 400 and said in answer.text, change
        if "security" not in change:  # a choice from a list: the list is shown again
            assert f'value="{next(iter(change.values()))}"' in answer.text
        assert "type it again" in answer.text
    assert actions(database) == before
    made = api.post("/admin/mail-connections", data=good)  # follows to the listing
    bodies.append(made.text)
    assert made.status_code == 200 and "city-imap" in made.text and "stored encrypted" in made.text
    assert actions(database)[-1] == "ingest.connection_create"
    twice = api.post("/admin/mail-connections", data=good)
    bodies.append(twice.text)
    assert twice.status_code == 409 and "already a mail connection" in twice.text
    bodies += [api.get("/admin/mail-connections").text,
               api.get("/audit", params={"action": "ingest.connection_create"}).text,
               api.get("/audit/export").text]
    assert all(PASSWORD not in body for body in bodies)
    connection_id = made.text.split('action="/admin/mail-connections/')[1].split("/remove")[0]
    api.post(f"/admin/mail-connections/{connection_id}/remove", data={"csrf_token": token})
    assert actions(database)[-1] == "ingest.connection_delete"


def test_retention_schedules_and_refusals(api: TestClient, make_user: MakeUser,
                                          database: Database) -> None:
    token = as_admin(api, make_user)
    before = actions(database)
    for change, said in (({"record_class": "Council Minutes"}, "A record class is"),
                         ({"days": "0"}, "days"), ({"days": "-3"}, "days"),
                         ({"days": "40000"}, "days"), ({"days": "ten"}, "days")):
        answer = api.post("/admin/retention/schedules",
                          data={"csrf_token": token, "record_class": "transitory",
                                "days": "30"} | change)
        assert answer.status_code == 400 and said in answer.text, change
    assert actions(database) == before
    saved = api.post("/admin/retention/schedules", data={"csrf_token": token,
                                                         "record_class": "transitory",
                                                         "days": "30"}, follow_redirects=False)
    assert saved.status_code == 303 and actions(database)[-1] == "retention.schedule_set"
    assert "30 days" in api.get("/admin/retention").text
    forever = api.post("/admin/retention/schedules", data={"csrf_token": token,
                                                           "record_class": "transitory",
                                                           "days": ""})
    assert "kept forever" in forever.text
    api.post("/admin/retention/schedules/transitory/delete", data={"csrf_token": token})
    assert actions(database)[-1] == "retention.schedule_delete"
    gone = api.post("/admin/retention/schedules/transitory/delete", data={"csrf_token": token})
    assert gone.status_code == 404


def test_clerks_are_refused_every_admin_section(api: TestClient, make_user: MakeUser) -> None:
    signed_in(api, make_user(Role.clerk))
    for path in ("/admin", "/admin/users", "/admin/api-tokens", "/admin/lockouts",
                 "/admin/ingest-roots", "/admin/mail-connections", "/admin/retention"):
        answer = api.get(path)
        assert answer.status_code == 403, path
        assert "This action needs one of these roles: admin." in answer.text


def test_a_run_certificate_is_shown_checked_against_its_hash(
        api: TestClient, make_user: MakeUser, login: Callable[[User], dict[str, str]],
        settings: Settings) -> None:
    admin = make_user(Role.admin)
    ran = api.post("/api/v1/retention/runs", headers=login(admin), json={"dry_run": True})
    assert ran.status_code == 201, ran.text
    run = ran.json()["run"]
    signed_in(api, admin)
    listed = api.get("/admin/retention").text
    assert f'/admin/retention/runs/{run["id"]}/certificate' in listed
    shown = api.get(f"/admin/retention/runs/{run['id']}/certificate")
    assert shown.status_code == 200 and run["certificate_sha256"] in shown.text
    assert "Custodia purge certificate" in shown.text
    stored = settings.data_dir / "retention" / "certificates" / f"{run['id']}.json"
    stored.write_text(stored.read_text().replace('"dry_run": true', '"dry_run": false'))
    altered = api.get(f"/admin/retention/runs/{run['id']}/certificate")
    assert altered.status_code == 409 and "no longer matches" in altered.text
    assert api.get("/admin/retention/runs/not-a-run/certificate").status_code == 400

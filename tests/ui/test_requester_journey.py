"""A member of the public, with no account, asks for records in Spanish and follows the
request through the private link on the receipt, in a real browser."""

from __future__ import annotations

from babel.dates import format_date
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.core.db import Database
from app.models import Letter, RecordsRequest
from app.portal.intake import REQUESTER
from tests.ui.conftest import EMBEDDED, accessible, screenshot, trail

pytestmark = EMBEDDED


def test_a_requester_asks_in_spanish_and_follows_the_request(page: Page, live_server: str,
                                                            database: Database) -> None:
    start = trail(database)[-1].seq if trail(database) else 0
    page.goto(f"{live_server}/portal")
    expect(page.get_by_role("heading", name="The city's policy on records requests")).to_be_visible()
    expect(page.get_by_text("Colorado Open Records Act").first).to_be_visible()
    accessible(page)

    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="La política de la ciudad sobre solicitudes de registros")) \
        .to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    accessible(page)

    page.get_by_role("link", name="Comenzar una solicitud").click()
    expect(page.get_by_role("heading", name="Presentar una solicitud de registros")).to_be_visible()
    accessible(page)
    page.get_by_label("Su nombre").fill("Lucía Fernández")
    page.get_by_label("Correo electrónico (opcional)").fill("lucia@example.org")
    page.get_by_label("Medios de comunicación").check()
    page.get_by_label("Los registros que solicita").fill("Contratos de recolección de basura, 2025.")
    page.get_by_label("Para descargarlos desde este portal").check()
    page.keyboard.press("Tab")  # the honeypot is never reached by the keyboard
    assert page.evaluate("document.activeElement.id") != "website"
    page.get_by_role("button", name="Enviar la solicitud").click()

    expect(page.get_by_role("heading", name="Hemos recibido su solicitud")).to_be_visible()
    number = page.locator("#request-number").inner_text()
    with database.reading() as session:
        made = session.scalars(select(RecordsRequest).where(RecordsRequest.number == number)).one()
        letter = session.scalars(select(Letter).where(Letter.request_id == made.id)).one()
    expect(page.locator("#due-date")).to_have_text(format_date(made.due_date, "long", locale="es"))
    expect(page.get_by_text("El plazo se cuenta en días hábiles")).to_be_visible()
    accessible(page)

    page.locator("#tracking-link").click()
    expect(page.get_by_role("heading", name=f"Solicitud {number}")).to_be_visible()
    expect(page.locator(".badge")).to_have_text("Recibida")
    expect(page.get_by_role("cell", name="Acuse de recibo", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Registros entregados")).to_be_visible()
    accessible(page)
    href = page.get_by_role("link", name="Acuse de recibo (PDF)").get_attribute("href")
    assert href is not None and href.endswith(f"/letters/{letter.id}.pdf")
    pdf = page.request.get(f"{live_server}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    screenshot(page, "requester-journey")

    entries = [entry for entry in trail(database, after=start) if entry.object_id in {
        str(made.id), str(letter.id)} or entry.details.get("request_id") == str(made.id)]
    shown = [(entry.action, entry.actor) for entry in entries]
    assert shown[:3] == [("request.create", REQUESTER), ("request_link.create", REQUESTER),
                         ("letter.create", REQUESTER)]
    assert entries[0].details["after"]["channel"] == "portal"
    assert entries[0].client_address == "127.0.0.1"
    assert ("portal.view", entries[3].actor) in shown and entries[3].actor.startswith("requester link ")
    assert ("portal.letter_download", entries[-1].actor) in shown

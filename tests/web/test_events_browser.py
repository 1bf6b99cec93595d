"""Events and classes in Chromium on a phone: a customer finds an event in their region
(and not one of another), takes a place by keyboard, sees it in My calendar, downloads its
calendar file, and joins a live class's room as it starts and chats; a full event puts the
next one on the waitlist; a dietitian creates an event and a class in the browser, and a
customer then enrols in the class."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.live import Cluster, Server
from tests.web.browsing import (
    assert_accessible,
    expect,
    signed_in_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


# What every member sees is counted here: a database of its own.
OWN_CLUSTER: dict[str, str] = {"PRESENCE_COUNT_SECONDS": "0.2"}


def a_member(cluster: Cluster, server: Server, name: str, role: str = "customer", **fields: str):
    """(id, email, token) of a new member with ``role``, region and time zone."""
    user_id, email, token = server.member(name)
    cluster.sql(
        "UPDATE accounts_user SET role = %s, region = %s, time_zone = %s WHERE id = %s",
        role,
        fields.get("region", "ca-on"),
        fields.get("time_zone", "America/Toronto"),
        user_id,
    )
    return user_id, email, token


def make_event(server: Server, token: str, title: str, starts: datetime, **fields) -> dict:
    body = {
        "title": title,
        "kind": "in_person",
        "venue": "Community kitchen",
        "region": "ca-on",
        "time_zone": "America/Toronto",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        **fields,
    }
    status, event = server.call("POST", "/api/events", body, token=token)
    assert status == 201, event
    return event


def test_a_customer_finds_an_event_near_them_takes_a_place_and_joins_the_live_class(
    cluster, server, browser
):
    _, _, dana = a_member(cluster, server, "Dana Dietitian", "dietitian")
    soon = datetime.now(UTC) + timedelta(days=3)
    walk = make_event(server, dana, "Market walk in Toronto", soon, capacity=1)
    elsewhere = make_event(
        server, dana, "Granville Island walk", soon, region="ca-bc", venue="Granville Island"
    )
    bc_only = make_event(
        server, dana, "BC members live", soon, kind="virtual", region="ca-bc", venue=""
    )
    starting = datetime.now(UTC) + timedelta(minutes=5)
    live_class = make_event(
        server, dana, "Live cooking class", starting, kind="virtual", venue="", region="",
        time_zone="Europe/Paris",
    )  # fmt: skip
    _, cleo_email, _ = a_member(cluster, server, "Cleo Customer", time_zone="America/Vancouver")
    _, finn_email, _ = a_member(cluster, server, "Finn Customer")

    # The list: the event of my region and the virtual class; not the other region's.
    cleo = signed_in_page(browser, server, cleo_email)
    cleo.get_by_role("navigation", name="Main").get_by_role("link", name="Events").click()
    cleo.wait_for_url("**/events")
    cards = cleo.locator("#events-list > li")
    expect(cards.filter(has_text="Market walk in Toronto")).to_have_count(1)
    expect(cards.filter(has_text="Live cooking class")).to_have_count(1)
    expect(cards.filter(has_text="Granville Island walk")).to_have_count(0)
    expect(cards.filter(has_text="BC members live")).to_have_count(0)
    assert_accessible(cleo, "the events list")
    cleo.get_by_label("Near me").check()
    expect(cards.filter(has_text="Live cooking class")).to_have_count(0)
    expect(cards).to_have_count(1)
    cleo.get_by_label("Near me").uncheck()
    cleo.get_by_label("Kind").select_option("virtual")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Live cooking class")
    cleo.get_by_label("Kind").select_option("")
    expect(cards).to_have_count(2)

    # Another region's events are not found, as in the API.
    for hidden in (bc_only,):
        response = cleo.goto(f"/events/{hidden['id']}")
        assert response is not None and response.status == 404
    assert elsewhere["id"]  # in person elsewhere: readable, not listed as near

    # The event's page: times in my zone, the place by keyboard (Tab to it, Enter).
    cleo.goto("/events")
    cleo.get_by_role("link", name="Market walk in Toronto").click()
    cleo.wait_for_url(f"**/events/{walk['id']}")
    expect(cleo).to_have_title("Market walk in Toronto · eDietitian Community")
    expect(cleo.locator("#event-when")).to_contain_text("America/Vancouver")
    expect(cleo.locator("#event-when")).to_contain_text("America/Toronto")
    take = cleo.get_by_role("button", name="Take a place")
    expect(take).to_be_visible()
    assert_accessible(cleo, "an event's page before taking a place")
    cleo.locator("#event-title").focus()
    cleo.keyboard.press("Tab")
    expect(take).to_be_focused()
    cleo.keyboard.press("Enter")
    expect(cleo.locator("#my-status")).to_have_text("You have a place.")
    expect(cleo.locator("#event-places")).to_contain_text("Full (1 place)")
    expect(cleo.get_by_role("button", name="Give up my place")).to_be_focused()
    assert_accessible(cleo, "an event's page with a place")

    # The calendar file downloads from the page, with the session.
    with cleo.expect_download() as download:
        cleo.get_by_role("link", name="Add to calendar").click()
    ics = Path(download.value.path()).read_text()
    assert "BEGIN:VCALENDAR" in ics and "Market walk in Toronto" in ics

    # The event is full: the next one is put on the waitlist.
    finn = signed_in_page(browser, server, finn_email)
    finn.goto(f"/events/{walk['id']}")
    finn.get_by_role("button", name="Join the waitlist").click()
    expect(finn.locator("#my-status")).to_have_text("The event is full: you are on the waitlist.")
    expect(finn.get_by_role("button", name="Leave the waitlist")).to_be_visible()
    assert_accessible(finn, "an event's page on the waitlist")

    # The live class: a place, then the room (open from shortly before the start).
    cleo.goto(f"/events/{live_class['id']}")
    expect(cleo.locator("#event-where")).to_contain_text("Online")
    expect(cleo.locator("#event-when")).to_contain_text("Europe/Paris")
    expect(cleo.locator("#room-box")).to_be_hidden()
    cleo.get_by_role("button", name="Take a place").click()
    expect(cleo.locator("#my-status")).to_have_text("You have a place.")

    # My calendar: both, in time order.
    cleo.goto("/events?mine=1")
    expect(cleo).to_have_title("My calendar · eDietitian Community")
    mine = cleo.locator("#events-list > li")
    expect(mine).to_have_count(2)
    expect(mine.first).to_contain_text("Live cooking class")
    expect(mine.nth(1)).to_contain_text("Market walk in Toronto")
    expect(mine.nth(1)).to_contain_text("You have a place.")
    assert_accessible(cleo, "my calendar")

    mine.first.get_by_role("link", name="Live cooking class").click()
    cleo.get_by_role("link", name="Join the live room").click()
    cleo.wait_for_url(f"**/events/{live_class['id']}/room")
    expect(cleo).to_have_title("Live room: Live cooking class · eDietitian Community")
    expect(cleo.get_by_role("heading", level=1)).to_have_text("Live cooking class")
    expect(cleo.locator("#head-count")).to_have_text("1")
    cleo.fill("#chat-body", "Hello from **Cleo**")
    cleo.keyboard.press("Enter")
    expect(cleo.locator("#chat .message").last).to_contain_text("Hello from Cleo")
    expect(cleo.locator("#chat-form")).to_be_in_viewport()
    assert_accessible(cleo, "the live room on a phone")


def test_a_dietitian_creates_an_event_and_a_class_and_a_customer_enrols(cluster, server, browser):
    _, dana_email, dana = a_member(cluster, server, "Dara Dietitian", "dietitian")
    _, gus_email, _ = a_member(cluster, server, "Gus Customer")
    _, hal_email, _ = a_member(cluster, server, "Hal Customer")

    # An event, its times typed in the event's own zone.
    page = signed_in_page(browser, server, dana_email)
    page.goto("/events")
    page.get_by_role("link", name="New event").click()
    page.wait_for_url("**/events/new")
    expect(page.get_by_label("Time zone")).to_have_value("America/Toronto")
    assert_accessible(page, "the new event form")
    page.get_by_label("Title").fill("Pantry basics")
    page.get_by_label("Description").fill("What to keep at home.")
    page.get_by_label("In person", exact=True).check()
    page.get_by_label("Venue (in person)").fill("Library hall")
    page.get_by_label("Time zone").fill("Europe/Paris")
    page.get_by_label("Starts (local time in that zone)").fill("2031-03-01T17:00")
    page.get_by_label("Ends (local time in that zone)").fill("2031-03-01T18:30")
    page.get_by_label("Capacity").fill("12")
    page.get_by_role("button", name="Create the event").click()
    page.wait_for_url(re.compile(r"/events/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pantry basics")
    event_id = int(page.url.rsplit("/", 1)[1])
    status, event = server.call("GET", f"/api/events/{event_id}", token=dana)
    assert status == 200, event
    assert event["starts_at"].startswith("2031-03-01T16:00:00")  # 17:00 in Paris in winter
    assert (event["time_zone"], event["region"], event["capacity"]) == ("Europe/Paris", "ca-on", 12)
    expect(page.locator("#attendees")).to_contain_text("Nobody has signed up yet.")
    assert_accessible(page, "the organiser's event page")

    # A customer takes a place; the organiser sees them, writes to them, edits the event.
    gus = signed_in_page(browser, server, gus_email)
    gus.goto(f"/events/{event_id}")
    gus.get_by_role("button", name="Take a place").click()
    expect(gus.locator("#my-status")).to_have_text("You have a place.")
    page.reload()
    expect(page.locator("#attendees li")).to_have_text(["Gus Customer going"])
    page.get_by_label("Message everyone going").fill("Bring a bag")
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator("#message-result")).to_have_text("Sent to 1 person.")
    page.get_by_text("Edit the event").click()
    expect(page.get_by_label("Title")).to_be_focused()
    expect(page.get_by_label("Starts (Europe/Paris)")).to_have_value("2031-03-01T17:00")
    assert_accessible(page, "the organiser's edit form")
    page.get_by_label("Title").fill("Pantry basics, refreshed")
    page.get_by_label("Ends (Europe/Paris)").fill("2031-03-01T19:00")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pantry basics, refreshed")
    expect(page).to_have_title("Pantry basics, refreshed · eDietitian Community")
    status, event = server.call("GET", f"/api/events/{event_id}", token=dana)
    assert event["ends_at"].startswith("2031-03-01T18:00:00"), event

    # Cancelling asks for a reason in a dialog; closing it gives focus back.
    page.get_by_role("button", name="Cancel the event…").click()
    dialog = page.get_by_role("dialog", name="Cancel this event?")
    expect(dialog).to_be_visible()
    assert_accessible(page, "the cancel dialog")
    dialog.get_by_role("button", name="Keep the event").click()
    expect(page.get_by_role("button", name="Cancel the event…")).to_be_focused()
    page.get_by_role("button", name="Cancel the event…").click()
    dialog.get_by_label("Reason").fill("The hall is closed")
    dialog.get_by_role("button", name="Cancel the event").click()
    expect(page.locator("#event-cancelled")).to_have_text("This event was cancelled.")
    gus.reload()
    expect(gus.locator("#event-cancelled")).to_have_text("This event was cancelled.")
    expect(gus.locator("#rsvp-give-up")).to_be_hidden()
    expect(gus.locator("#rsvp-take")).to_be_hidden()
    assert_accessible(gus, "a cancelled event's page")

    # A class of two sessions with one place.
    page.goto("/classes")
    page.get_by_role("link", name="New class").click()
    page.wait_for_url("**/classes/new")
    assert_accessible(page, "the new class form")
    page.get_by_label("Title").fill("Cooking for one")
    page.get_by_label("The members of one region").check()
    page.get_by_label("Capacity").fill("1")
    page.get_by_label("First session starts").fill("2031-04-02T18:00")
    page.get_by_label("Number of sessions").fill("2")
    page.get_by_role("button", name="Create the class").click()
    page.wait_for_url(re.compile(r"/classes/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cooking for one")
    expect(page.locator("#sessions li")).to_have_count(2)
    class_id = int(page.url.rsplit("/", 1)[1])

    # A customer of the region enrols; the next one finds it full.
    gus.goto("/classes")
    assert_accessible(gus, "the classes list")
    gus.get_by_role("link", name="Cooking for one").click()
    gus.wait_for_url(f"**/classes/{class_id}")
    assert_accessible(gus, "a class without a place")
    gus.get_by_role("button", name="Enrol in the class").click()
    expect(gus.locator("#class-status")).to_have_text(
        "You are enrolled: you have a place in every session."
    )
    assert_accessible(gus, "a class with a place")
    gus.goto("/events?mine=1")
    expect(gus.locator("#events-list > li").filter(has_text="Cooking for one")).to_have_count(2)
    gus.locator("#events-list > li").first.get_by_role("link", name="Cooking for one (1/2)").click()
    expect(gus.locator("#my-status")).to_have_text(
        "You are enrolled in the class: you have a place in this session."
    )
    expect(gus.locator("#event-series")).to_contain_text("Cooking for one")
    assert_accessible(gus, "a class session's page")

    hal = signed_in_page(browser, server, hal_email)
    hal.goto(f"/classes/{class_id}")
    hal.get_by_role("button", name="Enrol in the class").click()
    expect(hal.locator("#enrol-error")).to_have_text("The class is full: no place is left.")
    assert_accessible(hal, "a full class")

"""Habit reminders: at the habit's local time in the customer's time zone, once a local
day however often the job runs, only while the habit is not done enough for its period;
across DST (Europe/Paris, 29 March and 25 October 2026) a skipped time is reminded at the
first minute after, a repeated one once. The job is given ``now``."""

from __future__ import annotations

import datetime as dt

import pytest

from advice.goal_notices import compose_reminder
from advice.models import HabitReminder
from advice.reminders import send_habit_reminders
from notifications.models import Notification
from tests.advice.goal_helpers import done, habit_goal

pytestmark = pytest.mark.django_db


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def reminders_of(customer) -> list[str]:
    return list(
        Notification.objects.filter(user=customer, kind="habit.reminder").values_list(
            "title", flat=True
        )
    )


def test_a_reminder_comes_at_the_local_time_once_a_day(make_user):
    customer = make_user(time_zone="America/Toronto")
    habit_goal(customer, starts_on=dt.date(2026, 6, 1), remind_at=dt.time(8, 0))
    # 08:00 in Toronto is 12:00 UTC in June.
    assert send_habit_reminders(utc(2026, 6, 2, 11, 59)) == 0
    assert send_habit_reminders(utc(2026, 6, 2, 12, 0)) == 1
    for minute in range(1, 5):  # the job every minute, and twice side by side
        assert send_habit_reminders(utc(2026, 6, 2, 12, minute)) == 0
    assert send_habit_reminders(utc(2026, 6, 3, 3, 59)) == 0  # 23:59 the same local day
    assert send_habit_reminders(utc(2026, 6, 3, 12, 0)) == 1  # the next day
    assert reminders_of(customer) == ["Reminder: Drink a glass of water"] * 2
    assert HabitReminder.objects.count() == 2


def test_a_time_skipped_by_spring_forward_is_reminded_at_the_first_minute_after(make_user):
    customer = make_user(time_zone="Europe/Paris")
    goal = habit_goal(customer, starts_on=dt.date(2026, 3, 20), remind_at=dt.time(2, 30))
    # 29 March 2026 in Paris: 02:00 CET becomes 03:00 CEST (01:00 UTC); 02:30 never is.
    assert send_habit_reminders(utc(2026, 3, 29, 0, 59)) == 0  # 01:59 CET
    assert send_habit_reminders(utc(2026, 3, 29, 1, 0)) == 1  # 03:00 CEST
    assert send_habit_reminders(utc(2026, 3, 29, 1, 30)) == 0
    # The next day at 02:30 CEST (00:30 UTC), and not before.
    assert send_habit_reminders(utc(2026, 3, 30, 0, 29)) == 0
    assert send_habit_reminders(utc(2026, 3, 30, 0, 30)) == 1
    assert list(
        HabitReminder.objects.filter(goal=goal)
        .order_by("local_date")
        .values_list("local_date", flat=True)
    ) == [dt.date(2026, 3, 29), dt.date(2026, 3, 30)]


def test_a_time_repeated_by_fall_back_is_reminded_once(make_user):
    customer = make_user(time_zone="Europe/Paris")
    habit_goal(customer, starts_on=dt.date(2026, 10, 20), remind_at=dt.time(2, 30))
    # 25 October 2026 in Paris: 03:00 CEST becomes 02:00 CET; 02:30 comes twice, at
    # 00:30 and 01:30 UTC.
    assert send_habit_reminders(utc(2026, 10, 25, 0, 29)) == 0
    assert send_habit_reminders(utc(2026, 10, 25, 0, 30)) == 1
    assert send_habit_reminders(utc(2026, 10, 25, 1, 30)) == 0
    assert send_habit_reminders(utc(2026, 10, 25, 2, 30)) == 0
    # The next day at 02:30 CET, 01:30 UTC.
    assert send_habit_reminders(utc(2026, 10, 26, 1, 29)) == 0
    assert send_habit_reminders(utc(2026, 10, 26, 1, 30)) == 1
    assert len(reminders_of(customer)) == 2


def test_a_habit_done_enough_for_its_period_is_not_reminded(make_user):
    customer = make_user(time_zone="Europe/Paris")
    daily = habit_goal(customer, times=2, starts_on=dt.date(2026, 6, 1), remind_at=dt.time(20, 0))
    weekly = habit_goal(
        customer, times=1, period="week", starts_on=dt.date(2026, 6, 1),
        remind_at=dt.time(9, 0), habit="Walk an hour",
    )  # fmt: skip
    # Monday: walked already (the week's one); water twice today.
    done(weekly, utc(2026, 6, 8, 6))
    done(daily, utc(2026, 6, 8, 7), utc(2026, 6, 8, 12))
    assert send_habit_reminders(utc(2026, 6, 8, 18, 0)) == 0
    # Tuesday: water not yet; the walk is done for the week.
    assert send_habit_reminders(utc(2026, 6, 9, 18, 0)) == 1
    assert reminders_of(customer) == ["Reminder: Drink a glass of water"]


def test_the_reminder_mail_names_no_habit_and_nothing_once_the_goal_ends(make_user):
    customer = make_user(time_zone="Europe/Paris")
    goal = habit_goal(
        customer, starts_on=dt.date(2026, 6, 1), remind_at=dt.time(9, 0), habit="Take metformin"
    )
    # In the app, the habit is named (it stays in the app); the mail leaves it: no habit.
    assert send_habit_reminders(utc(2026, 6, 2, 7, 0)) == 1
    assert reminders_of(customer) == ["Reminder: Take metformin"]
    composed = compose_reminder(customer, "habit.reminder", {"goal": goal.pk})
    assert composed is not None
    subject, body = composed
    assert subject == "A reminder of a habit you keep"
    assert "metformin" not in (subject + body).lower()
    assert "/check-in" in body
    other = habit_goal(make_user(), starts_on=dt.date(2026, 6, 1))
    assert compose_reminder(customer, "habit.reminder", {"goal": other.pk}) is None
    goal.status = "dropped"
    goal.save()
    assert compose_reminder(customer, "habit.reminder", {"goal": goal.pk}) is None

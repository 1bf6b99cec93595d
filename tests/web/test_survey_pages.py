"""The survey pages as the server renders them: each survey's own title, a survey one may
not see answers 404 like one that is not there, the builder only for authors, and the CSV
link only for the survey's author."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from community.models import Survey

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def a_survey(author, **fields) -> Survey:
    return Survey.objects.create(
        author=author,
        title="Lunch at work",
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=3),
        **fields,
    )


def test_a_survey_page_has_its_own_title_and_the_csv_link_for_its_author_only(make_user):
    author, customer = make_user(Role.DIETITIAN), make_user(Role.CUSTOMER)
    survey = a_survey(author)
    page = signed_in(customer).get(f"/surveys/{survey.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Lunch at work · eDietitian Community</title>" in html
    assert "Download CSV" not in html
    mine = signed_in(author).get(f"/surveys/{survey.pk}").content.decode()
    assert f'href="/api/surveys/{survey.pk}/export.csv"' in mine
    other = signed_in(make_user(Role.DIETITIAN)).get(f"/surveys/{survey.pk}").content.decode()
    assert "Download CSV" not in other


def test_a_survey_of_another_audience_is_not_found_like_one_that_is_not_there(make_user):
    author = make_user(Role.DIETITIAN)
    survey = a_survey(author, audience="region", audience_value="ca-on")
    elsewhere = signed_in(make_user(Role.CUSTOMER, region="fr-idf"))
    for path in (f"/surveys/{survey.pk}", f"/surveys/{survey.pk + 1000}"):
        page = elsewhere.get(path)
        assert page.status_code == 404
        assert "Survey not found" in page.content.decode()
    assert (
        signed_in(make_user(Role.CUSTOMER, region="ca-on")).get(f"/surveys/{survey.pk}").status_code
        == 200
    )


def test_only_authors_get_the_survey_builder(make_user):
    assert signed_in(make_user(Role.CUSTOMER)).get("/surveys/new").status_code == 403
    for role in (Role.DIETITIAN, Role.MODERATOR, Role.ADMIN):
        page = signed_in(make_user(role)).get("/surveys/new")
        assert page.status_code == 200, role
        assert 'id="survey-form"' in page.content.decode()
    listing = signed_in(make_user(Role.DIETITIAN)).get("/surveys").content.decode()
    assert 'href="/surveys/new"' in listing
    assert (
        'href="/surveys/new"'
        not in signed_in(make_user(Role.CUSTOMER)).get("/surveys").content.decode()
    )

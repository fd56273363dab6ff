"""The scheduled import's settings checks and cron arithmetic (seed 002's examples)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.services.import_schedule import check_settings, next_run, settings_of
from backend.services.portal_settings import InvalidSettings

AT = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)


def test_minutes_only_run_every_hour_at_that_minute() -> None:
    assert next_run("19 * * * *", AT) == datetime(2026, 2, 1, 10, 19, tzinfo=UTC)
    assert next_run("19 * * * *", datetime(2026, 2, 1, 10, 19, tzinfo=UTC)) == datetime(
        2026, 2, 1, 11, 19, tzinfo=UTC
    )


def test_minutes_and_hours_run_every_day() -> None:
    assert next_run("19 22 * * *", AT) == datetime(2026, 2, 1, 22, 19, tzinfo=UTC)


def test_several_values_separated_by_commas() -> None:
    assert next_run("0 3,15 * * *", AT) == datetime(2026, 2, 1, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("cron", ["61 * * * *", "every night", "* * * *", "0 3 * * * *"])
def test_a_wrong_cron_expression_names_the_schedule(cron: str) -> None:
    with pytest.raises(InvalidSettings) as error:
        check_settings({"sources": ["https://x.example/a.xml"], "schedule": cron})
    assert error.value.field == "schedule"


def test_sources_may_be_given_comma_separated_as_seed_002_shows() -> None:
    checked = check_settings({"sources": "sftp://u:p@h/sber/offers.xml, ftp://h/vtb/offers.xml"})
    assert checked.sources == ("sftp://u:p@h/sber/offers.xml", "ftp://h/vtb/offers.xml")


@pytest.mark.parametrize(
    "report_to",
    [
        "ops at landlord",
        ["ops@landlord.example\nBcc: spy@evil.example"],
        ["ops@landlord.example\n"],
    ],
)
def test_a_report_address_that_is_no_email_is_refused(report_to: object) -> None:
    """A line break after the address would add mail headers to the report."""
    with pytest.raises(InvalidSettings) as error:
        check_settings({"report_to": report_to})
    assert error.value.field == "report_to"


def test_passwords_in_sources_are_shown_masked() -> None:
    settings = settings_of({"imports": {"sources": ["sftp://landlord:s3cret@h:22/a.xml"]}})
    assert settings.as_dict(hide_secrets=True)["sources"] == ["sftp://landlord:***@h:22/a.xml"]

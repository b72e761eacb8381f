"""The campaigns as an iCalendar feed that Outlook or Google Calendar can subscribe to."""

from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal

from icalendar import Calendar, Event

from apps.campaigns.models import Campaign

CALENDAR_NAME = "Waymark campaigns"


def _number(value: Decimal) -> str:
    """500.00 → 500, 22.50 → 22.5."""
    return f"{value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize():f}"


def _description(campaign: Campaign, url: str) -> str:
    stage = campaign.goal_stage
    baseline = campaign.kpi_baseline
    since = f", baseline {_number(baseline)}" if baseline is not None else ""
    return "\n".join(
        [
            f"Goal: {stage} ({stage.get_phase_display()}) in {stage.journey}",
            f"KPI: {campaign.get_kpi_display()}, target {_number(campaign.kpi_target)}{since}",
            f"Status: {campaign.get_status_display()} · Owner: {campaign.owner}",
            *([campaign.objective] if campaign.objective else []),
            url,
        ]
    )


def campaigns_ics(*, campaigns: Iterable[Campaign], host: str, link: Callable[[Campaign], str]):
    """All-day events, one per campaign, whose UID stays the same as the campaign changes.

    `host` makes the UIDs unique to this Waymark; `link` gives a campaign's page address.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Waymark//Campaign planner//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    for campaign in campaigns:
        url = link(campaign)
        event = Event()
        event.add("uid", f"campaign-{campaign.pk}@{host}")
        event.add("dtstamp", campaign.updated_at)
        event.add("last-modified", campaign.updated_at)
        event.add("dtstart", campaign.start_date)
        # All-day events end on the day after their last day.
        event.add("dtend", campaign.end_date + timedelta(days=1))
        event.add("summary", campaign.name)
        event.add("description", _description(campaign, url))
        event.add("categories", [campaign.goal_stage.get_phase_display()])
        event.add(
            "status", "TENTATIVE" if campaign.status == Campaign.Status.DRAFT else "CONFIRMED"
        )
        event.add("url", url)
        calendar.add_component(event)
    return calendar.to_ical()

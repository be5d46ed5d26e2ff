"""A per-user iCalendar feed behind a secret, revocable token (``/calendar/<token>.ics``)."""

import datetime as dt
from urllib.parse import urlparse

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from . import access
from .models import Meeting, Milestone, PartnerRequest, Task, User
from .models.choices import RequestStatus, TaskStatus

PAST_DAYS = 90
FUTURE_DAYS = 400


def feed_url(user: User) -> str:
    return f"{settings.SITE_URL}/calendar/{user.ical_token}.ics"


def _all_day(uid: str, summary: str, on: dt.date, url: str, description: str = "") -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", on)
    event.add("dtend", on + dt.timedelta(days=1))
    event.add("dtstamp", timezone.now())
    event.add("url", url)
    if description:
        event.add("description", description)
    return event


def build_feed(user: User) -> bytes:
    """Meetings, milestones, tasks and requests that concern ``user``, near today, of those ``user``
    may see: a milestone or task of a confidential project they are not part of (assigned before,
    or they left its team) is not in their feed."""
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(days=FUTURE_DAYS)
    site, domain = settings.SITE_URL, urlparse(settings.SITE_URL).hostname or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//zhaoshang-crm//calendar//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"招商CRM · {user}")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)

    meetings = access.visible(user, Meeting.objects.all()).filter(
        owner=user, starts_at__date__gte=start, starts_at__date__lte=end
    )
    for meeting in meetings.order_by("starts_at"):
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@{domain}")
        event.add("summary", meeting.title)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at or meeting.starts_at + dt.timedelta(hours=1))
        event.add("dtstamp", timezone.now())
        if meeting.location:
            event.add("location", meeting.location)
        event.add("url", f"{site}/admin/crm/meeting/{meeting.pk}/change/")
        calendar.add_component(event)

    milestones = (
        access.visible(user, Milestone.objects.all())
        .filter(Q(assignee=user) | Q(assignee__isnull=True, project__owner=user), due_on__gte=start, due_on__lte=end)
        .select_related("project")
    )
    for m in milestones.order_by("due_on"):
        state = "✓ " if m.done_on else ""
        calendar.add_component(
            _all_day(f"milestone-{m.pk}@{domain}", f"{state}{m.project.name}：{m.title}", m.due_on,
                     f"{site}/admin/crm/milestone/{m.pk}/change/")
        )  # fmt: skip

    tasks = (
        access.visible(user, Task.objects.all())
        .filter(assignee=user, due_on__gte=start, due_on__lte=end)
        .exclude(status=TaskStatus.CANCELLED)
    )
    for t in tasks.order_by("due_on"):
        state = "✓ " if t.status == TaskStatus.DONE else ""
        calendar.add_component(
            _all_day(f"task-{t.pk}@{domain}", f"{state}{t.title}", t.due_on, f"{site}/admin/crm/task/{t.pk}/change/",
                     t.description)
        )  # fmt: skip

    requests = (
        access.visible(user, PartnerRequest.objects.all())
        .filter(assignee=user, due_on__gte=start, due_on__lte=end)
        .select_related("company")
    )
    for r in requests.order_by("due_on"):
        state = "✓ " if r.status in (RequestStatus.RESOLVED, RequestStatus.DECLINED) else ""
        calendar.add_component(
            _all_day(f"request-{r.pk}@{domain}", f"{state}企业诉求：{r.company.name}", r.due_on,
                     f"{site}/admin/crm/partnerrequest/{r.pk}/change/", r.description)
        )  # fmt: skip
    return calendar.to_ical()


@require_GET
def calendar_feed(request, token: str):
    if len(token) < 20 or len(token) > 64:
        raise Http404
    user = User.objects.filter(ical_token=token, is_active=True).first()
    if user is None:
        raise Http404
    response = HttpResponse(build_feed(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="crm.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response

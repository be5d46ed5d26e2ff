"""The raw-SQL floor of each list: one SQL statement with the list's columns, dumped with orjson.

Written out by hand, list by list, from the API's contract (docs/frontend.md), and on purpose
independent of the code it measures: nothing here comes from crm/api (the shapes, the pagination,
the positions), so a mistake there shows as a JSON that differs from the floor's (the tables'
*same JSON* column). Each floor is ONE statement on the page's ids by OFFSET on the list's order
(the deferred join), a LEFT JOIN per name beside a reference, an ``ARRAY(...)`` per many-to-many
field, SQL for the computed values, and the total count as the API defines it (the table's
statistics above 10,000 rows). Display labels are looked up in a dict in Python, as any
hand-written endpoint would. Run on a psycopg connection of its own (no Django), in the
Asia/Shanghai time zone, so that datetimes come out as the API writes them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field

import orjson
from django.conf import settings

from crm.models import choices, reminders, webhooks

# Up to this many rows, the API's ``count`` is exact; above, the table's statistics (api.md).
EXACT_COUNT_LIMIT = 10_000
USER_NAME = "COALESCE(NULLIF({a}.full_name, ''), {a}.username)"
OPEN = "t.status IN ('open', 'in_progress')"


def m2m(table: str, source: str, target: str) -> str:
    return f"ARRAY(SELECT x.{target} FROM {table} x WHERE x.{source} = t.id ORDER BY x.id)"


def labels(enum):
    table = {value: str(label) for value, label in enum.choices}
    return lambda value: table.get(value, value)


def money(value):
    return None if value is None else f"{value:.2f}"


def when(value):
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


TRACKED = [("version", "t.version"), ("created_at", "t.created_at", when), ("updated_at", "t.updated_at", when)]


@dataclass
class Floor:
    """One list's floor: its table, columns (key, SQL, and how the value is written), joins and
    order, and the columns its links' positions carry (none for a list without positions)."""

    url: str
    table: str
    columns: list[tuple]
    order: str
    joins: str = ""
    ordering: str = ""  # the position's name: the ordering as the API writes it
    position: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)

    @property
    def sql(self) -> str:
        count = (
            f"(SELECT CASE WHEN c.reltuples > {EXACT_COUNT_LIMIT} THEN c.reltuples::bigint "
            f"ELSE (SELECT COUNT(*) FROM {self.table}) END FROM pg_class c WHERE c.oid = '{self.table}'::regclass)"
        )
        select = ", ".join([count, *(column[1] for column in self.columns), *self.position])
        return (
            f"SELECT {select} FROM (SELECT id FROM {self.table} t ORDER BY {self.order} "
            f"LIMIT %(limit)s OFFSET %(offset)s) page JOIN {self.table} t ON t.id = page.id {self.joins} "
            f"ORDER BY {self.order}"
        )

    def page(self, cursor, page: int, size: int, host: str = "http://testserver") -> bytes:
        cursor.execute(self.sql, {**self.params, "today": _today(), "limit": size + 1, "offset": (page - 1) * size})
        rows = cursor.fetchall()
        more, rows = len(rows) > size, rows[:size]
        results = []
        for row in rows:
            item = {}
            for value, column in zip(row[1:], self.columns, strict=False):
                item[column[0]] = column[2](value) if len(column) > 2 and value is not None else value
            results.append(item)
        known = (page - 1) * size + len(rows)
        count = max(rows[0][0], known + 1) if more else known
        width = len(self.position)
        after = _position(self.ordering, rows[-1][-width:]) if width and rows else None
        before = _position(self.ordering, rows[0][-width:]) if width and rows else None
        base = f"{host}{self.url}"
        previous = f"{base}?before={before}&page={page - 1}" if before else f"{base}?page={page - 1}"
        body = {
            "count": count if rows else 0,
            "next": (f"{base}?after={after}&page={page + 1}" if after else f"{base}?page={page + 1}") if more else None,
            "previous": None if page <= 1 else (base if page == 2 else previous),
            "results": results,
        }
        return orjson.dumps(body, default=str)


def _position(ordering: str, values) -> str | None:
    """A position as the API writes it in its links: the ordering's name and values, JSON, base64url."""
    if any(value is None for value in values):
        return None
    values = [value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value for value in values]
    text = json.dumps(
        [ordering, *values],
        default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v),
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _floors() -> dict[str, Floor]:
    c, r, w = choices, reminders, webhooks
    return {
        "users": Floor(
            "/api/v1/users/", "crm_user",
            [
                ("id", "t.id"), ("username", "t.username"), ("full_name", "t.full_name"), ("email", "t.email"),
                ("language", "t.language"), ("language_display", "t.language", labels(c.Language)),
                ("groups", "CASE WHEN t.is_superuser THEN ARRAY['editor', 'manager', 'viewer']::text[] ELSE ARRAY("
                 "SELECT g.name::text FROM auth_group g JOIN crm_user_groups ug ON ug.group_id = g.id "
                 "WHERE ug.user_id = t.id AND g.name IN ('viewer', 'editor', 'manager') ORDER BY g.name) END"),
                ("is_active", "t.is_active"),
            ],
            order="t.username",
        ),
        "industries": Floor(
            "/api/v1/industries/", "crm_industry",
            [("id", "t.id"), ("name", "t.name"), ("name_en", "t.name_en"), ("code", "t.code"),
             ("parent", "t.parent_id"), ("parent_name", "p.name"), *TRACKED],
            order="t.code", joins="LEFT JOIN crm_industry p ON p.id = t.parent_id",
        ),
        "companies": Floor(
            "/api/v1/companies/", "crm_company",
            [
                ("id", "t.id"), ("name", "t.name"), ("short_name", "t.short_name"), ("name_en", "t.name_en"),
                ("kind", "t.kind"), ("kind_display", "t.kind", labels(c.CompanyKind)), ("credit_code", "t.credit_code"),
                ("parent", "t.parent_id"), ("parent_name", "p.name"),
                ("industries", m2m("crm_company_industries", "company_id", "industry_id")),
                ("city", "t.city"), ("province", "t.province"), ("country", "t.country"),
                ("fortune500_rank", "t.fortune500_rank"), ("is_listed", "t.is_listed"),
                ("is_local_origin", "t.is_local_origin"), ("is_home_side", "t.is_home_side"),
                ("website", "t.website"), ("description", "t.description"), ("owner", "t.owner_id"),
                ("owner_name", USER_NAME.format(a="o")), ("tags", "t.tags"), *TRACKED,
            ],
            order="t.name, t.id", ordering="name", position=["t.name", "t.id"],
            joins="LEFT JOIN crm_company p ON p.id = t.parent_id LEFT JOIN crm_user o ON o.id = t.owner_id",
        ),
        "contacts": Floor(
            "/api/v1/contacts/", "crm_contact",
            [("id", "t.id"), ("company", "t.company_id"), ("company_name", "co.name"), ("name", "t.name"),
             ("name_en", "t.name_en"), ("title", "t.title"), ("phone", "t.phone"), ("email", "t.email"),
             ("notes", "t.notes"), *TRACKED],
            order="t.name, t.id", ordering="name", position=["t.name", "t.id"],
            joins="LEFT JOIN crm_company co ON co.id = t.company_id",
        ),
        "trips": Floor(
            "/api/v1/trips/", "crm_trip",
            [("id", "t.id"), ("title", "t.title"), ("destination", "t.destination"),
             ("start_date", "t.start_date", dt.date.isoformat), ("end_date", "t.end_date", dt.date.isoformat),
             ("leader", "t.leader_id"), ("leader_name", "l.name"),
             ("members", m2m("crm_trip_members", "trip_id", "contact_id")), ("purpose", "t.purpose"),
             ("summary", "t.summary"), ("owner", "t.owner_id"), *TRACKED],
            order="t.start_date DESC, t.id DESC", ordering="-start_date", position=["t.start_date", "t.id"],
            joins="LEFT JOIN crm_contact l ON l.id = t.leader_id",
        ),
        "meetings": Floor(
            "/api/v1/meetings/", "crm_meeting",
            [("id", "t.id"), ("title", "t.title"), ("kind", "t.kind"),
             ("kind_display", "t.kind", labels(c.MeetingKind)), ("starts_at", "t.starts_at", when),
             ("ends_at", "t.ends_at", when), ("location", "t.location"), ("trip", "t.trip_id"),
             ("trip_title", "tr.title"), ("companies", m2m("crm_meeting_companies", "meeting_id", "company_id")),
             ("attendees", m2m("crm_meeting_attendees", "meeting_id", "contact_id")), ("owner", "t.owner_id"),
             ("owner_name", USER_NAME.format(a="o")), ("summary", "t.summary"), ("outcomes", "t.outcomes"),
             *TRACKED],
            order="t.starts_at DESC, t.id DESC", ordering="-starts_at", position=["t.starts_at", "t.id"],
            joins="LEFT JOIN crm_trip tr ON tr.id = t.trip_id LEFT JOIN crm_user o ON o.id = t.owner_id",
        ),
        "requests": Floor(
            "/api/v1/requests/", "crm_partnerrequest",
            [("id", "t.id"), ("company", "t.company_id"), ("company_name", "co.name"), ("meeting", "t.meeting_id"),
             ("raised_on", "t.raised_on", dt.date.isoformat), ("category", "t.category"),
             ("description", "t.description"), ("status", "t.status"),
             ("status_display", "t.status", labels(c.RequestStatus)), ("assignee", "t.assignee_id"),
             ("assignee_name", USER_NAME.format(a="a")), ("due_on", "t.due_on", dt.date.isoformat),
             ("resolved_on", "t.resolved_on", dt.date.isoformat), ("resolution", "t.resolution"),
             ("overdue", f"COALESCE({OPEN} AND t.due_on < %(today)s, false)"), *TRACKED],
            order="t.raised_on DESC, t.id DESC", ordering="-raised_on", position=["t.raised_on", "t.id"],
            joins="LEFT JOIN crm_company co ON co.id = t.company_id LEFT JOIN crm_user a ON a.id = t.assignee_id",
        ),
        "agreements": Floor(
            "/api/v1/agreements/", "crm_agreement",
            [("id", "t.id"), ("title", "t.title"), ("kind", "t.kind"),
             ("kind_display", "t.kind", labels(c.AgreementKind)),
             ("companies", m2m("crm_agreement_companies", "agreement_id", "company_id")),
             ("signed_on", "t.signed_on", dt.date.isoformat), ("meeting", "t.meeting_id"),
             ("meeting_title", "m.title"), ("project", "t.project_id"), ("project_name", "p.name"),
             ("amount", "t.amount", money), ("status", "t.status"),
             ("status_display", "t.status", labels(c.AgreementStatus)), ("summary", "t.summary"), *TRACKED],
            order="t.signed_on DESC, t.id DESC", ordering="-signed_on", position=["t.signed_on", "t.id"],
            joins="LEFT JOIN crm_meeting m ON m.id = t.meeting_id LEFT JOIN crm_project p ON p.id = t.project_id",
        ),
        "projects": Floor(
            "/api/v1/projects/", "crm_project",
            [("id", "t.id"), ("name", "t.name"), ("code_name", "t.code_name"),
             ("is_confidential", "t.is_confidential"), ("team", m2m("crm_project_team", "project_id", "user_id")),
             ("company", "t.company_id"), ("company_name", "co.name"),
             ("industries", m2m("crm_project_industries", "project_id", "industry_id")), ("kind", "t.kind"),
             ("kind_display", "t.kind", labels(c.ProjectKind)), ("total_investment", "t.total_investment", money),
             ("contracted_investment", "t.contracted_investment", money),
             ("arrived_investment",
              "COALESCE((SELECT SUM(a.amount) FROM crm_capitalarrival a WHERE a.project_id = t.id), 0.00)", money),
             ("jobs_planned", "t.jobs_planned"), ("location", "t.location"), ("stage", "t.stage"),
             ("stage_display", "t.stage", labels(c.ProjectStage)),
             ("stage_changed_on", "t.stage_changed_on", dt.date.isoformat), ("owner", "t.owner_id"),
             ("owner_name", USER_NAME.format(a="o")), ("description", "t.description"), *TRACKED],
            order="t.id DESC", ordering="-pk", position=["t.id"],
            joins="LEFT JOIN crm_company co ON co.id = t.company_id LEFT JOIN crm_user o ON o.id = t.owner_id",
        ),
        "capital-arrivals": Floor(
            "/api/v1/capital-arrivals/", "crm_capitalarrival",
            [("id", "t.id"), ("project", "t.project_id"), ("project_name", "p.name"), ("amount", "t.amount", money),
             ("arrived_on", "t.arrived_on", dt.date.isoformat), ("note", "t.note"), *TRACKED],
            order="t.arrived_on DESC, t.id DESC", ordering="-arrived_on", position=["t.arrived_on", "t.id"],
            joins="LEFT JOIN crm_project p ON p.id = t.project_id",
        ),
        "milestones": Floor(
            "/api/v1/milestones/", "crm_milestone",
            [("id", "t.id"), ("project", "t.project_id"), ("project_name", "p.name"), ("title", "t.title"),
             ("kind", "t.kind"), ("kind_display", "t.kind", labels(c.MilestoneKind)),
             ("due_on", "t.due_on", dt.date.isoformat), ("done_on", "t.done_on", dt.date.isoformat),
             ("done", "t.done_on IS NOT NULL"), ("overdue", "(t.done_on IS NULL AND t.due_on < %(today)s)"),
             ("assignee", "t.assignee_id"), ("assignee_name", USER_NAME.format(a="a")), ("notes", "t.notes"),
             *TRACKED],
            order="t.due_on, t.id", ordering="due_on", position=["t.due_on", "t.id"],
            joins="LEFT JOIN crm_project p ON p.id = t.project_id LEFT JOIN crm_user a ON a.id = t.assignee_id",
        ),
        "tasks": Floor(
            "/api/v1/tasks/", "crm_task",
            [("id", "t.id"), ("title", "t.title"), ("description", "t.description"), ("assignee", "t.assignee_id"),
             ("assignee_name", USER_NAME.format(a="a")), ("due_on", "t.due_on", dt.date.isoformat),
             ("priority", "t.priority"), ("priority_display", "t.priority", labels(c.TaskPriority)),
             ("status", "t.status"), ("status_display", "t.status", labels(c.TaskStatus)),
             ("company", "t.company_id"), ("meeting", "t.meeting_id"), ("agreement", "t.agreement_id"),
             ("project", "t.project_id"), ("done_at", "t.done_at", when),
             ("overdue", f"COALESCE({OPEN} AND t.due_on < %(today)s, false)"), *TRACKED],
            order="t.due_on, t.id", ordering="due_on", position=["t.due_on", "t.id"],
            joins="LEFT JOIN crm_user a ON a.id = t.assignee_id",
        ),
        "reminders": Floor(
            "/api/v1/reminders/", "crm_reminder",
            [("id", "t.id"), ("subject", "t.subject"), ("subject_display", "t.subject", labels(r.ReminderSubject)),
             ("object_id", "t.object_id"), ("occurrence", "t.occurrence"), ("reason", "t.reason"),
             ("reason_display", "t.reason", labels(r.ReminderReason)), ("title", "t.title"),
             ("due_on", "t.due_on", dt.date.isoformat), ("recipient", "t.recipient_id"),
             ("recipient_name", USER_NAME.format(a="r")), ("status", "t.status"),
             ("status_display", "t.status", labels(r.ReminderStatus)), ("scheduled_for", "t.scheduled_for", when),
             ("attempts", "t.attempts"), ("next_attempt_at", "t.next_attempt_at", when),
             ("last_error", "t.last_error"), ("sent_at", "t.sent_at", when), ("is_late", "t.is_late"),
             ("message_id", "t.message_id"), ("created_at", "t.created_at", when)],
            order="t.scheduled_for DESC, t.id DESC", ordering="-scheduled_for", position=["t.scheduled_for", "t.id"],
            joins="LEFT JOIN crm_user r ON r.id = t.recipient_id",
        ),
        "targets": Floor(
            "/api/v1/targets/", "crm_investmenttarget",
            [("id", "t.id"), ("year", "t.year"), ("amount", "t.amount", money), ("note", "t.note"), *TRACKED],
            order="t.year DESC",
        ),
        "webhooks": Floor(
            "/api/v1/webhooks/", "crm_webhooksubscription",
            [("id", "t.id"), ("name", "t.name"), ("channel", "t.channel"),
             ("channel_display", "t.channel", labels(w.WebhookChannel)), ("url", "t.url"), ("events", "t.events"),
             ("secret_hint", "CASE WHEN t.secret = '' THEN '' WHEN char_length(t.secret) >= 12 "
              "THEN '••••' || right(t.secret, 4) ELSE '••••' END"),
             ("is_active", "t.is_active"), ("user", "t.user_id"), ("user_name", USER_NAME.format(a="u")),
             ("owner", "t.owner_id"), ("owner_name", USER_NAME.format(a="o")),
             ("consecutive_failures", "t.consecutive_failures"), ("disabled_at", "t.disabled_at", when),
             ("disabled_reason", "t.disabled_reason"), *TRACKED],
            order="t.name, t.id", ordering="name", position=["t.name", "t.id"],
            joins="LEFT JOIN crm_user u ON u.id = t.user_id LEFT JOIN crm_user o ON o.id = t.owner_id",
        ),
    }  # fmt: skip


FLOORS = _floors()


def floor_for(prefix: str) -> Floor | None:
    """The floor of the list at ``/api/v1/<prefix>/``, or None for a list that has none yet."""
    return FLOORS.get(prefix)


def _today() -> dt.date:
    from crm import services

    return services.today()


def floor_connection():
    """A psycopg connection of its own, in the time zone the API writes datetimes in, with the
    session settings the project's connections get (settings: work_mem, no JIT, the timeout)."""
    import psycopg

    db = settings.DATABASES["default"]
    connection = psycopg.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        options=db.get("OPTIONS", {}).get("options", ""),
        autocommit=True,
    )
    connection.execute(f"SET TIME ZONE '{settings.TIME_ZONE}'")
    return connection

"""The tables of docs/frontend.md that the code can tell: the lists' filters and ordering, the enums' labels.

``python -m tests.frontend.docs_tables`` rewrites them between their markers from the viewsets
(crm/api/urls.py), crm/models/choices.py and the English catalog (crm/locale/en); a test fails while the
docs and the code differ.
"""

import os
import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "frontend.md"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# Enums whose labels may stay in Chinese script in English: a language picker names 简体中文 so.
NATIVE_LABELS = {"LanguageEnum"}


def enums():
    """(what, schema component, TextChoices) for every enum of the API that has labels."""
    from crm.models import choices
    from crm.models.reminders import ReminderReason, ReminderStatus, ReminderSubject
    from crm.models.webhooks import WebhookChannel, WebhookDeliveryStatus, WebhookEventType

    return [
        ("company `kind`", "CompanyKindEnum", choices.CompanyKind),
        ("meeting `kind`", "MeetingKindEnum", choices.MeetingKind),
        ("request `status`", "RequestStatusEnum", choices.RequestStatus),
        ("agreement `kind`", "AgreementKindEnum", choices.AgreementKind),
        ("agreement `status`", "AgreementStatusEnum", choices.AgreementStatus),
        ("project `kind`", "ProjectKindEnum", choices.ProjectKind),
        ("project `stage`", "ProjectStageEnum", choices.ProjectStage),
        ("milestone `kind`", "MilestoneKindEnum", choices.MilestoneKind),
        ("task `priority`", "TaskPriorityEnum", choices.TaskPriority),
        ("task `status`", "TaskStatusEnum", choices.TaskStatus),
        ("user `language`", "LanguageEnum", choices.Language),
        ("reminder `subject`", "SubjectEnum", ReminderSubject),
        ("reminder `reason`", "ReasonEnum", ReminderReason),
        ("reminder `status`", "ReminderStatusEnum", ReminderStatus),
        ("webhook `channel`", "ChannelEnum", WebhookChannel),
        ("webhook `events`", "EventsEnum", WebhookEventType),
        ("webhook delivery `status`", "WebhookDeliveryStatusEnum", WebhookDeliveryStatus),
    ]


def label(member, language: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return str(member.label)


def english(component: str, member) -> str | None:
    """The English label, or None while the catalog does not translate it."""
    text = label(member, "en")
    return None if CJK.search(text) and component not in NATIVE_LABELS else text


def render_enums() -> str:
    rows = ["| enum | schema | code | 中文 (default, `zh-hans`) | English (`en`) |", "|---|---|---|---|---|"]
    for what, component, choices in enums():
        for member in choices:
            rows.append(
                f"| {what} | `{component}` | `{member.value}` | {label(member, 'zh-hans')} | "
                f"{english(component, member) or '*(not yet translated)*'} |"
            )
    return "\n".join(rows)


def render_lists() -> str:
    from crm.api.urls import router

    rows = ["| list | filters | `?search=` | `?ordering=` |", "|---|---|---|---|"]
    for prefix, viewset, _basename in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        filters = ", ".join(f"`{name}`" for name in (filterset.base_filters if filterset else ())) or "—"
        search = "yes" if getattr(viewset, "search_fields", None) else "—"
        ordering = ", ".join(f"`{name}`" for name in getattr(viewset, "ordering_fields", None) or ()) or "—"
        rows.append(f"| `/api/v1/{prefix}/` | {filters} | {search} | {ordering} |")
    return "\n".join(rows)


TABLES = {"lists": render_lists, "enums": render_enums}


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}-table:begin -->", f"<!-- {name}-table:end -->"


def documented(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    begin, end = _markers(name)
    return text[text.index(begin) + len(begin) : text.index(end)].strip()


def write() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, render in TABLES.items():
        begin, end = _markers(name)
        start, stop = text.index(begin) + len(begin), text.index(end)
        text = f"{text[:start]}\n{render()}\n{text[stop:]}"
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(DOC.parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    write()
    print(f"wrote the tables of {DOC}")

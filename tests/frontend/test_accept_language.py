"""Accept-Language switches every ``*_display`` label: Chinese by default, English with ``en``.

The English labels come from the catalog crm/locale/en/LC_MESSAGES/django.po (compiled to .mo);
while it does not translate a label, the English cases fail and name the label.
"""

import json

import pytest
from django.utils import timezone

from crm.models import choices
from tests.conftest import client_for
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    MeetingFactory,
    MilestoneFactory,
    PartnerRequestFactory,
    ProjectFactory,
    TaskFactory,
)

from .docs_tables import CJK, DOC, TABLES, documented, enums, label

# For each enum: the list that shows it, its field, and how to make a record with a given value.
SHOWN_AT = {
    "CompanyKindEnum": ("/api/v1/companies/", "kind", lambda v: CompanyFactory(kind=v)),
    "MeetingKindEnum": ("/api/v1/meetings/", "kind", lambda v: MeetingFactory(kind=v)),
    "RequestStatusEnum": ("/api/v1/requests/", "status", lambda v: PartnerRequestFactory(status=v)),
    "AgreementKindEnum": ("/api/v1/agreements/", "kind", lambda v: AgreementFactory(kind=v)),
    "AgreementStatusEnum": ("/api/v1/agreements/", "status", lambda v: AgreementFactory(status=v)),
    "ProjectKindEnum": ("/api/v1/projects/", "kind", lambda v: ProjectFactory(kind=v)),
    "ProjectStageEnum": ("/api/v1/projects/", "stage", lambda v: ProjectFactory(stage=v)),
    "MilestoneKindEnum": ("/api/v1/milestones/", "kind", lambda v: MilestoneFactory(kind=v)),
    "TaskPriorityEnum": ("/api/v1/tasks/", "priority", lambda v: TaskFactory(priority=v)),
    "TaskStatusEnum": (
        "/api/v1/tasks/",
        "status",
        lambda v: TaskFactory(status=v, done_at=timezone.now() if v == choices.TaskStatus.DONE else None),
    ),
}
CHOICES = {component: members for _what, component, members in enums()}
# (Accept-Language sent, the language of the labels expected)
LANGUAGES = [
    (None, "zh-hans"),
    ("zh-hans", "zh-hans"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans"),
    ("en", "en"),
    ("en-US,en;q=0.9", "en"),
]


@pytest.mark.parametrize("accept_language, language", LANGUAGES, ids=[str(a) for a, _ in LANGUAGES])
@pytest.mark.parametrize("component", SHOWN_AT)
def test_every_display_label_follows_accept_language(manager, component, accept_language, language):
    endpoint, field, make = SHOWN_AT[component]
    members = CHOICES[component]
    for member in members:
        make(member.value)
    headers = {"Accept-Language": accept_language} if accept_language else {}

    response = client_for(manager).get(endpoint, {"page_size": 200}, headers=headers)

    assert response.status_code == 200
    assert response["Content-Language"] == language
    shown = {row[field]: row[f"{field}_display"] for row in response.json()["results"]}
    expected = {member.value: label(member, language) for member in members}
    assert shown == expected
    if language == "en":
        untranslated = sorted(f"{code} ({text})" for code, text in shown.items() if CJK.search(text))
        assert not untranslated, (
            f"{component}: no English label for {', '.join(untranslated)}; "
            "translate them in crm/locale/en/LC_MESSAGES/django.po and run compilemessages"
        )
    else:
        assert all(CJK.search(text) for text in shown.values()), shown


@pytest.mark.parametrize("table", TABLES)
def test_the_tables_in_the_docs_are_current(table):
    assert documented(table) == TABLES[table](), (
        f"the {table} table of {DOC} is stale: run `python -m tests.frontend.docs_tables`"
    )


def test_every_labelled_enum_of_the_schema_is_in_the_table(openapi_json):
    schemas = json.loads(openapi_json.read_text())["components"]["schemas"]
    # Enums without translated labels: helpers, roles, history markers, statistics groupings.
    labelled = {
        name
        for name, schema in schemas.items()
        if "enum" in schema
        and name not in {"BlankEnum", "NullEnum", "GroupsEnum", "HistoryTypeEnum"}
        and any(f"`{code}` - {code}" not in schema.get("description", "") for code in schema["enum"])
    }
    assert labelled <= set(CHOICES), f"add {sorted(labelled - set(CHOICES))} to tests/frontend/docs_tables.py"

"""The precomputed stays (``ProjectStageChange.stay_days``) and the pipeline's ``stays`` and
``median_days`` equal the figures worked out from the stage histories, after every kind of write.

The rule (docs/stats.md): a **stay** begins with a move into a stage (the creation record
included) and ends with the project's next move, next in the order ``changed_on``, ``changed_at``,
id; its length is the difference of the two ``changed_on`` dates. The project's latest move has
no ended stay (``stay_days`` is NULL). ``stays`` counts a stage's ended stays, ``median_days`` is
their median with one decimal place (a decimal string).

Every write here goes through a real door (the API, the admin's forms and actions, the import,
``generate_data``, the migration's backfill); after each one both the stored ``stay_days`` of
every move and the manager's pipeline report are checked against the figures worked out below
from the raw records, by code that shares nothing with the service, the migration or the report.
Today is 2025-12-31 (tests/stats/conftest.py); the clock does not tick, so every move recorded in
one test has the same ``changed_at`` and the id decides between moves of the same day.
"""

import importlib
import statistics
from collections import defaultdict
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.urls import reverse

from crm.models import Project, ProjectStageChange
from tests.admin.conftest import form_data, signed_in, staff
from tests.admin.test_import_export import confirm, preview, xlsx
from tests.api.base import act, if_match
from tests.factories import AgreementFactory
from tests.stats.conftest import API, day, get

pytestmark = pytest.mark.django_db


# The figures from the records -------------------------------------------------------------------------


def stays_from_records() -> dict[int, int | None]:
    """Each move's stay, by the move's id: the days to the project's next move (None for its latest)."""
    histories = defaultdict(list)
    for change in ProjectStageChange.objects.all():
        histories[change.project_id].append(change)
    stays = {}
    for history in histories.values():
        history.sort(key=lambda change: (change.changed_on, change.changed_at, change.pk))
        for this, following in zip(history, [*history[1:], None], strict=True):
            stays[this.pk] = (following.changed_on - this.changed_on).days if following else None
    return stays


def pipeline_from_records(hidden=()) -> dict[str, tuple[int, str | None]]:
    """Each stage's (stays, median_days) as the API writes them, from the records and statistics.median;
    the projects ``hidden`` from the reader left out."""
    stays = stays_from_records()
    lengths = defaultdict(list)
    for pk, project_id, to_stage in ProjectStageChange.objects.values_list("pk", "project_id", "to_stage"):
        if stays[pk] is not None and project_id not in hidden:
            lengths[to_stage].append(stays[pk])
    # A median of whole days is a whole or a half day: one decimal place is exact.
    return {stage: (len(days), f"{Decimal(statistics.median(days)):.1f}") for stage, days in lengths.items()}


def assert_stays_are_true(client, hidden=()) -> int:
    """Stored stays and the figures reported to ``client`` (who may not see the projects ``hidden``)
    equal those of the records; answers how many stays the report counts."""
    stored = dict(ProjectStageChange.objects.values_list("pk", "stay_days"))
    computed = stays_from_records()
    wrong = {pk: (stored[pk], computed[pk]) for pk in computed if stored[pk] != computed[pk]}
    assert not wrong, f"(stored, from the records) by move id: {wrong}"
    reported = {row["stage"]: (row["stays"], row["median_days"]) for row in get(client, "stats/pipeline/")["stages"]}
    expected = pipeline_from_records(hidden)
    assert set(expected) <= set(reported), "a stage with stays is missing from the report"
    assert reported == {stage: expected.get(stage, (0, None)) for stage in reported}
    return sum(count for count, _median in expected.values())


def stay(project_id: int, to_stage: str) -> int | None:
    """The stored stay of the project's (only) move into ``to_stage``."""
    return ProjectStageChange.objects.get(project_id=project_id, to_stage=to_stage).stay_days


# The API ------------------------------------------------------------------------------------------------


def project_url(pk) -> str:
    return f"{API}projects/{pk}/"


def patch(client, url: str, body: dict):
    """PATCH as a client does: with the ETag of the record it read."""
    read = client.get(url)
    assert read.status_code == 200, read.content
    return client.patch(url, body, format="json", HTTP_IF_MATCH=read["ETag"])


def create_project(client, name: str, stage: str, on: str) -> int:
    response = client.post(f"{API}projects/", {"name": name, "stage": stage, "stage_changed_on": on}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def change_stage(client, pk, body: dict, status=200):
    response = act(client, f"{project_url(pk)}change-stage/", body)
    assert response.status_code == status, response.content
    return response


def test_api_creations_moves_edits_and_corrections_keep_the_stays_true(api, editor_api, world):
    """POST a project at a stage, move it forward (change-stage, and PATCH with a stage and date),
    a manager's correction backward: after each write the stays are those of the records."""
    before = assert_stays_are_true(api)
    assert before == 14  # the ended stays listed in tests/stats/test_pipeline.py
    pk = create_project(editor_api, "新型储能电池项目", "negotiating", "2025-03-01")
    assert stay(pk, "negotiating") is None  # still 洽谈
    assert assert_stays_are_true(api) == before

    change_stage(editor_api, pk, {"stage": "signed", "changed_on": "2025-05-01"})
    assert stay(pk, "negotiating") == 61
    assert assert_stays_are_true(api) == before + 1

    # Two moves on the same day: the stay in 签约 lasted 0 days.
    change_stage(editor_api, pk, {"stage": "construction", "changed_on": "2025-05-01"})
    assert stay(pk, "signed") == 0
    assert assert_stays_are_true(api) == before + 2

    response = patch(editor_api, project_url(pk), {"stage": "completed", "stage_changed_on": "2025-09-01"})
    assert response.status_code == 200, response.content
    assert stay(pk, "construction") == 123
    assert assert_stays_are_true(api) == before + 3

    # An editor's move backward is refused and writes nothing.
    change_stage(editor_api, pk, {"stage": "construction", "reason": "竣工登记有误"}, status=403)
    assert assert_stays_are_true(api) == before + 3

    # A manager's correction back to 开工 ends the stay in 竣工.
    change_stage(api, pk, {"stage": "construction", "reason": "竣工登记有误", "changed_on": "2025-10-01"})
    assert stay(pk, "completed") == 30
    assert ProjectStageChange.objects.filter(project_id=pk, is_correction=True).count() == 1
    assert assert_stays_are_true(api) == before + 4

    # A world project moved by PATCH without a date: today ends P7's stay in 线索 (2024-01-05 →).
    response = patch(editor_api, project_url(world.p7.pk), {"stage": "negotiating"})
    assert response.status_code == 200, response.content
    assert stay(world.p7.pk, "lead") == 726
    assert assert_stays_are_true(api) == before + 5
    # An editor outside the confidential P4's team is reported the stays of the others only.
    assert assert_stays_are_true(editor_api, hidden={world.p4.pk}) == before + 5 - 2


def test_api_signings_that_advance_their_projects_keep_the_stays_true(api, editor_api, world):
    """An agreement created as signed, the sign action and a draft PATCHed to signed move their
    projects to 签约 (services.agreements): each move ends the stay before it."""
    before = assert_stays_are_true(api)
    pk = create_project(editor_api, "合成生物中试基地", "negotiating", "2025-03-01")
    response = editor_api.post(
        f"{API}agreements/",
        {"title": "中试基地投资协议", "project": pk, "status": "signed", "signed_on": "2025-06-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Project.objects.get(pk=pk).stage == "signed"
    assert stay(pk, "negotiating") == 92
    assert assert_stays_are_true(api) == before + 1

    # P7 (线索 since 2024-01-05) and its draft A10, signed today by the sign action.
    response = act(editor_api, f"{API}agreements/{world.a10.pk}/sign/")
    assert response.status_code == 200, response.content
    assert Project.objects.get(pk=world.p7.pk).stage == "signed"
    assert stay(world.p7.pk, "lead") == 726
    assert assert_stays_are_true(api) == before + 2

    # A signing entered late (dated before the project's latest move) is moved to that move's day.
    late = create_project(editor_api, "低空经济产业园", "negotiating", "2025-04-01")
    draft = editor_api.post(
        f"{API}agreements/", {"title": "产业园投资协议", "project": late, "signed_on": "2025-02-01"}, format="json"
    )
    assert draft.status_code == 201, draft.content
    response = patch(editor_api, f"{API}agreements/{draft.json()['id']}/", {"status": "signed"})
    assert response.status_code == 200, response.content
    assert Project.objects.get(pk=late).stage == "signed"
    assert stay(late, "negotiating") == 0
    assert assert_stays_are_true(api) == before + 3


# The admin ----------------------------------------------------------------------------------------------


def change_url(obj) -> str:
    return reverse(f"admin:crm_{obj._meta.model_name}_change", args=[obj.pk])


def test_admin_forms_and_the_stage_action_keep_the_stays_true(api, world):
    """The project form (add, a move forward, a manager's correction) and the bulk action
    ``change_stage`` on the changelist: each move recorded ends the stay before it."""
    editor, manager = signed_in(staff("editor")), signed_in(staff("manager"))
    before = assert_stays_are_true(api)

    page = editor.get(reverse("admin:crm_project_add"))
    response = editor.post(
        reverse("admin:crm_project_add"),
        form_data(page, name="智能装备产业园", stage="negotiating"),
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    added = Project.objects.get(name="智能装备产业园")
    assert assert_stays_are_true(api) == before

    # The form dates a move today: P3 (合成生物基地) has been 签约 since 2024-11-20.
    page = editor.get(change_url(world.p3))
    response = editor.post(change_url(world.p3), form_data(page, stage="construction", stage_reason="开工"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert stay(world.p3.pk, "signed") == 406
    assert assert_stays_are_true(api) == before + 1

    # A manager's correction: P6 (老项目), 开工 since 2024-02-01, back to 签约.
    page = manager.get(change_url(world.p6))
    response = manager.post(change_url(world.p6), form_data(page, stage="signed", stage_reason="开工登记有误"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ProjectStageChange.objects.get(project=world.p6, to_stage="construction").stay_days == 699
    assert assert_stays_are_true(api) == before + 2

    # The bulk action, dated 2025-12-01: P1 (投产 since 2025-09-01), P2 (投产 since 2025-08-01) and
    # P7 (线索 since 2024-01-05) to 达产; the project added today is refused (a move before its latest).
    selected = [world.p1.pk, world.p2.pk, world.p7.pk, added.pk]
    response = editor.post(
        reverse("admin:crm_project_changelist"),
        {
            "action": "change_stage",
            ACTION_CHECKBOX_NAME: selected,
            "apply": "1",
            "to_stage": "full_production",
            "reason": "集中达产",
            "changed_on": "2025-12-01",
        },
    )
    assert response.status_code == 302
    assert set(Project.objects.filter(stage="full_production").values_list("pk", flat=True)) == set(selected[:3])
    assert (stay(world.p1.pk, "production"), stay(world.p2.pk, "production"), stay(world.p7.pk, "lead")) == (
        91,
        122,
        696,
    )
    assert Project.objects.get(pk=added.pk).stage == "negotiating"
    assert assert_stays_are_true(api) == before + 5

    # The same action without a date moves today: the project added today stayed 0 days in 洽谈.
    response = editor.post(
        reverse("admin:crm_project_changelist"),
        {"action": "change_stage", ACTION_CHECKBOX_NAME: [added.pk], "apply": "1", "to_stage": "signed"},
    )
    assert response.status_code == 302
    assert stay(added.pk, "negotiating") == 0
    assert assert_stays_are_true(api) == before + 6


# The import ---------------------------------------------------------------------------------------------


def imported(client, model: str, rows: list[list]):
    page = preview(client, model, xlsx(rows))
    assert page.status_code == 200
    result = page.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), [
        (row.number, row.error_dict) for row in result.invalid_rows
    ]
    assert confirm(client, model, page).status_code == 302
    return result


def test_imports_that_create_and_move_projects_keep_the_stays_true(api, world):
    """Project files that create projects at their stages and move projects already there, then an
    agreement file with a new signed agreement and a draft signed (their projects move to 签约)."""
    editor = signed_in(staff("editor"))
    before = assert_stays_are_true(api)
    header = ["项目名称", "阶段", "阶段变更日期", "阶段变更原因", "版本"]
    p3 = Project.objects.get(pk=world.p3.pk)
    imported(
        editor,
        "project",
        [
            header,
            ["乐荟中心产业园", "签约", "2025-03-01", "常州—深圳推介会签约", ""],
            ["新材料研发平台", "洽谈", "2025-07-15", "", ""],
            # P3 (合成生物基地), 签约 since 2024-11-20
            ["合成生物基地", "开工", "2025-02-01", "", p3.version],
        ],
    )
    assert Project.objects.filter(name__in=["乐荟中心产业园", "新材料研发平台"]).count() == 2
    assert stay(world.p3.pk, "signed") == 73
    assert assert_stays_are_true(api) == before + 1

    # The new project moved on by a second file; P1 (投产 since 2025-09-01) too.
    moved = Project.objects.get(name="乐荟中心产业园")
    p1 = Project.objects.get(pk=world.p1.pk)
    imported(
        editor,
        "project",
        [
            header,
            ["乐荟中心产业园", "开工", "2025-08-01", "", moved.version],
            ["光伏组件", "达产", "2025-12-01", "", p1.version],
        ],
    )
    assert (stay(moved.pk, "signed"), stay(world.p1.pk, "production")) == (153, 91)
    assert assert_stays_are_true(api) == before + 3

    # An agreement file: a new agreement signed on 2025-06-01 for P7 (线索 since 2024-01-05), and a
    # draft of 新材料研发平台 (洽谈 since 2025-07-15) signed on 2025-09-01.
    draft = AgreementFactory(
        title="研发平台合作协议", project=Project.objects.get(name="新材料研发平台"), signed_on=day("2025-09-01")
    )
    imported(
        editor,
        "agreement",
        [
            ["协议名称", "签约日期", "涉及项目", "状态", "版本"],
            ["意向项目投资协议", "2025-06-01", "意向项目", "已签约", ""],
            ["研发平台合作协议", "2025-09-01", "新材料研发平台", "已签约", draft.version],
        ],
    )
    assert Project.objects.get(pk=world.p7.pk).stage == "signed"
    assert (stay(world.p7.pk, "lead"), stay(draft.project_id, "negotiating")) == (513, 48)
    assert assert_stays_are_true(api) == before + 5


# Deleting -----------------------------------------------------------------------------------------------


def test_deleting_projects_leaves_the_stays_of_the_rest_true(api, editor_api, world):
    """Deleting a project (DELETE on the API, the admin's delete page and its bulk delete) takes
    its history with it: what remains reports what the remaining records say."""
    before = assert_stays_are_true(api)
    made = {}
    for name, start in (("待删除项目甲", "2025-01-10"), ("待删除项目乙", "2025-02-20")):
        pk = create_project(editor_api, name, "lead", start)
        change_stage(editor_api, pk, {"stage": "negotiating", "changed_on": "2025-04-01"})
        change_stage(editor_api, pk, {"stage": "signed", "changed_on": "2025-07-01"})
        made[name] = pk
    assert assert_stays_are_true(api) == before + 4

    first = made["待删除项目甲"]
    version = Project.objects.get(pk=first).version
    assert api.delete(project_url(first), **if_match(version)).status_code == 204
    assert not ProjectStageChange.objects.filter(project_id=first).exists()
    assert assert_stays_are_true(api) == before + 2

    second = made["待删除项目乙"]
    version = Project.objects.get(pk=second).version
    assert api.delete(project_url(second), **if_match(version)).status_code == 204
    assert assert_stays_are_true(api) == before

    # The admin: a manager deletes a project with a history on its delete page, then two by the
    # changelist's bulk action.
    manager = signed_in(staff("manager"))
    made = [create_project(editor_api, f"后台删除项目{n}", "lead", "2025-03-01") for n in range(3)]
    for pk in made:
        change_stage(editor_api, pk, {"stage": "negotiating", "changed_on": "2025-05-01"})
    assert assert_stays_are_true(api) == before + 3
    delete_page = reverse("admin:crm_project_delete", args=[made[0]])
    assert manager.get(delete_page).status_code == 200
    assert manager.post(delete_page, {"post": "yes"}).status_code == 302
    assert not Project.objects.filter(pk=made[0]).exists()
    assert assert_stays_are_true(api) == before + 2
    response = manager.post(
        reverse("admin:crm_project_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: made[1:], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Project.objects.filter(pk__in=made).exists()
    assert assert_stays_are_true(api) == before


# Bulk writes --------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # generate_data commits, then VACUUMs on PostgreSQL
def test_generated_data_writes_the_stays_of_its_histories(api):
    """``generate_data --scale 1`` writes stays in bulk (COPY on PostgreSQL): they are those of
    the histories it writes, and so are the report's figures."""
    call_command("generate_data", scale=1, verbosity=0)
    assert Project.objects.count() == 1000
    assert assert_stays_are_true(api) > 1000


def test_the_migrations_backfill_restores_the_stays_of_the_records(api, world):
    """0010_stage_stays fills ``stay_days`` of the moves recorded before it: emptied again here on
    every ended stay of half the projects, the backfill puts them back."""
    fill_stays = importlib.import_module("crm.migrations.0010_stage_stays").fill_stays
    before = assert_stays_are_true(api)
    halved = list(Project.objects.order_by("pk").values_list("pk", flat=True)[::2])
    emptied = ProjectStageChange.objects.filter(project__in=halved, stay_days__isnull=False).update(stay_days=None)
    assert emptied > 0
    with pytest.raises(AssertionError):
        assert_stays_are_true(api)

    fill_stays(apps, None)
    assert assert_stays_are_true(api) == before

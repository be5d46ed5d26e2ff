"""The read rule of the records that belong to a project (crm/access/rules.py), kind by kind, and
its form in SQL: an anti-join on the project, never a ``NOT IN`` of every hidden project."""

import pytest

from crm import access
from crm.models import Agreement, CapitalArrival, Milestone, Project, ProjectStageChange, Task
from tests.factories import (
    AgreementFactory,
    CapitalArrivalFactory,
    MilestoneFactory,
    ProjectFactory,
    ProjectStageChangeFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    """Of an open and of a confidential project: one record of each kind; and records of no project."""
    owner = UserFactory(username="secret-owner", role="editor")
    member = UserFactory(username="secret-member", role="editor")
    secret = ProjectFactory(name="保密项目", is_confidential=True, owner=owner)
    secret.team.set([member])
    open_project = ProjectFactory(name="公开项目", owner=owner)
    made = {"owner": owner, "member": member, "secret": set(), "open": set()}
    for side, project in (("secret", secret), ("open", open_project)):
        agreement = AgreementFactory(project=project)
        made[side] |= {
            project,
            agreement,
            CapitalArrivalFactory(project=project),
            MilestoneFactory(project=project),
            ProjectStageChangeFactory(project=project),
            TaskFactory(project=project),
            TaskFactory(agreement=agreement),  # of the project only through its agreement
        }
    made["open"] |= {AgreementFactory(project=None), TaskFactory()}  # of no project: hide from nobody
    return made


MODELS = [Project, Agreement, CapitalArrival, Milestone, ProjectStageChange, Task]


def seen(user) -> set:
    return {record for model in MODELS for record in access.visible(user, model.objects.all())}


def test_a_confidential_projects_records_exist_only_for_its_owner_team_and_managers(records, editor, manager):
    assert seen(editor) == records["open"]
    everything = records["open"] | records["secret"]
    assert seen(records["owner"]) == seen(records["member"]) == seen(manager) == everything


@pytest.mark.parametrize("model", MODELS)
def test_the_rule_is_an_anti_join_on_the_project_not_a_list_of_hidden_projects(records, editor, model):
    sql = str(access.visible(editor, model.objects.all()).query)
    assert "NOT (EXISTS" in sql
    assert " IN (SELECT" not in sql

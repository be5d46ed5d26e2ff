"""``manage.py seed_demo``: load the Changzhou delegation to Shenzhen of October 2024.

The data is in ``data.py`` beside this module. Every row is found again by its natural key, so a second
run changes nothing, not even a version or a history record: a row is saved only when a value
differs from the demo (which also puts back what someone edited since), a many-to-many set is
written only when it differs, and the stage, signing and milestone services are called only for
steps not taken yet. Everything runs in one transaction.
"""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import models, transaction

from crm import services
from crm.models import (
    Agreement,
    CapitalArrival,
    Company,
    Contact,
    Industry,
    Meeting,
    Milestone,
    PartnerRequest,
    Project,
    Task,
    Trip,
    User,
)
from crm.models.choices import AgreementStatus

from . import data as demo_data

CHANGE_REASON = "演示数据 seed_demo"

# (model, Chinese, English) in the order the summary lists them.
SUMMARY_LABELS = [
    (User, "演示用户", "demo users"),
    (Industry, "产业", "industries"),
    (Company, "合作方", "organisations"),
    (Contact, "联系人", "contacts"),
    (Trip, "出访", "trips"),
    (Meeting, "会见活动", "meetings"),
    (Project, "项目", "projects"),
    (Agreement, "协议", "agreements"),
    (CapitalArrival, "资金到位", "capital arrivals"),
    (Milestone, "节点", "milestones"),
    (PartnerRequest, "企业诉求", "requests"),
    (Task, "跟进事项", "tasks"),
]


class Seeder:
    """Writes the demo; remembers the rows by their demo keys and counts what it did."""

    def __init__(self):
        self.rows: dict[type[models.Model], int] = Counter()
        self.created = 0
        self.updated = 0
        self.users: dict[str, User] = {}
        self.industries: dict[str, Industry] = {}
        self.companies: dict[str, Company] = {}
        self.contacts: dict[str, Contact] = {}
        self.meetings: dict[str, Meeting] = {}
        self.projects: dict[str, Project] = {}
        self.agreements: dict[str, Agreement] = {}
        self.trip: Trip | None = None

    def run(self) -> None:
        self.seed_users()
        self.seed_industries()
        self.seed_companies()
        self.seed_contacts()
        self.seed_trip_and_meetings()
        self.seed_projects()
        self.seed_agreements()
        self.seed_capital_arrivals()
        self.seed_milestones()
        self.seed_requests()
        self.seed_tasks()

    # The one way rows are written -------------------------------------------------------------

    def upsert(self, model, lookup: dict, values: dict, *, many: dict | None = None, on_create: dict | None = None):
        """Find the row by ``lookup`` (oldest first) or create it; make ``values`` and ``many`` hold.
        Every write goes through the services, as the system (no user)."""
        instance = model._default_manager.filter(**lookup).order_by("pk").first()
        many = many or {}
        if instance is None:
            values = {**lookup, **values, **(on_create or {}), **many}
            instance = services.create(model=model, user=None, values=values, reason=CHANGE_REASON)
            self._count(model, created=True, updated=False)
            return instance
        changed = {name: value for name, value in values.items() if not self._holds(instance, name, value)}
        changed.update(
            (name, targets)
            for name, targets in many.items()
            if set(getattr(instance, name).values_list("pk", flat=True)) != {target.pk for target in targets}
        )
        if changed:
            instance = services.update(
                record=instance, user=None, values=changed, seen_version=instance.version, reason=CHANGE_REASON
            )
        self._count(model, created=False, updated=bool(changed))
        return instance

    def _count(self, model, *, created: bool, updated: bool) -> None:
        self.rows[model] += 1
        if created:
            self.created += 1
        elif updated:
            self.updated += 1

    @staticmethod
    def _holds(instance, name: str, value) -> bool:
        field = instance._meta.get_field(name)
        if field.is_relation:
            return getattr(instance, field.attname) == (value.pk if value is not None else None)
        return getattr(instance, name) == value

    def _user(self, key: str | None) -> User | None:
        return self.users[key] if key else None

    # The demo, in the order its rows refer to each other ---------------------------------------

    def seed_users(self) -> None:
        for key, spec in demo_data.USERS.items():
            values = {k: spec[k] for k in ("full_name", "email", "language")} | {"is_active": True}
            instance = User.objects.filter(username=spec["username"]).first()
            if instance is None:
                instance = User(username=spec["username"], **values)
                instance.set_unusable_password()
                instance.save()
                created, updated = True, False
            else:
                created, updated = False, any(getattr(instance, name) != value for name, value in values.items())
                if updated:
                    for name, value in values.items():
                        setattr(instance, name, value)
                    instance.save()
            group = Group.objects.filter(name=spec["role"]).first()
            if group is not None:
                instance.groups.add(group)
            self.users[key] = instance
            self._count(User, created=created, updated=updated)

    def seed_industries(self) -> None:
        for code, (name, name_en, parent) in demo_data.INDUSTRIES.items():
            self.industries[code] = self.upsert(
                Industry,
                {"code": code},
                {"name": name, "name_en": name_en, "parent": self.industries[parent] if parent else None},
            )

    def seed_companies(self) -> None:
        for key, spec in demo_data.COMPANIES.items():
            spec = dict(spec)
            industries = [self.industries[code] for code in spec.pop("industries", [])]
            parent = spec.pop("parent", None)
            values = {
                "short_name": "",
                "name_en": "",
                "kind": "enterprise",
                "city": "",
                "province": "",
                "country": "CN",
                "fortune500_rank": None,
                "is_listed": False,
                "is_local_origin": False,
                "is_home_side": False,
                "tags": [],
                **spec,
                "parent": self.companies[parent] if parent else None,
                "owner": self._user(spec.get("owner")),
            }
            name = values.pop("name")
            self.companies[key] = self.upsert(Company, {"name": name}, values, many={"industries": industries})

    def seed_contacts(self) -> None:
        for key, (company, name, title, notes) in demo_data.CONTACTS.items():
            self.contacts[key] = self.upsert(
                Contact, {"company": self.companies[company], "name": name}, {"title": title, "notes": notes}
            )

    def seed_trip_and_meetings(self) -> None:
        spec = dict(demo_data.TRIP)
        members = [self.contacts[key] for key in spec.pop("members")]
        lookup = {"title": spec.pop("title"), "start_date": spec.pop("start_date")}
        spec["leader"] = self.contacts[spec["leader"]]
        spec["owner"] = self._user(spec["owner"])
        self.trip = self.upsert(Trip, lookup, spec, many={"members": members})

        for key, spec in demo_data.MEETINGS.items():
            spec = dict(spec)
            many = {
                "companies": [self.companies[k] for k in spec.pop("companies")],
                "attendees": [self.contacts[k] for k in spec.pop("attendees")],
            }
            spec["owner"] = self._user(spec["owner"])
            lookup = {"trip": self.trip, "title": spec.pop("title")}
            self.meetings[key] = self.upsert(Meeting, lookup, spec, many=many)

    def seed_projects(self) -> None:
        for key, spec in demo_data.PROJECTS.items():
            spec = dict(spec)
            stages = spec.pop("stages")
            industries = [self.industries[code] for code in spec.pop("industries")]
            team = [self.users[k] for k in spec.pop("team", [])]
            name = spec.pop("name")
            values = {
                "code_name": "",
                "is_confidential": False,
                "total_investment": None,
                "contracted_investment": None,
                "jobs_planned": None,
                "location": "",
                **spec,
                "company": self.companies[spec["company"]],
                "owner": self._user(spec.get("owner")),
            }
            project = Project.objects.filter(name=name).order_by("pk").first()
            if project is None:
                first_stage, first_date, _reason = stages[0]
                project = services.project_create(
                    user=None,
                    values={
                        **values,
                        "industries": industries,
                        "team": team,
                        "name": name,
                        "stage": first_stage,
                        "stage_changed_on": first_date,
                    },
                )
                self._count(Project, created=True, updated=False)
            else:
                project = self.upsert(
                    Project, {"pk": project.pk}, values, many={"industries": industries, "team": team}
                )
            self._walk_stages(project, stages)
            self.projects[key] = project

    def _walk_stages(self, project: Project, stages: list) -> None:
        """Take the steps of the demo path after the project's stage; leave a stage off the path alone."""
        path = [stage for stage, _on, _reason in stages]
        if project.stage not in path:
            return
        for stage, changed_on, reason in stages[path.index(project.stage) + 1 :]:
            services.project_change_stage(
                project=project, to_stage=stage, user=None, reason=reason, changed_on=changed_on
            )

    def seed_agreements(self) -> None:
        for key, spec in demo_data.AGREEMENTS.items():
            spec = dict(spec)
            companies = [self.companies[k] for k in spec.pop("companies")]
            signed_on = spec.pop("signed_on")
            lookup = {"title": spec.pop("title"), "meeting": self.meetings[spec.pop("meeting")]}
            values = {
                "amount": None,
                **spec,
                "project": self.projects[spec["project"]] if spec.get("project") else None,
            }
            agreement = self.upsert(
                Agreement,
                lookup,
                values,
                many={"companies": companies},
                on_create={"status": AgreementStatus.DRAFT, "signed_on": signed_on},
            )
            if agreement.status == AgreementStatus.DRAFT:
                services.agreement_sign(agreement=agreement, user=None, signed_on=signed_on)
            self.agreements[key] = agreement

    def seed_capital_arrivals(self) -> None:
        for project, arrived_on, amount, note in demo_data.CAPITAL_ARRIVALS:
            self.upsert(
                CapitalArrival,
                {"project": self.projects[project], "arrived_on": arrived_on},
                {"amount": amount, "note": note},
            )

    def seed_milestones(self) -> None:
        for spec in demo_data.MILESTONES:
            spec = dict(spec)
            done_on = spec.pop("done_on", None)
            lookup = {"project": self.projects[spec.pop("project")], "title": spec.pop("title")}
            values = {"notes": "", **spec, "assignee": self._user(spec.get("assignee"))}
            milestone = self.upsert(Milestone, lookup, values)
            if done_on is not None and milestone.done_on is None:
                services.milestone_complete(milestone=milestone, user=None, done_on=done_on)

    def seed_requests(self) -> None:
        for spec in demo_data.REQUESTS:
            spec = dict(spec)
            lookup = {
                "company": self.companies[spec.pop("company")],
                "raised_on": spec.pop("raised_on"),
                "category": spec.pop("category"),
            }
            values = {
                "due_on": None,
                "resolved_on": None,
                "resolution": "",
                **spec,
                "meeting": self.meetings[spec["meeting"]],
                "assignee": self._user(spec.get("assignee")),
            }
            self.upsert(PartnerRequest, lookup, values)

    def seed_tasks(self) -> None:
        for spec in demo_data.TASKS:
            spec = dict(spec)
            lookup = {"meeting": self.meetings[spec.pop("meeting")], "title": spec.pop("title")}
            values = {
                "description": "",
                "priority": "normal",
                "status": "open",
                "done_at": None,
                **spec,
                "company": self.companies[spec["company"]] if spec.get("company") else None,
                "agreement": self.agreements[spec["agreement"]] if spec.get("agreement") else None,
                "project": self.projects[spec["project"]] if spec.get("project") else None,
                "assignee": self._user(spec.get("assignee")),
            }
            self.upsert(Task, lookup, values)

    # What the command prints -----------------------------------------------------------------

    def summary(self) -> str:
        trip = demo_data.TRIP
        lines = [
            f"演示数据已就绪：{trip['title']}（{trip['start_date']:%Y-%m-%d} 至 {trip['end_date']:%Y-%m-%d}）",
            f"Demo data in place: the Changzhou trade delegation to Shenzhen, "
            f"{trip['start_date']:%Y-%m-%d} to {trip['end_date']:%Y-%m-%d}.",
            f"  新建 created {self.created} · 更新 updated {self.updated} · "
            f"未变 unchanged {sum(self.rows.values()) - self.created - self.updated}",
        ]
        lines += [f"  {zh} {en}: {self.rows[model]}" for model, zh, en in SUMMARY_LABELS]
        return "\n".join(lines)


class Command(BaseCommand):
    help = "载入演示数据：常州经贸代表团赴深圳（2024年10月）。Load the demo data; running it again changes nothing."

    def handle(self, *args, **options):
        seeder = Seeder()
        with transaction.atomic():
            seeder.run()
        if options["verbosity"] > 0:
            self.stdout.write(seeder.summary())

"""Synthetic data at a city's scale, for benchmarks: what ``manage.py generate_data --scale N`` writes.

N × (200 companies, 1,000 projects, 10,000 milestones, 5,000 tasks, 400 contacts, 100 meetings,
300 requests, agreements and capital arrivals for the projects past signing, stage histories).
Names are Chinese, credit codes valid, the stage mix that of a real pipeline. Rows are written
with PostgreSQL's COPY (a few hundred thousand rows a second) or batched inserts on SQLite; ids
are assigned here so that references need no round trip, and sequences are moved past them.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from crm.demo.bulk import Writer
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
    ProjectStageChange,
    Task,
    Trip,
    User,
)
from crm.models.base import normalize_search
from crm.models.choices import STAGE_ORDER, CompanyKind, MeetingKind, MilestoneKind, ProjectStage
from crm.models.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

GENERATED = [
    User, Industry, Company, Contact, Trip, Meeting, PartnerRequest, Project, ProjectStageChange, Agreement,
    CapitalArrival, Milestone, Task,
]  # fmt: skip
LINKS = [
    Company.industries.through, Meeting.companies.through, Meeting.attendees.through, Project.industries.through,
    Agreement.companies.through,
]  # fmt: skip
PER_SCALE = {"companies": 200, "projects": 1000, "milestones_per_project": 10, "tasks_per_project": 5}
STAGE_MIX = [
    (ProjectStage.LEAD, 20),
    (ProjectStage.NEGOTIATING, 20),
    (ProjectStage.SIGNED, 15),
    (ProjectStage.CONSTRUCTION, 15),
    (ProjectStage.COMPLETED, 8),
    (ProjectStage.PRODUCTION, 10),
    (ProjectStage.FULL_PRODUCTION, 5),
    (ProjectStage.STALLED, 5),
    (ProjectStage.DROPPED, 2),
]
PLACES = ["常州高新区", "武进区", "天宁区", "钟楼区", "新北区", "金坛区", "溧阳市", "经开区"]
CITIES = [("深圳", "广东"), ("上海", "上海"), ("苏州", "江苏"), ("杭州", "浙江"), ("北京", "北京"), ("广州", "广东")]
PREFIX = ["华", "中", "新", "瑞", "恒", "博", "远", "龙", "天", "盛", "创", "启", "晶", "海", "鼎", "宏"]
MIDDLE = ["芯", "能", "智", "源", "科", "联", "达", "泰", "驰", "航", "合", "微", "光", "锐", "安", "信"]
TRADE = ["新能源", "生物科技", "半导体", "智能装备", "新材料", "医疗器械", "机器人", "储能", "数字科技", "航空"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "勇", "军", "杰", "涛", "明", "超", "霞", "平"]
INDUSTRIES = [
    ("new-energy", "新能源", "New energy"),
    ("synthetic-biology", "合成生物", "Synthetic biology"),
    ("ai", "人工智能", "Artificial intelligence"),
    ("semiconductors", "第三代半导体", "Third-generation semiconductors"),
    ("low-altitude", "低空经济", "Low-altitude economy"),
    ("smart-manufacturing", "智能制造", "Smart manufacturing"),
    ("health", "医疗健康", "Healthcare"),
    ("new-materials", "新材料", "New materials"),
]
MILESTONE_KINDS = [
    MilestoneKind.SIGNING,
    MilestoneKind.LAND,
    MilestoneKind.CONSTRUCTION_START,
    MilestoneKind.COMPLETION,
    MilestoneKind.PRODUCTION_START,
    MilestoneKind.FULL_PRODUCTION,
    MilestoneKind.OTHER,
]


def credit_code(rng: random.Random) -> str:
    body = (
        "91"
        + rng.choice(["320400", "320411", "320412", "440300", "310000"])
        + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    )
    return body + credit_code_check_character(body)


class Generator:
    """Writes the data set of one scale through a :class:`Writer` (random, but the same for a seed)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        # Generated rows were written "yesterday", so the minute-by-minute sweep sees them as old.
        self.now = timezone.now() - dt.timedelta(days=1)
        self.today = timezone.localdate()
        self.w = Writer()

    def generate(self, scale: int):
        users = self.users(scale)
        industries = self.industries()
        companies = self.companies(scale * PER_SCALE["companies"], users, industries)
        contacts = self.contacts(companies, scale * 400)
        self.meeting_ids = self.meetings(scale * 100, companies, contacts, users)
        self.requests(scale * 300, companies, users)
        projects = self.projects(scale * PER_SCALE["projects"], companies, users, industries)
        self.milestones(projects, users)
        self.tasks(projects, users)

    def users(self, scale: int) -> list[int]:
        first = self.w.next_id(User)
        count = 20 + 2 * scale
        password = make_password(None)  # unusable: generated staff cannot sign in
        ids = list(range(first, first + count))
        self.w.write(
            User._meta.db_table,
            ["id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
             "is_active", "date_joined", "full_name", "language", "ical_token"],
            (
                (pk, password, False, f"gen{pk}", "", "", f"gen{pk}@bureau.example.cn", False, True, self.now,
                 self.person(), "zh-hans", "")
                for pk in ids
            ),
        )  # fmt: skip
        return ids

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice([1, 2])))

    def industries(self) -> list[int]:
        ids = []
        for code, name, name_en in INDUSTRIES:
            industry, _ = Industry.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
            ids.append(industry.pk)
        return ids

    def base(self):
        return {"version": 1, "created_at": self.now, "updated_at": self.now}

    def companies(self, count: int, users: list[int], industries: list[int]) -> list[int]:
        rng, first = self.rng, self.w.next_id(Company)
        ids = list(range(first, first + count))
        kinds = [CompanyKind.ENTERPRISE] * 8 + [CompanyKind.INVESTMENT_FIRM, CompanyKind.RESEARCH_INSTITUTE]

        def rows():
            for pk in ids:
                name = f"{rng.choice(PREFIX)}{rng.choice(MIDDLE)}{rng.choice(TRADE)}有限公司{pk}"
                city, province = rng.choice(CITIES)
                code = credit_code(rng)
                yield (pk, 1, self.now, self.now, name, "", "", rng.choice(kinds), code, None, city, province, "CN",
                       None, rng.random() < 0.1, rng.random() < 0.05, False, "", "", rng.choice(users), "[]",
                       normalize_search(f"{name} {code}"))  # fmt: skip

        self.w.write(
            Company._meta.db_table,
            ["id", "version", "created_at", "updated_at", "name", "short_name", "name_en", "kind", "credit_code",
             "parent_id", "city", "province", "country", "fortune500_rank", "is_listed", "is_local_origin",
             "is_home_side", "website", "description", "owner_id", "tags", "search_text"],
            rows(),
        )  # fmt: skip
        self.w.write(
            Company.industries.through._meta.db_table,
            ["company_id", "industry_id"],
            ((pk, rng.choice(industries)) for pk in ids),
        )
        return ids

    def contacts(self, companies: list[int], count: int) -> list[int]:
        rng, first = self.rng, self.w.next_id(Contact)
        ids = list(range(first, first + count))
        titles = ["董事长", "总经理", "副总经理", "投资总监", "首席执行官", "技术总监"]

        def rows():
            for pk in ids:
                name, title = self.person(), rng.choice(titles)
                yield (pk, 1, self.now, self.now, rng.choice(companies), name, "", title, "", "", "",
                       normalize_search(f"{name} {title}"))  # fmt: skip

        self.w.write(
            Contact._meta.db_table,
            ["id", "version", "created_at", "updated_at", "company_id", "name", "name_en", "title", "phone", "email",
             "notes", "search_text"],
            rows(),
        )  # fmt: skip
        return ids

    def meetings(self, count: int, companies, contacts, users) -> list[int]:
        rng, first = self.rng, self.w.next_id(Meeting)
        ids = list(range(first, first + count))
        kinds = list(MeetingKind.values)
        starts = {pk: self.now - dt.timedelta(days=rng.randint(0, 1500), hours=rng.randint(0, 10)) for pk in ids}

        def rows():
            for pk in ids:
                title = f"{rng.choice(['座谈交流', '拜访', '项目洽谈', '推介会'])}{pk}"
                yield (pk, 1, self.now, self.now, title, rng.choice(kinds), starts[pk], starts[pk] + dt.timedelta(hours=2),
                       rng.choice(["深圳", "上海", "常州"]), None, rng.choice(users), "", "", normalize_search(title))  # fmt: skip

        self.w.write(
            Meeting._meta.db_table,
            ["id", "version", "created_at", "updated_at", "title", "kind", "starts_at", "ends_at", "location",
             "trip_id", "owner_id", "summary", "outcomes", "search_text"],
            rows(),
        )  # fmt: skip
        self.w.write(
            Meeting.companies.through._meta.db_table,
            ["meeting_id", "company_id"],
            ((pk, c) for pk in ids for c in set(rng.sample(companies, 2))),
        )
        self.w.write(
            Meeting.attendees.through._meta.db_table,
            ["meeting_id", "contact_id"],
            ((pk, c) for pk in ids for c in set(rng.sample(contacts, 3))),
        )
        return ids

    def requests(self, count: int, companies, users) -> None:
        rng, first = self.rng, self.w.next_id(PartnerRequest)
        statuses = ["open"] * 3 + ["in_progress"] * 2 + ["resolved"] * 4 + ["declined"]

        def rows():
            for pk in range(first, first + count):
                raised = self.today - dt.timedelta(days=rng.randint(0, 900))
                status = rng.choice(statuses)
                resolved = (
                    raised + dt.timedelta(days=rng.randint(1, 60)) if status in ("resolved", "declined") else None
                )
                description = f"企业希望协调{rng.choice(['用地指标', '人才公寓', '审批手续', '融资对接', '电力增容'])}"
                category = rng.choice(["用地", "人才", "审批", "融资", "要素保障"])
                yield (pk, 1, self.now, self.now, rng.choice(companies), None, raised, category, description, status,
                       rng.choice(users), raised + dt.timedelta(days=30), resolved, "",
                       normalize_search(f"{category} {description}"))  # fmt: skip

        self.w.write(
            PartnerRequest._meta.db_table,
            ["id", "version", "created_at", "updated_at", "company_id", "meeting_id", "raised_on", "category",
             "description", "status", "assignee_id", "due_on", "resolved_on", "resolution", "search_text"],
            rows(),
        )  # fmt: skip

    def projects(self, count: int, companies, users, industries) -> list[tuple]:
        rng, first = self.rng, self.w.next_id(Project)
        stages = [s for s, weight in STAGE_MIX for _ in range(weight)]
        projects = []
        for pk in range(first, first + count):
            stage = rng.choice(stages)
            started = self.today - dt.timedelta(days=rng.randint(60, 2500))
            total = Decimal(rng.choice([5, 10, 20, 50, 80, 100, 200, 500, 1000, 2000, 5000])) * 1_000_000
            projects.append((pk, stage, started, total, rng.choice(users), rng.choice(companies)))

        def rows():
            for pk, stage, started, total, owner, company in projects:
                name = f"{rng.choice(PREFIX)}{rng.choice(MIDDLE)}{rng.choice(TRADE)}项目{pk}"
                place = rng.choice(PLACES)
                signed = stage in STAGE_ORDER and STAGE_ORDER.index(stage) >= STAGE_ORDER.index(ProjectStage.SIGNED)
                contracted = total if signed else None
                yield (pk, 1, self.now, self.now, name, "", rng.random() < 0.02, company, "industrial", total,
                       contracted, rng.randint(50, 2000), place, stage, started, owner, "",
                       normalize_search(f"{name} {place}"))  # fmt: skip

        self.w.write(
            Project._meta.db_table,
            ["id", "version", "created_at", "updated_at", "name", "code_name", "is_confidential", "company_id",
             "kind", "total_investment", "contracted_investment", "jobs_planned", "location", "stage",
             "stage_changed_on", "owner_id", "description", "search_text"],
            rows(),
        )  # fmt: skip
        self.w.write(
            Project.industries.through._meta.db_table,
            ["project_id", "industry_id"],
            ((p[0], rng.choice(industries)) for p in projects),
        )
        self.stage_history(projects)
        self.agreements_and_capital(projects)
        return projects

    def stage_history(self, projects) -> None:
        def rows():
            for pk, stage, started, _total, owner, _company in projects:
                path = (
                    STAGE_ORDER[: STAGE_ORDER.index(stage) + 1] if stage in STAGE_ORDER else STAGE_ORDER[:3] + [stage]
                )
                day, previous = started, ""
                for number, step in enumerate(path, start=1):
                    # The stay in a stage lasts until the next move; the last one is still going on.
                    days = self.rng.randint(20, 200)
                    yield (pk, previous, step, day, self.now, owner, "", False, days if number < len(path) else None)
                    previous, day = step, day + dt.timedelta(days=days)

        self.w.write(
            ProjectStageChange._meta.db_table,
            ["project_id", "from_stage", "to_stage", "changed_on", "changed_at", "changed_by_id", "reason",
             "is_correction", "stay_days"],
            rows(),
        )  # fmt: skip

    def agreements_and_capital(self, projects) -> None:
        rng = self.rng
        signed = [p for p in projects if p[1] in STAGE_ORDER and STAGE_ORDER.index(p[1]) >= 2]
        first = self.w.next_id(Agreement)
        agreement_ids = list(range(first, first + len(signed)))

        meetings = self.meeting_ids

        def agreements():
            for pk, (project, _stage, started, total, _owner, _company) in zip(agreement_ids, signed, strict=True):
                title = f"项目投资协议{project}"
                # One signing in four at a meeting (a conference's concentrated signing), so that
                # the event outcomes report has cohorts to follow.
                meeting = meetings[pk % len(meetings)] if pk % 4 == 0 and meetings else None
                yield (pk, 1, self.now, self.now, title, "investment", started + dt.timedelta(days=30), meeting,
                       project, total, "signed", "", normalize_search(title))  # fmt: skip

        self.w.write(
            Agreement._meta.db_table,
            ["id", "version", "created_at", "updated_at", "title", "kind", "signed_on", "meeting_id", "project_id",
             "amount", "status", "summary", "search_text"],
            agreements(),
        )  # fmt: skip
        self.w.write(
            Agreement.companies.through._meta.db_table,
            ["agreement_id", "company_id"],
            ((pk, p[5]) for pk, p in zip(agreement_ids, signed, strict=True)),
        )
        built = [p for p in signed if STAGE_ORDER.index(p[1]) >= 3]

        def arrivals():
            for project, _stage, started, total, _owner, _company in built:
                for n in range(rng.randint(1, 3)):
                    yield (1, self.now, self.now, project, (total / 4).quantize(Decimal("0.01")),
                           started + dt.timedelta(days=90 * (n + 1)), "")  # fmt: skip

        self.w.write(
            CapitalArrival._meta.db_table,
            ["version", "created_at", "updated_at", "project_id", "amount", "arrived_on", "note"],
            arrivals(),
        )

    def milestones(self, projects, users) -> None:
        rng, per = self.rng, PER_SCALE["milestones_per_project"]
        titles = [
            "签约",
            "土地摘牌",
            "开工",
            "主体封顶",
            "竣工验收",
            "设备进场",
            "投产",
            "达产",
            "环评批复",
            "能评批复",
        ]

        def rows():
            for pk, stage, started, _total, _owner, _company in projects:
                reached = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else 2
                for n in range(per):
                    due = started + dt.timedelta(days=60 * (n + 1) + rng.randint(-20, 20))
                    # Most milestones in the past were met; a few per cent stay open and overdue.
                    met = due < self.today and (n < reached * 2 or rng.random() < 0.97)
                    done = due + dt.timedelta(days=rng.randint(-10, 30)) if met else None
                    if done is not None and done > self.today:
                        done = self.today
                    title = titles[n % len(titles)]
                    assignee = rng.choice(users) if rng.random() < 0.8 else None
                    yield (1, self.now, self.now, pk, title, MILESTONE_KINDS[n % len(MILESTONE_KINDS)], due, done,
                           assignee, "", title)  # fmt: skip

        self.w.write(
            Milestone._meta.db_table,
            ["version", "created_at", "updated_at", "project_id", "title", "kind", "due_on", "done_on", "assignee_id",
             "notes", "search_text"],
            rows(),
        )  # fmt: skip

    def tasks(self, projects, users) -> None:
        rng, per = self.rng, PER_SCALE["tasks_per_project"]
        titles = ["回访企业", "准备推介材料", "协调用地", "跟进签约", "报送进度", "对接金融机构"]

        def rows():
            for pk, _stage, started, _total, _owner, company in projects:
                for n in range(per):
                    due = started + dt.timedelta(days=30 * (n + 1))
                    late = due < self.today and rng.random() < 0.03
                    status = "done" if due < self.today and not late else rng.choice(["open", "in_progress"])
                    done_at = self.now if status == "done" else None
                    title = titles[n % len(titles)]
                    yield (1, self.now, self.now, title, "", rng.choice(users), due, rng.choice(["low", "normal", "high"]),
                           status, company, None, None, pk, done_at, title)  # fmt: skip

        self.w.write(
            Task._meta.db_table,
            ["version", "created_at", "updated_at", "title", "description", "assignee_id", "due_on", "priority",
             "status", "company_id", "meeting_id", "agreement_id", "project_id", "done_at", "search_text"],
            rows(),
        )  # fmt: skip

"""What a chat group reads: each event said in Chinese, as a title and a few lines."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings

from ..formatting import format_amount
from ..models import WebhookEventType


@dataclass(frozen=True)
class Message:
    title: str
    lines: list[tuple[str, str]]
    link: str = ""

    def markdown(self) -> str:
        """Bold title and quoted lines: read alike by WeCom and DingTalk markdown."""
        parts = [f"**{self.title}**", ""]
        parts += [f"> {label}：{value}" for label, value in self.lines if value not in (None, "")]
        if self.link:
            parts += ["", f"[在 CRM 中查看]({self.link})"]
        return "\n".join(parts)

    def text(self) -> str:
        parts = [self.title]
        parts += [f"{label}：{value}" for label, value in self.lines if value not in (None, "")]
        if self.link:
            parts.append(f"查看：{self.link}")
        return "\n".join(parts)


def _money(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return format_amount(Decimal(value), "zh-hans")
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def _admin(model: str, pk) -> str:
    return f"{settings.SITE_URL}/admin/crm/{model}/{pk}/change/" if pk else ""


def _project_name(payload: dict) -> str:
    project = payload.get("project") or {}
    return project.get("name") or ""


def render(event_type: str, payload: dict) -> Message:
    """The message of an event; an unknown type still says something readable."""
    project = payload.get("project") or {}
    if event_type == WebhookEventType.AGREEMENT_SIGNED:
        a = payload["agreement"]
        return Message(
            f"【签约】{a['title']}",
            [
                ("协议类型", a.get("kind_display", "")),
                ("签约日期", a.get("signed_on") or ""),
                ("协议金额", _money(a.get("amount"))),
                ("签约各方", "、".join(a.get("companies") or [])),
                ("项目", _project_name(payload)),
                ("登记人", payload.get("signed_by") or ""),
            ],
            _admin("agreement", a["id"]),
        )
    if event_type == WebhookEventType.PROJECT_STAGE_CHANGED:
        verb = "更正" if payload.get("is_correction") else "进入"
        return Message(
            f"【项目进展】{_project_name(payload)}{verb}“{payload['to_stage_display']}”阶段",
            [
                ("原阶段", payload.get("from_stage_display") or ""),
                ("新阶段", payload.get("to_stage_display") or ""),
                ("变更日期", payload.get("changed_on") or ""),
                ("落地区域", project.get("location") or ""),
                ("总投资", _money(project.get("total_investment"))),
                ("操作人", payload.get("changed_by") or ""),
                ("说明", payload.get("reason") or ""),
            ],
            _admin("project", project.get("id")),
        )
    if event_type in (WebhookEventType.MILESTONE_OVERDUE, WebhookEventType.MILESTONE_ESCALATED):
        m = payload["milestone"]
        head = "逾期督办" if event_type == WebhookEventType.MILESTONE_ESCALATED else "节点逾期"
        return Message(
            f"【{head}】{_project_name(payload)}：{m['title']}",
            [
                ("节点类型", m.get("kind_display", "")),
                ("到期日", m.get("due_on", "")),
                ("逾期", f"{m.get('days_overdue', 1)} 天"),
                ("经办人", m.get("assignee") or "未指定"),
            ],
            _admin("milestone", m["id"]),
        )
    if event_type in (WebhookEventType.REQUEST_OPENED, WebhookEventType.REQUEST_RESOLVED):
        r = payload["request"]
        if event_type == WebhookEventType.REQUEST_OPENED:
            title = f"【企业诉求】{r['company_name']}提出{r.get('category') or ''}诉求"
            lines = [
                ("诉求内容", _short(r.get("description"))),
                ("提出日期", r.get("raised_on") or ""),
                ("办结期限", r.get("due_on") or ""),
                ("经办人", r.get("assignee") or "未指定"),
            ]
        else:
            title = (
                f"【诉求{r.get('status_display') or '办结'}】{r['company_name']}：{_short(r.get('description'), 40)}"
            )
            lines = [
                ("办结日期", r.get("resolved_on") or ""),
                ("办理结果", _short(r.get("resolution"))),
                ("经办人", r.get("assignee") or ""),
            ]
        return Message(title, lines, _admin("partnerrequest", r["id"]))
    if event_type == WebhookEventType.REMINDER_DIGEST:
        user = payload.get("user") or {}
        lines = []
        for item in payload.get("items", [])[:20]:
            days = item.get("days_left", 0)
            when = f"{days} 天后到期" if days > 0 else ("今天到期" if days == 0 else f"已逾期 {-days} 天")
            lines.append((item.get("kind_display", ""), f"{item['title']}（{item['due_on']}，{when}）"))
        more = payload.get("count", 0) - len(lines)
        if more > 0:
            lines.append(("另有", f"{more} 项"))
        return Message(f"【待办提醒】{user.get('name', '')}，您有 {payload.get('count', 0)} 项事项需要跟进", lines)
    return Message(f"【招商CRM】{event_type}", [])


def _short(text, limit: int = 200) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "…"

"""``manage.py send_reminders``: one reminder sweep now (the code beat runs every minute)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from crm import reminders


class Command(BaseCommand):
    help = "Run one reminder sweep now; --dry-run lists what would be sent without sending or writing."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List the reminders that are due; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            due = reminders.dry_run()
            for row in due:
                local = timezone.localtime(row.scheduled_for)
                self.stdout.write(
                    f"{local:%Y-%m-%d %H:%M}  {row.get_reason_display()}  {row.title}  "
                    f"→ {row.recipient} <{row.recipient.email or '-'}>"
                )
            self.stdout.write(f"{len(due)} 条提醒待发送 reminder(s) would be sent (dry run, nothing written).")
            return
        result = reminders.sweep()
        self.stdout.write(
            "新建 created {created} · 已发送 sent {sent} in {emails} email(s) · 待重试 retry {retried} · "
            "失败 failed {failed} · 取消 cancelled {cancelled} · 跳过 skipped {skipped}".format(**result)
        )
        for error in result["errors"]:
            self.stderr.write(error)

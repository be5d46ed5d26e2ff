"""``python -m perf.bench`` (what ``make bench`` runs): every list endpoint against its raw-SQL
floor, every report against its own SQL at two scales, the reminder sweep, an XLSX import and
throughput (docs/performance.md)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

# Django is set up before the modules below are imported: they read the settings and the URLconf.

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import BaseCommand, CommandError  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from perf.bench import report as tables  # noqa: E402
from perf.bench import scales  # noqa: E402
from perf.bench.run import run  # noqa: E402
from perf.loadtest.stack import without_password  # noqa: E402


class Command(BaseCommand):
    help = (
        "Benchmark the API's lists against a raw-SQL floor, the reports at two scales against their own SQL, "
        "the reminder sweep, an XLSX import, throughput."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, help="first generate this scale of data when the database is empty")
        parser.add_argument("--rounds", type=int, default=50, help="interleaved rounds (medians are reported)")
        parser.add_argument("--write", help="the Markdown file to write the tables into (docs/performance.md)")
        parser.add_argument("--section", default="latest", help="the named section of that file to replace")
        parser.add_argument("--throughput-seconds", type=float, default=5.0, help="per load run (two per side)")
        parser.add_argument("--no-import", action="store_true", help="skip the XLSX import")
        parser.add_argument("--no-throughput", action="store_true", help="skip the gunicorn load test")
        parser.add_argument("--no-sweep", action="store_true", help="skip the reminder sweep")
        parser.add_argument("--no-lists", action="store_true", help="skip the lists")
        parser.add_argument("--no-reports", action="store_true", help="skip the reports (stats, timeline, …)")
        parser.add_argument(
            "--small-database-url",
            default=os.environ.get("BENCH_SMALL_DATABASE_URL"),
            help="the database of the reports' small scale (BENCH_SMALL_DATABASE_URL; by default DATABASE_URL's "
            "with _scale10 appended to its name): created, migrated and generated when need be",
        )
        parser.add_argument("--small-scale", type=int, default=scales.SMALL_SCALE, help="the small database's scale")
        parser.add_argument("--no-small", action="store_true", help="measure the reports at this scale only")
        parser.add_argument(
            "--reports-only",
            action="store_true",
            help="only the reports, on this database, written as JSON to --json (the small scale's run)",
        )
        parser.add_argument("--json", help="with --reports-only: the file to write the results into")
        parser.add_argument("--migrate", action="store_true", help="migrate the database first")

    def handle(self, *args, **options):
        if options["rounds"] < 1:
            raise CommandError("--rounds must be at least 1.")
        if options["reports_only"] and not options["json"]:
            raise CommandError("--reports-only writes its results into the file --json names.")
        if connection.vendor != "postgresql":
            self.stderr.write("Not PostgreSQL: no raw-SQL floors, no throughput run; query counts and timings only.")
        from crm.models import Milestone

        if options["migrate"]:
            call_command("migrate", verbosity=0)
        if options["scale"] and not Milestone.objects.exists():
            self.stdout.write(f"Empty database: generating scale {options['scale']}…")
            call_command("generate_data", scale=options["scale"], verbosity=options["verbosity"])
        only = options["reports_only"]
        small, failures = {}, []
        small_url = self.small_database_url(options)
        if small_url and not (only or options["no_reports"] or options["no_small"]):
            self.stdout.write(f"The reports at scale {options['small_scale']}, on {without_password(small_url)}…")
            try:
                small = scales.measure_small(
                    small_url, scale=options["small_scale"], rounds=options["rounds"], log=self.stdout.write
                )
            except Exception as exc:  # noqa: BLE001  (reported in the tables; the rest of the run stands)
                failures.append(f"reports at scale {options['small_scale']}: {type(exc).__name__}: {exc}")
        with override_settings(DEBUG=False):  # no query log while timing (as in production)
            result = run(
                rounds=options["rounds"],
                throughput_seconds=options["throughput_seconds"],
                do_import=not (options["no_import"] or only),
                do_throughput=not (options["no_throughput"] or only),
                do_sweep=not (options["no_sweep"] or only),
                do_lists=not (options["no_lists"] or only),
                do_reports=not options["no_reports"],
                log=self.stdout.write,
            )
        result.failures[:0] = failures + small.get("failures", [])
        result.small_scale, result.small_reports = small.get("scale", {}), small.get("reports", [])
        large_name = f"scale {options['scale']}" if options["scale"] else "this database"
        result.scale_names = (f"scale {options['small_scale']}", large_name)
        if only:
            found = {
                "scale": {str(name): count for name, count in result.scale.items()},
                "reports": [asdict(report) for report in result.reports],
                "failures": result.failures,
            }
            Path(options["json"]).write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
            self.result = result
            return
        command = "python -m perf.bench " + " ".join(sys.argv[1:])
        text = tables.markdown(result, command.strip())
        self.stdout.write(tables.plans(result))
        self.stdout.write(text)
        if options["write"]:
            path = Path(options["write"])
            if not path.is_absolute():
                path = Path(settings.BASE_DIR) / path
            tables.write_section(path, options["section"], text)
            self.stdout.write(f"Written to {path} (section {options['section']}).")
        self.result = result

    def small_database_url(self, options) -> str | None:
        """The small scale's database: as given, or DATABASE_URL's with ``_scale10`` appended to its
        name; None (the reports at one scale only, said so) when there is no PostgreSQL URL to follow."""
        if options["small_database_url"]:
            return options["small_database_url"]
        url = os.environ.get("DATABASE_URL", "")
        if connection.vendor != "postgresql" or not url.startswith(("postgres://", "postgresql://")):
            if not (options["reports_only"] or options["no_reports"] or options["no_small"]):
                self.stderr.write("No PostgreSQL DATABASE_URL: the reports are measured at this scale only.")
            return None
        return scales.small_database_url(url, options["small_scale"])


if __name__ == "__main__":
    Command().run_from_argv(["python -m", "perf.bench", *sys.argv[1:]])

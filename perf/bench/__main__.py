"""``python -m perf.bench`` (what ``make bench`` runs): every list endpoint against its raw-SQL
floor, the reminder sweep, an XLSX import and throughput (docs/performance.md)."""

from __future__ import annotations

import os
import sys
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
from perf.bench.run import run  # noqa: E402


class Command(BaseCommand):
    help = "Benchmark the API's lists against a raw-SQL floor, the reminder sweep, an XLSX import, throughput."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, help="first generate this scale of data when the database is empty")
        parser.add_argument("--rounds", type=int, default=50, help="interleaved rounds (medians are reported)")
        parser.add_argument("--write", help="the Markdown file to write the tables into (docs/performance.md)")
        parser.add_argument("--section", default="latest", help="the named section of that file to replace")
        parser.add_argument("--throughput-seconds", type=float, default=5.0, help="per load run (two per side)")
        parser.add_argument("--no-import", action="store_true", help="skip the XLSX import")
        parser.add_argument("--no-throughput", action="store_true", help="skip the gunicorn load test")
        parser.add_argument("--no-sweep", action="store_true", help="skip the reminder sweep")
        parser.add_argument("--no-lists", action="store_true", help="skip the lists and stats (other parts only)")

    def handle(self, *args, **options):
        if options["rounds"] < 1:
            raise CommandError("--rounds must be at least 1.")
        if connection.vendor != "postgresql":
            self.stderr.write("Not PostgreSQL: no raw-SQL floors, no throughput run; query counts and timings only.")
        from crm.models import Milestone

        if options["scale"] and not Milestone.objects.exists():
            self.stdout.write(f"Empty database: generating scale {options['scale']}…")
            call_command("generate_data", scale=options["scale"], verbosity=options["verbosity"])
        with override_settings(DEBUG=False):  # no query log while timing (as in production)
            result = run(
                rounds=options["rounds"],
                throughput_seconds=options["throughput_seconds"],
                do_import=not options["no_import"],
                do_throughput=not options["no_throughput"],
                do_sweep=not options["no_sweep"],
                do_lists=not options["no_lists"],
                log=self.stdout.write,
            )
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


if __name__ == "__main__":
    Command().run_from_argv(["python -m", "perf.bench", *sys.argv[1:]])

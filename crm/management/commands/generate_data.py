"""``manage.py generate_data --scale N``: synthetic data at a city's scale, for benchmarks (crm/demo/synthetic.py)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from crm.demo.synthetic import GENERATED, LINKS, Generator


class Command(BaseCommand):
    help = "Generate synthetic data: N × (200 companies, 1,000 projects, 10,000 milestones, 5,000 tasks, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, required=True, help="N, the multiple of the base data set")
        parser.add_argument("--seed", type=int, default=2024, help="random seed (the same seed, the same data)")

    def handle(self, *args, scale: int, seed: int, **options):
        if scale < 1 or scale > 1000:
            raise CommandError("--scale must be between 1 and 1000.")
        started = time.monotonic()
        generator = Generator(seed)
        writer = generator.w
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # a bulk load is not a web request
                    cursor.execute("SET LOCAL statement_timeout = 0")
            with writer.indexes_built_after(GENERATED + LINKS):
                generator.generate(scale)
            writer.reset_sequences(GENERATED)
        if connection.vendor == "postgresql":
            # VACUUM sets the visibility map, so that a list's page ids come from index-only scans
            # (docs/performance.md); ANALYZE gives the planner and the lists' counts their statistics.
            tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in GENERATED + LINKS)
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM (ANALYZE) {tables}")
        elapsed = time.monotonic() - started
        total = sum(writer.counts.values())
        if options["verbosity"]:
            for table, count in writer.counts.items():
                self.stdout.write(f"  {table:<40} {count:>10,}")
            self.stdout.write(f"生成 {total:,} 行，用时 {elapsed:.1f} 秒 Generated {total:,} rows in {elapsed:.1f} s.")

"""The reports' table of the benchmark (perf/bench/report.py) and its small database's name
(perf/bench/scales.py): pure functions, on made-up timings."""

from perf.bench import report as tables
from perf.bench.run import Report, ReportResult
from perf.bench.scales import small_database_url


def test_the_small_database_is_the_same_url_with_the_scale_appended_to_its_name():
    assert (
        small_database_url("postgres://postgres:secret@127.0.0.1:5432/crm_bench")
        == "postgres://postgres:secret@127.0.0.1:5432/crm_bench_scale10"
    )
    assert (
        small_database_url("postgres://db/crm?sslmode=require", scale=5) == "postgres://db/crm_scale5?sslmode=require"
    )


def test_growth_is_the_large_cost_over_the_small_one_when_both_are_known():
    assert tables.growth(0.010, 0.095) == 9.5
    assert tables.growth(None, 0.095) is None
    assert tables.growth(0.010, None) is None


def made_up_report() -> Report:
    report = Report(rounds=3, scale_names=("scale 10", "scale 100"), small_scale={"项目": 10_000})
    report.reports = [
        ReportResult("pipeline", "/api/v1/stats/pipeline/", queries=4, api=[0.150, 0.160, 0.170], floor=[0.1] * 3),
        ReportResult("KPIs", "/api/v1/stats/kpis/?year=2025", "2025: 7,967 agreements", 7, [1.0] * 3, [0.9] * 3),
        ReportResult("briefing", "/api/v1/companies/9/briefing/", note="HTTP 500"),
    ]
    report.small_reports = [
        ReportResult("pipeline", "/api/v1/stats/pipeline/", queries=4, api=[0.040] * 3, floor=[0.030] * 3),
        ReportResult("KPIs", "/api/v1/stats/kpis/?year=2023", "2023: 882 agreements", 6, [0.1] * 3, [0.09] * 3),
    ]
    return report


def test_the_table_gives_both_scales_the_ratio_the_floor_and_the_verdict(monkeypatch):
    monkeypatch.delitem(tables.PLANS, "KPIs", raising=False)
    rows = {line.split(" `")[0].strip("| "): line for line in tables.reports_table(made_up_report()) if "`/" in line}
    assert rows["pipeline"].split(" | ")[1:9] == ["40.0", "160.0", "4.0×", "100.0", "3.3×", "1.6×", "4", "✅"]
    kpis = rows["KPIs"].split(" | ")
    assert kpis[1:9] == ["100.0", "1000.0", "10.0×", "900.0", "10.0×", "1.1×", "6 / 7", "❌"]
    assert "grows tenfold: no plan yet" in kpis[9]
    assert "HTTP 500" in rows["briefing"]


def test_a_report_that_grows_tenfold_is_named_under_the_table_with_its_plan(monkeypatch):
    monkeypatch.delitem(tables.PLANS, "KPIs", raising=False)
    text = "\n".join(tables.reports_table(made_up_report()))
    assert "- KPIs: no plan written yet (PLANS, perf/bench/report.py)." in text
    assert "- KPIs: at scale 100, 2025: 7,967 agreements; at scale 10, 2023: 882 agreements" in text
    monkeypatch.setitem(tables.PLANS, "KPIs", "One statement per figure, on the year's signings only.")
    text = "\n".join(tables.reports_table(made_up_report()))
    assert "- KPIs: One statement per figure, on the year's signings only." in text
    assert "grows tenfold: plan below" in text
    assert "no plan written yet" not in text

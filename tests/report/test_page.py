"""The report page: what it counts and shows, and that it needs nothing from the network."""

import re

import pandas as pd
import pytest

from fraudml.errors import InputError
from fraudml.report.batch import load_batch, read_scores
from fraudml.report.page import write_report


@pytest.fixture(scope="module")
def page(scored_batch, tmp_path_factory):
    out, data, _, _ = scored_batch
    path = write_report(load_batch(out), data, tmp_path_factory.mktemp("report") / "report.html")
    return path.read_text()


def test_summary_counts_every_decision_and_the_rejects(scored_batch, page):
    _, _, scores, _ = scored_batch
    counts = scores["decision"].value_counts()
    for decision in ("alert", "review", "closed", "pass"):
        assert re.search(rf'id="count-{decision}">{counts[decision]:,}<', page), decision
    assert 'id="count-rejected">2<' in page and f'id="numbers-in">{len(scores) + 2:,}<' in page


def test_every_alert_has_a_case_with_its_activity_and_every_ring_a_graph(scored_batch, page):
    _, _, scores, rings = scored_batch
    alerts = scores.loc[scores["decision"] == "alert", "msisdn"]
    assert len(alerts) and all(f'id="case-{m}"' in page for m in alerts)
    assert page.count('class="chart daily"') == len(alerts)
    assert len(rings.table) and all(f'id="ring-{r}"' in page for r in rings.table["ring_id"])
    assert page.count('class="chart ring"') == len(rings.table)
    assert 'class="drifted"' in page and "calls_out_w7" in page


def test_values_from_the_data_are_escaped(page):
    assert "<b>made 300 calls" not in page and "&lt;b&gt;made 300 calls" in page


def test_nothing_is_fetched_from_the_network(page):
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "default-src 'none'" in page  # the browser refuses any request the page might still make


def test_a_scores_file_of_schema_version_1_has_no_rings(scored_batch, tmp_path):
    out, data, scores, _ = scored_batch
    old = tmp_path / "old.csv"
    scores.drop(columns="ring_id").to_csv(old, index=False)
    back = read_scores(old)
    assert back["ring_id"].isna().all() and len(back) == len(scores)
    batch = load_batch(old)
    assert batch.rings is None and batch.as_of is None  # nothing beside it says the date
    with pytest.raises(InputError, match="give --as-of"):
        write_report(batch, data, tmp_path / "report.html")
    batch.as_of = load_batch(out).as_of  # as given with --as-of
    page = write_report(batch, data, tmp_path / "report.html").read_text()
    assert "No rings file beside the scores" in page and 'id="count-rings">0<' in page


def test_a_file_that_is_not_a_scores_file_is_named(tmp_path):
    path = tmp_path / "x.parquet"
    pd.DataFrame({"msisdn": ["a"]}).to_parquet(path)
    with pytest.raises(InputError, match=r"x.parquet: not a scores file: column\(s\) score"):
        load_batch(path)


def test_an_unreadable_drift_file_is_named(scored_batch, tmp_path):
    import shutil

    out, _, _, _ = scored_batch
    copy = tmp_path / "scores.parquet"
    shutil.copy(out, copy)
    (tmp_path / "scores.drift.json").write_text("{not json")
    with pytest.raises(InputError, match=r"scores.drift.json: not a readable drift file"):
        load_batch(copy)

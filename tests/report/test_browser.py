"""The report in a real browser: headless Chromium opens it from file:// and an analyst's clicks work.

Playwright drives Debian's Chromium (/usr/bin/chromium, installed by .ci/run);
it never downloads a browser of its own.
"""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from fraudml.report.batch import load_batch
from fraudml.report.page import write_report

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (it is in the dev group: uv sync)")
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium; .ci/run installs it)", allow_module_level=True)
# the flags this machine's headless Chromium needs: no sandbox as root, no GPU, and no background requests,
# which a machine without a network refuses
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def report(scored_batch, tmp_path_factory):
    out, data, _, _ = scored_batch
    return write_report(load_batch(out), data, tmp_path_factory.mktemp("browser") / "report.html")


@pytest.fixture
def page(tmp_path):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                       headless=True, args=FLAGS, viewport={"width": 1280, "height": 900})
        page = browser.new_page()
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else page.errors.append(f"request {r.url}"))
        yield page
        browser.close()


def visible_rows(page) -> list[str]:
    return page.eval_on_selector_all("#alerts-table tbody tr:not([hidden])", "rows => rows.map(r => r.cells[1].textContent.trim())")


def test_the_report_opens_offline_and_its_table_filters_and_sorts(page, report, scored_batch, tmp_path):
    scores = pd.read_parquet(scored_batch[0])
    alerts = scores[scores["decision"] == "alert"]
    page.goto(report.resolve().as_uri())

    assert int(page.inner_text("#count-alert").replace(",", "")) == len(alerts)
    assert len(visible_rows(page)) == int(scores["decision"].isin(["alert", "review"]).sum())

    one = alerts["msisdn"].iloc[-1]
    page.fill("#alert-filter", one)
    assert visible_rows(page) == [one] and page.inner_text("#alerts-shown") == "1"
    page.fill("#alert-filter", "")
    page.select_option("#decision-filter", "review")
    assert sorted(visible_rows(page)) == sorted(scores.loc[scores["decision"] == "review", "msisdn"])
    page.select_option("#decision-filter", "")

    page.click("#alerts-table th:nth-child(3)")  # score, ascending
    lowest = scores[scores["decision"].isin(["alert", "review"])].nsmallest(1, "score")["msisdn"].iloc[0]
    assert visible_rows(page)[0] == lowest

    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert page.errors == []

"""`ingest_sichuan` reads a folder of Sichuan CSV files into canonical tables; `write_sichuan` writes them back."""

import logging
import re
import sys

import pandas as pd
import pytest

from fraudml.errors import InputError
from fraudml.ingest.sichuan import ingest_sichuan, write_sichuan
from fraudml.ingest.sichuan_format import UNCLASSIFIED_APP
from fraudml.pseudonymise import KEY_VARIABLE
from fraudml.tables import read_table, table_path
from fraudml.validation import REASON, ROW

A, B, C = "a" * 8, "b" * 8, "c" * 8  # stand-ins for the 128-hex hashes

USER = f"""phone_no_m,city_name,county_name,idcard_cnt,arpu_202001,arpu_202002,label
{A},成都,金牛分公司,1,9.00,\\N,1
{B},,0,2,,45.5,0
"""
VOC = f"""phone_no_m,opposite_no_m,calltype_id,start_datetime,call_dur,city_name,county_name,imei_m
{A},{C},1,2020-01-05 21:04:10,1909,,,i1
{A},{C},2,2020-01-05 22:00:00,0,成都,金牛区,i1
{B},{A},3,2020-02-01 08:00:00,12,,,
"""
SMS = f"""phone_no_m,opposite_no_m,calltype_id,request_datetime
{A},{C},2,2020-01-01 13:51:50
{A},{C},2,2020-01-01 13:51:50
{B},{C},1,2020-01-02 09:00:00
"""
APP = f"""phone_no_m,busi_name,flow,month_id
{A},,0.000000,
{A},QQ,34.665351,2020-01
{B},,72.853565,202002
"""


def folder(path, **files):
    """Write each keyword as <name>.csv (UTF-8 unless given bytes)."""
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = path / f"{name}.csv"
        target.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def by_name(results):
    return {r.name: r for r in results}


def quarantined(out, name):
    """(row, reason) of each row of ``name`` in the quarantine of canonical folder ``out``."""
    q = pd.read_parquet(out / "_quarantine" / f"{name}.parquet")
    return q.sort_values(ROW)[[ROW, REASON]].values.tolist()


def test_a_folder_of_the_four_tables_becomes_six_canonical_tables(tmp_path):
    src = folder(tmp_path / "src", user=USER, voc=VOC, sms=SMS, app=APP)
    results = by_name(ingest_sichuan(src, tmp_path / "out"))
    assert {n: (r.read, r.kept, r.quarantined) for n, r in results.items()} == {
        "accounts": (2, 2, 0),
        "account_months": (4, 4, 0),
        "labels": (2, 2, 0),
        "calls": (3, 3, 0),
        "sms": (3, 2, 1),
        "app_usage": (3, 2, 1),
    }
    out = tmp_path / "out"
    calls = read_table(out, "calls")
    assert calls["direction"].tolist() == ["out", "in", "fwd"]
    assert calls["duration_s"].tolist() == [1909, 0, 12]
    assert calls["started_at"].iloc[0] == pd.Timestamp("2020-01-05 21:04:10")
    assert calls["county"].iloc[1] == "金牛区" and calls["imei"].isna().tolist() == [False, False, True]
    months = read_table(out, "account_months")
    assert months["arpu"].isna().tolist() == [False, True, True, False]
    app = read_table(out, "app_usage")
    assert app["app"].tolist() == ["QQ", UNCLASSIFIED_APP]
    assert [m.strftime("%Y-%m") for m in pd.to_datetime(app["month"])] == ["2020-01", "2020-02"]
    assert read_table(out, "labels")["label"].tolist() == [1, 0]
    assert quarantined(out, "sms") == [[2, "exact duplicate of an earlier row"]]
    assert quarantined(out, "app_usage") == [[1, "month: missing"]]
    assert sorted(p.relative_to(out).as_posix() for p in (out / "calls").rglob("*.parquet")) == [
        "calls/part-0.parquet"]  # an event table: a folder of parts, rows in the source's order


def test_missing_tables_stay_missing_and_stale_ones_are_removed(tmp_path):
    out = tmp_path / "out"
    ingest_sichuan(folder(tmp_path / "full", user=USER, voc=VOC, sms=SMS), out)
    assert table_path(out, "sms") is not None and (out / "_quarantine" / "sms.parquet").exists()
    results = ingest_sichuan(folder(tmp_path / "voc_only", voc=VOC), out)
    assert [r.name for r in results] == ["calls"]
    assert all(table_path(out, name) is None for name in ("accounts", "account_months", "labels", "sms", "app_usage"))
    assert not (out / "_quarantine" / "sms.parquet").exists()


def test_a_failed_ingest_leaves_the_output_folder_as_it_was(tmp_path):
    out = tmp_path / "out"
    ingest_sichuan(folder(tmp_path / "good", voc=VOC), out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    bad = folder(tmp_path / "bad", voc=VOC, sms=SMS + f"{A},{C},2\n")  # sms fails after voc is read
    with pytest.raises(InputError, match="fields"):
        ingest_sichuan(bad, out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "good", "out"]  # no staging left behind


def test_the_competition_file_names_are_accepted(tmp_path):
    src = folder(tmp_path / "src", train_user=USER, TEST_voc=VOC)
    assert {r.name for r in ingest_sichuan(src, tmp_path / "out")} == {"accounts", "account_months", "labels", "calls"}


def test_two_files_for_one_table_is_an_error_naming_both(tmp_path):
    src = folder(tmp_path / "src", train_voc=VOC, test_voc=VOC, user=USER)
    with pytest.raises(InputError, match=r"2 files for the voc table: test_voc\.csv, train_voc\.csv"):
        ingest_sichuan(src, tmp_path / "out")


def test_a_folder_without_sichuan_files_is_an_error(tmp_path):
    src = folder(tmp_path / "src", calls=VOC)
    with pytest.raises(InputError, match="no Sichuan tables found"):
        ingest_sichuan(src, tmp_path / "out")
    with pytest.raises(InputError, match="not a folder"):
        ingest_sichuan(tmp_path / "nowhere", tmp_path / "out")


def test_other_csv_files_are_ignored_and_reported(tmp_path, caplog):
    src = folder(tmp_path / "src", voc=VOC, train_voc_round2=VOC)
    with caplog.at_level(logging.WARNING):
        assert [r.name for r in ingest_sichuan(src, tmp_path / "out")] == ["calls"]
    assert "ignored file(s) not named like a Sichuan table: train_voc_round2.csv" in caplog.text


def test_extra_columns_are_ignored_and_reported(tmp_path, caplog):
    voc = VOC.replace("imei_m\n", "imei_m,count\n").replace("i1\n", "i1,2\n").replace(",,\n", ",,,5\n")
    src = folder(tmp_path / "src", voc=voc)
    with caplog.at_level(logging.WARNING):
        results = ingest_sichuan(src, tmp_path / "out")
    assert results[0].read == 3 and "count" not in read_table(tmp_path / "out", "calls").columns
    assert "voc.csv: ignored column(s) not in the Sichuan voc table: count" in caplog.text


def test_a_byte_order_mark_and_spaces_around_column_names_are_tolerated(tmp_path):
    sms = "\ufeff" + SMS.replace(",calltype_id,", " , calltype_id ,", 1)
    [result] = ingest_sichuan(folder(tmp_path / "src", sms=sms), tmp_path / "out")
    assert result.read == 3 and read_table(tmp_path / "out", "sms")["direction"].tolist() == ["in", "out"]


# ---- unusable input: one InputError naming the file, the column or line -------------------


def test_a_missing_required_column_names_file_and_column(tmp_path):
    src = folder(tmp_path / "src", voc=VOC.replace(",call_dur,", ",duration,"))
    with pytest.raises(InputError, match=r"voc\.csv: required column\(s\) call_dur missing from the Sichuan voc table; found: .*duration"):
        ingest_sichuan(src, tmp_path / "out")


def test_a_tab_separated_file_gets_a_hint(tmp_path):
    src = folder(tmp_path / "src", sms=SMS.replace(",", "\t"))
    with pytest.raises(InputError, match="is the file comma-separated"):
        ingest_sichuan(src, tmp_path / "out")


@pytest.mark.parametrize(("text", "message"), [("", "the file is empty"), ("\n\n", "the file is empty"), (SMS.splitlines()[0] + "\n", "the sms table has a header but no rows")])
def test_an_empty_file_is_an_error(tmp_path, text, message):
    src = folder(tmp_path / "src", sms=text)
    with pytest.raises(InputError, match=rf"sms\.csv: {message}"):
        ingest_sichuan(src, tmp_path / "out")


def test_rows_with_the_wrong_number_of_fields_are_an_error_naming_them(tmp_path):
    src = folder(tmp_path / "src", sms=SMS + f"{A},{C},2\n\n{A},{C},2,2020-01-01 13:51:50,x\n")
    with pytest.raises(InputError, match=r"sms\.csv: 2 row\(s\) do not have the header's 4 fields, e.g. line 5: 3 fields; line 7: 5 fields$"):
        ingest_sichuan(src, tmp_path / "out")


def test_a_binary_file_is_not_readable(tmp_path):
    src = folder(tmp_path / "src", app=b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 3)
    with pytest.raises(InputError, match=r"app\.csv: not a CSV text file \(it holds binary data"):
        ingest_sichuan(src, tmp_path / "out")


def test_gbk_text_is_an_error_naming_the_line_and_the_encoding(tmp_path):
    gbk = USER.encode("gbk")
    src = folder(tmp_path / "src", user=gbk)
    with pytest.raises(InputError, match=r"user\.csv: line 2 is not UTF-8 text; .*GBK-encoded.*iconv -f GBK -t UTF-8"):
        ingest_sichuan(src, tmp_path / "out")
    header = "phone_no_m,城市,county_name,idcard_cnt\n".encode("gbk")
    with pytest.raises(InputError, match=r"user\.csv: line 1 is not UTF-8"):
        ingest_sichuan(folder(tmp_path / "src2", user=header), tmp_path / "out")


# ---- bad rows: quarantined with the reason, counted, never lost ---------------------------


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (f"{A},{C},4,2020-01-05 10:00:00,5,,,i1", "direction: not one of out, in, fwd"),
        (f"{A},{C},1,2020-01-05 25:00:00,5,,,i1", "started_at: not a date and time (YYYY-MM-DD HH:MM:SS)"),
        (f"{A},{C},1,2020-01-05,5,,,i1", None),  # a bare date is midnight: kept
        (f"{A},{C},1,2020-01-05 10:00:00,-5,,,i1", "duration_s: below 0"),
        (f"{A},{C},1,2020-01-05 10:00:00,\\N,,,i1", "duration_s: missing"),
        (f",{C},1,2020-01-05 10:00:00,5,,,i1", "msisdn: missing"),
        (VOC.splitlines()[1], "exact duplicate of an earlier row"),
    ],
)
def test_a_bad_voc_row_is_quarantined_with_its_reason(tmp_path, row, reason):
    src = folder(tmp_path / "src", voc=VOC + row + "\n")
    [result] = ingest_sichuan(src, tmp_path / "out")
    assert result.read == 4
    if reason is None:
        assert result.kept == 4
        return
    assert result.kept == 3
    assert quarantined(tmp_path / "out", "calls") == [[4, reason]]


def test_duplicate_sms_are_counted_and_kept_once(tmp_path):
    sms = SMS + "".join(SMS.splitlines(keepends=True)[1:2] * 5)
    [result] = ingest_sichuan(folder(tmp_path / "src", sms=sms), tmp_path / "out")
    assert (result.read, result.kept, result.quarantined) == (8, 2, 6)
    assert [row for row, _ in quarantined(tmp_path / "out", "sms")] == [2, 4, 5, 6, 7, 8]


def test_a_repeated_user_is_quarantined_in_every_table_it_fills(tmp_path):
    user = USER + f"{A},成都,金牛分公司,3,1.00,2.00,0\n"
    results = by_name(ingest_sichuan(folder(tmp_path / "src", user=user), tmp_path / "out"))
    assert {n: r.quarantined for n, r in results.items()} == {"accounts": 1, "account_months": 2, "labels": 1}
    assert all(r.read == r.kept + r.quarantined for r in results.values())


# ---- pseudonyms ----------------------------------------------------------------------------


def test_pseudonymise_hashes_numbers_counterparts_and_imeis_everywhere(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "k" * 32)
    src = folder(tmp_path / "src", user=USER, voc=VOC, sms=SMS)
    ingest_sichuan(src, tmp_path / "out", pseudonymise=True)
    out = tmp_path / "out"
    calls = read_table(out, "calls")
    accounts = read_table(out, "accounts")
    written = pd.concat([calls["msisdn"], calls["counterpart"], calls["imei"].dropna(), accounts["msisdn"]])
    assert not set(written) & {A, B, C, "i1"}
    assert set(calls["msisdn"]) <= set(accounts["msisdn"])  # joins still work
    quarantined = pd.read_parquet(out / "_quarantine" / "sms.parquet")
    assert A not in set(quarantined["msisdn"]) and C not in set(quarantined["counterpart"])


def test_pseudonymise_without_a_key_stops_before_writing(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(InputError, match=KEY_VARIABLE):
        ingest_sichuan(folder(tmp_path / "src", voc=VOC), tmp_path / "out", pseudonymise=True)
    assert not (tmp_path / "out").exists()


# ---- round trip ----------------------------------------------------------------------------

CANONICAL = {
    "accounts": pd.DataFrame(
        {"msisdn": [A, B, C], "home_city": ["成都", None, "绵阳"], "home_county": ["金牛分公司", None, None], "numbers_on_id": [1, 4, None]}
    ),
    "account_months": pd.DataFrame(
        {
            "msisdn": [A, A, B, B, C, C],
            "month": pd.to_datetime(["2019-12-01", "2020-01-01"] * 3),
            "arpu": [9.0, None, 0.1 + 0.2, -3.5, None, 1e-7],
        }
    ),
    "labels": pd.DataFrame({"msisdn": [A, B, C], "label": [1, 0, 0]}),
    "calls": pd.DataFrame(
        {
            "msisdn": [A, A, B],
            "counterpart": [C, B, A],
            "direction": ["out", "fwd", "in"],
            "started_at": pd.to_datetime(["2019-12-31 23:59:59", "2020-01-01 00:00:00", "2020-01-15 12:30:01"]),
            "duration_s": [0, 3600, 17],
            "city": ["成都", None, None],
            "county": ["金牛区", None, None],
            "imei": ["i1", "i1", None],
        }
    ),
    "sms": pd.DataFrame(
        {"msisdn": [A, C], "counterpart": [B, A], "direction": ["in", "out"], "sent_at": pd.to_datetime(["2020-01-02 03:04:05", "2019-12-01 00:00:00"])}
    ),
    "app_usage": pd.DataFrame(
        {"msisdn": [A, A, B], "month": pd.to_datetime(["2019-12-01", "2020-01-01", "2020-01-01"]), "app": ["QQ", UNCLASSIFIED_APP, "微信"], "mb": [34.665351, 0.0, 1e-6]}
    ),
}
# columns the format carries, per canonical table
CARRIED = {
    "accounts": ["msisdn", "numbers_on_id", "home_city", "home_county"],
    "account_months": ["msisdn", "month", "arpu"],
    "labels": ["msisdn", "label"],
    "calls": ["msisdn", "counterpart", "direction", "started_at", "duration_s", "city", "county", "imei"],
    "sms": ["msisdn", "counterpart", "direction", "sent_at"],
    "app_usage": ["msisdn", "month", "app", "mb"],
}


def comparable(df, name):
    """A canonical table's carried columns, typed and ordered so two sources compare equal."""
    df = df[CARRIED[name]].copy()
    for column in ("month", "started_at", "sent_at"):
        if column in df:
            df[column] = pd.to_datetime(df[column]).astype("datetime64[s]")
    for column in ("numbers_on_id", "duration_s", "label"):
        if column in df:
            df[column] = df[column].astype("Int64")
    for column in ("arpu", "mb"):
        if column in df:
            df[column] = df[column].astype("Float64")
    for column in df.columns:
        if df[column].dtype == object or pd.api.types.is_string_dtype(df[column]):
            df[column] = df[column].astype("string")
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def assert_round_trip(tables, tmp_path):
    written = write_sichuan(tables, tmp_path / "sichuan")
    assert sorted(p.name for p in written) == sorted(
        {"accounts": "user.csv", "calls": "voc.csv", "sms": "sms.csv", "app_usage": "app.csv"}[n]
        for n in tables
        if n in ("accounts", "calls", "sms", "app_usage")
    )
    results = by_name(ingest_sichuan(tmp_path / "sichuan", tmp_path / "back"))
    for name, original in tables.items():
        assert results[name].quarantined == 0, results[name].summary()
        back = read_table(tmp_path / "back", name)
        pd.testing.assert_frame_equal(comparable(back, name), comparable(original, name), check_exact=True)


def test_canonical_tables_survive_the_sichuan_format(tmp_path):
    assert_round_trip(CANONICAL, tmp_path)


def test_the_format_writes_what_it_can_carry(tmp_path):
    write_sichuan(CANONICAL, tmp_path)
    user = (tmp_path / "user.csv").read_text().splitlines()
    assert user[0] == "phone_no_m,city_name,county_name,idcard_cnt,arpu_201912,arpu_202001,label"
    voc = (tmp_path / "voc.csv").read_text().splitlines()
    assert voc[0] == "phone_no_m,opposite_no_m,calltype_id,start_datetime,call_dur,city_name,county_name,imei_m"
    assert voc[1] == f"{A},{C},1,2019-12-31 23:59:59,0,成都,金牛区,i1"
    app = (tmp_path / "app.csv").read_text().splitlines()
    assert app[2] == f"{A},,0,2020-01"  # the unclassified app is an empty busi_name


def test_values_holding_commas_or_quotes_are_quoted(tmp_path):
    calls = CANONICAL["calls"].assign(city=['成都, "east"', None, None])
    write_sichuan({"calls": calls}, tmp_path / "sichuan")
    assert '"成都, ""east"""' in (tmp_path / "sichuan" / "voc.csv").read_text()
    ingest_sichuan(tmp_path / "sichuan", tmp_path / "back")
    assert read_table(tmp_path / "back", "calls")["city"].iloc[0] == '成都, "east"'


def test_a_simulated_world_survives_the_sichuan_format(tmp_path):
    simulate = getattr(pytest.importorskip("fraudml.simulate"), "simulate", None)
    if simulate is None:
        pytest.skip("fraudml.simulate.simulate is not in the tree yet")
    tables = simulate(preset="sichuan", subscribers=50, days=10, seed=3)
    assert_round_trip({n: t for n, t in tables.items() if t is not None and len(t)}, tmp_path)


def fraudml_ingest(src, out, monkeypatch, capsys):
    """Run `fraudml ingest sichuan SRC --out OUT` in this process: (exit status, stderr)."""
    from fraudml.cli import main

    monkeypatch.setattr(sys, "argv", ["fraudml", "ingest", "sichuan", str(src), "--out", str(out)])
    try:
        main()
        status = 0
    except SystemExit as exit:
        status = exit.code
    return status, capsys.readouterr().err


@pytest.mark.slow  # importing the whole command line takes seconds
def test_the_command_line_ingests_a_folder_and_reports_bad_input(tmp_path, monkeypatch, capsys):
    src = folder(tmp_path / "src", user=USER, sms=SMS)
    status, err = fraudml_ingest(src, tmp_path / "out", monkeypatch, capsys)
    assert status == 0, err
    assert "account_months" in err
    assert re.search(r"sms\s*│\s*3\s*│\s*2\s*│\s*1\s*│\s*exact duplicate", err), err  # read, kept, quarantined, reason
    (src / "sms.csv").write_bytes(SMS.replace("2020", "二〇二〇").encode("gbk"))
    status, err = fraudml_ingest(src, tmp_path / "out", monkeypatch, capsys)
    assert status == 2 and "line 2 is not UTF-8" in err and "Traceback" not in err


def test_a_large_file_gives_the_same_files_each_time_its_rows_in_the_file_order(tmp_path):
    """Large enough for DuckDB to read and write on both threads: the parts hold the kept rows in the file's order,
    the quarantine its repeats in order, and a second ingest writes the same bytes."""
    rows = 300_000
    lines = [f"n{i % 977},c{i},{1 + i % 2},2020-01-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{i // 60 % 60:02d}"
             for i in range(rows)]
    lines[1::3] = lines[0::3][:len(lines[1::3])]  # every third row from the second on repeats the row before it
    src = folder(tmp_path / "src", sms="phone_no_m,opposite_no_m,calltype_id,request_datetime\n" + "\n".join(lines) + "\n")
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        ingest_sichuan(src, out)
    files = [sorted(p for p in out.rglob("*.parquet")) for out in outs]
    assert [p.relative_to(outs[0]) for p in files[0]] == [p.relative_to(outs[1]) for p in files[1]]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(*files))
    sms = read_table(outs[0], "sms")
    kept = [i for i in range(rows) if i % 3 != 1]
    assert sms["counterpart"].tolist() == [lines[i].split(",")[1] for i in kept]
    assert quarantined(outs[0], "sms") == [[i + 1, "exact duplicate of an earlier row"] for i in range(1, rows, 3)]

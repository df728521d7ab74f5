"""Ingest and validation on Spark give what they give on DuckDB: the same canonical tables, quarantine, counts and
refusals (faulty lines named by their line numbers)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fraudml.errors import InputError
from fraudml.ingest.sichuan import ingest_sichuan
from fraudml.pseudonymise import KEY_VARIABLE, pseudonym
from fraudml.tables import TABLES, table_path
from fraudml.validation import validate_folder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("spark"),  # one worker, one session: the ``spark`` fixture of tests/conftest.py
    pytest.mark.filterwarnings("ignore::FutureWarning:pyspark.*", "ignore::DeprecationWarning:pyspark.*"),
]

USER = """phone_no_m,city_name,county_name,idcard_cnt,arpu_202001,arpu_202002,label
a1,成都,金牛分公司,1,9.00,\\N,1
b2,,0,2,,45.5,0
b2,,0,3,,45.5,0
"""
VOC = """phone_no_m,opposite_no_m,calltype_id,start_datetime,call_dur,city_name,county_name,imei_m
a1,c3,1,2020-01-05 21:04:10,1909,,,i1
a1,c3,2,2020-01-05 22:00:00,0,成都,金牛区,i1

a1,c3,2,2020-01-05 22:00:00,0,成都,金牛区,i1
"b2",a1,3,2020-02-01 08:00:00,-4,,,
,a1,1,2020-02-31 08:00:00,12,,,
"""
SMS = """phone_no_m,opposite_no_m,calltype_id,request_datetime
a1,c3,2,2020-01-01 13:51:50
b2,c3,1,2020-01-02 09:00:00
"""
APP = """phone_no_m,busi_name,flow,month_id
a1,,0.000000,
a1,QQ,34.665351,2020-01
b2,,72.853565,202002
"""


def write(folder, **files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


def ingest_both(src, tmp_path, **options):
    """(counts, folder) of ingesting ``src`` on DuckDB, then on Spark."""
    return [(ingest_sichuan(src, tmp_path / engine, engine=engine, **options), tmp_path / engine)
            for engine in ("duckdb", "spark")]


def assert_same_folders(spark_out, duck_out):
    for name in TABLES:
        a, b = table_path(spark_out, name), table_path(duck_out, name)
        assert (a is None) == (b is None), name
        if b is not None:
            assert a.is_dir(), "Spark writes a folder of parts"
            pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b), obj=name)
    for name in ("calls", "accounts"):
        quarantine = [pd.read_parquet(out / "_quarantine" / f"{name}.parquet") for out in (spark_out, duck_out)]
        pd.testing.assert_frame_equal(quarantine[0], quarantine[1], obj=f"{name} quarantine")


@pytest.fixture
def small_splits(spark):
    """Spark reads each file in splits of about 64 bytes, in parallel: rows keep their positions in the file."""
    keys = {"spark.sql.files.maxPartitionBytes": "64", "spark.sql.files.openCostInBytes": "0"}
    before = {k: spark.conf.get(k) for k in keys}
    for k, v in keys.items():
        spark.conf.set(k, v)
    yield
    for k, v in before.items():
        spark.conf.set(k, v)


def test_the_four_tables_ingest_on_spark_as_on_duckdb(spark, small_splits, tmp_path):
    src = write(tmp_path / "src", user=USER, voc=VOC, sms=SMS, app=APP)
    (duck, duck_out), (on_spark, spark_out) = ingest_both(src, tmp_path)
    assert [(c.name, c.kept, c.reasons) for c in on_spark] == [(c.name, c.kept, c.reasons) for c in duck]
    calls = {c.name: c for c in duck}["calls"]
    assert calls.read == 5 and calls.quarantined == 3, "a duplicate, a negative duration, a date that is no date"
    assert_same_folders(spark_out, duck_out)
    ingest_sichuan(src, spark_out, engine="spark")  # a second run replaces the folders of parts it wrote


def test_pseudonyms_on_spark_are_duckdbs(spark, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "a key of sixteen or more")
    src = write(tmp_path / "src", user=USER, voc=VOC)
    (duck, duck_out), (on_spark, spark_out) = ingest_both(src, tmp_path, pseudonymise=True)
    assert [(c.name, c.kept, c.reasons) for c in on_spark] == [(c.name, c.kept, c.reasons) for c in duck]
    assert_same_folders(spark_out, duck_out)
    calls = pd.read_parquet(table_path(spark_out, "calls"))
    assert calls["msisdn"].iloc[0] == pseudonym("a1", b"a key of sixteen or more"), "the keyed hash, not the number"


SHORT = VOC.splitlines()[:3]


@pytest.mark.parametrize("table, text, message", [
    ("voc", "\n".join([*SHORT, "a1,c3,1,2020-01-05 21:04:10,1909,,\n"]),
     r"voc.csv: 1 row\(s\) do not have the header's 8 fields, e.g. line 4: 7 fields"),
    ("voc", "\n".join([*SHORT, "a1,c3,1,2020-01-05 21:04:10,1909,,,i1,x\n"]), "e.g. line 4: 9 fields"),
    ("user", USER.encode("gbk"), "user.csv: line 2 is not UTF-8 text"),
])
def test_faulty_lines_stop_spark_as_they_stop_duckdb(spark, tmp_path, table, text, message):
    src = write(tmp_path / "src", **{table: text})
    errors = []
    for engine in ("duckdb", "spark"):
        with pytest.raises(InputError, match=message) as caught:
            ingest_sichuan(src, tmp_path / engine, engine=engine)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert not (tmp_path / "spark").exists(), "nothing is written"


def test_a_folder_validates_on_spark_as_on_duckdb(spark, tmp_path):
    src = write(tmp_path / "src", user=USER, voc=VOC)
    ingest_sichuan(src, tmp_path / "data")
    labels = pq.read_table(table_path(tmp_path / "data", "labels"))
    pq.write_table(pa.concat_tables([labels, labels.slice(0, 1)]), table_path(tmp_path / "data", "labels"))
    duck, on_spark = (validate_folder(tmp_path / "data", engine=engine) for engine in ("duckdb", "spark"))
    assert duck[1] == on_spark[1] == ["sms", "app_usage"]
    assert [(c.name, c.read, c.kept, c.reasons) for c in on_spark[0]] == [(c.name, c.read, c.kept, c.reasons)
                                                                         for c in duck[0]]
    assert {c.name: c.quarantined for c in duck[0]}["labels"] == 1

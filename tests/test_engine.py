"""The engine's own reading of files: row numbers that are file positions however the file is read, faulty
lines found by their line number, and a spill folder that exists only once used."""

import duckdb
import pytest

from fraudml.engine import close, connect, memory_share, read_csv, spill_folder
from fraudml.errors import InputError


@pytest.fixture(scope="module")
def large_csv(tmp_path_factory):
    """About 90 MB: several of the reader's buffers, so its threads read parts of the file side by side. Row n
    holds n; rows 1 to 3 hold a line break inside a quoted field; the last line has one field too many."""
    path = tmp_path_factory.mktemp("csv") / "large.csv"
    with duckdb.connect() as con:
        con.execute(f"""COPY (SELECT i AS n, CASE WHEN i <= 3 THEN 'two' || chr(10) || 'lines' ELSE repeat('x', 30) END AS text,
                                     md5(i::VARCHAR) AS filler
                              FROM range(1, 2000001) t(i)) TO '{path}' (HEADER, QUOTE '"')""")
    with path.open("a") as f:
        f.write("2000001,x,y,z\n")
    return path


def test_row_numbers_are_file_positions_when_the_file_is_read_in_parallel(large_csv):
    con = connect("duckdb", threads=4)
    try:
        scan = read_csv(con, large_csv, ["n", "text", "filler"], ["n", "text"])
        t = scan.table
        wrong = t.filter(t.n.cast("int64") != t._row).count().to_pyarrow().as_py()
        total = t.count().to_pyarrow().as_py()
        rejects = scan.rejects()
    finally:
        close(con)
    assert (wrong, total) == (0, 2_000_000)  # the line with a field too many is set aside, not a row
    # the header is line 1 and rows 1-3 each take two lines: row 2,000,001 is on line 2,000,005
    assert [(r.line, r.error, r.text) for r in rejects] == [(2_000_005, "TOO MANY COLUMNS", "2000001,x,y,z")]


@pytest.mark.parametrize("spills", [False, True])
def test_the_spill_folder_is_made_only_when_used_and_then_named(spills):
    spill, said = spill_folder(), []
    con = connect("duckdb", memory_limit="100MB", threads=1, spill=spill)
    try:
        con.raw_sql("SELECT count(*) FROM range(10)").fetchall()
        assert not spill.exists()
        if spills:
            con.raw_sql("SELECT count(DISTINCT md5(i::VARCHAR)) FROM range(3000000) t(i)").fetchall()
    finally:
        close(con, spill, said.append)
    assert not spill.exists()
    assert said == ([f"spilled to disk in {spill} (set TMPDIR to move it); removed"] if spills else [])


def test_a_memory_share_is_in_bytes_and_a_size_that_does_not_parse_is_named():
    assert memory_share("2GB", 0.75) == "1500000000B"
    assert memory_share("512MiB", 0.5) == f"{256 * 2**20}B"
    assert memory_share(" 1.5 gb", 1) == "1500000000B"
    assert memory_share("2G", 0.5) == "1000000000B"
    with pytest.raises(InputError, match="memory limit '2 apples': not a size such as 2GB"):
        memory_share("2 apples", 0.75)


def test_jobs_side_by_side_give_their_results_in_order_and_a_failure_stops_the_others():
    import time

    from fraudml.engine import run_side_by_side

    con = connect("duckdb")
    try:
        jobs = [lambda c, i=i: c.raw_sql(f"SELECT {i} * 10").fetchone()[0] for i in range(3)]
        assert run_side_by_side(con, jobs) == [0, 10, 20]

        def endless(c):  # minutes of work unless stopped
            return c.raw_sql("SELECT sum(hash(i)) FROM range(100000000000) t(i)").fetchone()

        def bad_file(c):
            time.sleep(0.5)  # the other job is under way
            raise InputError("voc.csv: line 7 is not UTF-8 text")

        started = time.perf_counter()
        with pytest.raises(InputError, match="line 7"):
            run_side_by_side(con, [endless, bad_file])
        assert time.perf_counter() - started < 30, "the endless job was stopped"
    finally:
        close(con)

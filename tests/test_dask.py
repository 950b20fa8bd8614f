"""``--engine dask``: the same results as the local engine, on a LocalCluster of two workers.

One cluster serves the module (the CLI reaches it with ``--scheduler``); one test lets the
CLI start its own. The corpus is the golden corpus (every stage has work on it: recurring
lines, reprints, comments, names, near-duplicates) split into shards, read in several
partition counts.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from golden_corpus import build_rows  # noqa: E402

from cleancorpus import Settings  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=50) as local:
        yield local


@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> Path:
    """The golden corpus as three JSON Lines shards (one gzip-compressed)."""
    folder = tmp_path_factory.mktemp("corpus") / "shards"
    folder.mkdir()
    rows = build_rows(240)
    for k, name in enumerate(["a.jsonl", "b.jsonl.gz", "c.jsonl"]):
        data = "".join(json.dumps(r) + "\n" for r in rows[k::3]).encode()
        if name.endswith(".gz"):
            import gzip

            data = gzip.compress(data, mtime=0)
        (folder / name).write_bytes(data)
    return folder


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cleancorpus", *args], capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"exit {done.returncode}: {done.stderr[-2000:]}")
    return done


def read_output(folder: Path) -> dict:
    """Everything a run wrote, parsed: each shard's records, the run records, the report."""
    import gzip

    found = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        if path.name.endswith(".json"):
            report = json.loads(data)
            report.pop("output")
            found[path.name] = report
        else:
            found[path.name] = [json.loads(line) for line in data.splitlines()]
    return found


@pytest.fixture(scope="module")
def local_output(shards, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("local") / "out"
    run("normalize", str(shards), "-o", str(out), "-q", "--isolated")
    return read_output(out)


@pytest.mark.parametrize("partition_size", [None, 9, 35])
def test_normalize_on_dask_equals_local_for_any_partitioning(cluster, shards, local_output, tmp_path, partition_size):
    out = tmp_path / "out"
    extra = ["--partition-size", str(partition_size)] if partition_size else []
    run("normalize", str(shards), "-o", str(out), "-q", "--isolated", "--engine", "dask",
        "--scheduler", cluster.scheduler_address, *extra)
    found = read_output(out)
    assert sorted(found) == sorted(local_output)
    for name, value in local_output.items():
        if isinstance(value, list):
            assert len(found[name]) == len(value), name
            for mine, theirs in zip(found[name], value):
                assert mine == theirs, (name, mine.get("id"))
        else:
            for key in value:
                assert found[name][key] == value[key], (name, key)
    report = found["cleancorpus-report.json"]
    # the corpus exercises every stage: a test that compared empty outputs would prove nothing
    assert report["totals"]["duplicate_clusters"] >= 5
    assert report["totals"]["lines_removed_by_rule"].get("recurring", 0) > 0
    assert report["totals"]["words_changed"] > 0


def name_rows(n: int = 36) -> list[dict]:
    """Stories spelling three people two ways each (no shipped table knows them)."""
    import random

    rng = random.Random(3)
    people = [("Ostap", "Kovalchuk", "Kowalchuk"), ("Ilkin", "Guliyev", "Guliev"), ("Tamar", "Zhvania", "Jvania")]
    verbs = ["met the council", "spoke in parliament", "visited the port", "signed the decree", "answered critics"]
    rows = []
    for k in range(n):
        given, a, b = people[k % 3]
        surname = a if rng.random() < 0.6 else b
        rows.append({"id": f"names/{k:03d}", "source": f"wire{k % 2}",
                     "text": f"Minister {given} {surname} {rng.choice(verbs)} on day {k}.\n\n"
                             f"Later {surname} {rng.choice(verbs)} again, officials said."})
    return rows


def test_name_discovery_on_dask_equals_local(cluster, shards, tmp_path):
    """--apply-discovered: discovery counted per partition and merged gives the local run's
    respellings (and check's CC202 the local findings)."""
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(shards, corpus)
    (corpus / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in name_rows()))
    shards = corpus
    local, on_dask = tmp_path / "local", tmp_path / "dask"
    run("normalize", str(shards), "-o", str(local), "-q", "--isolated", "--apply-discovered")
    run("normalize", str(shards), "-o", str(on_dask), "-q", "--isolated", "--apply-discovered", "--engine", "dask",
        "--scheduler", cluster.scheduler_address, "--partition-size", "13")
    expected, found = read_output(local), read_output(on_dask)
    assert found == expected
    discovered = [c for r in expected["cleancorpus-records.jsonl"] for c in r.get("word_changes", [])
                  if str(c.get("entry", "")).startswith("discovered:")]
    assert discovered, "the corpus must give discovery work, or this test proves nothing"
    args = ["check", str(shards), "--isolated", "--output-format", "json", "--select", "CC202"]
    local_check = run(*args, "--no-cache", check=False)
    dask_check = run(*args, "--engine", "dask", "--scheduler", cluster.scheduler_address, "--partition-size", "13",
                     check=False)
    assert json.loads(dask_check.stdout) == json.loads(local_check.stdout)
    assert json.loads(local_check.stdout)["summary"].get("CC202")


def test_dedup_and_its_own_local_cluster(shards, tmp_path):
    """``dedup --engine dask`` without --scheduler starts (and stops) a LocalCluster of --workers."""
    local = run("dedup", str(shards), "--json", "-q", "--isolated")
    on_dask = run("dedup", str(shards), "--json", "-q", "--isolated", "--engine", "dask", "--workers", "2",
                  "--partition-size", "50")
    assert json.loads(on_dask.stdout) == json.loads(local.stdout)
    assert json.loads(local.stdout)["clusters"]


def test_parquet_partitions_and_dropped(cluster, shards, tmp_path):
    """Parquet shards split into row ranges; --dropped joined from every partition."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    folder = tmp_path / "pq"
    folder.mkdir()
    rows = build_rows(240)
    pq.write_table(pa.Table.from_pylist(rows), folder / "all.parquet", row_group_size=40)
    outputs = {}
    for engine in ("local", "dask"):
        out, dropped = tmp_path / f"out-{engine}", tmp_path / f"dropped-{engine}.jsonl"
        extra = ["--engine", "dask", "--scheduler", cluster.scheduler_address, "--partition-size", "33"] \
            if engine == "dask" else []
        run("normalize", str(folder), "-o", str(out), "-q", "--isolated", "--dropped", str(dropped), *extra)
        table = pq.read_table(out / "all.parquet").to_pylist()
        outputs[engine] = (table, dropped.read_text())
    assert outputs["dask"] == outputs["local"]
    assert len(outputs["local"][0]) < len(rows) and outputs["local"][1]


def test_python_api_normalizes_a_bag(cluster):
    """``cleancorpus.dask.normalize(bag, settings)`` -> a bag of cleaned records, as the local pipeline gives."""
    import dask.bag as db

    from cleancorpus import Pipeline, to_records
    from cleancorpus.dask import normalize

    rows = build_rows(120)
    with distributed.Client(cluster.scheduler_address):
        cleaned = normalize(db.from_sequence(rows, npartitions=5), Settings()).compute()
    expected = to_records(Pipeline(Settings()).run(rows))
    assert cleaned == expected
    assert any(r.get("duplicate_of") for r in cleaned)


def test_errors_are_one_line(tmp_path, shards):
    done = run("normalize", str(shards), "--engine", "dask", "-o", str(shards / "inside"), check=False)
    assert done.returncode == 2 and "inside the input" in done.stderr  # the local engine's checks and words
    done = run("normalize", str(shards), "--workers", "2", "-o", str(tmp_path / "o2"), check=False)
    assert done.returncode == 2 and "--workers need --engine dask" in done.stderr
    # an id in two partitions is renamed as the local reader renames it (the client reads the
    # partition that repeats it again, with every id before it)
    clash = tmp_path / "clash"
    clash.mkdir()
    for name in ("x.jsonl", "y.jsonl"):
        (clash / name).write_text(json.dumps({"id": "same", "text": "Some text here."}) + "\n")
    outputs = []
    for out, extra in ((tmp_path / "o3", ["--engine", "dask", "--workers", "1"]), (tmp_path / "o4", [])):
        done = run("normalize", str(clash), *extra, "-o", str(out), "-q", "--isolated", check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(((out / "y.jsonl").read_text(), (out / "cleancorpus-records.jsonl").read_text(),
                        done.stderr.replace(str(out), "OUT")))
    assert outputs[0] == outputs[1] and "read as same#1" in outputs[0][2]


def test_a_worker_lost_mid_run_loses_and_duplicates_nothing(shards, local_output, tmp_path):
    """SIGKILL one of two workers while the run is under way: its tasks run again on the
    other (or on its restarted self) and the output is still exactly the local engine's."""
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        command = [sys.executable, "-m", "cleancorpus", "normalize", str(shards), "-o", str(out), "-q", "--isolated",
                   "--engine", "dask", "--scheduler", cluster.scheduler_address, "--partition-size", "4"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed = None
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            finished = client.run_on_scheduler(lambda dask_scheduler: sum(
                prefix.state_counts.get("memory", 0) for prefix in dask_scheduler.task_prefixes.values()))
            if finished >= 90:  # well into the run: the first passes done, some tasks of later ones too
                killed = next(iter(pids.values()))
                os.kill(killed, signal.SIGKILL)
                break
            time.sleep(0.05)
        _, stderr = process.communicate(timeout=240)
    assert killed is not None, "the run ended before a worker could be killed"
    assert process.returncode == 0, stderr[-2000:]
    found = read_output(out)
    for name, value in local_output.items():
        if isinstance(value, list):
            assert found[name] == value, name
        else:
            assert {k: found[name][k] for k in value} == value
    assert not [p for p in out.iterdir() if p.name.startswith(".cleancorpus-parts")]


def test_check_on_dask_reports_what_the_local_check_reports(cluster, shards):
    local = run("check", str(shards), "--no-cache", "--isolated", "--output-format", "json", check=False)
    on_dask = run("check", str(shards), "--isolated", "--output-format", "json", "--engine", "dask",
                  "--scheduler", cluster.scheduler_address, "--partition-size", "25", check=False)
    assert on_dask.returncode == local.returncode == 1
    assert json.loads(on_dask.stdout) == json.loads(local.stdout)
    codes = json.loads(local.stdout)["summary"]
    assert {"CC101", "CC102", "CC104", "CC201", "CC301"} <= set(codes)
    on_cluster = ["--engine", "dask", "--scheduler", cluster.scheduler_address, "--partition-size", "25"]
    local_diff = run("check", str(shards), "--no-cache", "--isolated", "--diff", check=False)
    dask_diff = run("check", str(shards), "--isolated", "--diff", *on_cluster, check=False)
    assert dask_diff.returncode == local_diff.returncode == 1 and "+++ " in local_diff.stdout
    assert dask_diff.stdout == local_diff.stdout


def test_check_on_dask_reads_a_folder_of_pages_and_fixes_it_as_the_local_check(cluster, tmp_path):
    """check runs the one plan: a folder of text files on the cluster gives the local
    findings, and --fix rewrites the same files to the same bytes."""
    import shutil

    seeds = Path(__file__).resolve().parents[1] / "seeds"
    mine, theirs = tmp_path / "local", tmp_path / "dask"
    shutil.copytree(seeds, mine)
    shutil.copytree(seeds, theirs)
    on_cluster = ["--engine", "dask", "--scheduler", cluster.scheduler_address, "--partition-size", "2"]
    local = run("check", str(mine), "--no-cache", "--isolated", "--output-format", "json", check=False)
    on_dask = run("check", str(theirs), "--isolated", "--output-format", "json", *on_cluster, check=False)
    assert json.loads(local.stdout)["summary"] and local.returncode == on_dask.returncode == 1
    strip = lambda out: json.dumps(json.loads(out)).replace(str(mine), "").replace(str(theirs), "")  # noqa: E731
    assert strip(on_dask.stdout) == strip(local.stdout)
    run("check", str(mine), "--no-cache", "--isolated", "--fix", check=False)
    run("check", str(theirs), "--isolated", "--fix", *on_cluster, check=False)
    changed = [p.name for p in sorted(seeds.iterdir()) if (mine / p.name).read_bytes() != p.read_bytes()]
    assert changed, "the seeds have fixable findings, or this test proves nothing"
    assert {p.name: p.read_bytes() for p in mine.iterdir()} == {p.name: p.read_bytes() for p in theirs.iterdir()}


def test_the_check_cache_works_on_dask_as_on_the_local_engine(cluster, tmp_path):
    """The workers look the cache up and write it themselves: a second run on the cluster
    takes every document from it, and gives the findings of a run without a cache."""
    import shutil

    from cleancorpus.check import check_corpus
    from cleancorpus.engines.cluster import DaskExecutor

    corpus = tmp_path / "seeds"
    shutil.copytree(Path(__file__).resolve().parents[1] / "seeds", corpus)
    cache = tmp_path / "cache"
    with distributed.Client(cluster.scheduler_address) as client:
        engine = {"executor": DaskExecutor(client), "partition_size": 2}
        first = check_corpus(corpus, Settings(), cache_dir=cache, **engine)
        second = check_corpus(corpus, Settings(), cache_dir=cache, **engine)
        (corpus / "other").mkdir()  # (another source: the seeds' recurring lines stay as they were)
        (corpus / "other" / "new.txt").write_text("A new story\n\nShare This Article\n")
        third = check_corpus(corpus, Settings(), cache_dir=cache, **engine)
    uncached = check_corpus(corpus, Settings(), cache_dir=None)
    assert first.cache_hits == 0 and second.cache_hits == second.documents == 5
    assert [f.text() for f in second.findings] == [f.text() for f in first.findings]
    assert third.documents == 6 and third.cache_hits == 5
    assert [f.text() for f in third.findings] == [f.text() for f in uncached.findings]
    on_cli = run("check", str(corpus), "--cache-dir", str(cache), "--engine", "dask", "--scheduler",
                 cluster.scheduler_address, check=False)
    assert on_cli.returncode == 1 and "CC101" in on_cli.stdout


@pytest.mark.parametrize("command", ["normalize", "dedup", "check"])
def test_without_dask_the_engine_names_the_extra(shards, tmp_path, command):
    code = ("import sys; sys.modules['distributed'] = None; sys.modules['dask'] = None\n"
            "from cleancorpus.cli import main\n"
            f"sys.exit(main([{command!r}, {str(shards)!r}, '--engine', 'dask']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == ("cleancorpus: error: --engine dask: dask is not installed: "
                                     "pip install 'cleancorpus[dask]'")


def test_chains_split_into_the_same_clusters_on_dask(cluster, tmp_path):
    """A chain (c0~c1~c2~..., ends unlike) and a star: on Dask, in small partitions, the
    same clusters and related groups as the local engine; nothing dropped through a chain."""
    from test_dedup_chains import chain, star

    docs = chain(5) + chain(3, seed=4, prefix="d") + star(center_first=False)
    folder = tmp_path / "chains"
    folder.mkdir()
    rows = [{"id": d.id, "text": d.text, **({"date": d.meta["date"]} if "date" in d.meta else {})} for d in docs]
    for k in range(3):
        (folder / f"part{k}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[k::3]))
    local = json.loads(run("dedup", str(folder), "--json", "-q", "--isolated").stdout)
    on_dask = json.loads(run("dedup", str(folder), "--json", "-q", "--isolated", "--engine", "dask",
                             "--scheduler", cluster.scheduler_address, "--partition-size", "2").stdout)
    assert on_dask == local
    assert len(local["related"]) >= 2 and ["c0.txt", "c2.txt", "c4.txt"] == \
        [i for i in local["related"][0]["kept"] if i.startswith("c")]
    out = tmp_path / "out"
    run("normalize", str(folder), "-o", str(out), "-q", "--isolated", "--engine", "dask", "--scheduler",
        cluster.scheduler_address, "--partition-size", "2", "--drop-duplicates")
    written = {json.loads(line)["id"] for p in out.glob("part*.jsonl") for line in p.read_text().splitlines()}
    assert {"c0.txt", "c2.txt", "c4.txt", "d0.txt", "d2.txt"} <= written
    assert "c1.txt" not in written and "c3.txt" not in written


@pytest.fixture(scope="module")
def mixed_shards(tmp_path_factory) -> Path:
    """Shards of every output format: plain, gzip and zstd JSON Lines, and two Parquet
    files whose schemas differ (a column each the other lacks, one with a type conflict)."""
    pa = pytest.importorskip("pyarrow")
    zstandard = pytest.importorskip("zstandard")
    import gzip

    import pyarrow.parquet as pq

    folder = tmp_path_factory.mktemp("mixed") / "shards"
    folder.mkdir()
    rows = build_rows(120)
    for k, name in enumerate(["a.jsonl", "b.jsonl.gz", "c.jsonl.zst"]):
        data = "".join(json.dumps(r) + "\n" for r in rows[k:80:3]).encode()
        if name.endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        elif name.endswith(".zst"):
            data = zstandard.ZstdCompressor().compress(data)
        (folder / name).write_bytes(data)
    one = [dict(r, alpha=k, n=k) for k, r in enumerate(rows[80:100])]
    two = [dict(r, beta=f"b{k}", n=f"n{k}") for k, r in enumerate(rows[100:120])]
    pq.write_table(pa.Table.from_pylist(one), folder / "one.parquet", row_group_size=7)
    pq.write_table(pa.Table.from_pylist(two), folder / "two.parquet", row_group_size=7)
    return folder


def output_bytes(folder: Path) -> dict[str, bytes]:
    """Every file a run wrote, as bytes (in the report, the output folder's path as ``OUT``)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            data = path.read_bytes()
            if path.name.endswith("report.json"):
                data = data.replace(str(folder).encode(), b"OUT")
            found[path.relative_to(folder).as_posix()] = data
    return found


MIXED_TARGETS = ("mirrored", "one.parquet", "one.jsonl.gz", "one.jsonl.zst")


@pytest.fixture(scope="module")
def mixed_local(mixed_shards, tmp_path_factory) -> dict[str, dict[str, bytes]]:
    outputs = {}
    for target in MIXED_TARGETS:
        out = tmp_path_factory.mktemp("mixed-local") / target
        run("normalize", str(mixed_shards), "-o", str(out), "-q", "--isolated")
        outputs[target] = output_bytes(out.parent)
    return outputs


@pytest.mark.parametrize("partition_size, targets", [(5, MIXED_TARGETS), (13, ("mirrored", "one.parquet"))])
def test_dask_writes_the_local_engines_bytes_for_any_partitioning(cluster, mixed_shards, mixed_local, tmp_path,
                                                                  partition_size, targets):
    """Byte for byte: gzip and zstd outputs are one stream as the local engine writes
    them, Parquet outputs the same row groups of one unified schema (issue 25, class 7)."""
    import pyarrow.parquet as pq

    for target in targets:
        out = tmp_path / target
        run("normalize", str(mixed_shards), "-o", str(out), "-q", "--isolated", "--engine", "dask",
            "--scheduler", cluster.scheduler_address, "--partition-size", str(partition_size))
        local, found = mixed_local[target], output_bytes(tmp_path)
        assert sorted(found) == sorted(local), target
        for name in local:
            assert found[name] == local[name], (target, name)
        for path in list(tmp_path.iterdir()):  # the next target's output folder starts empty
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    import pyarrow as pa

    together = pq.read_table(pa.BufferReader(mixed_local["one.parquet"]["one.parquet"]))
    assert {"alpha", "beta", "n"} <= set(together.column_names)  # no column lost joining the two
    assert str(together.schema.field("n").type) == "string"  # 3 and "n3": text, and said so
    report = json.loads(mixed_local["one.parquet"]["one.parquet.cleancorpus-report.json"])
    assert [p["message"] for p in report["problems"]] == ["column 'n' has values of more than one type; "
                                                          "written as text"]


def test_every_input_and_option_of_the_local_engine_works_on_dask(cluster, tmp_path):
    """Folders of text and HTML pages (site templates included), stdin, --format, --shard-size,
    --dropped and -o -: on a cluster, the local engine's output byte for byte, for several
    partition sizes (issue 26 part 3)."""
    from test_partitions import build_corpus

    corpus = build_corpus(tmp_path)
    dask = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    for options in ([], ["--format", "files"], ["--drop-duplicates", "--dropped", "DROPPED"]):
        local_out, dask_out = tmp_path / "local", tmp_path / "dask"
        codes = []
        for out, extra in ((local_out, []), (dask_out, [*dask, "--partition-size", "2"])):
            shutil.rmtree(out, ignore_errors=True)
            given = [str(out.with_suffix(".dropped.jsonl")) if o == "DROPPED" else o for o in options]
            done = run("normalize", str(corpus), "-o", str(out), "-q", "--isolated", *given, *extra, check=False)
            codes.append((done.returncode, done.stderr.replace(str(out), "OUT")))
        assert codes[0] == codes[1] and codes[0][0] == 1  # the corpus has bad records: both say so, alike
        assert "process_partition" in cluster.scheduler.task_prefixes  # the workers did read and clean
        expected = output_bytes(local_out)
        assert any(name.endswith(".html") or name.startswith("pages/") for name in expected), options
        assert output_bytes(dask_out) == expected, options
        if "--dropped" in options:
            assert out.with_suffix(".dropped.jsonl").exists()
    records = "".join(json.dumps(r) + "\n" for r in build_rows(60))
    local = subprocess.run([sys.executable, "-m", "cleancorpus", "normalize", "-", "-o", "-", "-q", "--isolated"],
                           input=records, capture_output=True, text=True, check=True).stdout
    on_dask = subprocess.run([sys.executable, "-m", "cleancorpus", "normalize", "-", "-o", "-", "-q", "--isolated",
                              *dask, "--partition-size", "7"], input=records, capture_output=True, text=True,
                             check=True).stdout
    assert on_dask == local and local.count("\n") >= 50
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "a.jsonl").write_text(records)
    for out, extra in ((tmp_path / "s-local", []), (tmp_path / "s-dask", dask)):
        run("normalize", str(shards), "-o", str(out), "-q", "--isolated", "--shard-size", "9", *extra)
    assert output_bytes(tmp_path / "s-dask") == output_bytes(tmp_path / "s-local")
    assert (tmp_path / "s-dask" / "part-00000.jsonl").exists()


def test_dedup_index_explain_and_folders_on_dask_equal_local(cluster, shards, tmp_path):
    from test_partitions import build_corpus

    dask = ["--engine", "dask", "--scheduler", cluster.scheduler_address, "--partition-size", "11"]
    corpus = build_corpus(tmp_path)
    local = run("dedup", str(corpus), "--json", "-q", "--isolated", check=False)
    on_dask = run("dedup", str(corpus), "--json", "-q", "--isolated", *dask, check=False)
    assert (on_dask.returncode, json.loads(on_dask.stdout)) == (local.returncode, json.loads(local.stdout))
    found = json.loads(run("dedup", str(shards), "--json", "-q", "--isolated").stdout)
    cluster_ids = found["clusters"][0]
    a, b = cluster_ids["representative"], cluster_ids["members"][0]["id"]
    explained = [run("dedup", str(shards), "--explain", a, b, "--isolated", *extra).stdout for extra in ([], dask)]
    assert explained[0] == explained[1] and "duplicates" in explained[0]
    indexed = []
    for name, extra in (("local", []), ("dask", dask)):
        index = tmp_path / f"{name}.idx"
        indexed.append(json.loads(run("dedup", str(shards), "--index", str(index), "--json", "-q", "--isolated",
                                      *extra).stdout) | {"index": ""})
    assert indexed[0] == indexed[1] and indexed[0]["duplicates"]


def test_names_and_explain_run_on_dask_as_on_the_local_engine(cluster, tmp_path):
    """(issue 26) ``names`` and ``explain`` are runs of the one plan too: the same table and
    the same marked documents on either engine and any number of jobs, for any input kind."""
    from test_partitions import build_corpus

    corpus = build_corpus(tmp_path)
    (corpus / "n.jsonl").write_text("".join(json.dumps(r) + "\n" for r in name_rows()))
    dask = ["--engine", "dask", "--scheduler", cluster.scheduler_address, "--partition-size", "7"]
    tables = [run("names", str(corpus), "-q", "--isolated", *extra, check=False) for extra in
              (["--jobs", "1"], ["--jobs", "2"], dask)]
    assert len({(t.returncode, t.stdout) for t in tables}) == 1
    assert "Kovalchuk" in tables[0].stdout and "Guliyev" in tables[0].stdout  # discovery had work to do
    wanted = ["names/000", "pages/p1.html", "e.txt", "missing-id"]
    shown = [run("explain", str(corpus), *wanted, "--isolated", *extra, check=False) for extra in
             (["--jobs", "1"], ["--jobs", "2"], dask)]
    assert len({(s.returncode, s.stdout) for s in shown}) == 1
    assert shown[0].returncode == 2 and "no document with id 'missing-id'" in shown[0].stderr
    assert shown[0].stdout.count("=== ") == 3 and "=== pages/p1.html" in shown[0].stdout

"""A real Spark standalone cluster for the tests: one master and one worker, started from pyspark's own jars
(``spark-class`` with the master and worker classes) on 127.0.0.1, always stopped afterwards.

Every port is 0: each daemon binds a free one and logs it, so nothing races another test for a port. An
application reaches the cluster through :meth:`Cluster.env`: a ``SPARK_CONF_DIR`` whose ``spark-defaults.conf``
sizes it for the cluster, as a platform team's would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
CORES = 2
WORKER_MEMORY = "2g"  # what the worker offers its executors
EXECUTOR_MEMORY = "1g"
DAEMON_MEMORY = "256m"  # the master's and the worker's own heaps
START_TIMEOUT_S = 180  # a loaded 2-core machine starts three JVMs slowly
# for JVMs that live a minute or so on 2 cores, as the tests' do: the JIT's optimising tier and a parallel
# collector's threads cost more than they save (each test application ran a third faster without them)
SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
# the settings a small application needs on this cluster: its cores and executor, few shuffle partitions, no web
# UI, and every address on the loopback
APPLICATION_SETTINGS = {
    "spark.cores.max": str(CORES),
    "spark.sql.shuffle.partitions": str(CORES),  # tiny test worlds: each partition of each stage is a task
    "spark.executor.cores": str(CORES),
    "spark.executor.memory": EXECUTOR_MEMORY,
    "spark.ui.enabled": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def unavailable() -> str | None:
    """Why no cluster can start here (no pyspark, no Java 17 or later), or None."""
    try:
        spark_home()
    except ImportError:
        return "pyspark is not installed (it is in the dev group: uv sync)"
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") else shutil.which("java")
    if not java or not Path(java).exists():
        return "Spark needs Java 17 or later, and none is on PATH or in JAVA_HOME"
    version = subprocess.run([str(java), "-version"], capture_output=True, text=True).stderr
    major = re.search(r'version "(\d+)', version)
    if not major or int(major.group(1)) < 17:
        return f"Spark 4 needs Java 17 or later; found {version.splitlines()[0] if version else 'none'}"
    return None


@dataclass
class Cluster:
    master: str  # spark://127.0.0.1:PORT
    ui: str  # the master's web UI, whose /json/ lists the workers
    conf_dir: Path  # SPARK_CONF_DIR for applications on this cluster
    process_groups: tuple[int, ...] = ()  # the master's and the worker's (with its executors)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a process that runs an application on the cluster (its master not named)."""
        return {**os.environ, "SPARK_HOME": str(spark_home()), "SPARK_CONF_DIR": str(self.conf_dir),
                "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable, **extra}

    def workers(self) -> list[dict]:
        with urllib.request.urlopen(self.ui + "/json/", timeout=5) as response:
            return json.load(response).get("workers", [])


def _daemon_env(folder: Path, jvm_options: str) -> dict[str, str]:
    conf = folder / "daemon-conf"
    conf.mkdir(exist_ok=True)
    return {**os.environ, "SPARK_HOME": str(spark_home()), "SPARK_CONF_DIR": str(conf), "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_DAEMON_MEMORY": DAEMON_MEMORY, "SPARK_DAEMON_JAVA_OPTS": jvm_options, "SPARK_LOG_DIR": str(folder),
            "SPARK_WORKER_DIR": str(folder / "work")}


def _start(folder: Path, name: str, args: list[str], jvm_options: str) -> tuple[subprocess.Popen, Path]:
    log = folder / f"{name}.log"
    with open(log, "wb") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen([str(spark_home() / "bin" / "spark-class"), *args], stdout=out,
                                stderr=subprocess.STDOUT, env=_daemon_env(folder, jvm_options),
                                start_new_session=True)  # a group: the worker's executors too
    return proc, log


def _wait_for(pattern: str, log: Path, proc: subprocess.Popen, deadline: float) -> str:
    """The first group of ``pattern`` once the daemon has logged it."""
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return found.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    raise RuntimeError(f"{log.stem} did not log {pattern!r}; its log ends:\n{log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Stop a daemon and every process of its group (a worker's executors and their Python workers)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
    try:  # executors the worker started may outlive it by a moment
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def standalone_cluster(folder: Path, jvm_options: str = ""):
    """A master and one worker (``CORES`` cores, ``WORKER_MEMORY``) on 127.0.0.1, up once the worker has
    registered with the master; both are stopped when the block ends, however it ends. ``jvm_options`` go to
    every JVM: the daemons', and the drivers' and executors' of the applications that use ``conf_dir``."""
    folder.mkdir(parents=True, exist_ok=True)
    started = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        master, master_log = _start(folder, "master", [MASTER_CLASS, "--host", "127.0.0.1", "--port", "0",
                                                       "--webui-port", "0"], jvm_options)
        started.append(master)
        url = _wait_for(r"Starting Spark master at (spark://\S+)", master_log, master, deadline)
        ui = _wait_for(r"started at (http://\S+)", master_log, master, deadline)
        worker, worker_log = _start(folder, "worker", [WORKER_CLASS, "--host", "127.0.0.1", "--port", "0",
                                                       "--webui-port", "0", "--cores", str(CORES), "--memory",
                                                       WORKER_MEMORY, "--work-dir", str(folder / "work"), url],
                                    jvm_options)
        started.append(worker)
        conf = folder / "conf"
        conf.mkdir(exist_ok=True)
        settings = {**APPLICATION_SETTINGS, **({"spark.driver.extraJavaOptions": jvm_options,
                                                "spark.executor.extraJavaOptions": jvm_options} if jvm_options else {})}
        (conf / "spark-defaults.conf").write_text("".join(f"{k} {v}\n" for k, v in settings.items()))
        cluster = Cluster(url, ui, conf, (master.pid, worker.pid))
        while not any(w.get("state") == "ALIVE" for w in cluster.workers()):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not register with {url}; its log ends:\n"
                                   f"{worker_log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield cluster
    finally:
        for proc in reversed(started):
            stop(proc)

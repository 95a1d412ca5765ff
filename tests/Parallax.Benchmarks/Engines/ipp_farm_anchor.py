# The ipyparallel side of the task-farm rows of `dotnet run -c Release --project tests/Parallax.Benchmarks -- engines`
# (or `-- engines farm` for these rows alone): load_balanced_view().map on 3 engines, measured in the
# same run as Parallax's LoadBalancedView. Needs Debian's python3-ipyparallel (../shared/anchors/setup.sh).
# Prints one JSON object on its last line: medians of ROUNDS rounds, in seconds.
#   /usr/bin/python3 ipp_farm_anchor.py [ROUNDS]
import json, statistics, sys, time

import ipyparallel as ipp

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3


def burn(x):
    # 5 ms of this thread's CPU time, whatever else the machine runs (as the C# side spins).
    import time
    end = time.thread_time() + 0.005
    while time.thread_time() < end:
        pass
    return x


def log(what):
    print(f"[ipp_farm_anchor {time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def burn_counted(x):
    # As burn, counting on the engine that it ran: the side effect that tells how many tasks an abort let run.
    import builtins
    builtins._farm_ran = getattr(builtins, "_farm_ran", 0) + 1
    return burn(x)


def ran_on_engines(reset=False):
    def count(reset):
        import builtins
        ran = getattr(builtins, "_farm_ran", 0)
        if reset:
            builtins._farm_ran = 0
        return ran
    return sum(rc[:].apply_sync(count, reset))


def median(f):
    return statistics.median(f() for _ in range(rounds))


def timed(f):
    s = time.perf_counter()
    f()
    return time.perf_counter() - s


out = {}
cluster = ipp.Cluster(n=3)
rc = cluster.start_and_connect_sync()
rc.wait_for_engines(3)
try:
    lv = rc.load_balanced_view()
    log("engines up")
    lv.map_sync(lambda x: x + 1, range(100))  # warm-up: connections, serializers
    log("warm")
    out["tiny_1000"] = median(lambda: timed(lambda: lv.map_sync(lambda x: x + 1, range(1000))))
    # chunksize 1 (the default) would take about 5 minutes here; 1000 is ipyparallel's best case.
    log(f"tiny_1000 {out['tiny_1000']:.3f} s")
    out["tiny_100000_chunk1000"] = median(lambda: timed(lambda: lv.map_sync(lambda x: x + 1, range(100000), chunksize=1000)))
    log(f"tiny_100000_chunk1000 {out['tiny_100000_chunk1000']:.3f} s")
    out["cpu_1000x5ms"] = median(lambda: timed(lambda: lv.map_sync(burn, range(1000))))

    log(f"cpu_1000x5ms {out['cpu_1000x5ms']:.3f} s")

    def abort_queued():
        ran_on_engines(reset=True)
        ar = lv.map_async(burn_counted, range(10000))
        time.sleep(1.0)
        s = time.perf_counter()
        ar.abort()
        # ar.wait() never returns here: ipyparallel 7.1 fails to join a map's aborted parts (TypeError:
        # 'TaskAborted' object is not iterable, in a callback); waiting on the tasks' messages works.
        rc.wait(ar.msg_ids, timeout=600)
        elapsed = time.perf_counter() - s
        out.setdefault("abort_ran", []).append(ran_on_engines())
        return elapsed

    out["abort_10000"] = median(abort_queued)
finally:
    cluster.stop_cluster_sync()

print(json.dumps(out))

# The ipyparallel side of `dotnet run -c Release --project tests/Parallax.Benchmarks -- engines`:
# the same measurements, run by the benchmark in the same session so that every Parallax row
# has its anchor measured minutes apart on the same machine. Needs Debian's python3-ipyparallel and
# python3-numpy (../shared/anchors/setup.sh installs them). Prints one JSON object on its last line.
#   OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 ipp_anchor.py N GEMM_N
import json, sys, time

import ipyparallel as ipp
from ipp_calls import roundtrip_and_execute
import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
gemm_n = int(sys.argv[2]) if len(sys.argv) > 2 else n
out = {}

s = time.perf_counter()
cluster = ipp.Cluster(n=3)
rc = cluster.start_and_connect_sync()
rc.wait_for_engines(3)
out["start"] = time.perf_counter() - s
try:
    v = rc[:]
    v.block = True
    roundtrip_and_execute(v, out, lambda: "Hello!")  # defined here: a lambda of __main__ travels by value

    rng = np.random.default_rng(1)
    a = rng.random((n, n))
    b = rng.random((n, n))
    s = time.perf_counter()
    v.push(dict(a=a, b=b))
    out["push"] = time.perf_counter() - s

    v.execute("import numpy as np")
    s = time.perf_counter()
    v.execute("c = np.dot(a, b)")
    out["dot"] = time.perf_counter() - s

    s = time.perf_counter()
    c = v.pull("c")
    out["pull"] = time.perf_counter() - s
    assert len(c) == 3 and np.allclose(c[2], a @ b)
    del c
    v.execute("del a, b, c")

    ga = rng.random((gemm_n, gemm_n))
    gb = rng.random((gemm_n, gemm_n))
    ga @ gb
    s = time.perf_counter()
    expected = ga @ gb
    out["local_dot"] = time.perf_counter() - s
    s = time.perf_counter()
    v.scatter("ap", ga)
    v.push(dict(b=gb))
    v.execute("cp = ap @ b")
    cp = v.gather("cp")
    out["distributed_dot"] = time.perf_counter() - s
    assert np.allclose(cp, expected)
finally:
    cluster.stop_cluster_sync()

print(json.dumps(out))

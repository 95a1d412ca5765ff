# The ipyparallel side of `dotnet run -c Release --project tests/Parallax.Benchmarks -- seed-flow`: the
# seed's headline cells, cold, in this fresh process: a @ b here, start 3 engines, push a and b (N x N doubles),
# c = np.dot(a, b) on every engine, pull c from all three. Prints one JSON object on its last line.
#   OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 seed_flow_anchor.py N
import json, sys, time

import ipyparallel as ipp
import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
rng = np.random.default_rng(1)
a = rng.random((n, n))
b = rng.random((n, n))
out = {}

s = time.perf_counter()
product = a @ b  # the first product in this process, before any engine runs
out["matmul"] = time.perf_counter() - s
del product

s = time.perf_counter()
cluster = ipp.Cluster(n=3)
rc = cluster.start_and_connect_sync()
rc.wait_for_engines(3)
out["start"] = time.perf_counter() - s
try:
    v = rc[:]
    v.block = True
    v.apply_sync(lambda: "Hello!")
    v.execute("import numpy as np")  # the seed's In [47], before the timed cells

    s = time.perf_counter()
    v.push(dict(a=a, b=b))
    out["push"] = time.perf_counter() - s

    s = time.perf_counter()
    v.execute("c = np.dot(a, b)")
    out["dot"] = time.perf_counter() - s

    s = time.perf_counter()
    c = v.pull("c")
    out["pull"] = time.perf_counter() - s

    for i, j in [(0, 0), (n - 1, n - 1), (n // 3, n // 2)]:
        expected = a[i, :] @ b[:, j]
        assert all(abs(ci[i, j] - expected) <= 1e-9 * expected for ci in c), "wrong product"
finally:
    cluster.stop_cluster_sync()

print(json.dumps(out))

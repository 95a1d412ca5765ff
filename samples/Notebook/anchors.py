# The Python side of `dotnet run --project samples/Notebook -c Release -- --anchors`: the seed
# notebook's own cells with the stack it names (numpy/OpenBLAS, numba, threading, ipyparallel), run
# in the same session as the C# notebook so every comparison is against a figure from this machine,
# minutes apart. Needs Debian's python3-numpy, python3-numba, python3-ipyparallel (setup.sh in
# ../shared/anchors installs them) and OPENBLAS_CORETYPE=SkylakeX (the notebook sets it for this
# child). Prints one JSON object, seconds, on its last line; a part whose module is missing is left out.
#   /usr/bin/python3 anchors.py N M FACTORIAL
import json, sys, threading, time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
m = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
fact = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
out = {}


def timed(f):
    s = time.perf_counter()
    r = f()
    return time.perf_counter() - s, r


import numpy as np

rng = np.random.default_rng(0)
a = rng.standard_normal((n, n))
b = rng.standard_normal((n, n))
out["numpy_dot"], c = timed(lambda: a @ b)  # the seed's %%time cell: first product, fresh result
del c
out["numpy_dot_warm"] = min(timed(lambda: a @ b)[0] for _ in range(2))

x = rng.standard_normal(m)
y = rng.standard_normal(m)


def arr_sum(x, y):
    r = np.empty_like(x)
    for i in range(len(x)):
        r[i] = x[i] + y[i]
    return r


out["python_loop"] = timed(lambda: arr_sum(x, y))[0]
out["numpy_add"] = sorted(timed(lambda: x + y)[0] for _ in range(9))[4]
try:
    from numba import jit

    jarr = jit(nopython=True)(arr_sum)
    out["numba_first"] = timed(lambda: jarr(x, y))[0]
    out["numba_warm"] = sorted(timed(lambda: jarr(x, y))[0] for _ in range(9))[4]
except ImportError:
    pass


def factorial(k):
    f = 1
    for j in range(1, k + 1):
        f *= j
    return f


def threads(k):
    ts = [threading.Thread(target=factorial, args=(fact,)) for _ in range(k)]
    [t.start() for t in ts]
    [t.join() for t in ts]


out["factorial_1"] = timed(lambda: threads(1))[0]
out["factorial_2"] = timed(lambda: threads(2))[0]

try:
    import ipyparallel as ipp

    s = time.perf_counter()
    cluster = ipp.Cluster(n=3)
    rc = cluster.start_and_connect_sync()
    rc.wait_for_engines(3)
    out["ipp_start"] = time.perf_counter() - s
    try:
        v = rc[:]
        v.block = True
        v.apply_sync(lambda: "Hello!")
        out["ipp_roundtrip"] = sorted(timed(lambda: v.apply_sync(lambda: "Hello!"))[0] for _ in range(21))[10]
        v.execute("import numpy as np")
        out["ipp_push"] = timed(lambda: v.push(dict(a=a, b=b)))[0]
        out["ipp_dot"] = timed(lambda: v.execute("c = np.dot(a, b)"))[0]
        out["ipp_pull"] = timed(lambda: v.pull("c"))[0]
    finally:
        cluster.stop_cluster_sync()
except ImportError:
    pass

print(json.dumps(out))

# The numpy side of `dotnet run -c Release --project tests/Parallax.Benchmarks -- linalg`: the seed's
# c = a @ b (numpy + OpenBLAS, a new result array each call, as Linalg.Dot(a, b) returns one), timed in
# a fresh process so its first call is as cold as a newcomer's. Needs Debian's python3-numpy and
# OPENBLAS_CORETYPE=SkylakeX (the benchmark sets it). Prints one JSON object on its last line:
# {"first": seconds, "times": [seconds of the later calls]}.
#   /usr/bin/python3 numpy_anchor.py N REPS
import json, sys, time

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
rng = np.random.default_rng(n)
a = rng.uniform(-1, 1, (n, n))
b = rng.uniform(-1, 1, (n, n))
np.dot(np.ones((256, 256)), np.ones((256, 256)))  # OpenBLAS's threads started, as an imported numpy has them


def timed():
    s = time.perf_counter()
    c = a @ b
    t = time.perf_counter() - s
    del c
    return t


first = timed()
print(json.dumps({"first": first, "times": [timed() for _ in range(reps)]}))

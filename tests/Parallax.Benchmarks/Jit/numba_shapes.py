# The numba side of `dotnet run -c Release --project tests/Parallax.Benchmarks -- jit-shapes`: one of issue
# 13's kernels, timed in a fresh process so that its first call is as cold as a newcomer's (numba compiles
# there). The kernels are the function definitions of shared/anchors/jit_kernels.py itself (its timing code
# is not run), so this measures exactly the anchor's code. Needs Debian's python3-numba
# (shared/anchors/setup.sh). Prints "first_ms warm_median_ms" on its last line.
#   /usr/bin/python3 numba_shapes.py PATH/jit_kernels.py mandel|mandel-parallel|blur WARM
import ast, sys, time

import numpy as np
from numba import njit

anchors, kernel, warm = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(anchors) as f:
    tree = ast.parse(f.read())
tree.body = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef))]
scope = {}
exec(compile(tree, anchors, "exec"), scope)

if kernel == "blur":
    f = njit(scope["blur"])
    src = np.random.default_rng(42).random((2000, 2000))
    dst = np.zeros_like(src)
    args = (src, dst)
else:
    f = njit(scope["mandel"]) if kernel == "mandel" else njit(parallel=True)(scope["mandel_p"])
    args = (-2.0, -1.2, 3.0 / 600, 2.4 / 400, 500, np.zeros((400, 600), dtype=np.int32))


def timed():
    s = time.perf_counter()
    f(*args)
    return (time.perf_counter() - s) * 1000


first = timed()
times = sorted(timed() for _ in range(warm))
print(f"{first!r} {times[len(times) // 2]!r}")

# Shared by ipp_anchor.py and ipp_standing.py: the round trip and execute measurements, identical in
# both so that the engines and standing benchmarks quote the same anchors.
import time


def roundtrip_and_execute(v, out, hello, trips=200):
    """apply_sync(hello) round trip, then execute of a code string: the first one and the same string again.
    hello comes from the calling script: engines unpickle a function of this module by importing it, which they cannot."""
    for _ in range(20):
        v.apply_sync(hello)
    s = time.perf_counter()
    for _ in range(trips):
        v.apply_sync(hello)
    out["roundtrip"] = (time.perf_counter() - s) / trips

    # execute of a code string: the first one, then the same string again (Parallax compiles C# once per string).
    v.push(dict(n=1))
    s = time.perf_counter()
    v.execute("m = n + 1")
    out["execute_first"] = time.perf_counter() - s
    for _ in range(20):
        v.execute("m = n + 1")
    s = time.perf_counter()
    for _ in range(trips):
        v.execute("m = n + 1")
    out["execute"] = (time.perf_counter() - s) / trips
    assert v.pull("m") == [2, 2, 2]

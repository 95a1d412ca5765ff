# The ipyparallel side of `dotnet run -c Release --project tests/Parallax.Benchmarks -- standing`:
# a cluster started from the command line (`ipcluster start -n 3 --daemonize`, in a temporary
# IPYTHONDIR, never ~/.ipython), then clients that connect to it with Client(). Prints one JSON object
# on its last line. Needs Debian's python3-ipyparallel (../shared/anchors/setup.sh installs it).
#   /usr/bin/python3 ipp_standing.py
import json, os, shutil, subprocess, tempfile, time

home = tempfile.mkdtemp(prefix="ipp-standing-")
os.environ["IPYTHONDIR"] = home
import ipyparallel as ipp
from ipp_calls import roundtrip_and_execute

out = {}
try:
    # Until ready: the command returns at once, engines register later; a user's Client() waits for them.
    s = time.perf_counter()
    subprocess.run(["ipcluster", "start", "-n", "3", "--daemonize"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rc = None
    while rc is None:
        try:
            rc = ipp.Client(timeout=30)
        except Exception:
            time.sleep(0.02)
    rc.wait_for_engines(3, timeout=300)
    out["start"] = time.perf_counter() - s

    # Connect: a second client of the running cluster, to its engines known.
    connects = []
    for _ in range(5):
        s = time.perf_counter()
        c = ipp.Client()
        c.wait_for_engines(3)
        connects.append(time.perf_counter() - s)
        c.close()
    out["connect_first"] = connects[0]
    out["connect"] = sorted(connects[1:])[len(connects[1:]) // 2]

    v = rc[:]
    v.block = True
    roundtrip_and_execute(v, out, lambda: "Hello!")  # defined here: a lambda of __main__ travels by value
    rc.close()
finally:
    subprocess.run(["ipcluster", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(home, ignore_errors=True)

print(json.dumps(out))

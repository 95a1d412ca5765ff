#!/usr/bin/env bash
# What the tests need beyond the .NET SDK, from Debian's packages only (.ci/run calls this first):
# redis-server, which the silo tests start on a free loopback port as the membership table of
# Orleans' Redis clustering (they never use a system-wide Redis service).
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

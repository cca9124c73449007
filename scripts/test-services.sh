#!/usr/bin/env bash
# What the test suite needs besides npm packages, installed and started when missing (`npm test` runs this first):
# Debian's Chromium for the viewer's browser tests, and a one-node Slurm on localhost for the grid's Slurm test.
# A test whose service is still missing fails saying why; nothing here stops the suite.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "srcaco: installing Debian's chromium for the viewer's browser tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ||
      echo "srcaco: apt-get install chromium failed; the viewer's browser tests will fail" >&2
  else
    echo "srcaco: chromium is missing (apt-get install chromium, as root); the viewer's browser tests will fail" >&2
  fi
fi
bash "$here/slurm-local.sh" || echo "srcaco: the one-node Slurm did not start; test/grid/slurm.test.ts will fail" >&2
exit 0

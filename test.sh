#!/usr/bin/env bash
# Runs every test (unit, actor and end-to-end) and ends with the line "N passed, N failed".
#   ./test.sh          everything (CI)
#   ./test.sh --fast     the fast tier only: actors, pure logic, serializers, client editing (no processes started)
#   ./test.sh --process  the process tier only: real servers and clients on loopback
# SWITCHBOARD_TIMEFACTOR=N (default 1) lengthens every timeout in the specs on a slow or loaded machine.
set -uo pipefail
usage() {
  echo "usage: ./test.sh [--fast | --process]"
  echo "  builds (Debug) and runs every test, ending with \"N passed, N failed\" (exit code 0 when none failed);"
  echo "  --fast: only the specs that start no process (about half a minute); --process: only those that do."
  echo "  SWITCHBOARD_TIMEFACTOR=3 lengthens every wait on a loaded machine."
}
filter=()
# Anything else is a mistake, answered before the build: --help ran the whole suite (minutes), a typo too.
case "${1:-}" in
  --fast) filter=(--filter "Tier!=Process"); shift ;;
  --process) filter=(--filter "Tier=Process"); shift ;;
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) echo "test.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
esac
if [ $# -gt 0 ]; then echo "test.sh: unknown argument '$1'" >&2; usage >&2; exit 2; fi
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
# Ctrl-C stops the run and says so (exit 130), not "0 passed, 1 failed": no test failed.
trap 'echo; echo "test.sh: interrupted; no result" >&2; exit 130' INT

# The interactive client's specs drive it under tmux (Tests/Client): install it on a fresh machine.
command -v tmux >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq tmux; } >/dev/null 2>&1 || echo "tmux is missing: the interactive client specs will fail" >&2
# The cluster store's specs run a throwaway PostgreSQL server (Tests/Support/PostgresServer.cs): the same.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql; } >/dev/null 2>&1 || echo "postgresql is missing: the cluster store specs will fail" >&2
dotnet build Switchboard.slnx -c Debug </dev/null || { echo "0 passed, 1 failed"; exit 1; }
dotnet test Switchboard.slnx -c Debug --no-build "${filter[@]}" --logger "trx;LogFileName=tests.trx" --results-directory "$results" </dev/null
status=$?

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
# A crashed test host writes no counters: count it as a failure rather than a silent pass.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

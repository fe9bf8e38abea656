#!/usr/bin/env bash
# Multi-node local demo: two server nodes sharing one segment, three clients (alice and bob on node A,
# carol on node B) running a short scripted exchange, and `inspect --watch`, in one tmux session.
#   ./demo.sh          build, start, attach (detach with Ctrl-b d; the demo keeps running)
#   ./demo.sh stop     stop every process of the demo and remove its segment and data directory
#   ./demo.sh cluster  three cluster-mode nodes on 127.0.0.1/.2/.3 (no segment), clients on each, membership pane
#                      (stop it with ./demo.sh stop too; DEMO_CLUSTER_PORT, 4553, picks the port of all three)
# DEMO_PORT_A/DEMO_PORT_B (4053/4054), DEMO_SESSION and DEMO_SEGMENT (switchboard-demo) pick others.
# Each client pane stays open after its script: type more commands there (e.g. "tell carol hi", "who").
# The nodes keep accounts and history in a throwaway --data directory (mktemp -d), never in your own.
set -euo pipefail
cd "$(dirname "$0")"
session="${DEMO_SESSION:-switchboard-demo}"
segment="${DEMO_SEGMENT:-switchboard-demo}"
port_a="${DEMO_PORT_A:-4053}"
port_b="${DEMO_PORT_B:-4054}"
state=".demo/$session"
# The stop command for this demo: `stop` needs the session and segment it was started with.
stop_hint="./demo.sh stop"
[ -n "${DEMO_SEGMENT:-}" ] && stop_hint="DEMO_SEGMENT=$segment $stop_hint"
[ -n "${DEMO_SESSION:-}" ] && stop_hint="DEMO_SESSION=$session $stop_hint"
bin=ActorServer/bin/Release/net10.0/ActorServer.dll
client=ActorClient/bin/Release/net10.0/ActorClient.dll

stop() {
  local found=""
  tmux kill-session -t "$session" 2>/dev/null && found=1
  [ -d "$state" ] && found=1
  for f in "$state"/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for f in "$state"/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # Clean shutdowns remove the segment; this covers a node that had to be killed.
  local removed=""
  [ -f "$state/segment" ] && rm -f "/dev/shm/$(cat "$state/segment")" && removed="; segment removed"
  [ -f "$state/data.dir" ] && rm -rf "$(cat "$state/data.dir")" && removed="$removed; data directory removed"
  rm -rf "$state"; rmdir .demo 2>/dev/null || true
  if [ -n "$found" ]; then echo "demo '$session' stopped: its processes are gone$removed"
  else echo "no demo '$session' found here"; fi
  # Only this session was stopped: name any other still recorded under .demo/.
  local d
  for d in .demo/*/; do
    [ -d "$d" ] || continue
    d="${d%/}"; d="${d#.demo/}"
    echo "demo '$d' is still running: stop it with DEMO_SESSION=$d ./demo.sh stop"
  done
}

if [ "${1:-}" = "stop" ]; then stop; exit 0; fi
mode="${1:-segment}"
command -v tmux >/dev/null || { echo "the demo needs tmux (apt-get install tmux)"; exit 1; }
if tmux has-session -t "$session" 2>/dev/null; then
  echo "the demo is already running: tmux attach -t $session   (or $stop_hint)"; exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "building (Release)..."
dotnet build Switchboard.slnx -c Release -v quiet -nologo </dev/null >/dev/null
mkdir -p "$state"

# A client pane: the script first, then whatever the viewer types (scripted mode, one command a line).
client_cmd() { # name port script...
  local name=$1 port=$2; shift 2
  printf '%s\n' "$@" > "$state/$name.script"
  echo "echo \$\$ > $state/$name.pid; exec dotnet $client $name --server 127.0.0.1:$port < <(cat $state/$name.script; cat)"
}
node_cmd() { # name port
  echo "echo \$\$ > $state/$1.pid; exec dotnet $bin --port $2 --segment $segment --data $data"
}

if [ "$mode" = "cluster" ]; then
  port="${DEMO_CLUSTER_PORT:-4553}"
  seeds="127.0.0.1:$((port + 1)),127.0.0.2:$((port + 1))"   # the nodes' cluster ports (--port + 1)
  # The nodes sign what they send each other with a secret they share.
  (umask 077; head -c 32 /dev/urandom | base64 > "$state/cluster.secret")
  cnode_cmd() { # name host: the node's log goes to its pane and to a file the membership pane follows
    echo "echo \$\$ > $state/$1.pid; exec dotnet $bin --cluster --host $2 --port $port --seeds $seeds --cluster-secret-file $state/cluster.secret 2> >(tee $state/$1.log >&2)"
  }
  cclient_cmd() { # name host script...
    local name=$1 host=$2; shift 2
    printf '%s\n' "$@" > "$state/$name.script"
    echo "echo \$\$ > $state/$name.pid; exec dotnet $client $name --server $host:$port,127.0.0.1:$port < <(cat $state/$name.script; cat)"
  }
  touch "$state/n1.log" "$state/n2.log" "$state/n3.log"
  tmux new-session -d -s "$session" -x 220 -y 60 -n cluster "$(cnode_cmd n1 127.0.0.1)"
  tmux set-option -t "$session" remain-on-exit on >/dev/null
  n1=$(tmux display-message -p -t "$session" '#{pane_id}')
  n2=$(tmux split-window -t "$n1" -h -P -F '#{pane_id}' "$(cnode_cmd n2 127.0.0.2)")
  n3=$(tmux split-window -t "$n2" -h -P -F '#{pane_id}' "$(cnode_cmd n3 127.0.0.3)")
  # The cluster's equivalent of inspect: membership as the nodes see it (joins, Up, unreachable, downed, removed).
  tmux split-window -t "$n1" -f -v -l 14 "echo \$\$ > $state/members.pid; exec tail -n +1 -F $state/n1.log $state/n2.log $state/n3.log | grep --line-buffered -E 'JOINING|to \\[Up\\]|UNREACHABLE|downing|removing|left the cluster|listening'"
  sleep 8
  tmux split-window -t "$n1" -v -l 60% "$(cclient_cmd alice 127.0.0.1 'join lobby' 'sleep 5000' 'tell carol hi carol, alice here on 127.0.0.1' 'say #lobby hello lobby' 'who')"
  tmux split-window -t "$n2" -v -l 60% "$(cclient_cmd bob 127.0.0.2 'sleep 2000' 'join #lobby' 'sleep 4000' 'say hello everyone, bob here on 127.0.0.2' 'rooms')"
  tmux split-window -t "$n3" -v -l 60% "$(cclient_cmd carol 127.0.0.3 'sleep 3000' 'join lobby' 'sleep 4000' 'tell alice hi alice, carol here on 127.0.0.3' 'calc 6 * 7' 'who')"
  echo "cluster demo running in tmux session '$session' (nodes 127.0.0.1/.2/.3 on port $port)."
  echo "try: kill -9 \$(cat $state/n3.pid) and watch the membership pane; stop it all with: $stop_hint"
  if [ -t 1 ] && [ -z "${TMUX:-}" ]; then exec tmux attach -t "$session"; fi
  echo "attach with: tmux attach -t $session"
  exit 0
fi

# Both nodes share a throwaway data directory (accounts, history), removed by `./demo.sh stop`.
data="$(mktemp -d -t switchboard-demo-data.XXXXXX)"
echo "$data" > "$state/data.dir"
echo "$segment" > "$state/segment"
# Layout: the two nodes' logs on top, a client under each (bob beside alice), inspect full width below.
tmux new-session -d -s "$session" -x 200 -y 60 -n demo "$(node_cmd nodeA "$port_a")"
tmux set-option -t "$session" remain-on-exit on >/dev/null
node_a=$(tmux display-message -p -t "$session" '#{pane_id}')
# Node A, where alice and bob are, keeps the history (the first node to take the directory's history.lock writes
# history.keeper): node B starts once it has, else the two raced for it and alice's `history #lobby` could be 503.
for _ in $(seq 1 300); do [ -s "$data/history.keeper" ] && break; sleep 0.1; done
node_b=$(tmux split-window -t "$node_a" -h -P -F '#{pane_id}' "$(node_cmd nodeB "$port_b")")
sleep 3
tmux split-window -t "$node_a" -f -v -l 24 "echo \$\$ > $state/inspect.pid; exec dotnet $bin inspect --segment $segment --watch"
alice=$(tmux split-window -t "$node_a" -v -l 60% -P -F '#{pane_id}' "$(client_cmd alice "$port_a" 'join lobby' 'sleep 4000' \
  'tell carol hi carol, alice here on node A' 'sleep 1500' 'say #lobby hello lobby' 'who')")
tmux split-window -t "$alice" -h "$(client_cmd bob "$port_a" 'sleep 1500' 'join #lobby' 'sleep 4500' \
  'say hello everyone, bob here' 'rooms')"
tmux split-window -t "$node_b" -v -l 60% "$(client_cmd carol "$port_b" 'sleep 2500' 'join lobby' 'sleep 3500' \
  'tell alice hi alice, carol here on node B' 'calc 6 * 7' 'prime 2305843009213693951')"
echo "demo running in tmux session '$session' (nodes on $port_a and $port_b, segment $segment)."
echo "stop it with: $stop_hint"
if [ -t 1 ] && [ -z "${TMUX:-}" ]; then exec tmux attach -t "$session"; fi
echo "attach with: tmux attach -t $session"

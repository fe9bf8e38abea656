#!/usr/bin/env bash
# Multi-node local demo: two server nodes sharing one segment, three clients (alice and bob on node A,
# carol on node B) running a short scripted exchange, and `inspect --watch`, in one tmux session.
#   ./demo.sh          build, start, attach (detach with Ctrl-b d; the demo keeps running)
#                      (a tmux server of its own, socket switchboard-demo: your tmux sessions are not touched;
#                      attach again with: tmux -L switchboard-demo attach -t switchboard-demo)
#   ./demo.sh stop     stop every process of the demo and remove its segment and data directory
#   ./demo.sh cluster  three cluster-mode nodes on 127.0.0.1/.2/.3 (no segment), clients on each, membership pane
#                      (stop it with ./demo.sh stop too; DEMO_CLUSTER_PORT, 4553, picks the port of all three)
#   ./demo.sh restart NODE  start a node of the running demo again in its own pane, with the command it first ran
#                      (after kill -9 $(cat .demo/switchboard-demo/n3.pid): n1 n2 n3 in cluster mode, nodeA nodeB else)
# The nodes listen on the first free ports from 4053 (4053 and 4054 when free); DEMO_PORT_A/DEMO_PORT_B pick them
# (refused when taken), DEMO_SESSION and DEMO_SEGMENT (switchboard-demo) another session and segment, DEMO_TMUX_SOCKET
# (switchboard-demo) another tmux server.
# Each client pane stays open after its script: type more commands there (e.g. "tell carol hi", "who").
# The nodes keep accounts and history in a throwaway --data directory (mktemp -d), never in your own.
set -euo pipefail
cd "$(dirname "$0")"
session="${DEMO_SESSION:-switchboard-demo}"
segment="${DEMO_SEGMENT:-switchboard-demo}"
socket="${DEMO_TMUX_SOCKET:-switchboard-demo}"
state=".demo/$session"
# The demo's own tmux server (tmux -L): its sessions, options and kill-session never reach the user's.
tm() { tmux -L "$socket" "$@"; }
# The stop command for this demo: `stop` needs the session, segment and tmux socket it was started with.
stop_hint="./demo.sh stop"
[ -n "${DEMO_SEGMENT:-}" ] && stop_hint="DEMO_SEGMENT=$segment $stop_hint"
[ -n "${DEMO_SESSION:-}" ] && stop_hint="DEMO_SESSION=$session $stop_hint"
[ -n "${DEMO_TMUX_SOCKET:-}" ] && stop_hint="DEMO_TMUX_SOCKET=$socket $stop_hint"
attach_cmd="tmux -L $socket attach -t $session"

# Something listens on HOST:PORT (the server refuses such a port too).
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
# A port given (VAR=PORT) must be free: a clear refusal before anything is built or started.
given_port() { # variable host port
  if ! [[ "$3" =~ ^[0-9]{1,5}$ ]] || (( 10#$3 < 1 || 10#$3 > 65535 )); then
    echo "demo.sh: $1 must be a port number from 1 to 65535 (got '$3')" >&2; exit 2
  fi
  if listening "$2" "$3"; then
    echo "demo.sh: port $3 ($1) is taken on $2; give another: $1=PORT ./demo.sh${mode_arg:+ $mode_arg}" >&2; exit 1
  fi
}
# The first port from $1 up with nothing listening on it, and not $2 (the other node's).
free_port() { # from not
  local p
  for (( p = $1; p < $1 + 100; p++ )); do
    [ "$p" = "${2:-}" ] || listening 127.0.0.1 "$p" || { echo "$p"; return 0; }
  done
  echo "demo.sh: no free port from $1 to $(($1 + 99)); give DEMO_PORT_A and DEMO_PORT_B" >&2; exit 1
}
bin=ActorServer/bin/Release/net10.0/ActorServer.dll
client=ActorClient/bin/Release/net10.0/ActorClient.dll

stop() {
  local found=""
  tm kill-session -t "$session" 2>/dev/null && found=1
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
  # Clean shutdowns remove the segment; this covers a node that had to be killed, which leaves its three files.
  local removed="" seg f
  if [ -f "$state/segment" ]; then
    seg="/dev/shm/$(cat "$state/segment")"
    for f in "$seg" "$seg.lock" "$seg.key"; do
      [ -e "$f" ] && rm -f "$f" && removed="; segment removed"
    done
  fi
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

# A node of the running demo that was killed starts again in its pane (tmux runs the pane's first command again: the
# same host, port, seeds and secret, or segment and data directory), so a cluster node's rejoin can be watched.
restart() { # node
  local node="${1:-}" pane pid
  if ! [[ "$node" =~ ^(n1|n2|n3|nodeA|nodeB)$ ]]; then
    echo "demo.sh: restart which node? n1, n2 or n3 (cluster), nodeA or nodeB" >&2; exit 2
  fi
  if ! tm has-session -t "$session" 2>/dev/null || [ ! -f "$state/$node.pane" ]; then
    echo "demo.sh: no demo '$session' with a node $node is running here" >&2; exit 1
  fi
  if [ -f "$state/$node.pid" ] && pid=$(cat "$state/$node.pid") && kill -0 "$pid" 2>/dev/null; then
    echo "demo.sh: $node is still running (pid $pid); stop it first, e.g. kill -9 $pid" >&2; exit 1
  fi
  pane=$(cat "$state/$node.pane")
  tm respawn-pane -c "$PWD" -t "$pane"
  echo "$node started again in its pane ($pane)"
}

# The usage is the header above. Anything but these is a mistake, answered before anything is built or started:
# ./demo.sh --help started the whole demo.
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
case "${1:-}" in
  ""|cluster|stop|restart) ;;
  -h|--help) usage; exit 0 ;;
  *) echo "demo.sh: unknown command '$1' (./demo.sh [cluster | stop | restart NODE])" >&2; exit 2 ;;
esac
if [ "${1:-}" = "stop" ]; then stop; exit 0; fi
if [ "${1:-}" = "restart" ]; then restart "${2:-}"; exit 0; fi
mode="${1:-segment}" mode_arg="${1:-}"
command -v tmux >/dev/null || { echo "the demo needs tmux (apt-get install tmux)"; exit 1; }
if tm has-session -t "$session" 2>/dev/null; then
  echo "the demo is already running: $attach_cmd   (or $stop_hint)"; exit 1
fi
# The ports, before anything is built: a node refused its port would leave its pane dead and the clients waiting.
if [ "$mode" = "cluster" ]; then
  port="${DEMO_CLUSTER_PORT:-4553}"
  for host in 127.0.0.1 127.0.0.2 127.0.0.3; do
    given_port DEMO_CLUSTER_PORT "$host" "$port"
    [[ "$port" =~ ^[0-9]+$ ]] && (( port < 65535 )) && given_port "DEMO_CLUSTER_PORT (its cluster port, +1)" "$host" "$((port + 1))"
  done
else
  if [ -n "${DEMO_PORT_A:-}" ]; then given_port DEMO_PORT_A 127.0.0.1 "$DEMO_PORT_A"; port_a="$((10#$DEMO_PORT_A))"; else port_a=""; fi
  if [ -n "${DEMO_PORT_B:-}" ]; then given_port DEMO_PORT_B 127.0.0.1 "$DEMO_PORT_B"; port_b="$((10#$DEMO_PORT_B))"; else port_b=""; fi
  [ -n "$port_a" ] || port_a="$(free_port 4053 "$port_b")"
  [ -n "$port_b" ] || port_b="$(free_port $((port_a + 1)) "$port_a")"
  if [ "$port_a" = "$port_b" ]; then echo "demo.sh: DEMO_PORT_A and DEMO_PORT_B are both $port_a; give two ports" >&2; exit 2; fi
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
  seeds="127.0.0.1:$((port + 1)),127.0.0.2:$((port + 1))"   # the nodes' cluster ports (--port + 1)
  # The nodes sign what they send each other with a secret they share.
  (umask 077; head -c 32 /dev/urandom | base64 > "$state/cluster.secret")
  cnode_cmd() { # name host: the node's output goes to its pane and to a file the membership pane follows (both
    # streams: its log is on stderr, its "listening on" line on stdout)
    echo "echo \$\$ > $state/$1.pid; exec dotnet $bin --cluster --host $2 --port $port --seeds $seeds --cluster-secret-file $state/cluster.secret > >(tee -a $state/$1.log) 2> >(tee -a $state/$1.log >&2)"
  }
  cclient_cmd() { # name host script...
    local name=$1 host=$2; shift 2
    printf '%s\n' "$@" > "$state/$name.script"
    echo "echo \$\$ > $state/$name.pid; exec dotnet $client $name --server $host:$port,127.0.0.1:$port < <(cat $state/$name.script; cat)"
  }
  touch "$state/n1.log" "$state/n2.log" "$state/n3.log"
  tm new-session -d -s "$session" -x 220 -y 60 -n cluster "$(cnode_cmd n1 127.0.0.1)"
  tm set-option -t "$session" remain-on-exit on >/dev/null
  n1=$(tm display-message -p -t "$session" '#{pane_id}')
  n2=$(tm split-window -t "$n1" -h -P -F '#{pane_id}' "$(cnode_cmd n2 127.0.0.2)")
  n3=$(tm split-window -t "$n2" -h -P -F '#{pane_id}' "$(cnode_cmd n3 127.0.0.3)")
  echo "$n1" > "$state/n1.pane"; echo "$n2" > "$state/n2.pane"; echo "$n3" > "$state/n3.pane"   # for ./demo.sh restart
  # The cluster's equivalent of inspect: membership as the nodes see it (joins, Up, unreachable, downed, removed).
  tm split-window -t "$n1" -f -v -l 14 "echo \$\$ > $state/members.pid; exec tail -n +1 -F $state/n1.log $state/n2.log $state/n3.log | grep --line-buffered -E 'JOINING|to \\[Up\\]|UNREACHABLE|downing|removing|left the cluster|listening'"
  sleep 8
  tm split-window -t "$n1" -v -l 60% "$(cclient_cmd alice 127.0.0.1 'join lobby' 'sleep 5000' 'tell carol hi carol, alice here on 127.0.0.1' 'say #lobby hello lobby' 'who')"
  tm split-window -t "$n2" -v -l 60% "$(cclient_cmd bob 127.0.0.2 'sleep 2000' 'join #lobby' 'sleep 4000' 'say hello everyone, bob here on 127.0.0.2' 'rooms')"
  tm split-window -t "$n3" -v -l 60% "$(cclient_cmd carol 127.0.0.3 'sleep 3000' 'join lobby' 'sleep 4000' 'tell alice hi alice, carol here on 127.0.0.3' 'calc 6 * 7' 'who')"
  echo "cluster demo running in tmux session '$session' of the demo's own tmux server (tmux -L $socket), nodes 127.0.0.1/.2/.3 on port $port."
  echo "try: kill -9 \$(cat $state/n3.pid) and watch the membership pane, then ${stop_hint% stop} restart n3 (it rejoins); stop it all with: $stop_hint"
  if [ -t 1 ] && [ -z "${TMUX:-}" ]; then exec tmux -L "$socket" attach -t "$session"; fi
  echo "attach with: $attach_cmd"
  exit 0
fi

# Both nodes share a throwaway data directory (accounts, history), removed by `./demo.sh stop`.
data="$(mktemp -d -t switchboard-demo-data.XXXXXX)"
echo "$data" > "$state/data.dir"
echo "$segment" > "$state/segment"
# Layout: the two nodes' logs on top, a client under each (bob beside alice), inspect full width below.
tm new-session -d -s "$session" -x 200 -y 60 -n demo "$(node_cmd nodeA "$port_a")"
tm set-option -t "$session" remain-on-exit on >/dev/null
node_a=$(tm display-message -p -t "$session" '#{pane_id}')
# Node A, where alice and bob are, keeps the history (the first node to take the directory's history.lock writes
# history.keeper): node B starts once it has, else the two raced for it and alice's `history #lobby` could be 503.
for _ in $(seq 1 300); do [ -s "$data/history.keeper" ] && break; sleep 0.1; done
node_b=$(tm split-window -t "$node_a" -h -P -F '#{pane_id}' "$(node_cmd nodeB "$port_b")")
echo "$node_a" > "$state/nodeA.pane"; echo "$node_b" > "$state/nodeB.pane"   # for ./demo.sh restart
sleep 3
tm split-window -t "$node_a" -f -v -l 24 "echo \$\$ > $state/inspect.pid; exec dotnet $bin inspect --segment $segment --watch"
alice=$(tm split-window -t "$node_a" -v -l 60% -P -F '#{pane_id}' "$(client_cmd alice "$port_a" 'join lobby' 'sleep 4000' \
  'tell carol hi carol, alice here on node A' 'sleep 1500' 'say #lobby hello lobby' 'who')")
tm split-window -t "$alice" -h "$(client_cmd bob "$port_a" 'sleep 1500' 'join #lobby' 'sleep 4500' \
  'say hello everyone, bob here' 'rooms')"
tm split-window -t "$node_b" -v -l 60% "$(client_cmd carol "$port_b" 'sleep 2500' 'join lobby' 'sleep 3500' \
  'tell alice hi alice, carol here on node B' 'calc 6 * 7' 'prime 2305843009213693951')"
echo "demo running in tmux session '$session' of the demo's own tmux server (tmux -L $socket), nodes on $port_a and $port_b, segment $segment."
echo "stop it with: $stop_hint"
if [ -t 1 ] && [ -z "${TMUX:-}" ]; then exec tmux -L "$socket" attach -t "$session"; fi
echo "attach with: $attach_cmd"

# Sourced by bench/api_wrk.sh and bench/api_rate.sh: a scratch directory ($work, removed on exit),
# `toq-media serve` started and stopped in it, and the usage of a measured row: the server's CPU
# seconds and context switches (all its threads) and the CPU seconds of the sourcing script's
# finished children (the load client: it shares the cores).
# prepare_data BINARY LISTINGS: a fresh data dir ($data) prepared by bench/refs/api_setup.py with
# LISTINGS listings for the create route, then the server started on it with its workers off
# ($server, $port, $base).

work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# start_server BINARY DATA_DIR WORKERS: sets $server and $port.
start_server() {
  : >"$2/serve.log"
  TOQ_MEDIA_PROCESSING_START_WORKERS="$3" "$1" serve --data-dir "$2" \
    --listen 127.0.0.1:0 2>>"$2/serve.log" &
  server=$!
  port=""
  for _ in $(seq 1 300); do
    port="$(grep -o '"port":[0-9]*' "$2/serve.log" | head -1 | cut -d: -f2 || true)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "serve did not start: $(cat "$2/serve.log")" >&2; exit 1; }
}

stop_server() {
  kill -TERM "$server"
  wait "$server" 2>/dev/null || true
  server=""
}

# CPU seconds (user + system) the server has used so far.
server_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server/stat"
}

# Context switches (voluntary and not) of the server's threads so far.
server_switches() {
  cat /proc/"$server"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n }'
}

# Sets $children: the CPU seconds of this script's finished children (wrk and the small tools; the
# server is reaped only when it stops). `times` runs in this shell: a subshell's count starts at 0.
children_cpu() {
  times >"$work/times"
  children="$(tail -1 "$work/times" | awk '{ split($1, u, "m"); split($2, s, "m");
    printf "%.2f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')"
}

# Before a row: the server's CPU seconds and context switches, wrk's CPU seconds.
mark_usage() {
  before="$(server_cpu)" switches="$(server_switches)"
  children_cpu
  wrk_cpu="$children"
}

# After a row: what it used since mark_usage.
report_usage() {
  children_cpu
  local cpu
  cpu="$(awk -v a="$before" -v b="$(server_cpu)" 'BEGIN { printf "%.2f", b - a }')"
  echo "   server CPU s: $cpu, server context switches: $(($(server_switches) - switches))," \
    "${client:-wrk} CPU s: $(awk -v a="$wrk_cpu" -v b="$children" 'BEGIN { printf "%.2f", b - a }')"
}

prepare_data() {
  data="$work/var-$RANDOM"
  mkdir -p "$data"
  start_server "$1" "$data" true
  python3 "$root/bench/refs/api_setup.py" "$1" "$data" "$port" "$data/wrk" \
    --listings "$2" --photos 20
  stop_server
  start_server "$1" "$data" false
  base="http://127.0.0.1:$port"
}

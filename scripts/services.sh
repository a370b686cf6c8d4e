#!/usr/bin/env bash
# Local backing services for toq-media: a production-like stack on one machine, for the tests and
# for a person on a laptop.
#
#   scripts/services.sh start DIR [SERVICE...]   start the services (default: mariadb s3), each on a
#                                                free loopback port with its data under DIR/SERVICE,
#                                                wait until each answers, and write DIR/env.sh
#   scripts/services.sh stop DIR [SERVICE...]    stop exactly what `start DIR` started, or only the
#                                                named services (data is kept: `start` again resumes
#                                                them on the same port)
#   scripts/services.sh restart DIR SERVICE      stop one service and start it again on the same
#                                                port and data (the tests' "server restarted")
#   scripts/services.sh env DIR                  print DIR/env.sh
#
# Services:
#   mariadb  mariadbd from Debian's mariadb-server (installed when missing, as root), with an
#            empty database `toq_media` in utf8mb4 and a user `toq` with a generated password who
#            may create databases named toq_* (tests make one per test)
#   s3       s3rver (npm, pinned in tests/s3/package-lock.json) through scripts/start-s3rver.sh,
#            bucket `toq-test`, path-style
#   aws      the offline rehearsal of the AWS path (deploy/aws/local, Node 22 from deploy/aws's
#            lockfile): a Step Functions endpoint running the repository's state machine with its
#            Lambda tasks on the real `toq-media lambda` (through a Lambda Runtime API server) and
#            its ECS tasks as `toq-media task`, plus the SQS start queue; needs s3 started first.
#            The executable is $TOQ_MEDIA_BINARY, else build/release's, else build/ci's.
#            TOQ_REHEARSAL_FAST_RETRIES=1 makes every Retry interval 0 (tests).
#
# Each service runs under scripts/service-guard.py: in a process group of its own, with its pidfile
# DIR/SERVICE/pid naming the guard ("PID STARTTIME"); `stop` signals that group only after checking
# the pid still is that guard, so a stale pidfile never hits another process (colleagues run their
# own MariaDB and s3rver on this machine). `start` first stops a stale instance the same way.
# TOQ_SERVICES_OWNER_PID=PID ties the services started to process PID: when it exits, however it
# exits (a ctest run killed on timeout or by Ctrl-C, a test process killed by ctest), the guards
# stop them. The CTest fixtures pass ctest's pid; a test that starts services passes its own.
#
# `. DIR/env.sh` then makes `toq-media serve` / `toq-media worker` use them (TOQ_MEDIA_DATABASE_*,
# TOQ_MEDIA_STORAGE_*; with aws, TOQ_MEDIA_PROCESSING_MODE=aws, TOQ_MEDIA_AWS_* and the
# TOQ_MEDIA_SERVER_LISTEN the rehearsal's report function calls back). Runs as root or as a
# normal user (mariadbd then runs as that user).
#
# Adding a service NAME: write svc_NAME_start DIR (start it, wait until it answers, write
# DIR/NAME/env with its `export` lines), svc_NAME_stop DIR and, when it can restart in place,
# svc_NAME_restart DIR; then add NAME to kServices. Nothing else changes: start/stop/env iterate
# over the services named in DIR/services.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kServices=(mariadb s3 aws)
kDefault=(mariadb s3)

die() {
  echo "services: $*" >&2
  exit 1
}

# A free TCP port on 127.0.0.1 (the kernel's pick; the service binds it right after).
free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# alive, guarded, stop_pid, guard_alive, $py: the guard's side, shared with start-s3rver.sh.
guard_grace=60
# shellcheck source=scripts/guarded.sh
. "$root/scripts/guarded.sh"

# ---------------------------------------------------------------- mariadb

mariadb_install() {
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || {
    if [ "$(id -u)" -ne 0 ]; then
      die "mariadb-server is not installed; run: sudo apt-get install -y --no-install-recommends mariadb-server"
    fi
    echo "services: installing mariadb-server (Debian)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      mariadb-server mariadb-client >&2
  }
}

mariadb_bin() {
  if command -v mariadbd >/dev/null 2>&1; then command -v mariadbd; else echo /usr/sbin/mariadbd; fi
}

# The server's own arguments: everything on the command line (--no-defaults: no system my.cnf),
# loopback only, a small buffer pool; the private socket is mariadb_launch's.
mariadb_args() {
  local d="$1"
  local args=(--no-defaults "--datadir=$d/data"
    "--port=$(cat "$d/port")" --bind-address=127.0.0.1 "--pid-file=$d/mariadbd.pid"
    "--log-error=$d/error.log" --skip-name-resolve --skip-log-bin
    --innodb-buffer-pool-size=64M --max-connections=400
    --character-set-server=utf8mb4 --collation-server=utf8mb4_bin)
  [ "$(id -u)" -eq 0 ] && args+=(--user=root)
  printf '%s\n' "${args[@]}"
}

mariadb_client() {  # mariadb_client DIR ARGS...: the server's root account over its socket
  local d="$1"
  shift
  mariadb --no-defaults "--socket=$(cat "$d/socket_path")" -uroot "$@"
}

# The socket's directory in /tmp, when the server has one there (see mariadb_launch).
kMariadbSocketPrefix=toq-mariadb-
mariadb_socket_dir() {
  local sock
  sock="$(cat "$1/socket_path" 2>/dev/null)" || return 1
  case "$sock" in "/tmp/$kMariadbSocketPrefix"*/mariadbd.sock) echo "${sock%/mariadbd.sock}" ;; *) return 1 ;; esac
}

# Removes the socket's directory in /tmp of the server of D once that server no longer runs (one
# that records no owner is left to remove_dead_run_dirs).
mariadb_remove_socket_dir() {
  local sock_dir
  sock_dir="$(mariadb_socket_dir "$1")" || return 0
  owner_of "${sock_dir##*/}" "$kMariadbSocketPrefix" > /dev/null || return 0
  owner_runs "${sock_dir##*/}" "$kMariadbSocketPrefix" || rm -rf "$sock_dir"
}

# A Unix socket path must stay under 108 bytes: when D's is longer, the socket goes in a directory
# of /tmp made at each launch by the guard's child just before it becomes mariadbd (exec keeps its
# pid and start time), so the directory is named after the server itself (owned_temp_dir). `stop`
# removes it; a run killed before its cleanup leaves it to the next launch's sweep, which removes
# only those of servers that no longer run.
mariadb_launch() {
  local d="$1"
  local args
  mapfile -t args < <(mariadb_args "$d")
  : >> "$d/error.log"
  # A server left by an earlier run that was killed before its cleanup.
  stop_pid "$d/pid"
  mariadb_remove_socket_dir "$d"
  rm -f "$d/socket_path"
  local sock="$d/mariadbd.sock"
  if [ "${#sock}" -le 100 ]; then
    echo "$sock" > "$d/socket_path"
    guarded "$d/pid" "$d/error.log" "$(mariadb_bin)" "${args[@]}" "--socket=$sock"
  else
    remove_dead_run_dirs /tmp "$kMariadbSocketPrefix"
    # shellcheck disable=SC2016  # expanded by the child
    guarded "$d/pid" "$d/error.log" bash -c '
      . "$1" && sock="$(owned_temp_dir /tmp "$2" $$)/mariadbd.sock" || exit 1
      echo "$sock" > "$3/socket_path.tmp" && mv "$3/socket_path.tmp" "$3/socket_path" || exit 1
      shift 3
      exec "$@" "--socket=$sock"' \
      mariadb-launch "$root/scripts/guarded.sh" "$kMariadbSocketPrefix" "$d" \
      "$(mariadb_bin)" "${args[@]}"
  fi
  for _ in $(seq 1 600); do
    if [ -s "$d/socket_path" ] &&
      mariadb-admin --no-defaults "--socket=$(cat "$d/socket_path")" -uroot ping >/dev/null 2>&1; then
      return 0
    fi
    alive "$guard_pid" || break
    sleep 0.1
  done
  tail -n 30 "$d/error.log" >&2
  die "mariadbd did not answer within 60 s (log: $d/error.log)"
}

svc_mariadb_start() {
  local dir="$1" d="$1/mariadb"
  mariadb_install
  mkdir -p "$d"
  if [ ! -d "$d/data/mysql" ]; then
    echo "services: initialising MariaDB in $d/data" >&2
    local user_arg=()
    [ "$(id -u)" -eq 0 ] && user_arg=(--user=root)
    mariadb-install-db --no-defaults "--datadir=$d/data" "${user_arg[@]}" \
      --auth-root-authentication-method=normal --skip-test-db > "$d/install.log" 2>&1 \
      || { tail -n 30 "$d/install.log" >&2; die "mariadb-install-db failed (log: $d/install.log)"; }
    free_port > "$d/port"
    mariadb_launch "$d"
    local password
    password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-20)"
    echo "$password" > "$d/password"
    chmod 600 "$d/password"
    mariadb_client "$d" <<SQL
CREATE DATABASE toq_media CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER 'toq'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER 'toq'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`toq\\_%\`.* TO 'toq'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`toq\\_%\`.* TO 'toq'@'localhost';
SQL
  else
    # Existing data: the same port and account as before.
    mariadb_launch "$d"
  fi
  cat > "$d/env" <<EOF
export TOQ_MEDIA_DATABASE_DRIVER='mysql'
export TOQ_MEDIA_DATABASE_MYSQL_HOST='127.0.0.1'
export TOQ_MEDIA_DATABASE_MYSQL_PORT='$(cat "$d/port")'
export TOQ_MEDIA_DATABASE_MYSQL_USER='toq'
export TOQ_MEDIA_DATABASE_MYSQL_PASSWORD='$(cat "$d/password")'
export TOQ_MEDIA_DATABASE_MYSQL_DATABASE='toq_media'
EOF
  echo "services: mariadb on 127.0.0.1:$(cat "$d/port") (socket $(cat "$d/socket_path"))" >&2
}

svc_mariadb_stop() {
  local d="$1/mariadb"
  if [ -f "$d/pid" ]; then
    if guard_alive "$d/pid"; then
      # A clean shutdown (InnoDB flushed) through the server's own command, then the pid.
      mariadb-admin --no-defaults "--socket=$(cat "$d/socket_path")" -uroot shutdown \
        >/dev/null 2>&1 || true
    fi
    stop_pid "$d/pid"
  fi
  mariadb_remove_socket_dir "$d"
}

svc_mariadb_restart() {
  svc_mariadb_stop "$1"
  mariadb_launch "$1/mariadb"
}

# ---------------------------------------------------------------- s3

svc_s3_start() {
  local dir="$1" d="$1/s3"
  mkdir -p "$d/tmp"
  # start-s3rver.sh installs s3rver from the lockfile when missing; its data dir goes under DIR.
  # 9>&-: the server it leaves running must not hold this script's lock.
  TMPDIR="$d/tmp" TOQ_REQUIRE_S3RVER=1 "$root/scripts/start-s3rver.sh" start "$d/state" >/dev/null 9>&- \
    || die "s3rver did not start (see $d/state)"
  local port
  port="$(cat "$d/state/port")"
  cat > "$d/env" <<EOF
export TOQ_MEDIA_STORAGE_DRIVER='s3'
export TOQ_MEDIA_STORAGE_S3_ENDPOINT='http://127.0.0.1:$port'
export TOQ_MEDIA_STORAGE_S3_BUCKET='toq-test'
export TOQ_MEDIA_STORAGE_S3_REGION='us-east-1'
export TOQ_MEDIA_STORAGE_S3_PATH_STYLE='true'
export TOQ_MEDIA_STORAGE_S3_ACCESS_KEY_ID='S3RVER'
export TOQ_MEDIA_STORAGE_S3_SECRET_ACCESS_KEY='S3RVER'
EOF
  echo "services: s3 (s3rver) on 127.0.0.1:$port, bucket toq-test" >&2
}

svc_s3_stop() {
  [ -d "$1/s3/state" ] || return 0
  "$root/scripts/start-s3rver.sh" stop "$1/s3/state" >/dev/null 2>&1 9>&- || true
}

# ---------------------------------------------------------------- aws (the offline rehearsal)

aws_binary() {
  local b
  for b in "${TOQ_MEDIA_BINARY:-}" "$root/build/release/src/app/toq-media" "$root/build/ci/src/app/toq-media"; do
    [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
  done
  die "no toq-media executable: build it (make build, or make run) or set TOQ_MEDIA_BINARY"
}

aws_launch() {
  local dir="$1" d="$1/aws" node
  node="$("$root/scripts/deploy-aws-deps.sh")" || die "cannot install deploy/aws's npm packages"
  rm -f "$d/port"
  : >> "$d/rehearsal.log"
  stop_pid "$d/pid"
  # Its Lambda functions and ECS tasks (child processes) run in the guard's group too.
  guarded "$d/pid" "$d/rehearsal.log" env -C "$root/deploy/aws" \
    REHEARSAL_DIR="$d" REHEARSAL_PORT="$(cat "$d/sfn_port")" \
    TOQ_MEDIA_BINARY="$(cat "$d/binary")" REHEARSAL_TASK_ENV="$d/task.env" \
    REHEARSAL_STATE_MACHINE_ARN="$(cat "$d/state_machine_arn")" \
    REHEARSAL_ACCESS_KEY_ID=S3RVER REHEARSAL_SECRET_ACCESS_KEY=S3RVER \
    REHEARSAL_FAST_RETRIES="${TOQ_REHEARSAL_FAST_RETRIES:-0}" \
    REHEARSAL_CONCURRENCY="${TOQ_REHEARSAL_CONCURRENCY:-2}" \
    "$node" --import tsx local/main.ts
  for _ in $(seq 1 600); do
    if [ -s "$d/port" ] && curl -fsS "http://127.0.0.1:$(cat "$d/port")/_rehearsal/state" >/dev/null 2>&1; then
      return 0
    fi
    alive "$guard_pid" || break
    sleep 0.1
  done
  tail -n 30 "$d/rehearsal.log" >&2
  die "the AWS rehearsal did not answer within 60 s (log: $d/rehearsal.log)"
}

svc_aws_start() {
  local dir="$1" d="$1/aws"
  [ -f "$dir/s3/env" ] || die "aws needs s3: scripts/services.sh start DIR s3 aws (or mariadb s3 aws)"
  mkdir -p "$d/tasks"
  aws_binary > "$d/binary"
  [ -f "$d/sfn_port" ] || free_port > "$d/sfn_port"
  [ -f "$d/serve_port" ] || free_port > "$d/serve_port"
  if [ ! -f "$d/callback_secret" ]; then
    head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$d/callback_secret"
    chmod 600 "$d/callback_secret"
  fi
  echo "arn:aws:states:us-east-1:123456789012:stateMachine:toq-media-batch" > "$d/state_machine_arn"
  local port serve arn secret
  port="$(cat "$d/sfn_port")"
  serve="$(cat "$d/serve_port")"
  arn="$(cat "$d/state_machine_arn")"
  secret="rehearsal-$(cat "$d/callback_secret")"
  # What Lambda and ECS would give the functions and tasks (the CDK app's environment).
  {
    cat "$dir/s3/env"
    echo "export TOQ_MEDIA_DATA_DIR='$d/tasks'"
    echo "export TOQ_MEDIA_AWS_CALLBACK_URL='http://127.0.0.1:$serve/api/v2/listings/media/callback'"
    echo "export TOQ_MEDIA_AWS_CALLBACK_SECRET='$secret'"
    echo "export TOQ_MEDIA_AWS_STATE_MACHINE_ARN='$arn'"
    echo "export TOQ_MEDIA_AWS_ENDPOINTS_STEP_FUNCTIONS='http://127.0.0.1:$port'"
  } > "$d/task.env"
  chmod 600 "$d/task.env"
  aws_launch "$dir"
  {
    echo "export TOQ_MEDIA_PROCESSING_MODE='aws'"
    echo "export TOQ_MEDIA_AWS_STATE_MACHINE_ARN='$arn'"
    echo "export TOQ_MEDIA_AWS_ENDPOINTS_STEP_FUNCTIONS='http://127.0.0.1:$port'"
    echo "export TOQ_MEDIA_AWS_ENDPOINTS_SQS='http://127.0.0.1:$port'"
    echo "export TOQ_MEDIA_AWS_START_QUEUE_URL='http://127.0.0.1:$port/123456789012/toq-media-start'"
    echo "export TOQ_MEDIA_AWS_START_DEAD_LETTER_QUEUE_URL='http://127.0.0.1:$port/123456789012/toq-media-start-dlq'"
    echo "export TOQ_MEDIA_AWS_CALLBACK_SECRET='$secret'"
    echo "export TOQ_MEDIA_SERVER_LISTEN='127.0.0.1:$serve'"
  } > "$d/env"
  echo "services: aws rehearsal (Step Functions, Lambda, ECS, SQS) on 127.0.0.1:$port; serve listens on 127.0.0.1:$serve" >&2
}

svc_aws_stop() {
  stop_pid "$1/aws/pid"
}

svc_aws_restart() {
  svc_aws_stop "$1"
  aws_launch "$1"
}

# ---------------------------------------------------------------- dispatch

known() {
  local s
  for s in "${kServices[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

svc_pidfile() {  # the pidfile of service NAME, relative to DIR
  case "$1" in
    s3) echo s3/state/pid ;;
    *) echo "$1/pid" ;;
  esac
}

write_env() {
  local dir="$1" s
  {
    echo "# Written by scripts/services.sh: \`. $dir/env.sh\` before toq-media serve / worker."
    while read -r s; do [ -f "$dir/$s/env" ] && cat "$dir/$s/env"; done < "$dir/services"
  } > "$dir/env.sh.tmp"
  chmod 600 "$dir/env.sh.tmp"
  mv "$dir/env.sh.tmp" "$dir/env.sh"
}

cmd_start() {
  local dir="$1"
  shift
  local wanted=("$@")
  [ ${#wanted[@]} -gt 0 ] || wanted=("${kDefault[@]}")
  local s
  for s in "${wanted[@]}"; do known "$s" || die "unknown service '$s' (known: ${kServices[*]})"; done
  : >> "$dir/services"
  for s in "${wanted[@]}"; do
    if grep -qx "$s" "$dir/services"; then
      if guard_alive "$dir/$(svc_pidfile "$s")"; then
        echo "services: $s already started in $dir" >&2
        continue
      fi
      # Listed but not running: its run was killed. Start it again.
      sed -i "/^$s\$/d" "$dir/services"
    fi
    "svc_${s}_start" "$dir"
    echo "$s" >> "$dir/services"
    write_env "$dir"
  done
  write_env "$dir"
  echo "services: ready; environment in $dir/env.sh" >&2
}

cmd_stop() {
  local dir="$1" s
  shift
  if [ $# -gt 0 ]; then
    for s in "$@"; do
      known "$s" || die "unknown service '$s'"
      "svc_${s}_stop" "$dir"
      [ -f "$dir/services" ] && sed -i "/^$s\$/d" "$dir/services"
    done
    return 0
  fi
  # Every known service, in reverse order: also one this DIR's run was killed while starting
  # (launched, not yet listed in DIR/services). Each stop does nothing without a pidfile.
  for ((i = ${#kServices[@]} - 1; i >= 0; i--)); do "svc_${kServices[i]}_stop" "$dir"; done
  rm -f "$dir/services" "$dir/env.sh"
}

cmd_restart() {
  local dir="$1" s="$2"
  grep -qx "$s" "$dir/services" 2>/dev/null || die "$s is not started in $dir"
  declare -F "svc_${s}_restart" >/dev/null || die "$s cannot restart in place"
  "svc_${s}_restart" "$dir"
}

action="${1:-}"
dir="${2:-}"
[ -n "$action" ] && [ -n "$dir" ] || {
  echo "usage: $0 start DIR [${kServices[*]}] | stop DIR [SERVICE...] | restart DIR SERVICE | env DIR" >&2
  exit 2
}
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
# One command at a time per DIR (parallel ctest fixtures, two shells).
exec 9>"$dir/.lock"
flock 9
shift 2
case "$action" in
  start) cmd_start "$dir" "$@" ;;
  stop) cmd_stop "$dir" "$@" ;;
  restart) [ $# -eq 1 ] || die "restart DIR SERVICE"; cmd_restart "$dir" "$1" ;;
  env) cat "$dir/env.sh" ;;
  *) echo "usage: $0 start|stop|restart|env DIR ..." >&2; exit 2 ;;
esac

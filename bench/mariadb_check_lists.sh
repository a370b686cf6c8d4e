#!/usr/bin/env bash
# What the assets table's CHECKs cost MariaDB per row, IN lists (as src/adapter/mysql's schema
# writes them) against the same rules as = / OR chains, and no CHECK: N single-row INSERTs in one
# transaction inside a server-side procedure (no client round trips), the three tables in turn
# (each first in one round of three), ROUNDS rounds. Prints the server's CPU per row (mariadbd's
# utime + stime over the call) and the call's wall time per row. SQLite builds a temporary b-tree
# per row for an IN list of more than two values (adapter/sqlite/migrations.cpp, migration 9);
# this checks whether MariaDB pays anything like it.
#
#   bench/mariadb_check_lists.sh [DIR]     DIR: the services' dir (default: a temp dir, removed)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${N:-100000}" rounds="${ROUNDS:-6}"
svc="${1:-$(mktemp -d)}"
[ $# -gt 0 ] || trap 'rm -rf "$svc"' EXIT
export TOQ_SERVICES_OWNER_PID=$$
"$root/scripts/services.sh" start "$svc" mariadb >/dev/null
# shellcheck disable=SC1091
. "$svc"/env.sh
q() { mariadb -h 127.0.0.1 -P "$TOQ_MEDIA_DATABASE_MYSQL_PORT" -u toq -p"$TOQ_MEDIA_DATABASE_MYSQL_PASSWORD" toq_media -N -e "$1"; }
cols="id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, media_type VARCHAR(32) NOT NULL, status VARCHAR(16) NOT NULL, hdr TINYINT NOT NULL DEFAULT 0, has_audio TINYINT NOT NULL DEFAULT 0"
q "DROP TABLE IF EXISTS t_in, t_or, t_none;
CREATE TABLE t_in ($cols,
  CONSTRAINT c1 CHECK (media_type IN ('PHOTO_VERTICAL', 'PHOTO_HORIZONTAL', 'VIDEO_VERTICAL', 'VIDEO_HORIZONTAL', 'PROJECT_DOC', 'PROJECT_RENDER')),
  CONSTRAINT c2 CHECK (status IN ('PENDING_UPLOAD', 'UPLOADED', 'PROCESSING', 'READY', 'FAILED')),
  CONSTRAINT c3 CHECK (hdr IN (0, 1)), CONSTRAINT c4 CHECK (has_audio IN (0, 1))) ENGINE=InnoDB;
CREATE TABLE t_or ($cols,
  CONSTRAINT d1 CHECK (media_type = 'PHOTO_VERTICAL' OR media_type = 'PHOTO_HORIZONTAL' OR media_type = 'VIDEO_VERTICAL' OR media_type = 'VIDEO_HORIZONTAL' OR media_type = 'PROJECT_DOC' OR media_type = 'PROJECT_RENDER'),
  CONSTRAINT d2 CHECK (status = 'PENDING_UPLOAD' OR status = 'UPLOADED' OR status = 'PROCESSING' OR status = 'READY' OR status = 'FAILED'),
  CONSTRAINT d3 CHECK (hdr BETWEEN 0 AND 1), CONSTRAINT d4 CHECK (has_audio BETWEEN 0 AND 1)) ENGINE=InnoDB;
CREATE TABLE t_none ($cols) ENGINE=InnoDB;"
for t in t_in t_or t_none; do
  q "DROP PROCEDURE IF EXISTS fill_$t"
  printf '%s\n' 'DELIMITER //' "CREATE PROCEDURE fill_$t(n INT) BEGIN DECLARE i INT DEFAULT 0; START TRANSACTION; WHILE i < n DO INSERT INTO $t (media_type, status) VALUES ('PROJECT_RENDER', 'PENDING_UPLOAD'); SET i = i + 1; END WHILE; COMMIT; END //" | mariadb -h 127.0.0.1 -P "$TOQ_MEDIA_DATABASE_MYSQL_PORT" -u toq -p"$TOQ_MEDIA_DATABASE_MYSQL_PASSWORD" toq_media
done
q "CALL fill_t_in(1000); CALL fill_t_or(1000); CALL fill_t_none(1000)"  # warm-up
pid=$(cat "$svc"/mariadb/mariadbd.pid)
for r in $(seq 1 "$rounds"); do
  line="round $r (load $(cut -d' ' -f1 /proc/loadavg)):"
  order=(t_in t_or t_none)
  order=("${order[@]:$((r % 3))}" "${order[@]:0:$((r % 3))}")  # each table first in turn
  for t in "${order[@]}"; do
    q "TRUNCATE $t"
    c0=$(awk '{print $14+$15}' "/proc/$pid/stat"); s=$(date +%s%N)
    q "CALL fill_$t($n)"
    e=$(date +%s%N); c1=$(awk '{print $14+$15}' "/proc/$pid/stat")
    line+=" $t wall $(( (e - s) / n )) ns/row, server CPU $(( (c1 - c0) * 10000000 / n )) ns/row;"
  done
  echo "$line"
done
"$root/scripts/services.sh" stop "$svc" mariadb >/dev/null

#!/bin/bash
# Micro-benchmark of the per-account order check (jobs migrations V90 and V110), not part of ./mvnw verify:
#   1. the cost of its index at submission: 100,000 tasks inserted as an invitation job does
#      (20 e-mails x 5,000 accounts), with bulk_tasks_pending_by_account and without it;
#   2. the worker's per-batch check against the outcome update of the same batch, batch after batch
#      (1,000 tasks each) through a 100,000-task job, as the worker applies it.
# Needs the PostgreSQL server binaries (initdb, pg_ctl, psql) on the PATH; runs a scratch cluster on a
# free port in a temporary directory. Usage: bench/order-check.sh [rounds, default 4] [batches, default 60]
set -euo pipefail
ROUNDS=${1:-4}
BATCHES=${2:-60}
MIG=$(cd "$(dirname "$0")/../bulk-schema/src/main/resources/db/migration/jobs" && pwd)
B=$(mktemp -d)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
RUN=""
if [ "$(id -u)" = 0 ]; then RUN="runuser -u nobody --"; chown nobody "$B"; fi
$RUN initdb -D "$B/data" -U postgres >/dev/null 2>&1
$RUN pg_ctl -D "$B/data" -o "-p $PORT -k $B -c shared_buffers=256MB" -l "$B/pg.log" start >/dev/null
trap '$RUN pg_ctl -D "$B/data" stop -m fast >/dev/null; rm -rf "$B"' EXIT
PSQL="psql -h $B -p $PORT -U postgres -v ON_ERROR_STOP=1 -q"
$PSQL -c "CREATE SCHEMA jobs; CREATE SCHEMA directory;"
for f in $(ls "$MIG" | sort -t_ -k1.2 -n); do PGOPTIONS="-c search_path=jobs" $PSQL -f "$MIG/$f"; done
$PSQL -c "INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id, requested_by_email, total, pending)
          VALUES ('00000000-0000-0000-0000-000000000001', gen_random_uuid(), 'INVITE_USERS', 'QUEUED', gen_random_uuid(), 'a@b.c', 100000, 100000)"
submit() { # $1: account prefix digit
  echo "INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, email, action, role, language, expires_at)
     SELECT gen_random_uuid(), '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002',
            ('00000000-0000-0000-000$1-' || lpad(a::text, 12, '0'))::uuid, NULL, 'user' || e || '@x.test', 'INVITE',
            'ANALYST', 'en', now() + interval '7 days'
       FROM generate_series(1, 20) e CROSS JOIN generate_series(1, 5000) a ORDER BY e, a"
}
# The index as the migrations define it, to build it again after each round without it.
INDEX_DEF=$($PSQL -At -c "SELECT pg_get_indexdef('jobs.bulk_tasks_pending_by_account'::regclass)")
timed() {
  $PSQL -c "TRUNCATE jobs.bulk_tasks" -c "VACUUM jobs.bulk_tasks" -c "CHECKPOINT"
  local ms size
  ms=$($PSQL -c '\timing on' -c "$(submit 0)" | awk '/^Time/ {print $2}')
  size=$($PSQL -At -c "SELECT coalesce(pg_relation_size(to_regclass('jobs.bulk_tasks_pending_by_account')), 0)")
  echo "$1: $ms ms (the index after it: $size bytes)"
}
echo "== submitting 100,000 tasks"
for i in $(seq 1 "$ROUNDS"); do
  timed "with the index   "
  $PSQL -c "DROP INDEX jobs.bulk_tasks_pending_by_account"
  timed "without it       "
  $PSQL -c "$INDEX_DEF"
done
echo "== the worker's check and its outcome update, per batch of 1,000 (a 100,000-task job)"
$PSQL -c "TRUNCATE jobs.bulk_tasks" -c "$(submit 0)" -c "VACUUM ANALYZE jobs.bulk_tasks"
# The check as the worker runs it (TaskStore.EARLIER_PENDING).
cat > "$B/step.sql" <<'SQL'
SELECT array_agg(id)::text AS ids, array_agg(account_id)::text AS accts, array_agg(seq)::text AS seqs
  FROM (SELECT id, account_id, seq FROM jobs.bulk_tasks WHERE status = 'PENDING' ORDER BY seq LIMIT 1000) b \gset
\timing on
\echo check
SELECT e.id, e.account_id, e.seq
  FROM unnest(:'accts'::uuid[], :'seqs'::bigint[]) AS a(account_id, last_seq)
 CROSS JOIN LATERAL (
       SELECT t.id, t.account_id, t.seq FROM jobs.bulk_tasks t
        WHERE t.account_id = a.account_id AND t.status = 'PENDING' AND t.seq < a.last_seq
       OFFSET 0) e \g /dev/null
\echo release
SELECT jobs.release_deferred_tasks(:'accts'::uuid[], 10000) \g /dev/null
\echo outcome
UPDATE jobs.bulk_tasks t SET status = 'SUCCEEDED', attempts = t.attempts + 1, applied_at = now()
 WHERE t.id = ANY(:'ids'::uuid[]) AND t.status = 'PENDING';
SQL
for b in $(seq 1 "$BATCHES"); do
  $PSQL -f "$B/step.sql" | awk '/^Time/ { if (l != "") { print l, $2; l = "" } next } /^(check|release|outcome)$/ { l = $1 }'
done > "$B/steps.txt"
python3 - "$B/steps.txt" <<'PY'
import collections, statistics, sys
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, ms = line.split()
    times[name].append(float(ms))
for name in ("check", "release", "outcome"):
    v = times[name]
    print(f"{name:8s} batches={len(v)} min={min(v):.1f} ms median={statistics.median(v):.1f} ms total={sum(v):.0f} ms")
PY

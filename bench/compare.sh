#!/usr/bin/env bash
# compare.sh LABEL — the load tool's compare.sh for certsum's own database, optionally under the
# benchwriter's write load. It differs from the load tool's compare.sh in one way: the ceiling
# is started with -cert set to the certification the paths name, so that its page shapes
# answer 200 with the ceiling's page bodies rather than 404. (The ids of identity-summary.txt
# are certsum's, which the ceiling's dataset does not have: it answers those 404, with a body
# of the same size class as certsum's 200.) Everything else — pinning, interleaved rounds,
# warm-ups, ratios — is the load tool's own abab.sh and lib.sh.
#
# Env: CERTSUM (binary), DB (a `certsum demo --identities 100000` database), TOKEN_FILE
#      (bearer token of an ORG_ADMIN client), PATHS (from `go run ./bench/benchpaths`),
#      ADDR=127.0.0.1:8080, SERVE_FLAGS (extra `certsum serve` flags),
#      ADDR_B and SERVE_FLAGS_B to run a second certsum on the same database as a third target
#      ("certsum-b"; e.g. SERVE_FLAGS_B=--no-metrics to measure what the metrics cost),
#      WRITES=1 to run benchwriter (BENCHWRITER binary) for the whole run, BENCH_DIR (the
#      load tool's folder, which holds lib.sh, abab.sh and the ceiling server; it is not part
#      of certsum), and everything the load tool takes (ROUNDS, CEILING_ADDR, OUT, ...).
set -uo pipefail
label=${1:?usage: compare.sh LABEL}
: "${CERTSUM:?}" "${DB:?}" "${TOKEN_FILE:?}" "${PATHS:?}" "${ADDR:=127.0.0.1:8080}" "${SERVE_FLAGS:=}" "${WRITES:=0}"
if [[ -z ${BENCH_DIR:-} || ! -f $BENCH_DIR/lib.sh ]]; then
	echo "compare.sh: set BENCH_DIR to the load tool's folder (lib.sh, abab.sh, ceiling/); skipping" >&2
	exit 0
fi
source "$BENCH_DIR/lib.sh"
token=$(cat "$TOKEN_FILE")
cert=$(head -1 "$PATHS/decision-summary.txt" | cut -d/ -f3)
: "${CEILING_MODE:=static}" "${CEILING_ADDR:=127.0.0.1:18080}"
trap stop_started EXIT
trap 'exit 130' INT TERM
build_ceiling
logdir=$(mktemp -d "${TMPDIR:-/tmp}/certsum-compare.XXXXXX")
start_server "ceiling-$CEILING_MODE" "$logdir/ceiling.log" "$WORK_DIR/.bin/ceiling" -mode "$CEILING_MODE" -addr "$CEILING_ADDR" -token "$token" -cert "$cert"
# shellcheck disable=SC2086
start_server certsum "$logdir/certsum.log" "$CERTSUM" serve --db "$DB" --rate-limit 0 --addr "$ADDR" --token-ttl 24h $SERVE_FLAGS
targets=("ceiling-$CEILING_MODE=http://$CEILING_ADDR/v2024" "certsum=http://$ADDR/v2024")
if [[ -n ${ADDR_B:-} ]]; then
	# shellcheck disable=SC2086
	start_server certsum-b "$logdir/certsum-b.log" "$CERTSUM" serve --db "$DB" --rate-limit 0 --addr "$ADDR_B" --token-ttl 24h ${SERVE_FLAGS_B:-}
	wait_http "http://$ADDR_B" 120 || die "the second certsum did not start (log: $logdir)"
	targets+=("certsum-b=http://$ADDR_B/v2024")
fi
wait_http "http://$CEILING_ADDR" 60 || die "the ceiling did not start (log: $logdir)"
wait_http "http://$ADDR" 120 || die "certsum did not start (log: $logdir)"
echo "logs: $logdir" >&2
if [[ $WRITES == 1 ]]; then
	: "${BENCHWRITER:?}"
	# The writer reads its items through the review-item route, which loads the
	# certification's review items into memory; measure once that is done.
	$(pin_cmd "$WRK_CPU") "$BENCHWRITER" -base "http://$ADDR" -token-file "$TOKEN_FILE" -cert "$cert" \
		-duration 50m >"$logdir/writer.log" 2>&1 &
	STARTED_PIDS+=("$!")
	for _ in $(seq 1 600); do grep -q 'withItems=true' "$logdir/certsum.log" && break; sleep 1; done
fi
grep 'model built' "$logdir/certsum.log" >&2
LABEL="certsum-$label" "$BENCH_DIR/abab.sh" "$token" "$PATHS" "${targets[@]}"
if [[ $WRITES == 1 ]]; then
	kill -INT "${STARTED_PIDS[-1]}" 2>/dev/null
	sleep 1
	tail -2 "$logdir/writer.log" >&2
fi

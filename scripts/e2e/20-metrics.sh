#!/usr/bin/env bash
# 20-metrics: /metrics after real traffic passes `promtool check metrics`, is labelled by
# route template (never a raw path), counts the push and the bytes; a real Prometheus
# server scrapes feedserver and answers a query for one of its series; the example
# configuration and alerting rules in deploy/prometheus/ pass promtool.
source "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || fail "promtool missing: run scripts/install-tools (Debian package prometheus)"
command -v prometheus >/dev/null || fail "prometheus missing: run scripts/install-tools (Debian package prometheus)"

# --- the example configuration and rules ---------------------------------------------
deploy=$ROOT/deploy/prometheus
out=$(promtool check config "$deploy/prometheus.yml" 2>&1) || fail "promtool check config: $out"
out=$(promtool check rules "$deploy/alerts.yml" 2>&1) || fail "promtool check rules: $out"
out=$(cd "$deploy" && promtool test rules alerts_test.yml 2>&1) || fail "promtool test rules: $out"
pass "deploy/prometheus: config and rules check, rule unit tests pass"

# --- traffic --------------------------------------------------------------------------
start_server

pkg=$ROOT/fixtures/good/Fixture.Plain.1.0.0.nupkg
size=$(stat -c %s "$pkg")
assert_status 201 "$BASE_URL/api/v2/package" -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$pkg"
assert_status 200 "$BASE_URL/v3/package/fixture.plain/index.json"
assert_status 200 "$BASE_URL/v3/package/fixture.plain/1.0.0/fixture.plain.1.0.0.nupkg"
cmp -s "$pkg" "$E2E_TMP/last-body" || fail "downloaded package differs from the pushed one"
assert_status 404 "$BASE_URL/v3/package/does.not.exist/index.json"
assert_status 404 "$BASE_URL/no/such/route/Fixture.Plain"
pass "pushed, listed, downloaded, two 404s"

# --- scrape and check -----------------------------------------------------------------
curl -fsS "$BASE_URL/metrics" >"$E2E_TMP/metrics.txt" || fail "GET /metrics failed"
# promtool prints nothing and exits 0 when it has no complaint (linting included).
out=$(promtool check metrics <"$E2E_TMP/metrics.txt" 2>&1) || fail "promtool check metrics: $out"
[[ -z $out ]] || fail "promtool check metrics complained: $out"
pass "promtool check metrics: no complaints ($(grep -c '^# TYPE' "$E2E_TMP/metrics.txt") families)"

metrics=$(cat "$E2E_TMP/metrics.txt")
# value SERIES: the sample value of one exact series line (labels in exposition order).
value() { awk -v s="$1" '$1 == s { print $2 }' "$E2E_TMP/metrics.txt"; }

for want in \
	'feedserver_http_requests_total{code="201",method="PUT",route="/api/v2/package"} 1' \
	'feedserver_http_requests_total{code="200",method="GET",route="/v3/package/{id}/index.json"} 1' \
	'feedserver_http_requests_total{code="404",method="GET",route="/v3/package/{id}/index.json"} 1' \
	'feedserver_http_requests_total{code="200",method="GET",route="/v3/package/{id}/{version}/{file}"} 1' \
	'feedserver_http_requests_total{code="404",method="GET",route="unmatched"} 1' \
	'feedserver_pushes_total{outcome="created",protocol="nuget"} 1'; do
	assert_contains "$metrics" "$want" "/metrics"
done
pass "requests are labelled by route template; one push created"

# No label may carry a raw path: the ids and paths requested above must not appear.
if leaked=$(grep -iE 'fixture\.plain|does\.not\.exist|/no/such' "$E2E_TMP/metrics.txt"); then
	fail "raw paths leaked into labels: $leaked"
fi
# Every route label is a template or "unmatched": no segment that is not a {variable}
# looks like an id with a version.
routes=$(grep -o 'route="[^"]*"' "$E2E_TMP/metrics.txt" | sort -u)
while read -r r; do
	[[ $r == 'route="unmatched"' || $r == 'route="/'* ]] || fail "odd route label $r"
done <<<"$routes"
pass "no raw path in any label ($(wc -l <<<"$routes") distinct routes)"

received=$(value 'feedserver_received_bytes_total{protocol="nuget"}')
[[ -n $received ]] || fail "no feedserver_received_bytes_total{protocol=\"nuget\"}"
awk -v got="$received" -v want="$size" 'BEGIN { exit !(got + 0 >= want + 0) }' ||
	fail "received bytes: got $received, want >= $size (the package)"
served=$(value 'feedserver_http_response_bytes_total{route="/v3/package/{id}/{version}/{file}"}')
awk -v got="${served:-0}" -v want="$size" 'BEGIN { exit !(got + 0 == want + 0) }' ||
	fail "served bytes of the download route: got ${served:-none}, want $size"
versions=$(value 'feedserver_catalog_versions')
assert_eq "$versions" 1 "feedserver_catalog_versions"
pass "bytes received $received (package $size), served $served; catalogue holds 1 version"

# --- a real Prometheus server ---------------------------------------------------------
prom_port=$(free_port)
prom_dir=$E2E_TMP/prometheus
mkdir -p "$prom_dir/data"
cat >"$prom_dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: feedserver
    static_configs:
      - targets: ["${BASE_URL#http://}"]
EOF
prometheus --config.file="$prom_dir/prometheus.yml" --storage.tsdb.path="$prom_dir/data" \
	--web.listen-address="127.0.0.1:$prom_port" >"$prom_dir/prometheus.log" 2>&1 &
prom_pid=$!
on_exit "kill $prom_pid 2>/dev/null; wait $prom_pid 2>/dev/null"

query() {
	curl -fsS --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" 2>/dev/null
}
# A second push between scrapes, so the value Prometheus returns is one it scraped anew.
pkg2=$ROOT/fixtures/good/Fixture.Versions.1.0.0.nupkg
got=""
deadline=$((SECONDS + 20))
pushed2=""
while ((SECONDS < deadline)); do
	kill -0 "$prom_pid" 2>/dev/null || fail "prometheus exited: $(tail -5 "$prom_dir/prometheus.log")"
	got=$(query 'sum(feedserver_pushes_total{job="feedserver",outcome="created"})' |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null || true)
	if [[ $got == 1 && -z $pushed2 ]]; then
		assert_status 201 "$BASE_URL/api/v2/package" -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$pkg2"
		pushed2=1
	fi
	[[ $got == 2 ]] && break
	sleep 0.5
done
[[ $got == 2 ]] || fail "Prometheus query feedserver_pushes_total: got '${got}', want 1 then 2 within 20s; log: $(tail -3 "$prom_dir/prometheus.log")"
up=$(query 'up{job="feedserver"}' | jq -r '.data.result[0].value[1]')
assert_eq "$up" 1 "up{job=\"feedserver\"}"
pass "Prometheus $(prometheus --version 2>&1 | head -n1 | awk '{print $3}') scraped feedserver every 1s: pushes_total went 1 → 2, up = 1"

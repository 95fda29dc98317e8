#!/usr/bin/env bash
# 83-fault-unreadable: files the re-index cannot read — a package with mode 000, a garbage
# .nupkg, a truncated one, and a folder with mode 000 — are logged, skipped and counted in
# feedserver_reindex_files_failed_total; every other package is served, pushes work, and a
# file made readable again is picked up by the next start. Root reads mode-000 files, so as
# root the server runs as nobody (setpriv).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=faultlib.sh
source "$(dirname "$0")/faultlib.sh"

# A folder the unprivileged server can reach (E2E_TMP may sit under a mode-700 folder).
dir=$(mktemp -d "${TMPDIR:-/tmp}/feedserver-unreadable.XXXXXX")
on_exit "rm -rf '$dir'"
chmod 755 "$dir"
cp "$(build_server)" "$dir/feedserver"
SERVER_BIN=$dir/feedserver
data=$dir/data
mkdir -p "$data"
if [[ $(id -u) == 0 ]]; then
	chown nobody:nogroup "$data"
	RUN_AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	echo "running the server as nobody"
fi
pkgs=$E2E_TMP/pkgs
mkdir -p "$pkgs"

start_on "$data"
wait_ready
good=(Unread.Good1 Unread.Good2 Unread.Good3)
for id in "${good[@]}"; do
	assert_eq "$(push_nupkg "$(make_nupkg "$pkgs" "$id" 1.0.0 16)")" 201 "push $id"
done
stop_server "$SERVER_PID"

# drop ID BODY-FILE: put a file where a push of ID 1.0.0 would have stored it.
nuget_dir=$data/packages/spaces-1/nuget
drop() {
	local id=${1,,}
	mkdir -p "$nuget_dir/$id"
	cp "$2" "$nuget_dir/$id/$id.1.0.0.nupkg"
	chmod -R a+rX "$nuget_dir/$id"
	echo "$nuget_dir/$id/$id.1.0.0.nupkg"
}
locked_file=$(drop Unread.Mode000 "$(make_nupkg "$pkgs" Unread.Mode000 1.0.0)")
chmod 000 "$locked_file"
head -c 5000 /dev/urandom >"$pkgs/garbage"
drop Unread.Garbage "$pkgs/garbage" >/dev/null
head -c 3000 "$(make_nupkg "$pkgs" Unread.Truncated 1.0.0 8)" >"$pkgs/truncated"
drop Unread.Truncated "$pkgs/truncated" >/dev/null
drop Unread.LockedDir "$(make_nupkg "$pkgs" Unread.LockedDir 1.0.0)" >/dev/null
chmod 000 "$nuget_dir/unread.lockeddir"

start_on "$data"
wait_ready
assert_eq "$(metric feedserver_reindex_files_failed_total)" 4 "feedserver_reindex_files_failed_total"
for key in unread.mode000/unread.mode000.1.0.0 unread.garbage/unread.garbage.1.0.0 unread.truncated/unread.truncated.1.0.0; do
	line=$(grep 'skipping unreadable package file' "$SERVER_LOG" | grep "$key" | tail -1)
	[[ -n $line ]] || fail "no log line for $key"
	echo "log: ${line:0:220}"
done
grep -q 'cannot read part of the package directory.*unread.lockeddir' "$SERVER_LOG" || fail "no log line for the locked folder"
grep -q 'msg="re-index finished".* failed=4' "$SERVER_LOG" || fail "the re-index summary does not count 4 failures"
pass "four unreadable entries logged, skipped and counted"

for id in "${good[@]}"; do
	assert_served_as "$pkgs/$id.1.0.0.nupkg" "$id" 1.0.0
done
for id in Unread.Mode000 Unread.Garbage Unread.Truncated Unread.LockedDir; do
	assert_eq "$(flat_versions "$id")" "" "versions served for $id"
done
assert_status 200 "$BASE_URL/v3/search?q=unread"
assert_contains "$(cat "$E2E_TMP/last-body")" '"totalHits":3' "search after the re-index"
assert_eq "$(push_nupkg "$(make_nupkg "$pkgs" Unread.After 1.0.0)")" 201 "push after the re-index"
pass "everything else is served, searched and pushable"

# Made readable again, the package is picked up by the next start.
stop_server "$SERVER_PID"
chmod 644 "$locked_file"
chmod 755 "$nuget_dir/unread.lockeddir"
start_on "$data"
wait_ready
assert_served_as "$pkgs/Unread.Mode000.1.0.0.nupkg" Unread.Mode000 1.0.0
assert_served_as "$pkgs/Unread.LockedDir.1.0.0.nupkg" Unread.LockedDir 1.0.0
assert_eq "$(metric feedserver_reindex_files_failed_total)" 2 "failures after fixing the modes (garbage and truncated remain)"
pass "after chmod, the next start catalogues the two packages"

#!/usr/bin/env bash
# 82-fault-full-disk: the data folder on an 8 MiB tmpfs. Push 1 MiB packages until the disk
# is full: the client gets 507 with a clear text, the log says "no space left on device",
# nothing partial is stored or served, no temporary file is left, reads go on; after space is
# freed (deletes through the API, then a bigger volume) pushes work again.
# Needs root (mount); as another user it says so and exits 0.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=faultlib.sh
source "$(dirname "$0")/faultlib.sh"

if [[ $(id -u) != 0 ]]; then
	echo "SKIP: 82-fault-full-disk mounts a tmpfs and needs root"
	exit 0
fi
mnt=$E2E_TMP/small
mkdir -p "$mnt"
mount -t tmpfs -o size=8m tmpfs "$mnt" || fail "mount -t tmpfs failed (a container without CAP_SYS_ADMIN?)"
on_exit "umount -l '$mnt'"

pkgs=$E2E_TMP/pkgs
mkdir -p "$pkgs"
start_on "$mnt/data"
wait_ready

acked=()
full=""
for i in $(seq 1 20); do
	f=$(make_nupkg "$pkgs" "Full.P$i" 1.0.0 1024)
	code=$(curl -s -o "$E2E_TMP/body" -w '%{http_code}' -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" \
		-F "package=@$f" "$BASE_URL/api/v2/package")
	case $code in
	201) acked+=("Full.P$i") ;;
	507)
		full=Full.P$i
		break
		;;
	*) fail "push Full.P$i: status $code, want 201 or 507: $(cat "$E2E_TMP/body")" ;;
	esac
done
[[ -n $full ]] || fail "20 MiB of pushes fitted on an 8 MiB disk?"
((${#acked[@]} >= 2)) || fail "only ${#acked[@]} pushes fitted before the disk was full"
assert_contains "$(cat "$E2E_TMP/body")" "out of storage space" "507 body"
pass "push $full answered 507 after ${#acked[@]} packages filled the disk: $(cat "$E2E_TMP/body")"

grep -q 'status=507.*no space left on device' "$SERVER_LOG" || fail "no log line names the full disk"
pass "the log says why: $(grep -o 'status=507.*' "$SERVER_LOG" | head -1 | cut -c1-200)"

# Nothing partial: the refused package is nowhere, and no spool file is left.
assert_eq "$(flat_versions "$full")" "" "versions served for $full"
assert_eq "$(disk_versions "$full")" "" "versions on disk for $full"
assert_no_temp_files
# Reads go on while the disk is full.
assert_status 200 "$BASE_URL/healthz"
for id in "${acked[@]}"; do
	assert_served_as "$pkgs/$id.1.0.0.nupkg" "$id" 1.0.0
done
assert_catalogue_matches_disk "${acked[@]}" "$full"
assert_status 200 "$BASE_URL/v3/search?q=full"
pass "nothing partial stored, no temporary file left, ${#acked[@]} stored packages still served"

# Two more pushes fail the same way, and leave nothing either.
for _ in 1 2; do
	code=$(push_nupkg "$pkgs/$full.1.0.0.nupkg")
	assert_eq "$code" 507 "push on a full disk"
done
assert_no_temp_files

# Free space the way an operator would: delete two packages through the API.
for id in "${acked[@]:0:2}"; do
	assert_status 204 "$BASE_URL/api/v2/package/$id/1.0.0" -X DELETE -H "X-NuGet-ApiKey: $ADMIN_KEY"
done
code=$(push_nupkg "$pkgs/$full.1.0.0.nupkg")
assert_eq "$code" 201 "push after deleting two packages"
assert_served_as "$pkgs/$full.1.0.0.nupkg" "$full" 1.0.0
pass "after two deletes freed space, $full pushes and is served"

# Or by growing the volume: pushes go on, search sees them.
mount -o remount,size=64m "$mnt" || fail "remount"
f=$(make_nupkg "$pkgs" Full.AfterGrow 1.0.0 1024)
assert_eq "$(push_nupkg "$f")" 201 "push after growing the volume"
assert_served_as "$f" Full.AfterGrow 1.0.0
assert_status 200 "$BASE_URL/v3/search?q=Full.AfterGrow"
assert_contains "$(cat "$E2E_TMP/last-body")" '"id":"Full.AfterGrow"' "search after growing the volume"
assert_catalogue_matches_disk "${acked[@]}" "$full" Full.AfterGrow
pass "after the volume grew, pushes, downloads and search all work"

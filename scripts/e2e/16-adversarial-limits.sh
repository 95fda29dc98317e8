#!/usr/bin/env bash
# 16-adversarial-limits: issue 17's bounds, names and content rows replayed with curl
# against a real server, each with its neighbours: every answer's status, a time bound
# (generous: a refusal must not cost work that grows with the input) and that nothing
# was stored. Rows: 1 (bounded work per request), 3 (package bytes never active content),
# 4 (delta amplification), 6 (zip entry count), 7 (canonical space ids), 8 (ids that would
# fold), 9 (generic "." versions), 10 (one owner per data folder), 11 (quiet errors).
# Prints the figures of rows 4 and 6 (time, stored bytes, peak memory).
source "$(dirname "$0")/lib.sh"

start_server FEEDSERVER_UPLOAD_IDLE_TIMEOUT=1s
BIN=$(build_server)
PKGS=$SERVER_DATA/packages
LIMIT=${ADVERSARIAL_TIME_LIMIT:-5} # seconds an answer may take: the unbounded parsers took 7.6 s to minutes (issue 17); a loaded CI machine needs the margin

# check WANT METHOD URL [curl args...]: one request, its status and its time. The body
# goes to $E2E_TMP/body and the headers to $E2E_TMP/headers.
check() {
	local want=$1 method=$2 url=$3
	shift 3
	local out code secs verb=(-X "$method")
	[[ $method == HEAD ]] && verb=(--head) # -X HEAD would wait for the body the headers announce
	out=$(curl -sS -o "$E2E_TMP/body" -D "$E2E_TMP/headers" -w '%{http_code} %{time_total}' "${verb[@]}" "$@" "$url") || true
	code=${out% *}
	secs=${out#* }
	LAST_SECS=$secs # curl's own time_total, for the figures
	[[ $code == "$want" ]] || fail "$method ${url:0:120}: got $code, want $want; body: $(head -c 300 "$E2E_TMP/body")"
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)' "$secs" "$LIMIT" ||
		fail "$method ${url:0:120}: answered $code in ${secs}s, over the ${LIMIT}s bound"
}

# stored: a fingerprint of every file in the package directory (names and sizes).
stored() { (cd "$PKGS" && find . -type f -printf '%p %s\n' | sort | md5sum | cut -d' ' -f1); }
header() { grep -i "^$1:" "$E2E_TMP/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
repeat() { python3 -c 'import sys; print(sys.argv[1] * int(sys.argv[2]) + sys.argv[3], end="")' "$@"; }

# Something stored to compare against, and to read.
mkdir -p "$E2E_TMP/pkgs"
head -c 1048576 /dev/urandom >"$E2E_TMP/pkgs/Amp.1.0.0.zip"
check 201 POST "$BASE_URL/api/packages/raw" -H "X-Octopus-ApiKey: $ADMIN_KEY" -F "file=@$E2E_TMP/pkgs/Amp.1.0.0.zip"
before=$(stored)

# --- row 1: bounded work per request ----------------------------------------------------
REF=$(repeat 1. 4000 1)   # issue 17: 7.6 s of CPU per request
REF50=$(repeat 1. 50000 1) # issue 17: still running 10 minutes later
LONG=$(repeat a 300 "")
MANY=$(repeat A.1.0, 1001 A.1.0)
TEXT=$(repeat 'a%20' 2000 "")
for key in "" "$ADMIN_KEY"; do
	h=()
	[[ -n $key ]] && h=(-H "X-Octopus-ApiKey: $key")
	for ref in "$REF" "$REF50" "packages-$REF"; do
		check 400 GET "$BASE_URL/api/packages/$ref" "${h[@]}"
		check 400 GET "$BASE_URL/api/Spaces-1/packages/$ref" "${h[@]}"
		check 400 GET "$BASE_URL/api/packages/$ref/raw" "${h[@]}"
		check 400 HEAD "$BASE_URL/api/Spaces-1/packages/$ref/raw" "${h[@]}"
		check 400 GET "$BASE_URL/api/packages/notes?packageIds=$ref" "${h[@]}"
	done
	check 400 GET "$BASE_URL/api/packages/notes?packageIds=$MANY" "${h[@]}"
	check 400 GET "$BASE_URL/api/packages?filter=$LONG" "${h[@]}"
	check 400 GET "$BASE_URL/api/packages?nuGetPackageId=$LONG" "${h[@]}"
	check 400 GET "$BASE_URL/api/Spaces-1/feeds/feeds-builtin/packages/versions?packageId=$LONG" "${h[@]}"
	check 400 GET "$BASE_URL/api/Spaces-1/feeds/feeds-builtin/packages/versions?packageId=Amp&versionRange=$LONG" "${h[@]}"
	check 400 GET "$BASE_URL/api/Spaces-1/feeds/feeds-builtin/packages/search?term=$LONG" "${h[@]}"
done
check 401 DELETE "$BASE_URL/api/packages/$REF"
check 400 DELETE "$BASE_URL/api/packages/$REF" -H "X-Octopus-ApiKey: $ADMIN_KEY"
check 400 DELETE "$BASE_URL/api/Spaces-1/packages/$REF50" -H "X-Octopus-ApiKey: $ADMIN_KEY"
check 400 DELETE "$BASE_URL/api/packages/bulk?ids=$REF" -H "X-Octopus-ApiKey: $ADMIN_KEY"
check 400 DELETE "$BASE_URL/api/packages/bulk?ids=$MANY" -H "X-Octopus-ApiKey: $ADMIN_KEY"
check 400 GET "$BASE_URL/api/packages/$LONG/1.0.0/delta-signature" -H "X-Octopus-ApiKey: $ADMIN_KEY"
pass "row 1, Octopus: every route that reads a reference, an id, a list or a filter refuses an oversized one in < ${LIMIT}s"

# NuGet v3, v2 and publish routes: ids, versions and search texts.
check 400 GET "$BASE_URL/v3/package/$LONG/index.json"
check 400 GET "$BASE_URL/v3/package/$LONG/1.0.0/$LONG.1.0.0.nupkg"
check 400 GET "$BASE_URL/v3/package/amp/$REF/amp.nuspec"
check 400 GET "$BASE_URL/v3/registration/$LONG/index.json"
check 400 GET "$BASE_URL/v3/registration-semver2/amp/$REF.json"
check 400 GET "$BASE_URL/v3/search?q=$TEXT"
check 400 GET "$BASE_URL/v3/autocomplete?q=$TEXT"
check 400 GET "$BASE_URL/v3/autocomplete?id=$LONG"
check 400 GET "$BASE_URL/api/v2/package/$LONG/1.0.0"
check 400 GET "$BASE_URL/api/v2/FindPackagesById()?id='$LONG'"
check 400 GET "$BASE_URL/api/v2/Search()?searchTerm='$TEXT'"
check 400 GET "$BASE_URL/nuget/package-versions/$LONG"
check 400 GET "$BASE_URL/api/v2/Packages(Id='$LONG',Version='1.0.0')"
check 400 GET "$BASE_URL/api/v2/GetUpdates()?packageIds='$(repeat 'A%7C' 1001 A)'&versions='$(repeat '1.0%7C' 1001 1.0)'"
check 400 DELETE "$BASE_URL/api/v2/package/$LONG/1.0.0" -H "X-NuGet-ApiKey: $ADMIN_KEY"
check 400 DELETE "$BASE_URL/api/v2/package/amp/$REF" -H "X-NuGet-ApiKey: $ADMIN_KEY"
check 400 GET "$BASE_URL/api/packages/admin/generic/$LONG/1.0/f.bin"
check 400 PUT "$BASE_URL/api/packages/admin/generic/tool/$REF50/f.bin" -H "Authorization: Bearer $ADMIN_KEY" --data-binary x
assert_eq "$(stored)" "$before" "package directory after the refusals"
pass "row 1, NuGet and generic: oversized ids, versions and search texts refused in < ${LIMIT}s; nothing stored"

# --- row 3: package bytes are never active content --------------------------------------
python3 - "$E2E_TMP/pkgs/Xss.Nuspec.1.0.0.nupkg" <<'EOF'
import sys, zipfile
nuspec = '''<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>Xss.Nuspec</id>
    <version>1.0.0</version>
    <authors>someone</authors>
    <description>A description.</description>
    <html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(document.domain)</html:script>
  </metadata>
</package>
'''
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("Xss.Nuspec.nuspec", nuspec)
open(sys.argv[1] + ".nuspec", "w").write(nuspec)
EOF
check 201 PUT "$BASE_URL/api/v2/package" -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$E2E_TMP/pkgs/Xss.Nuspec.1.0.0.nupkg"
printf '<script>alert(1)</script>' >"$E2E_TMP/pkgs/page.html"
check 201 PUT "$BASE_URL/api/packages/admin/generic/xss/1.0/page.html" -H "Authorization: Bearer $ADMIN_KEY" -T "$E2E_TMP/pkgs/page.html"
for url in "$BASE_URL/v3/package/xss.nuspec/1.0.0/xss.nuspec.nuspec" \
	"$BASE_URL/v3/package/xss.nuspec/1.0.0/xss.nuspec.1.0.0.nupkg" \
	"$BASE_URL/api/v2/package/Xss.Nuspec/1.0.0" \
	"$BASE_URL/api/packages/packages-Amp.1.0.0/raw" \
	"$BASE_URL/api/packages/admin/generic/xss/1.0/page.html"; do
	check 200 GET "$url"
	assert_eq "$(header X-Content-Type-Options)" nosniff "nosniff on $url"
	assert_eq "$(header Content-Security-Policy)" "sandbox; default-src 'none'" "CSP on $url"
	assert_contains "$(header Content-Disposition)" "attachment" "Content-Disposition on $url"
done
check 200 GET "$BASE_URL/v3/package/xss.nuspec/1.0.0/xss.nuspec.nuspec"
cmp -s "$E2E_TMP/body" "$E2E_TMP/pkgs/Xss.Nuspec.1.0.0.nupkg.nuspec" || fail "the nuspec is not served byte for byte"
for url in "$BASE_URL/healthz" "$BASE_URL/v3/index.json" "$BASE_URL/api" "$BASE_URL/packages" "$BASE_URL/nope"; do
	curl -s -o /dev/null -D "$E2E_TMP/headers" "$url"
	assert_eq "$(header X-Content-Type-Options)" nosniff "nosniff on $url"
done
pass "row 3: package bytes are attachments under a sandbox CSP, every answer is nosniff, the nuspec is byte for byte"

# --- row 4: a delta's output is bounded -------------------------------------------------
before=$(stored)
du_before=$(du -sb "$PKGS" | cut -f1)
python3 - "$E2E_TMP/pkgs/copies.octodelta" 2000 1048576 <<'EOF'
import struct, sys
path, copies, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
head = b"OCTODELTA" + bytes([1]) + bytes([4]) + b"SHA1" + struct.pack("<i", 20) + bytes(20) + b">>>"
with open(path, "wb") as f:
    f.write(head + (b"\x60" + struct.pack("<qq", 0, base)) * copies)
EOF
delta_bytes=$(stat -c %s "$E2E_TMP/pkgs/copies.octodelta")
check 413 POST "$BASE_URL/api/packages/Amp/1.0.0/delta" -H "X-Octopus-ApiKey: $ADMIN_KEY" -F "file=@$E2E_TMP/pkgs/copies.octodelta;filename=Amp.2.0.0.zip"
assert_eq "$(stored)" "$before" "package directory after the refused delta"
du_after=$(du -sb "$PKGS" | cut -f1)
check 404 GET "$BASE_URL/api/packages/packages-Amp.2.0.0"
echo "figure: a ${delta_bytes}-byte delta copying the 1 MiB base 2,000 times: 413 in ${LAST_SECS} s; package directory $du_before -> $du_after bytes"
pass "row 4: a delta that copies its base 2,000 times is a 413 and stores nothing"

# --- row 6: a zip's entry count is capped, at bounded memory -----------------------------
cat >"$E2E_TMP/manyzip.py" <<'EOF'
# manyzip.py PATH N: a nupkg of a root nuspec and N empty entries, with ZIP64 end
# records, written record by record (the zipfile module keeps every entry in memory).
import struct, sys, zlib
path, n = sys.argv[1], int(sys.argv[2])
nuspec = b'<?xml version="1.0"?><package><metadata><id>Million</id><version>1.0.0</version><authors>a</authors><description>d</description></metadata></package>'
central, off = [], 0
with open(path, "wb") as f:
    def add(name, data):
        global off
        crc = zlib.crc32(data)
        h = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0) + name + data
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0, 0, 0, 0, 0, off) + name)
        f.write(h)
        off += len(h)
    add(b"Million.nuspec", nuspec)
    for i in range(n):
        add(b"f/%07d" % i, b"")
    cd = b"".join(central)
    count = len(central)
    f.write(cd)
    f.write(struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, count, count, len(cd), off))
    f.write(struct.pack("<IIQI", 0x07064b50, 0, off + len(cd), 1))
    f.write(struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0xffff, 0xffff, 0xffffffff, 0xffffffff, 0))
EOF
# The generator's output reads as a zip (checked small: the zipfile module would need
# hundreds of MiB for a million entries), and a small one is an accepted package.
python3 "$E2E_TMP/manyzip.py" "$E2E_TMP/pkgs/ten.nupkg" 10
python3 -c 'import zipfile,sys; assert len(zipfile.ZipFile(sys.argv[1]).namelist()) == 11' "$E2E_TMP/pkgs/ten.nupkg" ||
	fail "the test zip generator writes no zip"
check 201 PUT "$BASE_URL/api/v2/package" -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$E2E_TMP/pkgs/ten.nupkg"
check 204 DELETE "$BASE_URL/api/v2/package/Million/1.0.0" -H "X-NuGet-ApiKey: $ADMIN_KEY"
before=$(stored)
python3 "$E2E_TMP/manyzip.py" "$E2E_TMP/pkgs/million.nupkg" 1000000
zip_bytes=$(stat -c %s "$E2E_TMP/pkgs/million.nupkg")
rss() { grep -E "^$1:" "/proc/$SERVER_PID/status" | awk '{print $2}'; }
hwm_before=$(rss VmHWM)
# Up to 10 s each: the ~90 MB upload itself is part of the answer's time.
LIMIT=10 check 400 PUT "$BASE_URL/api/v2/package" -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$E2E_TMP/pkgs/million.nupkg"
assert_contains "$(cat "$E2E_TMP/body")" "this feed accepts at most 200000" "400 body"
LIMIT=10 check 400 POST "$BASE_URL/api/packages/raw" -H "X-Octopus-ApiKey: $ADMIN_KEY" -F "file=@$E2E_TMP/pkgs/million.nupkg"
hwm_after=$(rss VmHWM)
assert_eq "$(stored)" "$before" "package directory after the refused zip"
echo "figure: a ${zip_bytes}-byte nupkg of 1,000,000 entries: 400 in ${LAST_SECS} s (upload included); server peak RSS (VmHWM) ${hwm_before} KiB before, ${hwm_after} KiB after"
(( hwm_after - hwm_before < 65536 )) || fail "refusing the zip took the peak RSS from ${hwm_before} to ${hwm_after} KiB"
pass "row 6: a 1,000,000-entry nupkg is a 400, at bounded memory, and stores nothing"

# --- row 7: canonical space ids ---------------------------------------------------------
# Every spelling of a space id is that space; a number no space has is a 404; no
# spelling ever makes a folder of its own.
cp "$ROOT/fixtures/good/Fixture.Plain.1.0.0.nupkg" "$E2E_TMP/pkgs/"
check 201 PUT "$BASE_URL/Spaces-01/nuget/packages" -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$E2E_TMP/pkgs/Fixture.Plain.1.0.0.nupkg"
check 409 PUT "$BASE_URL/spaces-001/nuget/packages/" -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$E2E_TMP/pkgs/Fixture.Plain.1.0.0.nupkg"
check 409 PUT "$BASE_URL/api/v2/package" -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$E2E_TMP/pkgs/Fixture.Plain.1.0.0.nupkg"
check 200 GET "$BASE_URL/api/Spaces-0001/packages/packages-Fixture.Plain.1.0.0" -H "X-Octopus-ApiKey: $ADMIN_KEY"
check 200 DELETE "$BASE_URL/api/Spaces-01/packages/packages-Fixture.Plain.1.0.0" -H "X-Octopus-ApiKey: $ADMIN_KEY"
before=$(stored)
for sp in Spaces-0 Spaces-00 Spaces-7 Spaces-0000000000000000001; do
	check 404 PUT "$BASE_URL/$sp/nuget/packages" -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$E2E_TMP/pkgs/Fixture.Plain.1.0.0.nupkg"
	check 404 POST "$BASE_URL/api/$sp/packages/raw" -H "X-Octopus-ApiKey: $ADMIN_KEY" -F "file=@$E2E_TMP/pkgs/Amp.1.0.0.zip;filename=Sp.1.0.0.zip"
	check 404 GET "$BASE_URL/api/$sp/packages" -H "X-Octopus-ApiKey: $ADMIN_KEY"
	check 404 DELETE "$BASE_URL/$sp/nuget/packages/Fixture.Plain/1.0.0" -H "X-NuGet-ApiKey: $ADMIN_KEY"
done
assert_eq "$(cd "$PKGS" && ls -d spaces-* | tr '\n' ' ')" "spaces-1 " "space folders"
assert_eq "$(stored)" "$before" "package directory after the space refusals"
pass "row 7: Spaces-01 and spaces-001 are Spaces-1 on every route; Spaces-0 and unknown spaces 404; no folder but spaces-1"

# --- row 8: ids that would fold into another ---------------------------------------------
before=$(stored)
python3 - "$E2E_TMP/pkgs/kelvin.nupkg" <<'EOF'
import sys, zipfile
nuspec = '<?xml version="1.0"?><package><metadata><id>Sec.\u212Aelvin</id><version>1.0.0</version><authors>a</authors><description>d</description></metadata></package>'
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("kelvin.nuspec", nuspec.encode())
EOF
check 400 PUT "$BASE_URL/api/v2/package" -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$E2E_TMP/pkgs/kelvin.nupkg"
check 400 POST "$BASE_URL/api/packages/raw" -H "X-Octopus-ApiKey: $ADMIN_KEY" -F "file=@$E2E_TMP/pkgs/Amp.1.0.0.zip;filename=Sec.$(printf '\u212A')elvin.1.0.0.zip"
assert_eq "$(stored)" "$before" "package directory after the folding ids"
pass "row 8: Sec.\\u212Aelvin is a 400 on NuGet and Octopus pushes; nothing stored"

# --- row 9: generic "." versions ----------------------------------------------------------
before=$(stored)
for v in . .. %2e %2E %2e%2e .%2e; do
	check 400 PUT "$BASE_URL/api/packages/admin/generic/tool/$v/f.bin" -H "Authorization: Bearer $ADMIN_KEY" --data-binary x --path-as-is
done
assert_eq "$(stored)" "$before" "package directory after the dot versions"
for v in "2.0%20rc" "a%23b" "50%25" ".hidden" "1%2Bbuild"; do
	check 201 PUT "$BASE_URL/api/packages/admin/generic/odd/$v/f.bin" -H "Authorization: Bearer $ADMIN_KEY" --data-binary "$v"
done
check 200 GET "$BASE_URL/api/packages/admin/generic/odd"
python3 -c 'import json,sys; [print(f["url"]) for v in json.load(open(sys.argv[1]))["versions"] for f in v["files"]]' "$E2E_TMP/body" >"$E2E_TMP/urls"
assert_eq "$(wc -l <"$E2E_TMP/urls")" 5 "files listed"
while read -r url; do check 200 GET "$url"; done <"$E2E_TMP/urls"
pass "row 9: versions . and .. (also %2e) are 400 and store nothing; every URL a listing advertises answers 200"

# --- row 11: quiet errors -----------------------------------------------------------------
port=${BASE_URL##*:}
python3 - "$port" "$ADMIN_KEY" >"$E2E_TMP/stalled" <<'EOF'
import socket, sys
port, key = int(sys.argv[1]), sys.argv[2]
for req in (
    b"PUT /api/v2/package HTTP/1.1\r\nHost: x\r\nX-NuGet-ApiKey: %s\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"package\"; filename=\"x.nupkg\"\r\n\r\nPK" % key.encode(),
    b"POST /api/packages/raw HTTP/1.1\r\nHost: x\r\nX-Octopus-ApiKey: %s\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"S.1.0.0.zip\"\r\n\r\nPK" % key.encode(),
    b"PUT /api/packages/admin/generic/stall/1.0/f.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\nab" % key.encode(),
):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(20)
    s.sendall(req)
    out = b""
    while True:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        out += d
    s.close()
    print(out.decode(errors="replace").replace("\r", ""))
    print("----")
EOF
grep -q "^HTTP/1.1 400" "$E2E_TMP/stalled" || fail "stalled uploads: $(cat "$E2E_TMP/stalled")"
assert_eq "$(grep -c '^HTTP/1.1 400' "$E2E_TMP/stalled")" 3 "stalled uploads answered 400"
if grep -Eq '127\.0\.0\.1|tcp|/tmp/|'"$SERVER_DATA" "$E2E_TMP/stalled"; then
	fail "a stalled upload's answer names an address or a path: $(cat "$E2E_TMP/stalled")"
fi
pass "row 11: stalled uploads get a 400 that names no socket address or path"

# --- row 10: one owner per data folder ----------------------------------------------------
port2=$(free_port)
t0=$(date +%s)
if FEEDSERVER_DATA="$SERVER_DATA" FEEDSERVER_LISTEN="127.0.0.1:$port2" timeout 20 "$BIN" >"$E2E_TMP/second.out" 2>&1; then
	fail "a second server on a data folder in use started"
fi
t1=$(date +%s)
(( t1 - t0 <= 5 )) || fail "the second server took $((t1 - t0))s to refuse"
assert_contains "$(cat "$E2E_TMP/second.out")" "$SERVER_DATA" "the refusal names the folder"
assert_contains "$(cat "$E2E_TMP/second.out")" "pid $SERVER_PID" "the refusal names the holder"
"$BIN" reindex --data "$SERVER_DATA" >"$E2E_TMP/reindex.out" 2>&1 && fail "reindex on a data folder in use ran"
assert_contains "$(cat "$E2E_TMP/reindex.out")" "POST /api/admin/reindex" "reindex's refusal"
"$BIN" apikey list --data "$SERVER_DATA" >/dev/null || fail "apikey list beside the server"
pass "row 10: a second server and reindex refuse at once, naming the folder and the holder's pid; apikey works beside"

# A folder whose search index another process holds (a server from before the lock
# file, or anything else): the server gives up within seconds, and SIGTERM ends it
# while it waits.
DATA2=$E2E_TMP/data2
mkdir -p "$DATA2"
FEEDSERVER_DATA="$DATA2" FEEDSERVER_LISTEN="127.0.0.1:$(free_port)" "$BIN" >/dev/null 2>&1 &
pid2=$!
for _ in $(seq 1 100); do [[ -f $DATA2/search/store/root.bolt ]] && break; sleep 0.1; done
sleep 0.5
stop_server "$pid2"
flock -x "$DATA2/search/store/root.bolt" sleep 60 &
holder=$!
on_exit "kill $holder 2>/dev/null"
sleep 0.3
t0=$(date +%s.%N)
if FEEDSERVER_DATA="$DATA2" FEEDSERVER_LISTEN="127.0.0.1:$(free_port)" timeout 30 "$BIN" >"$E2E_TMP/third.out" 2>&1; then
	fail "a server started on a search index another process holds"
fi
t1=$(date +%s.%N)
assert_contains "$(cat "$E2E_TMP/third.out")" "locked by another process" "the refusal"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) < 10 else 1)' "$t0" "$t1" || fail "the refusal took too long"
FEEDSERVER_DATA="$DATA2" FEEDSERVER_LISTEN="127.0.0.1:$(free_port)" "$BIN" >/dev/null 2>&1 &
pid3=$!
sleep 1
t0=$(date +%s.%N)
kill -TERM "$pid3"
for _ in $(seq 1 100); do kill -0 "$pid3" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid3" 2>/dev/null && fail "SIGTERM did not end a server waiting for its search index"
t1=$(date +%s.%N)
wait "$pid3" 2>/dev/null || true
echo "figure: SIGTERM during start-up ended the server in $(python3 -c "print(f'{$t1-$t0:.2f}')") s"
pass "row 10: a held search index is refused within seconds, and SIGTERM ends a starting server"

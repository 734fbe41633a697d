#!/usr/bin/env bash
# Benchmark: drop-to-listed latency and ingest throughput of release raddd, end to end
# (inotify → claim → read → SQLCipher commit with audit record → original removed).
#
#   Tests/bench-ingest.sh [LATENCY_SAMPLES] [BURST_FILES]     (defaults: 50 and 2000)
#
# Prints figures only; it asserts nothing. Runs as any user; needs the build dependencies
# (./install.sh --test installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
samples="${1:-50}"
burst="${2:-2000}"

echo "bench-ingest: building release binaries..." >&2
swift build -c release --product raddd >/dev/null
swift build -c release --product raddctl >/dev/null
bin="$(swift build -c release --show-bin-path)"

work="$(mktemp -d /tmp/radd-bench.XXXXXX)"
trap 'kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/drop"
(umask 077; head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' > "$work/db.key")
: > "$work/empty.conf"
"$bin/raddd" --config "$work/empty.conf" --state-dir "$work/state" --drop-dir "$work/drop" \
    --socket "$work/raddd.sock" --key-file "$work/db.key" --log-target stderr --log-level warning \
    2> "$work/raddd.log" &
pid=$!
for _ in $(seq 100); do "$bin/raddctl" status --socket "$work/raddd.sock" >/dev/null 2>&1 && break; sleep 0.1; done

RADDCTL="$bin/raddctl" SOCKET="$work/raddd.sock" DROP="$work/drop" python3 - "$samples" "$burst" <<'PY'
import json, os, subprocess, sys, time

raddctl, socket, drop = os.environ["RADDCTL"], os.environ["SOCKET"], os.environ["DROP"]
samples, burst = int(sys.argv[1]), int(sys.argv[2])
tty = sys.stderr.isatty()
text = "Heart size is normal. The lungs are clear. No pleural effusion or pneumothorax.\n" * 12

def progress(label, done, total):
    if tty:
        sys.stderr.write(f"\r{label}: {done}/{total}")
        if done == total: sys.stderr.write("\n")

def listed_after(after):
    out = subprocess.run([raddctl, "reports", "--json", "--limit", "1000", "--after", str(after), "--socket", socket],
                         capture_output=True, check=True).stdout
    return json.loads(out)["reports"]

def stored_count():
    out = subprocess.run([raddctl, "status", "--json", "--socket", socket], capture_output=True, check=True).stdout
    return json.loads(out)["reportsByState"].get("stored", 0)

def drop_file(name):
    # Each file differs (its name is in it): raddd stores a file with the bytes of an earlier one
    # only once.
    staging = os.path.join(drop, "." + name)
    with open(staging, "w") as f: f.write(f"EXAM: {name}\n" + text)
    os.rename(staging, os.path.join(drop, name))

latencies, last_id = [], 0
for i in range(samples):
    start = time.monotonic()
    drop_file(f"lat-{i:05d}.txt")
    while True:
        rows = listed_after(last_id)
        if rows:
            latencies.append(time.monotonic() - start)
            last_id = rows[-1]["id"]
            break
    progress("latency", i + 1, samples)
latencies.sort()
pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
print(f"drop-to-listed latency over {samples} reports ({len(text)} bytes each), measured with raddctl polling:")
print(f"  p50 {pct(0.50):.1f} ms   p95 {pct(0.95):.1f} ms   max {latencies[-1]*1000:.1f} ms")

base = stored_count()
start = time.monotonic()
for i in range(burst):
    drop_file(f"burst-{i:05d}.txt")
    if i % 100 == 0: progress("burst drop", i, burst)
dropped = time.monotonic() - start
while True:
    done = stored_count() - base
    progress("burst stored", done, burst)
    if done >= burst: break
    time.sleep(0.05)
elapsed = time.monotonic() - start
print(f"burst of {burst} reports: all stored {elapsed:.2f} s after the first drop "
      f"({burst/elapsed:.0f} reports/s end to end; dropping alone took {dropped:.2f} s)")
PY
echo "raddd: $(grep -c . "$work/raddd.log" || true) warning/error log lines during the run"

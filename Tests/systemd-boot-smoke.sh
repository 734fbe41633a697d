#!/usr/bin/env bash
# Proves install.sh's systemd path for real: boots a Debian 12 container with systemd as PID 1
# (systemd-nspawn --boot), runs ./install.sh in it, and checks that raddd runs as the unit
# raddd.service (Type=notify, watchdog, key as a credential), stores a dropped report without
# leaking its text to the journal, stops cleanly, survives a second install.sh run, and comes
# up by itself when the container boots again. The bundled model server is checked there too:
# radd-model.service runs Tests/model-smoke.sh's checks, answers again after the second
# install.sh run, and comes up after the reboot (install.sh's cache /var/cache/radd is shared
# with the host, so the host's llama-server build and model are reused).
#
# Run as root on a Debian 12 host with the Swift toolchain in /opt/swift:
#     sudo Tests/systemd-boot-smoke.sh
# It installs debootstrap, systemd-container, jq, zstd and curl on the host if they are missing.
# The pristine container root file system is built once with debootstrap and cached as
# /var/cache/radd-test/rootfs-bookworm-HASH.tar.zst (HASH: mirror + package list); every run
# unpacks a fresh copy under /var/tmp and removes it afterwards. RADD_SMOKE_REBUILD=1 rebuilds
# the cache; RADD_SMOKE_MIRROR=URL overrides the Debian mirror read from /etc/apt.
# Needs no systemd on the host: the container runs unregistered (no machined, no scope
# unit) and commands reach it with nsenter.
# The last line is "systemd-boot-smoke: N passed, M failed"; the exit status is 0 only when
# every check passed.
set -euo pipefail

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------
REPO_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
readonly REPO_DIR
# The name in every line this script prints; Tests/offline-install-smoke.sh, which sources this
# file for its container set-up, sets its own.
SMOKE_NAME=${SMOKE_NAME:-systemd-boot-smoke}
readonly SUITE=bookworm
readonly CACHE_DIR=/var/cache/radd-test
readonly SWIFT_DIR=/opt/swift
# Where the repository copy lives inside the container (install.sh builds in its own folder,
# so the container needs a writable copy, not a bind mount of the host's tree).
readonly REPO_IN_CONTAINER=/srv/radd
readonly MACHINE="radd-smoke-$$"
readonly BOOT_TIMEOUT_S=120
readonly INSTALL_TIMEOUT_S=1800
readonly DROP_DEADLINE_S=2
# The bundled model server: install.sh's build and download cache, shared with the host so
# that the container reuses the host's llama-server build and model instead of building and
# downloading them again (the stamp includes the CPU's flags, which the container shares),
# and a port of its own (the container shares the host's network, where the host's server
# may hold the default port 8091).
readonly MODEL_CACHE_DIR=/var/cache/radd
readonly MODEL_PORT=8092
readonly MODEL_READY_TIMEOUT_S=120
readonly HOST_PACKAGES=(debootstrap systemd-container jq zstd curl)
# The environment of commands run in the container: a root login's, nothing from the host.
readonly CONTAINER_ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOME=/root LANG=C.UTF-8 TERM=dumb)
# What the container sees of the host besides its root file system: the toolchain (read-only)
# and install.sh's cache. Tests/offline-install-smoke.sh replaces them with --private-network.
NSPAWN_ARGS=(--bind-ro="$SWIFT_DIR" --bind="$MODEL_CACHE_DIR")

# Packages of the container besides debootstrap's minbase: what a Debian 12 server with
# systemd has, plus raddd's run-time libraries. Changing this list changes the cache key, so
# the next run builds a new root file system.
readonly ROOTFS_PACKAGES=(
    # PID 1 and the system bus that systemctl uses.
    systemd systemd-sysv dbus
    # raddd's own run-time libraries (ldd of a release raddd; the Swift runtime comes from
    # the read-only /opt/swift bind mount).
    libsqlcipher0 libsystemd0 libcurl4 libstdc++6
)
# Not in the list on purpose: install.sh's BUILD_PACKAGES (radd's -dev packages and what
# the Swift toolchain itself needs on a bare Debian 12), so that its apt step is exercised
# on a machine that lacks them.

# ---------------------------------------------------------------------------
# State (used by the EXIT trap)
# ---------------------------------------------------------------------------
passed=0
failed=0
work_dir=""      # this run's temporary copy of the root file system and logs
build_dir=""     # debootstrap's temporary target while the cache is built
nspawn_pid=""    # the background systemd-nspawn
leader_pid=""    # the container's PID 1 (systemd), as seen from the host
rootfs_tarball="" # the cached pristine root file system
boot_count=0
fg_job_pid=""    # a long command started by run_logged
start_time=$SECONDS

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
say() { printf '%s: %s\n' "$SMOKE_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SMOKE_NAME" "$*" >&2; }
# A setup step failed: count it, explain, and stop (the EXIT trap cleans up and prints the
# summary line last).
die() {
    failed=$((failed + 1))
    printf '%s: error: %s\n' "$SMOKE_NAME" "$*" >&2
    exit 1
}

# check NAME COMMAND...: one counted check.
check() {
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        say "ok: $name"
    else
        failed=$((failed + 1))
        printf '%s: FAILED: %s\n' "$SMOKE_NAME" "$name" >&2
    fi
}

# Unmounts everything mounted at or below $1 (deepest first). debootstrap mounts /proc and
# /sys into its target and can leave them behind when it fails; rm -rf must never descend
# into a mounted host file system.
unmount_under() {
    local dir=$1 mnt
    awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
        sort -r | while read -r mnt; do
        umount -l "$mnt" || warn "could not unmount $mnt"
    done
}

# Removes a temporary directory of ours, after making sure nothing is mounted inside it.
remove_tree() {
    local dir=$1
    [[ -n "$dir" && -d "$dir" ]] || return 0
    unmount_under "$dir"
    if awk -v d="$dir" 'index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
        warn "something is still mounted below $dir; leaving it in place"
        return 0
    fi
    rm -rf --one-file-system "$dir"
}

# run_logged LOG COMMAND...: runs a long command in the background, its output to LOG, and
# waits for it, so that an INT or TERM reaches the trap at once instead of after the command
# (bash defers traps while a foreground command runs). The redirections are the command's
# own: on the function call they would also catch the trap's output.
run_logged() {
    local log=$1
    shift
    "$@" </dev/null >"$log" 2>&1 &
    fg_job_pid=$!
    local status=0
    wait "$fg_job_pid" || status=$?
    fg_job_pid=""
    return "$status"
}

# Ends a command that run_logged started, when the script is interrupted. Commands that
# nsenter the container go through timeout(1), which passes the TERM on (with a CONT: an
# nsenter whose child systemd-shutdown froze stops itself and would otherwise hang).
stop_foreground_job() {
    [[ -n "$fg_job_pid" ]] && kill -0 "$fg_job_pid" 2>/dev/null || return 0
    kill -TERM "$fg_job_pid" 2>/dev/null
    local i
    for ((i = 0; i < 50; i++)); do
        kill -0 "$fg_job_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$fg_job_pid" 2>/dev/null
    wait "$fg_job_pid" 2>/dev/null
    fg_job_pid=""
}

# Powers the container off: SIGTERM makes systemd-nspawn ask the container's systemd for a
# clean shutdown. Returns non-zero when it had to be killed.
power_off() {
    local status=0
    if [[ -n "$nspawn_pid" ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
        say "powering the container off..."
        kill -TERM "$nspawn_pid" 2>/dev/null || true
        local i
        for ((i = 0; i < 300; i++)); do
            kill -0 "$nspawn_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$nspawn_pid" 2>/dev/null; then
            warn "the container did not shut down within 30 s; killing systemd-nspawn"
            kill -KILL "$nspawn_pid" 2>/dev/null || true
            status=1
        fi
        wait "$nspawn_pid" 2>/dev/null || true
    fi
    nspawn_pid=""
    leader_pid=""
    # systemd-nspawn leaves this (empty) folder behind where /run is not a tmpfs.
    rmdir "/run/systemd/nspawn/propagate/$MACHINE" 2>/dev/null || true
    return "$status"
}

# Powers the container off, removes this run's copy and prints the summary as the very
# last line.
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e   # clean up as much as possible whatever fails
    stop_foreground_job
    power_off
    remove_tree "$work_dir"
    remove_tree "$build_dir"
    say "took $((SECONDS - start_time)) s"
    if [[ $status -ne 0 && $failed -eq 0 ]]; then
        failed=1   # interrupted, or a command failed under set -e
        [[ $status -eq 130 ]] && printf '%s: error: interrupted\n' "$SMOKE_NAME" >&2
    fi
    echo "$SMOKE_NAME: $passed passed, $failed failed"
    if [[ $failed -ne 0 ]]; then exit 1; fi
    exit 0
}

# ---------------------------------------------------------------------------
# Host preparation
# ---------------------------------------------------------------------------
ensure_host_packages() {
    local pkg missing=()
    for pkg in "${HOST_PACKAGES[@]}"; do
        [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)" == ii* ]] ||
            missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    say "installing on the host: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >/dev/null ||
        die "apt-get install ${missing[*]} failed"
}

# Prints the host's Debian mirror for $SUITE (not -updates or -security), read from the
# one-line .list files and the deb822 .sources files in /etc/apt.
host_mirror() {
    if [[ -n "${RADD_SMOKE_MIRROR:-}" ]]; then
        printf '%s\n' "$RADD_SMOKE_MIRROR"
        return 0
    fi
    local file url=""
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$file" ]] || continue
        url="$(awk -v s="$SUITE" '$1 == "deb" {
                   i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                   if ($(i + 1) == s) { print $i; exit } }' "$file")"
        [[ -n "$url" ]] && break
    done
    if [[ -z "$url" ]]; then
        for file in /etc/apt/sources.list.d/*.sources; do
            [[ -f "$file" ]] || continue
            # Paragraphs are separated by blank lines; take the URIs of one whose Suites list
            # the plain suite and whose Types include deb.
            url="$(awk -v s="$SUITE" '
                function flush() { if (deb && suite && uri != "") { print uri; found = 1; exit }
                                   deb = suite = 0; uri = "" }
                /^[[:space:]]*$/ { flush(); next }
                /^Types:/  { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
                /^URIs:/   { uri = $2 }
                /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) suite = 1 }
                END { if (!found) flush() }' "$file")"
            [[ -n "$url" ]] && break
        done
    fi
    # No fallback address: the site's apt configuration is the only source of packages.
    [[ -n "$url" ]] || die "no apt source for $SUITE in /etc/apt (sources.list, sources.list.d); debootstrap needs the site's mirror, or set RADD_SMOKE_MIRROR"
    printf '%s\n' "$url"
}

# Builds the pristine root file system with debootstrap and stores it as tarball $1.
build_rootfs_tarball() {
    local tarball=$1 mirror=$2 include
    include="$(IFS=,; echo "${ROOTFS_PACKAGES[*]}")"
    build_dir="$(mktemp -d /var/tmp/radd-rootfs-build.XXXXXX)"
    say "building the $SUITE root file system with debootstrap from $mirror (a minute or two, once)..."
    if ! run_logged "$build_dir/debootstrap.log" \
        debootstrap --variant=minbase --include="$include" "$SUITE" "$build_dir/root" "$mirror"; then
        tail -n 30 "$build_dir/debootstrap.log" >&2
        die "debootstrap failed (the last lines of its log are above)"
    fi
    local root=$build_dir/root
    # The container's host name comes from --machine (debootstrap copied the host's).
    rm -f "$root/etc/hostname"
    # apt-daily may start right after boot and hold the dpkg lock that install.sh needs.
    ln -sf /dev/null "$root/etc/systemd/system/apt-daily.timer"
    ln -sf /dev/null "$root/etc/systemd/system/apt-daily-upgrade.timer"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages
    say "saving $tarball..."
    mkdir -p "$CACHE_DIR"
    tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' --acls -cf - . |
        zstd -q -T0 -o "$tarball.tmp" || die "could not write $tarball"
    mv -f "$tarball.tmp" "$tarball"
    # Root file systems built from an older package list or mirror are of no more use.
    find "$CACHE_DIR" -maxdepth 1 -name "rootfs-$SUITE-*.tar.zst" ! -path "$tarball" -delete
    remove_tree "$build_dir"
    build_dir=""
}

# Sets rootfs_tarball to the cached root file system, building it first if needed.
cached_rootfs() {
    local mirror key
    mirror="$(host_mirror)"
    key="$(printf '%s\n' "$SUITE" "$mirror" "${ROOTFS_PACKAGES[@]}" | sha256sum | cut -c1-12)"
    rootfs_tarball="$CACHE_DIR/rootfs-$SUITE-$key.tar.zst"
    mkdir -p "$CACHE_DIR"
    # One builder at a time; a second run waits and then reuses its result.
    exec 9>"$CACHE_DIR/.lock"
    flock 9
    if [[ "${RADD_SMOKE_REBUILD:-}" == 1 || ! -s "$rootfs_tarball" ]]; then
        build_rootfs_tarball "$rootfs_tarball" "$mirror"
    else
        say "reusing the cached root file system $rootfs_tarball"
    fi
    flock -u 9
    exec 9>&-
}

# Copies the work tree (not .git, not the host's build products) to $1, with the pinned
# SwiftPM dependencies already checked out: the container cannot reach their git hosts,
# and neither can the host, which resolves them from its own SwiftPM cache.
copy_repo() {
    local dest=$1
    mkdir -p "$dest"
    tar -C "$REPO_DIR" --exclude=./.build --exclude=./.git -cf - . | tar -C "$dest" -xf -
    if [[ -d "$REPO_DIR/.build/checkouts" ]]; then
        mkdir -p "$dest/.build"
        cp -a "$REPO_DIR/.build/checkouts" "$dest/.build/"
        [[ -d "$REPO_DIR/.build/repositories" ]] && cp -a "$REPO_DIR/.build/repositories" "$dest/.build/"
        [[ -f "$REPO_DIR/.build/workspace-state.json" ]] && cp -a "$REPO_DIR/.build/workspace-state.json" "$dest/.build/"
    fi
    (cd "$dest" && swift package resolve >"$work_dir/resolve.log" 2>&1) || {
        tail -n 20 "$work_dir/resolve.log" >&2
        die "swift package resolve failed on the host (the container has no other way to get the dependencies)"
    }
}

# ---------------------------------------------------------------------------
# The container
# ---------------------------------------------------------------------------

# Runs a command inside the container (all its namespaces) as root with a clean
# environment. nsenter needs neither systemd-machined nor a bus on the host, which has
# neither when its PID 1 is not systemd.
in_container() {
    nsenter --target "$leader_pid" --all -- env -i "${CONTAINER_ENV[@]}" "$@"
}

boot_container() {
    local root=$1 console=$work_dir/console-$((++boot_count)).log
    say "booting the container $MACHINE (systemd-nspawn --boot, boot $boot_count)..."
    # --register=no --keep-unit: no machined registration and no scope unit, both of which
    # need the host's systemd on the system bus. The host network is shared so that
    # install.sh's apt-get reaches the mirror. setsid: a Ctrl-C on the terminal must not
    # reach systemd-nspawn, whose container would then shut down under a running nsenter
    # (systemd-shutdown SIGSTOPs every process, and nsenter then stops itself for good); the
    # EXIT trap powers it off in order. (No job control here, so setsid does not fork and $!
    # is systemd-nspawn's pid.)
    setsid systemd-nspawn --boot --directory="$root" --machine="$MACHINE" \
        --register=no --keep-unit --console=read-only --resolv-conf=copy-host \
        "${NSPAWN_ARGS[@]}" >"$console" 2>&1 </dev/null &
    nspawn_pid=$!

    # The container's PID 1 is systemd-nspawn's child.
    local i child
    for ((i = 0; i < 300; i++)); do
        kill -0 "$nspawn_pid" 2>/dev/null || break
        child="$(cat /proc/"$nspawn_pid"/task/*/children 2>/dev/null | awk '{ print $1; exit }')"
        if [[ -n "$child" && "$(cat "/proc/$child/comm" 2>/dev/null)" == systemd ]]; then
            leader_pid=$child
            break
        fi
        sleep 0.1
    done
    if [[ -z "$leader_pid" ]]; then
        cat "$console" >&2
        die "systemd-nspawn did not start systemd in the container (its output is above)"
    fi

    # systemctl cannot connect until systemd has set up /run/systemd/private, and then
    # answers at once with an empty state: ask again until --wait gives a final one.
    local state="" deadline=$((SECONDS + BOOT_TIMEOUT_S))
    while ((SECONDS < deadline)) && kill -0 "$nspawn_pid" 2>/dev/null; do
        state="$(timeout $((deadline - SECONDS + 1)) nsenter --target "$leader_pid" --all -- \
            systemctl is-system-running --wait 2>/dev/null || true)"
        [[ "$state" == running || "$state" == degraded || "$state" == maintenance ||
            "$state" == stopping ]] && break
        sleep 0.2
    done
    case "$state" in
        running) say "the container is up (systemctl is-system-running: running)" ;;
        degraded)
            say "the container is up (systemctl is-system-running: degraded); failed units:"
            in_container systemctl --failed --no-legend --no-pager || true
            ;;
        *)
            tail -n 40 "$console" >&2
            die "the container did not finish booting within ${BOOT_TIMEOUT_S}s (state: '${state:-none}')"
            ;;
    esac
}

# Runs install.sh in the container; its output goes to $1 and, on failure, to stderr.
run_install() {
    local log=$1 start=$SECONDS
    if run_logged "$log" timeout "$INSTALL_TIMEOUT_S" nsenter --target "$leader_pid" --all -- \
        env -i "${CONTAINER_ENV[@]}" "$REPO_IN_CONTAINER/install.sh" --model-port "$MODEL_PORT"; then
        say "install.sh finished in $((SECONDS - start)) s"
        # Shown, not counted: compiler and install.sh warnings are worth a look.
        grep -E '^[^[:space:]|].*warning: ' "$log" | sort -u | head -n 20 |
            sed 's/^/systemd-boot-smoke:   /' || true
        return 0
    fi
    sed 's/^/    | /' "$log" | tail -n 40 >&2
    printf 'systemd-boot-smoke: install.sh failed after %s s (the last lines of its output are above)\n' \
        "$((SECONDS - start))" >&2
    if grep -qE 'error while loading shared libraries|ld\.gold: error|posix_spawn failed' "$log"; then
        printf 'systemd-boot-smoke: hint: the Swift toolchain lacks Debian packages; install.sh'"'"'s BUILD_PACKAGES should list them\n' >&2
    fi
    return 1
}

# ---------------------------------------------------------------------------
# Checks (each runs on the host and looks into the container)
# ---------------------------------------------------------------------------
unit_prop() { in_container systemctl show raddd.service -p "$1" --value; }

unit_active() { [[ "$(in_container systemctl is-active raddd.service)" == active ]]; }

prop_is() {  # prop_is NAME VALUE
    local value
    value="$(unit_prop "$1")"
    [[ "$value" == "$2" ]] || { say "  $1=$value (expected $2)"; return 1; }
}

status_is_ready() {
    local value
    value="$(unit_prop StatusText)"
    say "  StatusText=$value"
    [[ "$value" == Ready* ]]
}

key_is_root_only() {
    local mode
    mode="$(in_container stat -c '%a %U:%G' /etc/radd/db.key)"
    [[ "$mode" == "400 root:root" ]] || { say "  /etc/radd/db.key is $mode"; return 1; }
}

# raddd (user radd) cannot open the root-only key file, so it can only have the key from
# its credentials directory: check that systemd made it and pointed raddd at it.
key_came_as_credential() {
    local pid
    pid="$(unit_prop MainPID)"
    [[ "$pid" =~ ^[1-9][0-9]*$ ]] || return 1
    in_container test -s /run/credentials/raddd.service/db-key &&
        in_container sh -c "tr '\\0' '\\n' </proc/$pid/environ" |
        grep -qx 'CREDENTIALS_DIRECTORY=/run/credentials/raddd.service' &&
        ! in_container setpriv --reuid=radd --regid=radd --init-groups test -r /etc/radd/db.key
}

# Anyone may connect to the socket, so that a refusal is seen and audited.
socket_is_open_to_all() {
    [[ "$(in_container stat -c %a /run/radd/raddd.sock)" == 666 ]]
}

# A user in no radd group is refused by raddd (exit 77), and the refusal is an audit record.
stranger_refused_and_audited() {
    local status=0
    in_container runuser -u nobody -- raddctl reports >/dev/null 2>&1 || status=$?
    [[ $status -eq 77 ]] || { say "  raddctl as nobody exited $status"; return 1; }
    in_container raddctl audit list --outcome denied --json |
        jq -e '.records | any(.username == "nobody" and .event == "security_alert")' >/dev/null
}

# systemctl reload raddd (ExecReload=raddctl reload, as raddd's user) reads the configuration
# and the access policy again; the change is audited. systemctl waits for it.
reload_is_audited() {
    local output
    output=$(in_container systemctl reload raddd 2>&1) || {
        say "  systemctl reload raddd failed: $output"
        say "  raddd's log: $(in_container journalctl -u raddd.service --no-pager -o cat -n 8 | tr '\n' '|')"
        return 1
    }
    in_container raddctl audit list --type config_change --json |
        jq -e --arg uid "$(in_container id -u radd)" '.records | any(.outcome == "success" and (.uid | tostring) == $uid)' >/dev/null
}

report_listed() {
    in_container raddctl reports --json | jq -e '.reports | any(.sourceName == "a.txt")' >/dev/null
}

# Drops the report the way a person would and waits for raddctl to list it.
report_listed_and_claimed() {
    local start end
    start=$(date +%s%N)
    # A fresh time stamp in the text: raddd stores the bytes of an earlier file only once.
    in_container sh -c 'echo "Lungs are clear. ($(date +%s%N))" > /var/spool/radd/drop/a.txt'
    while (( ($(date +%s%N) - start) / 1000000 < DROP_DEADLINE_S * 1000 )); do
        if report_listed; then
            end=$(date +%s%N)
            say "  a.txt listed $(( (end - start) / 1000000 )) ms after the drop"
            if in_container test -e /var/spool/radd/drop/a.txt; then
                say "  but /var/spool/radd/drop/a.txt is still there"
                return 1
            fi
            return 0
        fi
        sleep 0.05
    done
    say "  a.txt not listed within ${DROP_DEADLINE_S}s; raddctl reports --json says:"
    in_container raddctl reports --json || true
    return 1
}

journal_has() {  # journal_has JQ_FILTER: an entry of raddd.service matches it
    in_container journalctl -u raddd.service -o json --no-pager | jq -c "select($1)" | grep -q .
}

# grep -r over the folders that exist (grep exits 2 on a missing one); prints matching files.
grep_in_store() {  # grep_in_store TEXT
    # shellcheck disable=SC2016 # expanded by the inner bash
    in_container bash -c 'dirs=(); for d in /var/log/journal /run/log/journal /var/lib/radd; do
                              [[ -d $d ]] && dirs+=("$d"); done
                          grep -a -r -l -F -- "$1" "${dirs[@]}"' bash "$1"
}

report_text_not_on_disk() {
    in_container journalctl --sync
    local status=0 files
    files="$(grep_in_store "Lungs are clear")" || status=$?
    case $status in
        1) return 0 ;;
        0) say "  the report's text was found in: $files"; return 1 ;;
        *) say "  grep failed (exit status $status)"; return 1 ;;
    esac
}

# Control for the check above: the journal files are plain enough for grep to find a
# message that is there, so finding nothing means something.
journal_grep_control() { grep_in_store "stored report" >/dev/null; }

# raddd pings the watchdog every WatchdogSec/2 (15 s): wait for the first ping after the
# start (systemd records it as WatchdogTimestamp) instead of trusting the setting alone.
watchdog_pinged() {
    local start last deadline=$((SECONDS + 25))
    start="$(unit_prop ExecMainStartTimestampMonotonic)"
    while ((SECONDS < deadline)); do
        last="$(unit_prop WatchdogTimestampMonotonic)"
        if [[ "$start" =~ ^[0-9]+$ && "$last" =~ ^[0-9]+$ ]] && ((last - start >= 5000000)); then
            say "  first watchdog ping $(( (last - start) / 1000000 )) s after the start"
            prop_is NRestarts 0
            return
        fi
        sleep 1
    done
    say "  no watchdog ping within 25 s of waiting (WatchdogTimestampMonotonic=$last, start=$start)"
    return 1
}

model_unit_active() { [[ "$(in_container systemctl is-active radd-model.service)" == active ]]; }

# The model server answers /health from the host (the network is shared), within a while
# after a boot (it loads the model first).
model_server_ready() {
    local deadline=$((SECONDS + MODEL_READY_TIMEOUT_S))
    until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$MODEL_PORT/health")" == 200 ]]; do
        ((SECONDS < deadline)) || { say "  no 200 from /health on port $MODEL_PORT within ${MODEL_READY_TIMEOUT_S}s"; return 1; }
        sleep 0.5
    done
}

# Tests/model-smoke.sh in the container, against radd-model.service; its output in a log.
model_smoke_passes() {
    if run_logged "$work_dir/model-smoke.log" timeout 900 nsenter --target "$leader_pid" --all -- \
        env -i "${CONTAINER_ENV[@]}" "$REPO_IN_CONTAINER/Tests/model-smoke.sh"; then
        grep -E 'model-smoke: (  (warm start|listens|pid)|timings)' "$work_dir/model-smoke.log" |
            sed 's/^/systemd-boot-smoke:   /' || true
        return 0
    fi
    sed 's/^/    | /' "$work_dir/model-smoke.log" | tail -n 40 >&2
    return 1
}

stop_is_clean() {
    in_container systemctl stop raddd.service || return 1
    prop_is ExecMainStatus 0 && prop_is Result success
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
main() {
    [[ "$(id -u)" -eq 0 ]] || { echo "systemd-boot-smoke: needs root" >&2; exit 1; }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    [[ -x "$SWIFT_DIR/usr/bin/swift" ]] || die "no Swift toolchain in $SWIFT_DIR"
    export PATH="$PATH:$SWIFT_DIR/usr/bin"

    ensure_host_packages
    cached_rootfs
    install -d -m 0700 "$MODEL_CACHE_DIR"

    work_dir="$(mktemp -d /var/tmp/radd-systemd-smoke.XXXXXX)"
    local root=$work_dir/root
    mkdir "$root"
    say "unpacking a fresh copy of the root file system into $root..."
    zstd -q -d -c "$rootfs_tarball" | tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' --acls -xf - ||
        die "could not unpack $rootfs_tarball"
    copy_repo "$root$REPO_IN_CONTAINER"

    boot_container "$root"

    say "running install.sh in the container (apt packages and a release build)..."
    if run_install "$work_dir/install1.log"; then
        passed=$((passed + 1)); say "ok: first install.sh run"
    else
        die "first install.sh run failed"
    fi
    grep -q 'systemd is PID 1' "$work_dir/install1.log" ||
        die "install.sh did not take its systemd path (it did not see systemd as PID 1)"

    check "raddd.service is active" unit_active
    check "Type=notify" prop_is Type notify
    check "StatusText starts with Ready" status_is_ready
    check "WatchdogUSec=30s" prop_is WatchdogUSec 30s
    check "NRestarts=0" prop_is NRestarts 0
    check "/etc/radd/db.key is 0400 root:root" key_is_root_only
    check "raddd got the key as the credential db-key" key_came_as_credential
    check "dropped a.txt listed within ${DROP_DEADLINE_S} s and gone from the drop folder" \
        report_listed_and_claimed
    check "journal: 'stored reports' entry with RADD_CLAIM" \
        journal_has '.MESSAGE == "stored reports" and has("RADD_CLAIM")'
    check "journal files on disk are searchable (control)" journal_grep_control
    check "report text is in neither the journal nor /var/lib/radd" report_text_not_on_disk
    check "control socket is 0666 (the roles decide, every attempt is audited)" socket_is_open_to_all
    check "a user in no radd group is refused and the refusal is audited" stranger_refused_and_audited
    check "systemctl reload raddd reloads the access policy (audited as config_change)" reload_is_audited
    check "journal: 'audit checkpoint' with the chain's head" journal_has '.MESSAGE == "audit checkpoint" and has("RADD_SHA256")'
    check "raddctl audit verify: the chain is intact" in_container raddctl audit verify
    # What systemd said about the unit, for the reader (e.g. settings it ignored).
    in_container journalctl -b _PID=1 --no-pager -o cat | grep -i 'raddd.service.*\(ignor\|unknown\|not supported\)' |
        sed 's/^/systemd-boot-smoke:   systemd: /' || true
    say "  $(in_container systemd-analyze security raddd.service --no-pager 2>/dev/null | tail -n 1)"

    check "radd-model.service is active" model_unit_active
    check "Tests/model-smoke.sh passes against radd-model.service" model_smoke_passes
    in_container journalctl -b _PID=1 --no-pager -o cat | grep -i 'radd-model.service.*\(ignor\|unknown\|not supported\)' |
        sed 's/^/systemd-boot-smoke:   systemd: /' || true
    say "  radd-model.service: $(in_container systemd-analyze security radd-model.service --no-pager 2>/dev/null | tail -n 1)"

    check "systemctl stop raddd: ExecMainStatus=0, Result=success" stop_is_clean
    check "journal: 'raddd stopped'" journal_has '.MESSAGE == "raddd stopped"'

    local key_before
    key_before="$(in_container sha256sum /etc/radd/db.key)"
    check "second install.sh run" run_install "$work_dir/install2.log"
    check "raddd.service is active again" unit_active
    check "key kept by the second run" test "$key_before" = "$(in_container sha256sum /etc/radd/db.key)"
    check "a.txt still listed after the second run" report_listed
    check "radd-model.service is active again and answers" eval 'model_unit_active && model_server_ready'
    local key_unrotated
    key_unrotated="$(in_container sha256sum /etc/radd/db.key)"
    check "raddctl key rotate re-encrypts the running database and replaces the key file" \
        eval 'in_container raddctl key rotate >/dev/null && [[ "$(in_container sha256sum /etc/radd/db.key)" != "$key_unrotated" ]] && key_is_root_only'
    check "after the rotation: a.txt still listed" report_listed

    # A reboot: the same root file system booted again (systemd-nspawn exits instead of
    # restarting the container on "systemctl reboot" here). raddd must come up by itself
    # (enabled, users from sysusers, /run/radd from tmpfiles, key as credential) and open
    # the same database.
    check "container shuts down cleanly" power_off
    boot_container "$root"
    check "after a reboot: raddd.service is enabled" \
        test "$(in_container systemctl is-enabled raddd.service)" = enabled
    check "after a reboot: raddd.service is active" unit_active
    check "after a reboot: a.txt still listed (the rotated key came as the credential)" report_listed
    check "watchdog: raddd pings it (WatchdogTimestamp advances), no restarts" watchdog_pinged
    check "after a reboot: radd-model.service is enabled, active and answers" \
        eval '[[ "$(in_container systemctl is-enabled radd-model.service)" == enabled ]] && model_unit_active && model_server_ready'
}

# Sourced (by Tests/offline-install-smoke.sh), it defines the settings and functions only.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi

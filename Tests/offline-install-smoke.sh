#!/usr/bin/env bash
# Proves the offline install of issue 18 for real: on the host, ./install.sh --bundle writes the
# bundle (from install.sh's cache of llama-server and the model, so it takes seconds); a fresh
# Debian 12 container, booted with systemd as PID 1 and no network at all
# (systemd-nspawn --private-network: a loopback interface only), gets nothing but the bundle
# and install.sh - not the repository, /opt/swift or the host's /var/cache/radd. In it:
#   - a copy of the bundle with one byte changed in one .deb is refused, naming that file, and
#     nothing is installed (no binaries, no /etc/radd, the same dpkg package list);
#   - ./install.sh --from-bundle installs radd: raddd.service and radd-model.service are
#     active, and a report dropped into /var/spool/radd/drop is stored and labelled by the
#     rule labeler.
#
# Run as root on a Debian 12 host with the Swift toolchain in /opt/swift:
#     sudo Tests/offline-install-smoke.sh
# The container set-up (cached root file system, boot, nsenter, clean-up) is
# Tests/systemd-boot-smoke.sh's, sourced. The last line is
# "offline-install-smoke: N passed, M failed"; the exit status is 0 only when every check
# passed.
set -euo pipefail

SMOKE_NAME=offline-install-smoke
# shellcheck source=Tests/systemd-boot-smoke.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/systemd-boot-smoke.sh"

# Where the container finds the bundle and install.sh (copied in; nothing of the host is
# mounted).
readonly OFFLINE_DIR_IN_CONTAINER=/root/offline
readonly OFFLINE_INSTALL_TIMEOUT_S=900
readonly LABEL_DEADLINE_S=15
# The container's own network namespace with only "lo", and no bind mounts of the host.
NSPAWN_ARGS=(--private-network)

# ---------------------------------------------------------------------------
# Steps and checks
# ---------------------------------------------------------------------------

# Writes the bundle on the host with the repository's install.sh.
make_bundle_on_host() {
    local out=$1 start=$SECONDS
    if run_logged "$work_dir/bundle.log" "$REPO_DIR/install.sh" --bundle "$out"; then
        say "  $(grep -E '^install.sh: wrote ' "$work_dir/bundle.log" | sed 's/^install.sh: //') (whole step $((SECONDS - start)) s)"
        return 0
    fi
    sed 's/^/    | /' "$work_dir/bundle.log" | tail -n 30 >&2
    return 1
}

# Copies bundle $1 to $2 with one byte inverted in the middle of the first .deb; prints the
# member's name.
damage_bundle() {
    cp --reflink=auto "$1" "$2"
    python3 - "$2" <<'PY'
import sys, tarfile
path = sys.argv[1]
with tarfile.open(path) as tar:
    member = next(m for m in tar.getmembers() if m.name.startswith("debs/") and m.name.endswith(".deb"))
offset = member.offset_data + member.size // 2
with open(path, "r+b") as f:
    f.seek(offset)
    byte = f.read(1)[0]
    f.seek(offset)
    f.write(bytes([byte ^ 0xFF]))
print(member.name)
PY
}

# Runs install.sh in the container with the given arguments; output to log $1.
run_offline_install() {
    local log=$1 start=$SECONDS status=0
    shift
    run_logged "$log" timeout "$OFFLINE_INSTALL_TIMEOUT_S" nsenter --target "$leader_pid" --all -- \
        env -i "${CONTAINER_ENV[@]}" "$OFFLINE_DIR_IN_CONTAINER/install.sh" "$@" || status=$?
    say "  install.sh $* exited $status after $((SECONDS - start)) s"
    return "$status"
}

# The container has no interface but lo, cannot resolve a name, and cannot open a TCP
# connection to the host's Debian mirror, which the host itself can (control).
network_is_off() {
    local ifaces mirror host
    ifaces="$(in_container ls /sys/class/net | tr '\n' ' ')"
    [[ "$ifaces" == "lo " ]] || { say "  interfaces: $ifaces"; return 1; }
    mirror="$(host_mirror)"
    host=${mirror#*://}
    host=${host%%/*}
    host=${host%%:*}
    if in_container getent hosts "$host" >/dev/null 2>&1; then
        say "  the container resolves $host"
        return 1
    fi
    local addr
    addr="$(getent ahostsv4 "$host" | awk '{ print $1; exit }')"
    [[ -n "$addr" ]] || { say "  the host cannot resolve $host either (no control)"; return 1; }
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/80"' _ "$addr" 2>/dev/null ||
        { say "  the host cannot reach $addr:80 either (no control)"; return 1; }
    # shellcheck disable=SC2016 # expanded by the inner bash
    if in_container timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/80"' _ "$addr" 2>/dev/null; then
        say "  the container reached $host ($addr) port 80"
        return 1
    fi
    say "  only lo; $host does not resolve and $addr:80 is unreachable in the container (the host reaches it)"
}

nothing_of_the_host() {
    ! in_container test -e /opt/swift && ! in_container test -e /var/cache/radd &&
        ! in_container test -e /srv/radd && ! in_container test -e /root/offline/Sources
}

refused_naming() {  # refused_naming LOG MEMBER: the exact message, naming the damaged file
    grep -qF "install.sh: error: the bundle is damaged: $2 does not match its SHA-256 in MANIFEST.sha256; nothing was installed" "$1" ||
        { sed 's/^/    | /' "$1" | tail -n 5 >&2; return 1; }
}

nothing_installed() {  # nothing_installed DPKG_LIST_BEFORE
    local p
    for p in /usr/local/bin/raddd /usr/local/bin/raddctl /usr/local/lib/radd /etc/radd /var/lib/radd-model \
        /etc/systemd/system/raddd.service; do
        if in_container test -e "$p"; then say "  $p exists"; return 1; fi
    done
    if in_container getent passwd radd >/dev/null; then say "  user radd exists"; return 1; fi
    # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
    [[ "$(in_container dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n')" == "$1" ]] ||
        { say "  the dpkg package list changed"; return 1; }
    # The private unpack folder is gone too.
    ! in_container sh -c 'ls -d /var/tmp/radd-bundle.* 2>/dev/null | grep -q .'
}

unit_is_active() { [[ "$(in_container systemctl is-active "$1")" == active ]]; }

# Drops a report and waits until raddctl lists it with the rule labeler's final labels for
# chestxray14 (its negated findings: effusion and consolidation negative).
report_stored_and_labelled() {
    local name id deadline text
    name="offline-$(date +%s%N).txt"
    text="EXAM: $name
FINDINGS: No focal consolidation. No pleural effusion.
IMPRESSION: Normal chest."
    # shellcheck disable=SC2016 # expanded by the inner sh
    in_container sh -c 'umask 022; printf "%s\n" "$1" >"/var/spool/radd/drop/.$2" && mv "/var/spool/radd/drop/.$2" "/var/spool/radd/drop/$2"' \
        sh "$text" "$name"
    deadline=$((SECONDS + LABEL_DEADLINE_S))
    while ((SECONDS < deadline)); do
        id="$(in_container raddctl reports --json --limit 1000 |
            jq -r --arg n "$name" '.reports[] | select(.sourceName == $n) | .id' 2>/dev/null || true)"
        if [[ -n "$id" ]] && in_container raddctl report "$id" | grep -qF 'final (rules): Effusion negative, Consolidation negative'; then
            say "  $name stored as report $id and labelled by the rule labeler"
            return 0
        fi
        sleep 0.5
    done
    say "  $name not stored and labelled within ${LABEL_DEADLINE_S}s; raddctl status:"
    in_container raddctl status >&2 || true
    [[ -n "$id" ]] && in_container raddctl report "$id" >&2
    return 1
}

# The installed programs load nothing that is missing (no toolchain in the container).
programs_link() {
    local p out
    for p in /usr/local/bin/raddd /usr/local/bin/raddctl /usr/local/lib/radd/llama-server; do
        out="$(in_container ldd "$p" 2>&1)" || { say "  ldd $p failed: $out"; return 1; }
        if grep -q 'not found' <<<"$out"; then say "  $p: $(grep 'not found' <<<"$out" | tr '\n' ' ')"; return 1; fi
    done
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
offline_main() {
    [[ "$(id -u)" -eq 0 ]] || { echo "$SMOKE_NAME: needs root" >&2; exit 1; }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    [[ -x "$SWIFT_DIR/usr/bin/swift" ]] || die "no Swift toolchain in $SWIFT_DIR"
    export PATH="$PATH:$SWIFT_DIR/usr/bin"
    ensure_host_packages
    cached_rootfs

    work_dir="$(mktemp -d /var/tmp/radd-offline-smoke.XXXXXX)"
    local bundle=$work_dir/radd-bundle.tar damaged=$work_dir/radd-bundle-damaged.tar member
    say "making the bundle on the host (./install.sh --bundle; reuses /var/cache/radd)..."
    if make_bundle_on_host "$bundle"; then
        passed=$((passed + 1)); say "ok: ./install.sh --bundle on the host"
    else
        die "./install.sh --bundle failed on the host"
    fi
    member="$(damage_bundle "$bundle" "$damaged")" || die "could not make the damaged copy"
    say "  the damaged copy has one byte inverted in $member"

    local root=$work_dir/root
    mkdir "$root"
    say "unpacking a fresh copy of the root file system into $root..."
    zstd -q -d -c "$rootfs_tarball" | tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' --acls -xf - ||
        die "could not unpack $rootfs_tarball"
    # Only install.sh and the two bundle files (hard links where possible: 1.3 GB each).
    install -d -m 0700 "$root$OFFLINE_DIR_IN_CONTAINER"
    install -m 0755 "$REPO_DIR/install.sh" "$root$OFFLINE_DIR_IN_CONTAINER/install.sh"
    ln "$bundle" "$root$OFFLINE_DIR_IN_CONTAINER/" 2>/dev/null || cp "$bundle" "$root$OFFLINE_DIR_IN_CONTAINER/"
    ln "$damaged" "$root$OFFLINE_DIR_IN_CONTAINER/" 2>/dev/null || cp "$damaged" "$root$OFFLINE_DIR_IN_CONTAINER/"

    boot_container "$root"
    check "the container has no network (only lo, no DNS, no route to the apt mirror)" network_is_off
    check "the container has neither the repository, /opt/swift nor /var/cache/radd" nothing_of_the_host

    local dpkg_before status=0
    # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
    dpkg_before="$(in_container dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n')"
    run_offline_install "$work_dir/damaged.log" --from-bundle "$OFFLINE_DIR_IN_CONTAINER/$(basename "$damaged")" ||
        status=$?
    check "the damaged bundle is refused (non-zero exit)" test "$status" -ne 0
    check "the refusal names $member" refused_naming "$work_dir/damaged.log" "$member"
    check "nothing was installed from the damaged bundle" nothing_installed "$dpkg_before"

    say "installing from the good bundle in the container (no network)..."
    if run_offline_install "$work_dir/install.log" --from-bundle "$OFFLINE_DIR_IN_CONTAINER/$(basename "$bundle")"; then
        passed=$((passed + 1)); say "ok: ./install.sh --from-bundle"
        grep -E '^install.sh: (the bundle verifies|installing [0-9]+ of)' "$work_dir/install.log" |
            sed "s/^/$SMOKE_NAME:   /" || true
    else
        sed 's/^/    | /' "$work_dir/install.log" | tail -n 40 >&2
        die "./install.sh --from-bundle failed in the container"
    fi
    grep -q 'systemd is PID 1' "$work_dir/install.log" ||
        die "install.sh did not take its systemd path (it did not see systemd as PID 1)"
    check "raddd.service is active" unit_is_active raddd.service
    check "radd-model.service is active" unit_is_active radd-model.service
    check "raddd, raddctl and llama-server load no missing library" programs_link
    check "raddctl status answers" eval 'in_container raddctl status >/dev/null'
    check "a dropped report is stored and labelled by the rule labeler" report_stored_and_labelled
}

offline_main "$@"

#!/usr/bin/env bash
# End-to-end check of the README's first command on this machine, as root: install.sh leaves a
# running daemon; a dropped report is listed by `raddctl reports --json` within 2 s and its
# original is gone; a second install.sh run keeps the key, the config and the stored reports.
# Run by `./install.sh --test` when CI=true (or RADD_TEST_INSTALL=1); it changes the machine.
set -uo pipefail
cd "$(dirname "$0")/.."
[[ "$(id -u)" -eq 0 ]] || { echo "install-smoke: needs root" >&2; exit 1; }

passed=0 failed=0
check() {  # check NAME COMMAND...
    local name="$1"; shift
    if "$@"; then passed=$((passed + 1)); echo "install-smoke: ok: $name"
    else failed=$((failed + 1)); echo "install-smoke: FAILED: $name" >&2; fi
}

drop_dir=/var/spool/radd/drop
name="smoke-$(date +%s%N).txt"

listed_within() {  # listed_within SECONDS FILE_NAME
    local deadline=$((SECONDS + $1 + 1)) start end
    start=$(date +%s%N)
    # The name makes the content unique: raddd stores the bytes of an earlier file only once.
    printf 'EXAM: %s\nFINDINGS: Lungs are clear. IMPRESSION: Normal chest.\n' "$2" > "$drop_dir/.$2"
    mv "$drop_dir/.$2" "$drop_dir/$2"
    while ((SECONDS < deadline)); do
        if raddctl reports --json --limit 1000 | grep -q "\"sourceName\" : \"$2\""; then
            end=$(date +%s%N)
            echo "install-smoke: $2 listed $(( (end - start) / 1000000 )) ms after the drop"
            (( (end - start) / 1000000 < $1 * 1000 )) && [[ ! -e "$drop_dir/$2" ]]
            return
        fi
        sleep 0.02
    done
    return 1
}

check "first install.sh run" ./install.sh
check "raddd answers raddctl status" raddctl status
check "dropped report listed within 2 s, original removed" listed_within 2 "$name"
# (File names are passed as arguments: check's own `local name` would hide the global one.)
labelled_by() {  # labelled_by SECONDS FILE_NAME PATTERN: the file's `raddctl report` shows PATTERN in time
    local id deadline=$((SECONDS + $1)) start=$SECONDS pattern=$3
    id=$(raddctl reports --json --limit 1000 | python3 -c '
import json, sys
print(next(r["id"] for r in json.load(sys.stdin)["reports"] if r["sourceName"] == sys.argv[1]))' "$2") || return 1
    while ((SECONDS < deadline)); do
        if raddctl report "$id" | grep -q -- "$pattern"; then
            echo "install-smoke: report $id shows '$pattern' after $((SECONDS - start)) s"
            return 0
        fi
        sleep 1
    done
    raddctl report "$id" | sed -n '/^labels/,/^$/p' >&2
    raddctl status >&2
    return 1
}
check "the report is labelled by the rule labeler at once" labelled_by 5 "$name" "final (rules): nothing mentioned"
if systemctl is-active --quiet radd-model.service 2>/dev/null || pgrep -u radd-model -x llama-server >/dev/null; then
    check "and by the bundled model within 5 minutes (its first request computes the whole prompt)" \
        labelled_by 300 "$name" "  llm, qwen2.5-coder-1.5b-instruct"
fi
unreadable_is_quarantined() {  # a file radd's user may not read ends in quarantine with the reason
    local file="private-$(date +%s%N).txt" deadline=$((SECONDS + 5))
    (umask 077; echo "Private export." > "/tmp/$file")
    cp "/tmp/$file" "$drop_dir/$file"   # keeps mode 0600 owned by root: unreadable for user radd
    rm -f "/tmp/$file"
    while ((SECONDS < deadline)); do
        if [[ -e "/var/spool/radd/quarantine/$file.reason" ]]; then
            grep -q "permission denied" "/var/spool/radd/quarantine/$file.reason" && [[ ! -e "$drop_dir/$file" ]]
            return
        fi
        sleep 0.05
    done
    return 1
}
check "an export radd may not read is quarantined with the reason" unreadable_is_quarantined
key_before=$(sha256sum /etc/radd/db.key | cut -d' ' -f1)
conf_before=$(sha256sum /etc/radd/raddd.conf | cut -d' ' -f1)
# As an unprivileged user in another directory, as a researcher runs it.
label_outside_the_repository() {
    local dir; dir=$(mktemp -d)
    chmod 0777 "$dir"
    printf '"No pneumothorax. Small left pleural effusion."\n' >"$dir/in.csv"
    (cd "$dir" && runuser -u nobody -- raddctl label --task chestxray14 --in in.csv --out out.csv) &&
        grep -qx 'No pneumothorax. Small left pleural effusion.,,,1.0,,,,,0.0,,,,,,' "$dir/out.csv"
    local status=$?
    rm -rf "$dir"
    return $status
}
check "raddctl label finds the installed tasks from any directory" label_outside_the_repository

check "second install.sh run (idempotent)" ./install.sh
check "key kept" test "$key_before" = "$(sha256sum /etc/radd/db.key | cut -d' ' -f1)"
check "config kept" test "$conf_before" = "$(sha256sum /etc/radd/raddd.conf | cut -d' ' -f1)"
check "stored report kept across reinstall" bash -c "raddctl reports --json --limit 1000 | grep -q '\"sourceName\" : \"$name\"'"
check "key file is 0400" test "$(stat -c %a /etc/radd/db.key)" = 400
# A config from before the access roles keeps its socket group (a filesystem gate); a new one
# opens the socket so that every attempt reaches raddd and is audited.
if grep -q '^socket_group *= *radd-ctl' /etc/radd/raddd.conf; then
    check "socket is 0660 group radd-ctl (socket_group kept from an older config)" test "$(stat -c '%a %G' /run/radd/raddd.sock)" = "660 radd-ctl"
else
    check "socket is 0666 (the roles decide)" test "$(stat -c %a /run/radd/raddd.sock)" = 666
fi
check "access policy installed" test -f /etc/radd/access
check "the role groups exist" getent group radd-viewer radd-exporter radd-auditor radd-reviewer radd-admin

# A user in no radd group is refused and audited; an auditor verifies the chain.
refused_and_audited() {
    local out status
    out=$(runuser -u nobody -- raddctl --socket /run/radd/raddd.sock reports 2>&1); status=$?
    [[ $status -eq 77 ]] || { echo "exit $status: $out"; return 1; }
    raddctl audit list --outcome denied --user nobody --json | grep -q '"username" : "nobody"'
}
if ! grep -q '^socket_group' /etc/radd/raddd.conf; then
    check "a user in no radd group is refused, and the refusal is audited" refused_and_audited
fi
check "raddctl audit verify: the audit chain is intact" raddctl audit verify
if command -v systemd-analyze >/dev/null; then
    check "systemd/raddd.service passes systemd-analyze verify" systemd-analyze verify systemd/raddd.service
    echo "install-smoke: $(systemd-analyze security --offline=yes systemd/raddd.service 2>/dev/null | tail -1)"
fi
echo "install-smoke: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

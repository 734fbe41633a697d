#!/usr/bin/env bash
# Installs radd (the raddd daemon and raddctl) on Debian 12, or, with --test,
# installs what building and testing need and runs the test suite.
# Safe to run again: it keeps an existing config and database key.
set -euo pipefail

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------
readonly BIN_DIR=/usr/local/bin
readonly CONF_DIR=/etc/radd
readonly CONF_FILE=/etc/radd/raddd.conf
readonly DEID_POLICY_FILE=/etc/radd/deid.policy
readonly SHIPPED_TASK_DIR=/usr/local/share/radd/tasks
readonly LOCAL_TASK_DIR=/etc/radd/tasks
readonly KEY_FILE=/etc/radd/db.key
readonly STATE_DIR=/var/lib/radd
readonly DROP_DIR=/var/spool/radd/drop
readonly QUARANTINE_DIR=/var/spool/radd/quarantine
readonly RUN_DIR=/run/radd
readonly SOCKET=/run/radd/raddd.sock
readonly PID_FILE=/run/radd/raddd.pid
readonly LOG_DIR=/var/log/radd
readonly LOG_FILE=/var/log/radd/raddd.log
readonly UNIT_NAME=raddd.service
readonly UNIT_DEST=/etc/systemd/system/raddd.service
readonly SYSUSERS_DEST=/usr/lib/sysusers.d/radd.conf
readonly TMPFILES_DEST=/usr/lib/tmpfiles.d/radd.conf
readonly DAEMON_USER=radd
readonly CTL_GROUP=radd-ctl
readonly DROP_GROUP=radd-drop
readonly START_TIMEOUT_S=10
readonly STOP_TIMEOUT_S=10

# Debian packages needed to build radd (and to install it: acl for setfacl,
# util-linux for setpriv, passwd for useradd/groupadd). The last six are what the
# Swift toolchain in /opt/swift itself needs on a bare Debian 12: swift loads
# libncurses6, libsqlite3-0 and libxml2 (the toolchain's own; raddd links only
# SQLCipher), and linking needs binutils (ld.gold), libgcc-12-dev and libc6-dev.
readonly BUILD_PACKAGES=(libsqlcipher-dev libssl-dev libsystemd-dev libcurl4-openssl-dev pkg-config acl util-linux passwd
    binutils libc6-dev libgcc-12-dev libncurses6 libsqlite3-0 libxml2)
# Extra packages the tests use: the sqlcipher CLI and systemd-journald.
readonly TEST_PACKAGES=(sqlcipher systemd)

SCRIPT_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
readonly SCRIPT_DIR

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
say() { printf 'install.sh: %s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<EOF
Usage: install.sh [--test | --help]

Without options (as root): installs the apt packages radd needs, builds
raddd and raddctl (swift build -c release) and installs them to
$BIN_DIR, creates the users, groups and directories, writes
$CONF_FILE and the database key $KEY_FILE if they are missing
(existing ones are kept), checks the configuration and starts the daemon:
as the systemd unit $UNIT_NAME where systemd is PID 1, otherwise in
the background (pid in $PID_FILE, log in $LOG_FILE).
Running it again updates the binaries and restarts the daemon.

  --test   install the packages needed to build and test, then run
           'swift build --build-tests' and 'swift test --skip-build'.
           With CI=true or RADD_TEST_INSTALL=1 (as root) it then also runs
           Tests/install-smoke.sh, which installs and starts raddd for real
           and checks a dropped report, and Tests/systemd-boot-smoke.sh,
           which does the same as raddd.service in a Debian 12 container
           booted with systemd-nspawn; otherwise nothing is installed.
           The exit status is the tests'.
  --help   show this help.

Examples:
  sudo ./install.sh          # install or update, and (re)start raddd
  ./install.sh --test        # build and run the tests (what CI runs)
EOF
}

# True where systemd is the init system (PID 1). This is sd_booted(3)'s test;
# /proc/1/comm is checked too, so a /run/systemd left over in a container
# without systemd does not count.
systemd_is_pid1() {
    [[ -d /run/systemd/system ]] || return 1
    local comm
    comm="$(cat /proc/1/comm 2>/dev/null || true)"
    [[ "$comm" == systemd || "$comm" == init ]]
}

require_root() {
    [[ "$(id -u)" -eq 0 ]] || die "this must run as root (try: sudo $0)"
}

ensure_swift_on_path() {
    if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
        export PATH="$PATH:/opt/swift/usr/bin"
    fi
    command -v swift >/dev/null 2>&1 || die "swift not found on PATH (expected the toolchain in /opt/swift/usr/bin)"
}

# Installs the given Debian packages that are not installed yet. When all are
# installed this only asks dpkg, so repeated runs stay fast.
ensure_apt_packages() {
    local pkg status missing=()
    for pkg in "$@"; do
        status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
        [[ "$status" == ii* ]] || missing+=("$pkg")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        say "apt packages already installed: $*"
        return 0
    fi
    [[ "$(id -u)" -eq 0 ]] || die "missing apt packages (${missing[*]}); run as root to install them"
    say "installing apt packages: ${missing[*]} (apt-get update first)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}" </dev/null ||
        die "apt-get install ${missing[*]} failed"
}

# ---------------------------------------------------------------------------
# Test mode
# ---------------------------------------------------------------------------

# Cached test dependencies (the place for the llama.cpp build and the small
# model from PyPI that later tests will use). There are none yet.
install_test_dependencies() {
    say "no cached test dependencies to install yet"
}

run_tests() {
    ensure_apt_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    install_test_dependencies
    ensure_swift_on_path
    cd "$SCRIPT_DIR"
    say "building with tests (swift build --build-tests; the first build takes a few minutes)..."
    swift build --build-tests || die "swift build --build-tests failed"
    say "running the tests (swift test --skip-build)..."
    local status=0
    swift test --skip-build || status=$?
    # In CI (or when asked), also check the README's first command for real: it installs and
    # starts raddd on this machine, so it does not run on a developer's machine by default.
    if [[ $status -eq 0 && ( "${CI:-}" == true || "${RADD_TEST_INSTALL:-}" == 1 ) ]]; then
        say "running the install smoke test (Tests/install-smoke.sh)..."
        "$SCRIPT_DIR/Tests/install-smoke.sh" || status=$?
        # The systemd path cannot run on a host whose PID 1 is not systemd, so it is booted
        # in a Debian 12 container (systemd-nspawn) with a cached root file system.
        if [[ $status -eq 0 ]]; then
            say "running the systemd boot test (Tests/systemd-boot-smoke.sh)..."
            "$SCRIPT_DIR/Tests/systemd-boot-smoke.sh" || status=$?
        fi
    fi
    if [[ $status -eq 0 ]]; then
        say "tests passed"
    else
        printf 'install.sh: error: tests failed (exit status %s)\n' "$status" >&2
    fi
    return "$status"
}

# ---------------------------------------------------------------------------
# Install steps
# ---------------------------------------------------------------------------

build_and_install_binaries() {
    ensure_swift_on_path
    cd "$SCRIPT_DIR"
    say "building release binaries (swift build -c release; the first build takes a few minutes)..."
    swift build -c release || die "swift build -c release failed"
    local bin_path name
    bin_path="$(swift build -c release --show-bin-path)" || die "swift build --show-bin-path failed"
    for name in raddd raddctl; do
        [[ -x "$bin_path/$name" ]] || die "built binary $bin_path/$name not found"
        # Copy next to the target, then rename: a running raddd keeps its old file.
        install -m 0755 -o root -g root "$bin_path/$name" "$BIN_DIR/.$name.new"
        mv -f "$BIN_DIR/.$name.new" "$BIN_DIR/$name"
    done
    say "installed $BIN_DIR/raddd and $BIN_DIR/raddctl"
}

create_users_systemd() {
    say "creating users and groups (systemd-sysusers $SYSUSERS_DEST)..."
    install -D -m 0644 -o root -g root "$SCRIPT_DIR/systemd/radd.sysusers.conf" "$SYSUSERS_DEST"
    systemd-sysusers "$SYSUSERS_DEST" || die "systemd-sysusers $SYSUSERS_DEST failed"
}

create_users_plain() {
    say "creating users and groups (groupadd/useradd)..."
    local group
    for group in "$DAEMON_USER" "$CTL_GROUP" "$DROP_GROUP"; do
        if ! getent group "$group" >/dev/null; then
            groupadd --system "$group" || die "groupadd $group failed"
            say "created group $group"
        fi
    done
    if ! getent passwd "$DAEMON_USER" >/dev/null; then
        useradd --system --gid "$DAEMON_USER" --home-dir "$STATE_DIR" --no-create-home \
            --shell /usr/sbin/nologin --comment "radd report daemon" "$DAEMON_USER" ||
            die "useradd $DAEMON_USER failed"
        say "created user $DAEMON_USER"
    fi
    # Same memberships as radd.sysusers.conf.
    for group in "$DROP_GROUP" "$CTL_GROUP"; do
        if ! id -nG "$DAEMON_USER" | tr ' ' '\n' | grep -qx -- "$group"; then
            usermod -a -G "$group" "$DAEMON_USER" || die "usermod -a -G $group $DAEMON_USER failed"
            say "added $DAEMON_USER to group $group"
        fi
    done
}

check_users() {
    getent passwd "$DAEMON_USER" >/dev/null || die "user $DAEMON_USER was not created"
    local group
    for group in "$CTL_GROUP" "$DROP_GROUP"; do
        getent group "$group" >/dev/null || die "group $group was not created"
        id -nG "$DAEMON_USER" | tr ' ' '\n' | grep -qx -- "$group" ||
            die "user $DAEMON_USER is not a member of $group"
    done
}

create_dirs_systemd() {
    say "creating directories (systemd-tmpfiles $TMPFILES_DEST)..."
    install -D -m 0644 -o root -g root "$SCRIPT_DIR/systemd/radd.tmpfiles.conf" "$TMPFILES_DEST"
    systemd-tmpfiles --create "$TMPFILES_DEST" || die "systemd-tmpfiles --create $TMPFILES_DEST failed"
}

# Without systemd: the same "d" lines of radd.tmpfiles.conf, with install -d.
create_dirs_plain() {
    say "creating directories (install -d, from systemd/radd.tmpfiles.conf)..."
    local type path mode user group _rest
    while read -r type path mode user group _rest; do
        [[ -z "$type" || "$type" == \#* ]] && continue
        [[ "$type" == d ]] || die "unsupported line type '$type' in systemd/radd.tmpfiles.conf"
        install -d -m "$mode" -o "$user" -g "$group" "$path" || die "cannot create $path"
        # install -d leaves an existing directory's mode alone in some cases:
        # set it explicitly (the leading 0 clears a stray setgid bit too).
        chown "$user:$group" "$path"
        chmod "0$mode" "$path"
    done <"$SCRIPT_DIR/systemd/radd.tmpfiles.conf"
    # Log directory: only used without systemd (the journal is used with it).
    install -d -m 0750 -o "$DAEMON_USER" -g "$DAEMON_USER" "$LOG_DIR"
    chown "$DAEMON_USER:$DAEMON_USER" "$LOG_DIR"
    chmod 0750 "$LOG_DIR"
}

# Files dropped by members of radd-drop must stay readable by the daemon
# whatever the writer's umask, and must not be readable by the other members.
set_drop_acl() {
    if ! command -v setfacl >/dev/null 2>&1; then
        warn "setfacl not found: no default ACL on $DROP_DIR (files dropped with umask 077 will not be readable by $DAEMON_USER)"
        return 0
    fi
    if setfacl -m "d:u::rwx,d:g::---,d:o::---,d:u:$DAEMON_USER:rwx,d:m::rwx" "$DROP_DIR"; then
        say "set default ACL on $DROP_DIR (new files readable by $DAEMON_USER only)"
    else
        warn "setfacl on $DROP_DIR failed (file system without ACLs?); continuing without it"
    fi
}

write_config() {
    if [[ -e "$CONF_FILE" ]]; then
        say "keeping existing $CONF_FILE"
    else
        local tmp
        tmp="$(mktemp "$CONF_DIR/.raddd.conf.XXXXXX")"
        cat >"$tmp" <<EOF
# radd daemon configuration: key = value lines, # starts a comment.
# Every key can be overridden by the flag of the same name (--state-dir ...).
# Written by install.sh; it is never overwritten.

# Where the encrypted database lives.
state_dir = $STATE_DIR
# Folder watched for new reports (writable by group $DROP_GROUP).
drop_dir = $DROP_DIR
# Where reports that cannot be processed are moved.
quarantine_dir = $QUARANTINE_DIR
# Control socket that raddctl talks to.
socket = $SOCKET
# Group of the control socket: its members may use raddctl.
socket_group = $CTL_GROUP
# Database key (64 hex characters); under systemd it is passed as the
# credential db-key instead and this path is not read.
key_file = $KEY_FILE
# debug, info, notice, warning or error.
log_level = info
# auto (journal under systemd, else stderr), journal or stderr.
log_target = auto
# Seconds a file must stay unchanged before it is claimed (size and mtime).
settle_time = 1
# How de-identification replaces PHI: tags or surrogates (see the file).
deid_policy = $DEID_POLICY_FILE

# More drop folders, each with its own format and CSV mapping, are sections
# (Docs/configuration.md, "Drop folders"). The folder must be writable by the
# exporting account and under /var/spool/radd (the unit's sandbox allows that).
#
# [folder ris]
# path = /var/spool/radd/ris
# format = hl7v2
#
# [folder research]
# path = /var/spool/radd/research
# format = csv
# csv_id = study_uid
# csv_text = findings, impression
EOF
        mv "$tmp" "$CONF_FILE"
        say "wrote $CONF_FILE"
    fi
    chown "root:$DAEMON_USER" "$CONF_FILE"
    chmod 0640 "$CONF_FILE"
}

# The shipped policy, installed once; an administrator's edits are kept.
write_deid_policy() {
    if [[ -e "$DEID_POLICY_FILE" ]]; then
        say "keeping existing $DEID_POLICY_FILE"
    else
        install -m 0640 -o root -g "$DAEMON_USER" "$SCRIPT_DIR/policies/deid.policy" "$DEID_POLICY_FILE"
        say "wrote $DEID_POLICY_FILE"
    fi
}

# The shipped label tasks go where any user's raddctl finds them (researchers run `raddctl
# label` as themselves), replaced on every install like the binaries. A hospital's own tasks,
# or its changed copies of ours, go in /etc/radd/tasks, which is read first.
install_tasks() {
    install -d -m 0755 "$SHIPPED_TASK_DIR"
    rm -f "$SHIPPED_TASK_DIR"/*.json
    install -m 0644 -o root -g root "$SCRIPT_DIR"/policies/tasks/*.json "$SHIPPED_TASK_DIR"/
    [[ -d "$LOCAL_TASK_DIR" ]] || install -d -m 0750 -o root -g "$DAEMON_USER" "$LOCAL_TASK_DIR"
    say "label tasks in $SHIPPED_TASK_DIR (local ones: $LOCAL_TASK_DIR)"
}

# The key is 64 lowercase hex characters (256 bits). It is never printed.
write_key() {
    local owner=$1
    if [[ -e "$KEY_FILE" ]]; then
        # Validate without showing the key; a trailing newline is tolerated.
        local content
        content="$(tr -d '\n' <"$KEY_FILE")"
        [[ "$content" =~ ^[0-9a-fA-F]{64}$ ]] ||
            die "$KEY_FILE exists but is not 64 hex characters; fix or move it away (a new key cannot open an existing database)"
        unset content
        say "keeping existing database key $KEY_FILE"
    else
        local tmp key
        tmp="$(umask 077 && mktemp "$CONF_DIR/.db.key.XXXXXX")"
        key="$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')"
        [[ "$key" =~ ^[0-9a-f]{64}$ ]] || { rm -f "$tmp"; die "could not generate a key from /dev/urandom"; }
        printf '%s' "$key" >"$tmp"
        unset key
        chmod 0400 "$tmp"
        mv "$tmp" "$KEY_FILE"
        say "generated a new database key in $KEY_FILE"
    fi
    chown "$owner" "$KEY_FILE"
    chmod 0400 "$KEY_FILE"
}

# Runs what follows as the daemon user with its groups (radd, radd-drop,
# radd-ctl) and a clean environment (no NOTIFY_SOCKET, CREDENTIALS_DIRECTORY
# ... from the caller); env's NAME=VALUE arguments may come first.
DAEMON_USER_EXEC=(
    setpriv --reuid="$DAEMON_USER" --regid="$DAEMON_USER" --init-groups --
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$STATE_DIR" USER="$DAEMON_USER"
    LOGNAME="$DAEMON_USER" LANG=C.UTF-8
)
readonly DAEMON_USER_EXEC

# Runs a command as the daemon user, with umask 077 and no core dumps.
as_daemon_user() {
    (
        umask 077
        ulimit -c 0
        exec "${DAEMON_USER_EXEC[@]}" "$@"
    )
}

check_config() {
    local use_credentials=$1
    say "checking the configuration (raddd --config $CONF_FILE --check-config as $DAEMON_USER)..."
    local status=0
    if [[ "$use_credentials" == yes ]]; then
        # Under systemd the key file is root-only and reaches raddd as a
        # credential: hand it over the same way, from a private copy in /run.
        local cred_dir
        cred_dir="$(mktemp -d /run/radd-check.XXXXXX)"
        install -m 0400 -o "$DAEMON_USER" -g "$DAEMON_USER" "$KEY_FILE" "$cred_dir/db-key"
        chown "$DAEMON_USER:$DAEMON_USER" "$cred_dir"
        chmod 0500 "$cred_dir"
        as_daemon_user CREDENTIALS_DIRECTORY="$cred_dir" \
            "$BIN_DIR/raddd" --config "$CONF_FILE" --check-config || status=$?
        rm -rf "$cred_dir"
    else
        as_daemon_user "$BIN_DIR/raddd" --config "$CONF_FILE" --check-config || status=$?
    fi
    [[ $status -eq 0 ]] ||
        die "configuration check failed (exit status $status): fix $CONF_FILE (see the messages above) and run install.sh again"
    say "configuration OK"
}

# True while process $1 runs (a zombie, not yet reaped by its parent, counts
# as stopped: where PID 1 is no real init it may reap late or never).
pid_alive() {
    local state
    state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)"
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# Stops a raddd that an earlier install.sh started without systemd.
stop_background_daemon() {
    [[ -f "$PID_FILE" ]] || return 0
    local pid
    pid="$(head -c 32 "$PID_FILE" | tr -dc '0-9')"
    # Only a raddd run by the daemon user: the pid file's folder is that user's.
    if [[ -n "$pid" ]] && pid_alive "$pid" &&
        [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == raddd ]] &&
        [[ "$(stat -c %u "/proc/$pid" 2>/dev/null || true)" == "$(id -u "$DAEMON_USER")" ]]; then
        say "stopping raddd (pid $pid)..."
        kill -TERM "$pid"
        local i
        for ((i = 0; i < STOP_TIMEOUT_S * 10; i++)); do
            pid_alive "$pid" || break
            sleep 0.1
        done
        if pid_alive "$pid"; then
            warn "raddd (pid $pid) did not stop within ${STOP_TIMEOUT_S}s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
        fi
    fi
    rm -f "$PID_FILE"
}

# Waits until the daemon answers on its socket. $1: pid to watch, or "".
wait_until_ready() {
    local pid=$1 i
    for ((i = 0; i < START_TIMEOUT_S * 10; i++)); do
        if [[ -S "$SOCKET" ]] && "$BIN_DIR/raddctl" --socket "$SOCKET" status >/dev/null 2>&1; then
            return 0
        fi
        if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
            return 1
        fi
        sleep 0.1
    done
    return 1
}

start_systemd() {
    say "installing $UNIT_DEST and (re)starting $UNIT_NAME..."
    install -m 0644 -o root -g root "$SCRIPT_DIR/systemd/raddd.service" "$UNIT_DEST"
    systemctl daemon-reload
    systemctl enable "$UNIT_NAME" >/dev/null 2>&1 || die "systemctl enable $UNIT_NAME failed"
    # restart also starts it when it is not running; a running one picks up
    # the new binary.
    if ! systemctl restart "$UNIT_NAME"; then
        journalctl -u "$UNIT_NAME" -n 30 --no-pager >&2 || true
        die "$UNIT_NAME failed to start (see above, or: journalctl -u $UNIT_NAME)"
    fi
    if ! wait_until_ready ""; then
        systemctl status "$UNIT_NAME" --no-pager >&2 || true
        die "raddd did not answer on $SOCKET within ${START_TIMEOUT_S}s (see: journalctl -u $UNIT_NAME)"
    fi
    say "raddd is running as $UNIT_NAME (enabled at boot)"
    say "  status: systemctl status $UNIT_NAME    logs: journalctl -u $UNIT_NAME"
}

start_background() {
    stop_background_daemon
    say "starting raddd in the background as $DAEMON_USER..."
    # The log is opened by the daemon user, not by root: $LOG_DIR belongs to
    # $DAEMON_USER, and root must not follow a link planted there.
    # setsid: its own session, so it outlives this shell and its terminal.
    # Nothing forks on the way (setsid, setpriv, env and sh all exec), so $!
    # is raddd's pid.
    (
        umask 077
        ulimit -c 0
        # shellcheck disable=SC2016 # expanded by the inner sh
        exec setsid "${DAEMON_USER_EXEC[@]}" /bin/sh -c \
            'printf "=== %s install.sh: starting raddd\n" "$(date "+%Y-%m-%d %H:%M:%S%z")" >>"$1" &&
             exec "$2" --config "$3" >>"$1" 2>&1' \
            sh "$LOG_FILE" "$BIN_DIR/raddd" "$CONF_FILE"
    ) </dev/null &
    local pid=$!
    # Written through a new file and a rename: $RUN_DIR belongs to $DAEMON_USER.
    local tmp
    tmp="$(mktemp "$RUN_DIR/.raddd.pid.XXXXXX")"
    printf '%s\n' "$pid" >"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$PID_FILE"
    if ! wait_until_ready "$pid"; then
        warn "last lines of $LOG_FILE:"
        tail -n 20 "$LOG_FILE" >&2 || true
        rm -f "$PID_FILE"
        if ! pid_alive "$pid"; then
            wait "$pid" 2>/dev/null || true
            die "raddd exited right after starting (log: $LOG_FILE)"
        fi
        kill -TERM "$pid" 2>/dev/null || true
        die "raddd did not answer on $SOCKET within ${START_TIMEOUT_S}s; stopped it (log: $LOG_FILE)"
    fi
    say "raddd is running (pid $pid); systemd is not PID 1 here, so it will not start at boot"
    say "  stop it: kill \$(cat $PID_FILE)"
    say "  log:     $LOG_FILE"
}

print_next_steps() {
    cat <<EOF
install.sh: done. Next steps:
  drop a report:   cp report.txt $DROP_DIR/
                   (as root, or as a member of group $DROP_GROUP)
  query:           raddctl status
                   raddctl reports
                   raddctl report 1
  raddctl needs membership in group $CTL_GROUP (root always can):
                   usermod -a -G $CTL_GROUP USER   (then log in again)
EOF
}

install_radd() {
    require_root
    local with_systemd=no
    if systemd_is_pid1; then
        with_systemd=yes
        say "systemd is PID 1: installing the $UNIT_NAME unit"
    else
        say "systemd is not PID 1: raddd will be started in the background"
    fi

    ensure_apt_packages "${BUILD_PACKAGES[@]}"
    build_and_install_binaries

    if [[ $with_systemd == yes ]]; then
        create_users_systemd
    else
        create_users_plain
    fi
    check_users

    if [[ $with_systemd == yes ]]; then
        create_dirs_systemd
    else
        create_dirs_plain
    fi
    set_drop_acl

    write_deid_policy
    install_tasks
    write_config
    if [[ $with_systemd == yes ]]; then
        write_key root:root
    else
        write_key "$DAEMON_USER:$DAEMON_USER"
    fi

    check_config "$with_systemd"

    if [[ $with_systemd == yes ]]; then
        # A daemon left over from a run without systemd would hold the socket.
        stop_background_daemon
        start_systemd
    else
        start_background
    fi
    print_next_steps
}

main() {
    cd "$SCRIPT_DIR"
    case "${1:-}" in
        -h | --help)
            usage
            ;;
        --test)
            [[ $# -eq 1 ]] || die "--test takes no other arguments (see --help)"
            run_tests
            ;;
        "")
            install_radd
            ;;
        *)
            usage >&2
            die "unknown argument: $1"
            ;;
    esac
}

# Sourcing the script (for trying single steps) defines the functions only.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi

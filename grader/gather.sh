#!/bin/sh
# labgrade gather script: collects, in one run, everything labgrade's checks look at on a
# DevStack host and prints ONE JSON document (format "labgrade-snapshot/1") on stdout.
#
#   sudo sh gather.sh > snapshot.json                 # by hand, no labgrade needed
#   sudo sh gather.sh 'cat /etc/hostname' > snap.json # plus extra commands (trusted input)
#
# Static script: no host data is ever interpolated into a command. Namespace names from
# `ip netns list` are used only when they match a strict pattern, bridge names and pids
# likewise; everything the host prints is capped, stripped of NULs and JSON-escaped.
# Every key and command is documented in docs/snapshot.md.

LC_ALL=C
export LC_ALL
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export PATH

GATHER_VERSION=1
CAP=${LABGRADE_CAP:-4194304}             # bytes kept from one command's stdout
ERR_CAP=65536                            # bytes kept from one command's stderr
TOTAL_CAP=${LABGRADE_TOTAL_CAP:-33554432} # bytes kept from all commands together
case $CAP in '' | *[!0-9]*) CAP=4194304 ;; esac
case $TOTAL_CAP in '' | *[!0-9]*) TOTAL_CAP=33554432 ;; esac
NS_RE='^(qrouter|qdhcp|ovnmeta|fip|snat)-[A-Za-z0-9_.-]+$'
NAME_RE='^[A-Za-z0-9_][A-Za-z0-9_.-]*$'
COMMAND_TIMEOUT=${LABGRADE_COMMAND_TIMEOUT:-30} # seconds each command may run
case $COMMAND_TIMEOUT in '' | *[!0-9]* | 0) COMMAND_TIMEOUT=30 ;; esac
TIMEOUT=""
if command -v timeout >/dev/null 2>&1; then TIMEOUT="timeout $COMMAND_TIMEOUT"; fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/labgrade.XXXXXX") || {
    printf '{"format": "labgrade-snapshot/1", "gatherer": "gather.sh/%s", ' "$GATHER_VERSION"
    printf '"error": "cannot create a temporary directory", "records": []}\n'
    exit 0
}
child=""       # pid of the command running now (with timeout: the leader of its own group)
timed_out=false # the last command was stopped by timeout

# On TERM/HUP/INT (e.g. the outer `timeout` of labgrade's remote command) stop the running
# command and its children at once: `timeout` puts them in a process group of their own, which
# a signal to this script's group does not reach. Commands run in the background and are
# waited for, so that this trap runs as soon as the signal comes, not after the command ends.
# Whatever was printed is closed into a valid document marked "complete": false (a Ctrl-C on
# `sh labgrade-collect.sh > host.json` leaves a file labgrade grades as cut, not a broken one);
# records are printed whole (emit), so the signal never comes in the middle of one.
stop() {
    if [ -n "$child" ]; then
        kill -s TERM -- "-$child" 2>/dev/null || kill -s TERM "$child" 2>/dev/null
    fi
    trap '' PIPE
    printf '\n], "total_bytes": %s, "complete": false}\n' "$total" 2>/dev/null
    exit 1
}
trap 'rm -rf "$TMP"' EXIT
trap stop HUP INT TERM
total=0
first=1

# JSON string body of a file: escapes \ " and control characters, strips NULs.
json_escape_file() {
    tr -d '\000' <"$1" | awk '
function chunk(s) {
    while (match(s, /[\\"\001-\037\177]/)) {
        printf "%s%s", substr(s, 1, RSTART - 1), esc[substr(s, RSTART, 1)]
        s = substr(s, RSTART + 1)
    }
    printf "%s", s
}
BEGIN {
    for (i = 1; i < 32; i++) esc[sprintf("%c", i)] = sprintf("\\u%04x", i)
    esc[sprintf("%c", 127)] = "\\u007f"
    esc["\t"] = "\\t"; esc["\r"] = "\\r"; esc["\\"] = "\\\\"; esc["\""] = "\\\""
}
{
    n = length($0)
    for (p = 1; p <= n; p += 256) chunk(substr($0, p, 256))
    printf "\\n"
}'
}

# First BYTES bytes of file IN into file OUT.
cap_file() {
    dd if="$1" of="$3" bs=65536 count=$(($2 / 65536)) 2>/dev/null
}

# Prints one record. $1 key, $2 namespace ("" = root), $3 arg, $4 rc, $5 stdout file,
# $6 stderr file, $7 the command text for extra commands ("" otherwise).
emit() {
    size=$(wc -c <"$5" | tr -d ' ')
    truncated=false
    if [ "$size" -gt "$CAP" ]; then
        truncated=true
        cap_file "$5" "$CAP" "$TMP/capped"
        mv "$TMP/capped" "$5"
        size=$CAP
    fi
    if [ $((total + size)) -gt "$TOTAL_CAP" ]; then
        truncated=true
        : >"$5"
        size=0
    fi
    total=$((total + size))
    esize=$(wc -c <"$6" | tr -d ' ')
    if [ "$esize" -gt "$ERR_CAP" ]; then
        cap_file "$6" "$ERR_CAP" "$TMP/capped"
        mv "$TMP/capped" "$6"
    fi
    {
        if [ "$first" = 1 ]; then :; else printf ',\n'; fi
        printf '{"key": "%s", ' "$1"
        if [ -n "$2" ]; then printf '"ns": "%s", ' "$2"; else printf '"ns": null, '; fi
        if [ -n "$3" ]; then printf '"arg": "%s", ' "$3"; else printf '"arg": null, '; fi
        if [ -n "$7" ]; then
            printf '%s\n' "$7" >"$TMP/cmd"
            printf '"command": "'
            json_escape_file "$TMP/cmd"
            printf '", '
        fi
        if [ "$timed_out" = true ]; then printf '"timed_out": true, '; fi
        printf '"rc": %s, "truncated": %s, "out": "' "$4" "$truncated"
        json_escape_file "$5"
        printf '", "err": "'
        json_escape_file "$6"
        printf '"}'
    } >"$TMP/record"
    timed_out=false
    # One command: a signal comes before or after the whole record. A write that fails (the
    # connection is gone: SIGPIPE ends cat, not this shell) ends the gather too.
    cat "$TMP/record" || stop
    first=0
}

# launch COMMAND... : runs COMMAND under $TIMEOUT in the background and waits for it; sets rc,
# and timed_out when timeout stopped it (exit 124 once the limit has passed: not a command's
# own exit code 124).
launch() {
    started=$(date +%s 2>/dev/null)
    $TIMEOUT "$@" >"$TMP/out" 2>"$TMP/err" </dev/null &
    child=$!
    wait "$child"
    rc=$?
    child=""
    if [ -n "$TIMEOUT" ] && [ "$rc" = 124 ]; then
        ended=$(date +%s 2>/dev/null)
        case $started:$ended in
        [0-9]*:[0-9]*) [ $((ended - started)) -lt "$COMMAND_TIMEOUT" ] || timed_out=true ;;
        *) timed_out=true ;; # no clock: trust the exit code
        esac
    fi
}

# run KEY NS ARG COMMAND... : runs COMMAND (in namespace NS when set), records its output.
run() {
    key=$1 ns=$2 arg=$3
    shift 3
    if [ -n "$ns" ]; then
        launch ip netns exec "$ns" "$@"
    else
        launch "$@"
    fi
    emit "$key" "$ns" "$arg" "$rc" "$TMP/out" "$TMP/err" ""
}

# runf KEY NS ARG FUNCTION : records the output of one of this script's functions.
runf() {
    "$4" >"$TMP/out" 2>"$TMP/err" </dev/null
    rc=$?
    emit "$1" "$2" "$3" "$rc" "$TMP/out" "$TMP/err" ""
}

# Records a command that is not installed, without running anything.
missing() {
    rc=127
    printf '%s: command not found\n' "$4" >"$TMP/err"
    : >"$TMP/out"
    emit "$1" "$2" "$3" "$rc" "$TMP/out" "$TMP/err" ""
}

have() { command -v "$1" >/dev/null 2>&1; }

# run_if KEY NS ARG COMMAND... : like run, but an rc 127 record when COMMAND is not installed.
run_if() {
    if have "$4"; then run "$@"; else missing "$1" "$2" "$3" "$4"; fi
}

# All processes but this script itself (its command line is the whole script with `sh -c`).
# `ww`: whole command lines, never cut to $COLUMNS (dnsmasq's --interface= comes late).
processes() {
    {
        ps -eww -o pid,args 2>/dev/null || ps -eo pid,args 2>/dev/null ||
            ps -o pid,args 2>/dev/null || ps ww
    } |
        awk -v me="$$" '$1 != me && index($0, "# labgrade gather script") == 0'
}

host_name() {
    hostname 2>/dev/null || cat /proc/sys/kernel/hostname
}

# Where each tool this script runs resolves to: "NAME PATH REALPATH" ("-" when not found),
# so that a wrapper earlier on PATH (/usr/local/sbin/iptables-save) is seen.
TOOLS="sh timeout awk ip iptables-save iptables-legacy-save iptables-nft-save ovs-vsctl
ovs-ofctl ovn-nbctl ps ss netstat hostname ethtool"
tool_paths() {
    for tool in $TOOLS; do
        path=$(command -v "$tool" 2>/dev/null) || path=-
        case $path in
        /*) real=$(readlink -f "$path" 2>/dev/null) || real=$path ;;
        *) path=- real=- ;;
        esac
        printf '%s %s %s\n' "$tool" "$path" "$real"
    done
}

# The packages owning those tools' real paths (one dpkg-query, or one rpm, for all).
tool_packages() {
    set --
    while IFS= read -r line; do
        real=${line##* }
        case $real in /*) set -- "$@" "$real" ;; esac
    done <"$TMP/tools"
    [ "$#" -gt 0 ] || return 0
    if command -v dpkg-query >/dev/null 2>&1; then
        dpkg-query -S "$@"
    else
        rpm -qf "$@"
    fi
}

printf '{"format": "labgrade-snapshot/1", "gatherer": "gather.sh/%s", ' "$GATHER_VERSION"
if [ -n "$TIMEOUT" ]; then
    printf '"command_timeout": %s, "records": [\n' "$COMMAND_TIMEOUT"
else
    printf '"command_timeout": null, "records": [\n'
fi

# --- root namespace -------------------------------------------------------------------------
runf hostname "" "" host_name
run id_u "" "" id -u
run_if link "" "" ip -o link
run_if addr "" "" ip -o addr
run_if route "" "" ip route
run_if iptables_save "" "" iptables-save
run_if iptables_legacy_save "" "" iptables-legacy-save
run_if iptables_nft_save "" "" iptables-nft-save
runf processes "" "" processes
# veth peers: Linux before 4.1 prints no @peer in `ip -o link`; `ethtool -S DEV` names the
# peer's ifindex (peer_ifindex) on every kernel. Only the hybrid plug's qvb*, 16 at most.
if have ethtool; then
    veths=0
    for path in /sys/class/net/qvb*; do
        dev=${path##*/}
        case $dev in 'qvb*' | qvb*[!0-9a-f-]*) continue ;; esac
        [ "${#dev}" -le 15 ] || continue
        veths=$((veths + 1))
        [ "$veths" -le 16 ] || break
        run ethtool_stats "" "$dev" ethtool -S "$dev"
    done
fi
run machine_id "" "" cat /etc/machine-id
run boot_id "" "" cat /proc/sys/kernel/random/boot_id
runf tools "" "" tool_paths
cp "$TMP/out" "$TMP/tools"
runf tool_packages "" "" tool_packages

# --- Open vSwitch / OVN -----------------------------------------------------------------------
run_if ovs_list_br "" "" ovs-vsctl --timeout=10 list-br
if have ovs-vsctl; then
    cp "$TMP/out" "$TMP/bridges" 2>/dev/null || : >"$TMP/bridges"
    [ "$rc" = 0 ] || : >"$TMP/bridges"
    while IFS= read -r br; do
        if printf '%s\n' "$br" | grep -Eq "$NAME_RE" && [ ${#br} -le 64 ]; then
            run ovs_list_ports "" "$br" ovs-vsctl --timeout=10 list-ports "$br"
        fi
    done <"$TMP/bridges"
    run ovs_external_ids "" "" ovs-vsctl --timeout=10 get Open_vSwitch . external_ids
fi
run_if ovs_flows_br_int "" "" ovs-ofctl --timeout=10 dump-flows br-int
run_if ovs_ofctl_show_br_int "" "" ovs-ofctl --timeout=10 show br-int
if have ovn-nbctl; then
    run ovn_nb_show "" "" ovn-nbctl --timeout=10 show
    if [ "$rc" = 0 ]; then
        run ovn_nb_nat "" "" ovn-nbctl --timeout=10 list NAT
        run ovn_nb_acl "" "" ovn-nbctl --timeout=10 list ACL
        run ovn_nb_port_group "" "" ovn-nbctl --timeout=10 list Port_Group
        run ovn_nb_switch_port "" "" ovn-nbctl --timeout=10 list Logical_Switch_Port
        run ovn_nb_router "" "" ovn-nbctl --timeout=10 list Logical_Router
        run ovn_nb_router_port "" "" ovn-nbctl --timeout=10 list Logical_Router_Port
        run ovn_nb_route "" "" ovn-nbctl --timeout=10 list Logical_Router_Static_Route
        run ovn_nb_dhcp "" "" ovn-nbctl --timeout=10 list DHCP_Options
    fi
else
    missing ovn_nb_show "" "" ovn-nbctl
fi

# --- network namespaces -----------------------------------------------------------------------
run_if netns_list "" "" ip netns list
cp "$TMP/out" "$TMP/netns"
[ "$rc" = 0 ] || : >"$TMP/netns"
: >"$TMP/skipped"
: >"$TMP/nslist"
while IFS= read -r line; do
    name=${line% (id: *)}
    if printf '%s\n' "$name" | grep -Eq "$NS_RE" && [ ${#name} -le 200 ]; then
        printf '%s\n' "$name" >>"$TMP/nslist"
    elif [ -n "$line" ]; then
        printf '%s\n' "$line" >>"$TMP/skipped"
    fi
done <"$TMP/netns"
: >"$TMP/empty"
emit netns_skipped "" "" 0 "$TMP/skipped" "$TMP/empty" ""
while IFS= read -r ns; do
    run link "$ns" "" ip -o link
    run addr "$ns" "" ip -o addr
    run route "$ns" "" ip route
    run_if iptables_save "$ns" "" iptables-save
    run_if iptables_legacy_save "$ns" "" iptables-legacy-save
    run_if iptables_nft_save "$ns" "" iptables-nft-save
    run listeners "$ns" "" sh -c 'if command -v ss >/dev/null 2>&1; then ss -ltnp;
        elif command -v netstat >/dev/null 2>&1; then netstat -ltnp;
        else echo "neither ss nor netstat is installed" >&2; exit 127; fi'
    run netns_pids "" "$ns" ip netns pids "$ns"
done <"$TMP/nslist"

# Which namespace each DHCP server / metadata proxy runs in.
# An interpreter's program is its script: the first word after it not starting with "-"
# (`python3 -u /usr/bin/neutron-ns-metadata-proxy`), as grader/parsers/processes.py reads it.
processes 2>/dev/null | awk '{
    n = split($2, path, "/"); program = path[n]
    if (program ~ /^(python|perl)/) {
        for (i = 3; i <= NF; i++) if ($i !~ /^-/) { n = split($i, path, "/"); program = path[n]; break }
    }
    if (program ~ /^(dnsmasq|haproxy|neutron-ns-metadata-proxy)$/) print $1
}' >"$TMP/pids"
while IFS= read -r pid; do
    case $pid in '' | *[!0-9]*) continue ;; esac
    run netns_identify "" "$pid" ip netns identify "$pid"
done <"$TMP/pids"

# --- extra commands declared in exercises.yaml (trusted author input) ----------------------
for command in "$@"; do
    launch sh -c "$command"
    emit extra "" "" "$rc" "$TMP/out" "$TMP/err" "$command"
done

printf '\n], "total_bytes": %s, "complete": true}\n' "$total"

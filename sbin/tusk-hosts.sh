#!/usr/bin/env bash
# Simulated hosts for a Tusk cluster on one Linux machine (as root): one network namespace
# per host, each with its own address on a bridge of its rack; the rack bridges hang off a
# core bridge, which also holds this machine's own address in the subnet (so the root
# namespace is a client of every host). Traffic between racks goes through each rack's
# uplink, where tc delays what leaves the rack (netem, if the kernel has it) and caps the
# bandwidth both ways (tbf). A topology script (net.topology.script.file.name) maps each
# host's address to its rack.
#
#   tusk-hosts.sh [-n NAME] check               can hosts be made here? (exit 1 with why not)
#   tusk-hosts.sh [-n NAME] up RACK:COUNT...    make COUNT hosts on each RACK, numbered h1, h2, ...
#   tusk-hosts.sh [-n NAME] list                host, address, rack, namespace (as `up` prints)
#   tusk-hosts.sh [-n NAME] exec HOST CMD...    run CMD on HOST (e.g. `exec h1 hdfs namenode`)
#   tusk-hosts.sh [-n NAME] kill HOST           SIGKILL every process on HOST (a host crash)
#   tusk-hosts.sh [-n NAME] partition RACK      cut RACK off (its uplink down)
#   tusk-hosts.sh [-n NAME] heal RACK           reconnect RACK
#   tusk-hosts.sh [-n NAME] down                kill every process on the hosts, delete it all
#
# NAME (default `tusk`; up to 8 of [a-z0-9], starting with a letter) prefixes every
# namespace (NAME-h1) and interface (NAMEc the core bridge, NAMEr1 a rack bridge, NAMEu1 and
# NAMEv1 a rack's uplink, NAMEh1 a host's cable), so runs with different names do not
# clash; each run takes the first free subnet 10.77.X.0/24 (hosts at .11, .12, ...; this
# machine at .1). `down` is idempotent. State, including the topology script, is kept in
# $TUSK_HOSTS_DIR/NAME (default /tmp/tusk-hosts/NAME).
#
# Environment: TUSK_HOSTS_DELAY (netem delay of traffic leaving a rack, default 500us),
# TUSK_HOSTS_RATE (tbf rate of each rack uplink, each way, default 1gbit),
# TUSK_HOSTS_SUBNET (e.g. 10.77.5, instead of the first free one).
set -euo pipefail

NAME=tusk
DELAY=${TUSK_HOSTS_DELAY:-500us}
RATE=${TUSK_HOSTS_RATE:-1gbit}
LOCK_FILE=/tmp/tusk-hosts.lock
SUBNET_PREFIX=10.77
FIRST_HOST_OCTET=10

die() {
    echo "tusk-hosts: $*" >&2
    exit 1
}

usage() {
    sed -n '10,17p' "$0" | sed 's/^# *//' >&2
    exit 2
}

state_dir() {
    echo "${TUSK_HOSTS_DIR:-/tmp/tusk-hosts}/$NAME"
}

alias_tag() {
    echo "tusk-hosts:$NAME"
}

# check: root, iproute2, and a namespace, a bridge and a veth pair that can really be made.
cmd_check() {
    [ "$(id -u)" = 0 ] || die "must run as root: network namespaces need CAP_NET_ADMIN"
    command -v ip >/dev/null || die "no 'ip' command: install iproute2"
    local probe="${NAME}-probe" error
    ip netns del "$probe" 2>/dev/null || true
    if ! error=$(ip netns add "$probe" 2>&1); then
        die "cannot make a network namespace: $error"
    fi
    ip netns del "$probe"
    ip link del "${NAME}p" 2>/dev/null || true
    if ! error=$(ip link add "${NAME}p" type bridge 2>&1); then
        die "cannot make a bridge: $error"
    fi
    ip link del "${NAME}p"
    if ! error=$(ip link add "${NAME}p" type veth peer name "${NAME}q" 2>&1); then
        die "cannot make a veth pair: $error"
    fi
    ip link del "${NAME}p"
    command -v tc >/dev/null || echo "tusk-hosts: no 'tc' command: racks will not be shaped"
    echo "ok"
}

# The first 10.77.X with no address of this machine in it (runs take theirs under a lock).
free_subnet() {
    local used octet
    used=$(ip -4 -o addr show | awk '{print $4}')
    for octet in $(seq 0 255); do
        if awk -v prefix="$SUBNET_PREFIX.$octet." 'index($0, prefix) == 1 {found = 1} END {exit !found}' <<<"$used"; then
            continue
        fi
        echo "$SUBNET_PREFIX.$octet"
        return
    done
    die "no free subnet left in $SUBNET_PREFIX.0.0/16"
}

# Makes link $1 (already created) part of this run, so `down` finds it.
tag_link() {
    ip link set dev "$1" alias "$(alias_tag)"
}

new_bridge() {
    ip link add "$1" type bridge
    tag_link "$1"
    # Bridged frames stay out of iptables, whatever the machine's firewall does with routed ones.
    ip link set dev "$1" type bridge nf_call_iptables 0 2>/dev/null || true
    ip link set dev "$1" up
}

# Shapes the uplink of a rack: $1 is its end on the rack bridge (egress: leaving the rack),
# $2 its end on the core bridge (egress: entering the rack).
shape_uplink() {
    local leaving=$1 entering=$2 tbf error
    tbf=(tbf rate "$RATE" burst 1mb latency 50ms)
    if [ "$NETEM" = yes ]; then
        if error=$(tc qdisc add dev "$leaving" root handle 1: netem delay "$DELAY" 2>&1); then
            tc qdisc add dev "$leaving" parent 1:1 handle 10: "${tbf[@]}"
        else
            NETEM=no
            echo "tusk-hosts: netem is not available ($error): no latency between racks, bandwidth cap only" >&2
        fi
    fi
    if [ "$NETEM" = no ]; then
        tc qdisc add dev "$leaving" root "${tbf[@]}"
    fi
    tc qdisc add dev "$entering" root "${tbf[@]}"
}

print_hosts() {
    local state
    state=$(state_dir)
    [ -f "$state/hosts" ] || die "no hosts named $NAME: run 'up' first"
    echo "# host address rack namespace"
    cat "$state/hosts"
    echo "# topology script: $state/topology.sh"
}

cmd_up() {
    [ $# -gt 0 ] || usage
    local state subnet rack_index=0 host_index=0 spec rack count uplink_rack uplink_core
    local host namespace address error
    state=$(state_dir)
    [ ! -e "$state" ] || die "hosts named $NAME exist already ($state): run 'down' first"
    for spec in "$@"; do
        [[ "$spec" =~ ^/?[A-Za-z0-9_.-]+:[1-9][0-9]*$ ]] || die "'$spec' is not RACK:COUNT"
    done
    command -v tc >/dev/null && NETEM=yes || NETEM=none
    trap 'teardown_unless_up $?' EXIT
    mkdir -p "$state"
    # The subnet is taken once this machine's address in it is up: hold the lock till then.
    exec 9>"$LOCK_FILE"
    flock 9
    subnet=${TUSK_HOSTS_SUBNET:-$(free_subnet)}
    new_bridge "${NAME}c"
    ip addr add "$subnet.1/24" dev "${NAME}c"
    flock -u 9
    : >"$state/hosts"
    : >"$state/racks"
    for spec in "$@"; do
        rack=${spec%%:*}
        rack=/${rack#/}
        count=${spec##*:}
        rack_index=$((rack_index + 1))
        echo "$rack_index $rack" >>"$state/racks"
        new_bridge "${NAME}r$rack_index"
        uplink_rack="${NAME}u$rack_index"
        uplink_core="${NAME}v$rack_index"
        ip link add "$uplink_rack" type veth peer name "$uplink_core"
        tag_link "$uplink_rack"
        tag_link "$uplink_core"
        ip link set "$uplink_rack" master "${NAME}r$rack_index" up
        ip link set "$uplink_core" master "${NAME}c" up
        if [ "$NETEM" != none ]; then
            shape_uplink "$uplink_rack" "$uplink_core"
        fi
        for _ in $(seq "$count"); do
            host_index=$((host_index + 1))
            [ $host_index -le $((254 - FIRST_HOST_OCTET)) ] || die "too many hosts"
            host="h$host_index"
            namespace="$NAME-$host"
            address="$subnet.$((FIRST_HOST_OCTET + host_index))"
            if ! error=$(ip netns add "$namespace" 2>&1); then
                die "cannot make namespace $namespace: $error"
            fi
            ip link add "${NAME}$host" type veth peer name "${NAME}g$host_index"
            tag_link "${NAME}$host"
            ip link set "${NAME}g$host_index" netns "$namespace"
            ip -n "$namespace" link set "${NAME}g$host_index" name eth0
            ip -n "$namespace" addr add "$address/24" dev eth0
            ip -n "$namespace" link set lo up
            ip -n "$namespace" link set eth0 up
            ip link set "${NAME}$host" master "${NAME}r$rack_index" up
            echo "$host $address $rack $namespace" >>"$state/hosts"
        done
    done
    write_topology_script "$state"
    trap - EXIT
    if [ "$NETEM" = none ]; then
        echo "tusk-hosts: no 'tc' command: racks are not shaped" >&2
    fi
    print_hosts
}

# The EXIT trap of `up`: a failed `up` (exit status $1) leaves nothing behind.
teardown_unless_up() {
    if [ "$1" != 0 ]; then
        echo "tusk-hosts: up failed, tearing $NAME down" >&2
        cmd_down >/dev/null 2>&1 || true
    fi
}

# $1/topology.sh: prints the rack of each host (address or hN) given, /default-rack if unknown.
write_topology_script() {
    local script="$1/topology.sh" host address rack namespace
    {
        echo "#!/bin/sh"
        echo "# net.topology.script.file.name for the tusk-hosts run $NAME"
        cat <<'HEAD'
for host in "$@"; do
    case "$host" in
HEAD
        while read -r host address rack namespace; do
            echo "        $address|$host) echo $rack ;;"
        done <"$1/hosts"
        cat <<'TAIL'
        *) echo /default-rack ;;
    esac
done
TAIL
    } >"$script"
    chmod 755 "$script"
}

# The namespace of host $1, or an error naming the hosts there are.
namespace_of() {
    local state namespace
    state=$(state_dir)
    [ -f "$state/hosts" ] || die "no hosts named $NAME: run 'up' first"
    namespace=$(awk -v host="$1" '$1 == host {print $4}' "$state/hosts")
    [ -n "$namespace" ] || die "no host $1 in $NAME (hosts: $(awk '{printf "%s ", $1}' "$state/hosts"))"
    echo "$namespace"
}

# The rack index of rack $1 (with or without its leading /).
rack_index_of() {
    local state index
    state=$(state_dir)
    [ -f "$state/racks" ] || die "no hosts named $NAME: run 'up' first"
    index=$(awk -v rack="/${1#/}" '$2 == rack {print $1}' "$state/racks")
    [ -n "$index" ] || die "no rack $1 in $NAME (racks: $(awk '{printf "%s ", $2}' "$state/racks"))"
    echo "$index"
}

# SIGKILLs every process in namespace $1 and waits (up to 10 s) until none is left.
kill_namespace() {
    local namespace=$1 pids attempt
    for attempt in $(seq 100); do
        pids=$(ip netns pids "$namespace" 2>/dev/null || true)
        [ -n "$pids" ] || return 0
        # shellcheck disable=SC2086 # one pid per word
        kill -9 $pids 2>/dev/null || true
        [ "$attempt" -eq 100 ] || sleep 0.1
    done
    die "processes left on $namespace after SIGKILL: $pids"
}

cmd_kill() {
    [ $# -eq 1 ] || usage
    kill_namespace "$(namespace_of "$1")"
}

cmd_exec() {
    [ $# -ge 2 ] || usage
    local namespace
    namespace=$(namespace_of "$1")
    shift
    exec ip netns exec "$namespace" "$@"
}

set_rack_link() {
    local index
    index=$(rack_index_of "$1")
    ip link set "${NAME}u$index" "$2"
    ip link set "${NAME}v$index" "$2"
}

cmd_down() {
    local namespace link
    for namespace in $(ip netns list | awk '{print $1}' | grep -E "^$NAME-h[0-9]+$" || true); do
        kill_namespace "$namespace" || true
        ip netns del "$namespace" 2>/dev/null || true
    done
    for link in $(ip -o link show | awk -v tag="$(alias_tag)" '$NF == tag {sub(/@.*/, "", $2); sub(/:$/, "", $2); print $2}'); do
        ip link del "$link" 2>/dev/null || true
    done
    rm -rf "$(state_dir)"
}

while getopts "n:h" option; do
    case "$option" in
        n) NAME=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
[[ "$NAME" =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "bad name '$NAME': up to 8 of [a-z0-9], starting with a letter"
[ $# -gt 0 ] || usage
command=$1
shift
case "$command" in
    check) cmd_check ;;
    up) cmd_up "$@" ;;
    list) print_hosts ;;
    exec) cmd_exec "$@" ;;
    kill) cmd_kill "$@" ;;
    partition) [ $# -eq 1 ] || usage; set_rack_link "$1" down ;;
    heal) [ $# -eq 1 ] || usage; set_rack_link "$1" up ;;
    down) cmd_down ;;
    *) usage ;;
esac

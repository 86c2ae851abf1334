# The commands grader/gather.sh runs (each of them: every record a check or the class
# cross-check reads), run once per host with nothing around them: no `timeout`, no capping,
# no escaping, no JSON, no per-record bookkeeping. `ssh HOST sh -s < plain_commands.sh` is the
# floor that a gather in one round trip is measured against (bench/batch_bench.py). Where the
# gather reuses an output (the bridges, the namespaces, the process list) this does too.
hostname; id -u
ip -o link; ip -o addr; ip route
iptables-save; iptables-legacy-save; iptables-nft-save
procs=$(ps -eww -o pid,args); printf '%s\n' "$procs"
for dev in /sys/class/net/qvb*; do [ -e "$dev" ] && ethtool -S "${dev##*/}"; done
cat /etc/machine-id; cat /proc/sys/kernel/random/boot_id
readlink -f $(for tool in sh timeout awk ip iptables-save iptables-legacy-save iptables-nft-save \
    ovs-vsctl ovs-ofctl ovn-nbctl ps ss netstat hostname ethtool; do command -v "$tool"; done)
bridges=$(ovs-vsctl --timeout=10 list-br); printf '%s\n' "$bridges"
for br in $bridges; do ovs-vsctl --timeout=10 list-ports "$br"; done
ovs-vsctl --timeout=10 get Open_vSwitch . external_ids
ovs-ofctl --timeout=10 dump-flows br-int; ovs-ofctl --timeout=10 show br-int
if command -v ovn-nbctl >/dev/null && ovn-nbctl --timeout=10 show; then
    for table in NAT ACL Port_Group Logical_Switch_Port Logical_Router Logical_Router_Port \
        Logical_Router_Static_Route DHCP_Options; do ovn-nbctl --timeout=10 list "$table"; done
fi
namespaces=$(ip netns list); printf '%s\n' "$namespaces"
printf '%s\n' "$namespaces" | while read -r ns _; do
    ip netns exec "$ns" ip -o link; ip netns exec "$ns" ip -o addr; ip netns exec "$ns" ip route
    ip netns exec "$ns" iptables-save; ip netns exec "$ns" iptables-legacy-save
    ip netns exec "$ns" iptables-nft-save; ip netns exec "$ns" ss -ltnp; ip netns pids "$ns"
done
for pid in $(printf '%s\n' "$procs" | awk '$2 ~ /(dnsmasq|haproxy)$/ || /neutron-ns-metadata-proxy/ { print $1 }'); do
    ip netns identify "$pid"
done
true

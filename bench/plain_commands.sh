# The plain commands the checks need, run once per host with nothing around them: no capping,
# no escaping, no JSON, no per-record bookkeeping. `ssh HOST sh -s < plain_commands.sh` is the
# floor that a gather in one round trip is measured against (bench/batch_bench.py).
hostname; id -u
ip -o link; ip -o addr; ip route
iptables-save; iptables-legacy-save; iptables-nft-save
ps -eo pid,ppid,args
ovs-vsctl --timeout=10 list-br
for br in $(ovs-vsctl --timeout=10 list-br); do ovs-vsctl --timeout=10 list-ports "$br"; done
ovs-vsctl --timeout=10 get Open_vSwitch . external_ids
ovs-ofctl --timeout=10 dump-flows br-int; ovs-ofctl --timeout=10 show br-int
ip netns list
for ns in $(ip netns list | cut -d' ' -f1); do
    ip netns exec "$ns" ip -o link; ip netns exec "$ns" ip -o addr; ip netns exec "$ns" ip route
    ip netns exec "$ns" iptables-save; ip netns exec "$ns" iptables-legacy-save
    ip netns exec "$ns" iptables-nft-save; ip netns exec "$ns" ss -ltnp; ip netns pids "$ns"
done
true

"""The simulated lab: DevStack-like hosts made of real namespaces, bridges, iptables and daemons."""

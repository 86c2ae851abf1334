"""Turn transmit checksum offload off on network devices (what ``ethtool -K DEV tx off`` does).

The OVS userspace datapath reads packets from veths with AF_PACKET and does not complete
checksums left partial by the sender, so TCP from a veth through OVS would arrive with a bad
checksum. Run as ``python3 -I -S txcsum.py DEV ...`` inside the namespace holding the devices.
Stdlib only.
"""

import array
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
ETHTOOL_STXCSUM = 0x17


def tx_checksum_off(name: str) -> None:
    value = array.array("B", struct.pack("II", ETHTOOL_STXCSUM, 0))
    address, _ = value.buffer_info()
    request = struct.pack("16sP", name.encode(), address)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        fcntl.ioctl(sock, SIOCETHTOOL, request)


if __name__ == "__main__":
    for device in sys.argv[1:]:
        tx_checksum_off(device)

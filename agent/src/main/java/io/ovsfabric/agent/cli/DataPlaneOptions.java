package io.ovsfabric.agent.cli;

import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.wiring.DataPlaneSettings;
import io.ovsfabric.common.Ipv4Address;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The flags that say where OVS is and which interface is the underlay (shared by run and teardown). */
final class DataPlaneOptions {
    @Option(names = "--ovsdb", defaultValue = "unix:/var/run/openvswitch/db.sock", paramLabel = "TARGET",
            description = "ovsdb-server to use: unix:PATH or tcp:HOST:PORT (default: ${DEFAULT-VALUE})")
    String ovsdb;

    @Option(names = "--ovs-rundir", defaultValue = "/var/run/openvswitch", paramLabel = "DIR",
            description = "ovs-vswitchd's run dir, holding each bridge's OpenFlow socket <bridge>.mgmt "
                    + "(default: ${DEFAULT-VALUE})")
    Path ovsRundir;

    @Option(names = "--underlay-interface", paramLabel = "IFACE",
            description = "the interface that holds --underlay-ip (default: found from the address)")
    String underlayInterface;

    @Option(names = "--datapath", defaultValue = "auto", paramLabel = "MODE",
            description = "OVS datapath: auto (system when the openvswitch kernel module is loaded, else netdev), "
                    + "system or netdev (default: ${DEFAULT-VALUE})")
    String datapath;

    @Option(names = "--icc", defaultValue = "true", arity = "1", paramLabel = "BOOL",
            description = "inter-container communication on docker0, as dockerd's --icc: false keeps docker0's "
                    + "containers apart on this host (FORWARD) and across hosts (flows); give docker-opts the same "
                    + "value so that dockerd agrees (default: ${DEFAULT-VALUE})")
    boolean icc;

    @Option(names = "--port-type", defaultValue = "auto", paramLabel = "POLICY",
            description = "userspace datapath only: how the underlay interface and the docker0 link attach to OVS. "
                    + "auto: AF_XDP (afxdp-nonpmd, native XDP) when ovs-vswitchd supports it and the MTU fits "
                    + "(at most " + io.ovsfabric.agent.plan.PortTypes.AFXDP_MAX_MTU + "), else AF_PACKET; a port "
                    + "vswitchd refuses AF_XDP on falls back to AF_PACKET. afpacket: always AF_PACKET. afxdp-pmd: "
                    + "AF_XDP with PMD threads that sleep up to " + io.ovsfabric.agent.plan.PortTypes.PMD_MAX_SLEEP_US
                    + " us when idle (pmd-maxsleep), on these ports and on containers' user-network ports: measured "
                    + "1.4x auto's throughput on docker0 and 3x on user networks, but 2.5x its request/response "
                    + "latency, a quarter of a core per idle vswitchd, and a few packets lost on other tunnels when "
                    + "a container's port is added. The agent logs which type each port got and why (default: ${DEFAULT-VALUE})")
    String portType;

    DataPlaneSettings settings(Ipv4Address underlayIp) {
        return new DataPlaneSettings(ovsdb, ovsRundir, Optional.ofNullable(underlayInterface), underlayIp,
                DatapathMode.parse(datapath), icc, io.ovsfabric.agent.plan.PortTypes.Policy.parse(portType));
    }
}

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

    DataPlaneSettings settings(Ipv4Address underlayIp) {
        return new DataPlaneSettings(ovsdb, ovsRundir, Optional.ofNullable(underlayInterface), underlayIp,
                DatapathMode.parse(datapath), icc);
    }
}

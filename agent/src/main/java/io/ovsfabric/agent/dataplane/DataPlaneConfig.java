package io.ovsfabric.agent.dataplane;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.ovs.OvsdbTarget;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.DeviceNames;
import io.ovsfabric.common.Ipv4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How {@link OvsDataPlane} reaches OVS and the host, and what it names things.
 *
 * @param ovsdb             ovsdb-server: {@code unix:/var/run/openvswitch/db.sock} (default) or {@code tcp:127.0.0.1:6640}
 * @param ovsRundir         ovs-vswitchd's run dir, where each bridge has its OpenFlow socket {@code <bridge>.mgmt}
 * @param names             bridges (br0, br-phy, docker0), veth ends and tunnel port
 * @param underlayInterface the interface holding the underlay IP; empty = find the one that holds it
 * @param underlayIp        this host's address on the underlay (what peers tunnel to); required to reconcile, may
 *                          be null for a data plane opened only to tear down
 * @param datapathMode      auto (system when /sys/module/openvswitch exists, else netdev), system or netdev
 * @param netns             run host commands (ip, ethtool, iptables) inside this network namespace; empty = the
 *                          agent's own. For tests and labs that drive a namespace from outside: OVSDB must then
 *                          be a unix socket (a file, reachable from any namespace)
 * @param timeout           how long one OVSDB or OpenFlow exchange may take, including vswitchd applying it
 * @param icc               inter-container communication on docker0 (dockerd's {@code --icc}); false keeps docker0's
 *                          containers apart on this host and across hosts (see {@code PlanSettings#icc})
 */
public record DataPlaneConfig(OvsdbTarget ovsdb, Path ovsRundir, DeviceNames names, Optional<String> underlayInterface,
        Ipv4Address underlayIp, DatapathMode datapathMode, Optional<String> netns, Duration timeout, boolean icc) {

    public static final Path DEFAULT_RUNDIR = Path.of("/var/run/openvswitch");
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** Debian's OVS locations, default names, auto datapath, the agent's own namespace ({@code underlayIp} may be null for teardown only). */
    public static DataPlaneConfig defaults(Ipv4Address underlayIp) {
        return new DataPlaneConfig(OvsdbTarget.DEFAULT, DEFAULT_RUNDIR, DeviceNames.defaults(), Optional.empty(),
                underlayIp, DatapathMode.AUTO, Optional.empty(), DEFAULT_TIMEOUT, true);
    }

    public DataPlaneConfig withOvsdb(OvsdbTarget target) {
        return new DataPlaneConfig(target, ovsRundir, names, underlayInterface, underlayIp, datapathMode, netns, timeout, icc);
    }

    public DataPlaneConfig withOvsRundir(Path dir) {
        return new DataPlaneConfig(ovsdb, dir, names, underlayInterface, underlayIp, datapathMode, netns, timeout, icc);
    }

    public DataPlaneConfig withNames(DeviceNames deviceNames) {
        return new DataPlaneConfig(ovsdb, ovsRundir, deviceNames, underlayInterface, underlayIp, datapathMode, netns,
                timeout, icc);
    }

    public DataPlaneConfig withUnderlayInterface(String name) {
        return new DataPlaneConfig(ovsdb, ovsRundir, names, Optional.ofNullable(name), underlayIp, datapathMode, netns,
                timeout, icc);
    }

    public DataPlaneConfig withDatapathMode(DatapathMode mode) {
        return new DataPlaneConfig(ovsdb, ovsRundir, names, underlayInterface, underlayIp, mode, netns, timeout, icc);
    }

    public DataPlaneConfig withNetns(String namespace) {
        return new DataPlaneConfig(ovsdb, ovsRundir, names, underlayInterface, underlayIp, datapathMode,
                Optional.ofNullable(namespace), timeout, icc);
    }

    public DataPlaneConfig withIcc(boolean value) {
        return new DataPlaneConfig(ovsdb, ovsRundir, names, underlayInterface, underlayIp, datapathMode, netns, timeout,
                value);
    }

    public DataPlaneConfig withTimeout(Duration value) {
        return new DataPlaneConfig(ovsdb, ovsRundir, names, underlayInterface, underlayIp, datapathMode, netns, value, icc);
    }

    /** Every problem at once; empty when the config is usable. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (ovsdb == null) {
            problems.add("an OVSDB target is required (--ovsdb unix:/var/run/openvswitch/db.sock)");
        }
        if (ovsRundir == null || !ovsRundir.isAbsolute()) {
            problems.add("the OVS run dir must be an absolute path (--ovs-rundir /var/run/openvswitch), got " + ovsRundir);
        }
        if (names == null) {
            problems.add("device names are required");
        } else {
            problems.addAll(names.problems());
        }
        if (datapathMode == null) {
            problems.add("a datapath mode is required (auto, system or netdev)");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            problems.add("the timeout must be positive, got " + timeout);
        }
        if (netns != null && netns.isPresent() && ovsdb != null && !ovsdb.isUnix()) {
            problems.add("with a network namespace (" + netns.get() + ") OVSDB must be a unix socket: " + ovsdb
                    + " would reach the caller's own loopback, not the namespace's");
        }
        return problems;
    }

    public void validate() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw AgentException.invalid("invalid data plane config: " + String.join("; ", problems));
        }
    }
}

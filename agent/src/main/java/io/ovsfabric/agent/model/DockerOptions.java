package io.ovsfabric.agent.model;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Docker daemon settings for one host, the way flannel's subnet.env feeds dockerd.
 *
 * <p>{@code bip} is the gateway with the <em>fabric's</em> prefix length, so containers see the whole fabric as one
 * L2 segment and ARP for remote containers goes over br0. {@code fixedCidr} is the largest aligned block of the host
 * subnet that leaves out its reserved head (network address, gateway): {@code --fixed-cidr} takes one CIDR, and Docker
 * 20.10 hands out the first address of it (a {@code .0}) as a container address. With a /24 and a head of 2 that is the
 * upper /25 (126 container addresses): the price of never giving out {@code .0}. User networks (the IPAM plugin)
 * have no such limit. {@code --dns} is the gateway too: the agent's DNS server answers fabric container names there
 * and relays every other name to the host's resolvers; Docker's embedded resolver forwards to it from user networks.
 */
public record DockerOptions(Ipv4Address gateway, int fabricPrefix, Cidr fixedCidr, int mtu, boolean icc) {

    public DockerOptions(Ipv4Address gateway, int fabricPrefix, Cidr fixedCidr, int mtu) {
        this(gateway, fabricPrefix, fixedCidr, mtu, true);
    }

    /** The same with dockerd's {@code --icc} (the agent's {@code --icc} must say the same). */
    public DockerOptions withIcc(boolean value) {
        return new DockerOptions(gateway, fabricPrefix, fixedCidr, mtu, value);
    }

    public static DockerOptions of(FabricSettings fabric, Cidr hostSubnet, Ipv4Address gateway) {
        return new DockerOptions(gateway, fabric.fabricCidr().prefixLength(),
                largestBlockAfterHead(hostSubnet, fabric.reservedHead()), fabric.overlayMtu());
    }

    /**
     * The largest aligned CIDR block inside {@code subnet} that contains none of its first {@code reservedHead}
     * addresses (the lowest such block when several have that size).
     */
    public static Cidr largestBlockAfterHead(Cidr subnet, int reservedHead) {
        if (reservedHead <= 0) {
            return subnet;
        }
        if (reservedHead >= subnet.size()) {
            throw AgentException.invalid("host subnet " + subnet + " has no addresses left after its "
                    + reservedHead + " reserved ones: use a shorter host prefix");
        }
        // Blocks of size 2^k aligned inside the subnet: the first one starting at or after the head wins; halve
        // the size until such a block fits.
        for (int prefix = subnet.prefixLength() + 1; prefix <= 32; prefix++) {
            long blockSize = 1L << (32 - prefix);
            long firstFree = ((reservedHead + blockSize - 1) / blockSize) * blockSize;
            if (firstFree + blockSize <= subnet.size()) {
                return new Cidr(subnet.address(firstFree), prefix);
            }
        }
        throw AgentException.invalid("no block left in " + subnet + " after " + reservedHead + " reserved addresses");
    }

    public String bip() {
        return gateway + "/" + fabricPrefix;
    }

    /** As dockerd flags. */
    public List<String> flags() {
        List<String> flags = new java.util.ArrayList<>(List.of("--bip", bip(), "--fixed-cidr", fixedCidr.toString(),
                "--mtu", Integer.toString(mtu), "--dns", gateway.toString()));
        if (!icc) {
            flags.add("--icc=false");
        }
        return List.copyOf(flags);
    }

    /** As /etc/docker/daemon.json keys. */
    public Map<String, Object> daemonJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bip", bip());
        json.put("fixed-cidr", fixedCidr.toString());
        json.put("mtu", mtu);
        json.put("dns", List.of(gateway.toString()));
        if (!icc) {
            json.put("icc", false);
        }
        return json;
    }

    /** As an environment file (flannel's subnet.env) for a systemd drop-in: DOCKER_OPTS plus the parts. */
    public List<String> envLines() {
        return List.of("OVSFABRIC_BIP=" + bip(), "OVSFABRIC_FIXED_CIDR=" + fixedCidr, "OVSFABRIC_MTU=" + mtu,
                "OVSFABRIC_DNS=" + gateway,
                "DOCKER_OPTS=\"" + String.join(" ", flags()) + "\"", "OVSFABRIC_ICC=" + icc);
    }
}

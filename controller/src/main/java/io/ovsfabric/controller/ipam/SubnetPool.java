package io.ovsfabric.controller.ipam;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostState;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Host subnet allocation policy (pure). Subnet index 0 of the fabric is never handed out. The first attempt takes the
 * lowest free subnet (predictable for humans); after losing a race to another controller, a retry starts at a random
 * free subnet so that racing allocators spread out instead of colliding again on the same one.
 */
public final class SubnetPool {
    private final FabricPlan plan;

    public SubnetPool(FabricPlan plan) {
        this.plan = plan;
    }

    /** A free subnet, or empty when every assignable subnet is held. */
    public Optional<Cidr> choose(Set<Cidr> held, int attempt, RandomGenerator random) {
        long count = plan.subnetCount();
        long first = FabricPlan.FIRST_HOST_SUBNET_INDEX;
        long assignable = count - first;
        long heldInRange = held.stream().filter(this::isAssignable).count();
        if (heldInRange >= assignable) {
            return Optional.empty();
        }
        long start = attempt == 0 ? 0 : random.nextLong(assignable);
        for (long i = 0; i < assignable; i++) {
            Cidr candidate = plan.subnet(first + (start + i) % assignable);
            if (!held.contains(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** True when the subnet is one this fabric hands to hosts. */
    public boolean isAssignable(Cidr subnet) {
        return subnet.prefixLength() == plan.hostPrefix() && plan.fabricCidr().contains(subnet)
                && plan.fabricCidr().indexOf(subnet) >= FabricPlan.FIRST_HOST_SUBNET_INDEX;
    }

    /** The RESOURCE_EXHAUSTED message: how many subnets exist, how many are held and by what, and what to do. */
    public String exhaustedMessage(Map<HostState, Long> heldByState) {
        long held = heldByState.values().stream().mapToLong(Long::longValue).sum();
        return "no host subnet left: fabric " + plan.fabricCidr() + " holds " + plan.subnetCount() + " subnets of /"
                + plan.hostPrefix() + ", " + plan.assignableSubnets() + " assignable (" + plan.subnet(0)
                + " is kept unused), and all " + held + " are held (" + heldByState.getOrDefault(HostState.UP, 0L) + " up, "
                + heldByState.getOrDefault(HostState.DOWN, 0L) + " down within their grace period, "
                + heldByState.getOrDefault(HostState.RESERVED, 0L) + " reserved). Free one with 'ovsfabricctl hosts release HOST'"
                + " or wait for down hosts' grace periods to end";
    }
}

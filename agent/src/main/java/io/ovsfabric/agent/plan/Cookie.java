package io.ovsfabric.agent.plan;

import java.util.Optional;

/**
 * A flow cookie: bits 63-48 the ovsfabric tag 0x0fab, bits 47-40 the {@link FlowCategory}, bits 39-24 the
 * restart round (1-65535), bits 23-0 zero. The tag marks a flow as ours; the round tells the flows of this agent
 * run from those a previous run left (Antrea's "round" model).
 */
public record Cookie(FlowCategory category, int round) {
    public static final long TAG = 0x0fabL;
    /** Selects the tag bits: {@code cookie & TAG_MASK == TAG_VALUE} means the flow is ours. */
    public static final long TAG_MASK = 0xffffL << 48;
    public static final long TAG_VALUE = TAG << 48;
    public static final int MAX_ROUND = 0xffff;

    public Cookie {
        if (round < 1 || round > MAX_ROUND) {
            throw new IllegalArgumentException("round " + round + " outside 1-" + MAX_ROUND);
        }
    }

    public long value() {
        return TAG_VALUE | ((long) category.code() << 40) | ((long) round << 24);
    }

    public static boolean isOurs(long cookie) {
        return (cookie & TAG_MASK) == TAG_VALUE;
    }

    /** The cookie's fields, or empty when it is not an ovsfabric cookie. */
    public static Optional<Cookie> parse(long cookie) {
        if (!isOurs(cookie)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Cookie(FlowCategory.ofCode((int) (cookie >>> 40) & 0xff),
                    (int) (cookie >>> 24) & 0xffff));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The round after {@code previous} (0 = none seen yet), wrapping from 65535 back to 1. */
    public static int nextRound(int previous) {
        return previous >= MAX_ROUND || previous < 0 ? 1 : previous + 1;
    }

    @Override
    public String toString() {
        return String.format("0x%x", value());
    }
}

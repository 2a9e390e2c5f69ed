package io.ovsfabric.e2e;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Packet counters of ovsfabric's flows on a lab host's br0, by cookie category (bits 47-40 of the cookie). */
final class FlowCounters {
    private static final Pattern FLOW = Pattern.compile("cookie=0x([0-9a-f]+), .*?n_packets=(\\d+)");

    private FlowCounters() {}

    /** Sum of n_packets of the host's br0 flows whose cookie is ours (0x0fab tag) and has this category. */
    static long packets(Lab lab, String host, int category) {
        String out = lab.exec(host, "ovs-ofctl", "-O", "OpenFlow13", "dump-flows", "br0").orThrow().out();
        Matcher m = FLOW.matcher(out);
        long sum = 0;
        while (m.find()) {
            long cookie = Long.parseUnsignedLong(m.group(1), 16);
            if ((cookie >>> 48) == 0x0fab && ((cookie >>> 40) & 0xff) == category) {
                sum += Long.parseLong(m.group(2));
            }
        }
        return sum;
    }
}

package io.ovsfabric.e2e;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads tcpdump's one-line decodes of underlay packets ("IP a > b: GREv0, key=..., length n: INNER"). Pure. */
final class GreFrames {
    private GreFrames() {}

    /** One GRE packet seen on the underlay: outer addresses and tcpdump's decode of the inner frame. */
    record Frame(String outerSrc, String outerDst, String inner) {}

    private static final String IP = "(\\d{1,3}(?:\\.\\d{1,3}){3})";
    private static final Pattern GRE = Pattern.compile("\\bIP " + IP + " > " + IP + ": GREv0\\b[^:]*: (.*)$");
    private static final Pattern ARP_REQUEST = Pattern.compile("^ARP, Request who-has " + IP + "\\b");

    static Optional<Frame> parse(String line) {
        Matcher m = GRE.matcher(line);
        return m.find() ? Optional.of(new Frame(m.group(1), m.group(2), m.group(3))) : Optional.empty();
    }

    static List<Frame> parseAll(List<String> lines) {
        return lines.stream().map(GreFrames::parse).flatMap(Optional::stream).toList();
    }

    /** The target of an ARP request carried inside the frame, if it is one. */
    static Optional<String> arpTarget(Frame frame) {
        Matcher m = ARP_REQUEST.matcher(frame.inner());
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** How many GRE frames carrying an ARP request for {@code target} went to each underlay address. */
    static Map<String, Long> arpRequestsByDestination(List<Frame> frames, String target) {
        Map<String, Long> counts = new TreeMap<>();
        for (Frame f : frames) {
            if (arpTarget(f).filter(target::equals).isPresent()) {
                counts.merge(f.outerDst(), 1L, Long::sum);
            }
        }
        return counts;
    }

    /** Whether the inner frame is an ICMP echo request from {@code src} to {@code dst}. */
    static boolean isEchoRequest(Frame frame, String src, String dst) {
        return frame.inner().startsWith("IP " + src + " > " + dst + ": ICMP echo request");
    }
}

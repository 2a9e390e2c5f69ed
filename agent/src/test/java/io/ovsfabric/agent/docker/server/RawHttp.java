package io.ovsfabric.agent.docker.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A deliberately dumb HTTP/1.1 client over a unix socket: bytes out, one response parsed back. */
final class RawHttp implements AutoCloseable {
    private final SocketChannel channel;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    record Response(int status, Map<String, String> headers, String body) {}

    RawHttp(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
    }

    Response post(String path, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        send("POST " + path + " HTTP/1.1\r\nHost: plugin\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n" + body);
        return read();
    }

    void send(String raw) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(raw.getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    Response read() throws IOException {
        int headerEnd;
        while ((headerEnd = indexOf(pending.toByteArray(), "\r\n\r\n")) < 0) {
            if (!fill()) {
                throw new IOException("connection closed before a response; got: " + pending);
            }
        }
        String head = new String(pending.toByteArray(), 0, headerEnd, StandardCharsets.US_ASCII);
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        while (pending.size() < headerEnd + 4 + length) {
            if (!fill()) {
                throw new IOException("connection closed inside a response body");
            }
        }
        byte[] all = pending.toByteArray();
        String body = new String(all, headerEnd + 4, length, StandardCharsets.UTF_8);
        pending.reset();
        pending.write(all, headerEnd + 4 + length, all.length - headerEnd - 4 - length);
        return new Response(status, headers, body);
    }

    /** True if the server closed the connection (read returns end of stream). */
    boolean closedByServer() throws IOException {
        return !fill();
    }

    private boolean fill() throws IOException {
        ByteBuffer in = ByteBuffer.allocate(8192);
        int n = channel.read(in);
        if (n < 0) {
            return false;
        }
        pending.write(in.array(), 0, n);
        return true;
    }

    private static int indexOf(byte[] data, String marker) {
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + m.length <= data.length; i++) {
            for (int j = 0; j < m.length; j++) {
                if (data[i + j] != m[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

package io.ovsfabric.agent.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.ovsfabric.common.testing.Poll;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fake switch on a unix socket: the session reports its end when the switch ends it, not when we close it. */
class OpenFlowConnectionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path rundir;
    private EventLoopGroup group;
    private ServerSocketChannel server;
    private Path socket;

    @BeforeEach
    void listen() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        socket = rundir.resolve("br0.mgmt");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
    }

    @AfterEach
    void close() throws IOException {
        server.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Accepts one session and answers the agent's hello with an OpenFlow 1.3 hello (in the background). */
    private SocketChannel[] acceptOne() {
        SocketChannel[] accepted = new SocketChannel[1];
        Thread t = new Thread(() -> {
            try {
                SocketChannel ch = server.accept();
                ch.read(ByteBuffer.allocate(64));
                ch.write(ByteBuffer.wrap(new byte[] {4, 0, 0, 8, 0, 0, 0, 1}));
                synchronized (accepted) {
                    accepted[0] = ch;
                    accepted.notifyAll();
                }
            } catch (IOException e) {
                // the test fails on its own assertion
            }
        }, "fake-switch");
        t.setDaemon(true);
        t.start();
        return accepted;
    }

    private static SocketChannel await(SocketChannel[] accepted) throws InterruptedException {
        synchronized (accepted) {
            long deadline = System.currentTimeMillis() + TIMEOUT.toMillis();
            while (accepted[0] == null && System.currentTimeMillis() < deadline) {
                accepted.wait(100);
            }
            return accepted[0];
        }
    }

    @Test
    void aSessionTheSwitchEndsIsReportedAsLost() throws Exception {
        SocketChannel[] accepted = acceptOne();
        AtomicInteger lost = new AtomicInteger();
        try (OpenFlowConnection session = OpenFlowConnection.open("br0", socket, group, TIMEOUT, lost::incrementAndGet)) {
            assertTrue(session.isOpen());
            await(accepted).close();   // vswitchd killed
            Poll.until(TIMEOUT, () -> lost.get() == 1, () -> "the lost session was not reported");
            assertTrue(!session.isOpen());
        }
        assertEquals(1, lost.get());
    }

    @Test
    void aSessionWeCloseIsNotReported() throws Exception {
        SocketChannel[] accepted = acceptOne();
        AtomicInteger lost = new AtomicInteger();
        OpenFlowConnection session = OpenFlowConnection.open("br0", socket, group, TIMEOUT, lost::incrementAndGet);
        await(accepted);
        session.close();
        assertTrue(!session.isOpen());
        await(accepted).close();
        Thread.sleep(200); // nothing to poll for: the absence of a report
        assertEquals(0, lost.get());
    }
}

package io.ovsfabric.agent.ovs;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.ovsfabric.agent.AgentException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An ovsdb-server on its way down (a restart) can accept a connection, read the request and close without an
 * answer. ODL's endpoint leaves such a request pending; the agent must see the close, not wait out its timeout
 * (fault 5b of the e2e fault suite once took 13.5 s to recover for want of this).
 */
class OdlOvsDatabaseClosedConnectionTest {

    @Test
    void aConnectionClosedBeforeTheAnswerFailsTheRequestAsClosedNotAsUnanswered() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        CountDownLatch lost = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread dying = new Thread(() -> {
                try (Socket socket = server.accept(); InputStream in = socket.getInputStream()) {
                    in.read(new byte[4096]);   // the get_schema request, never answered
                } catch (Exception ignored) {
                    // the test's assertions say what went wrong
                }
            }, "dying-ovsdb-server");
            dying.start();
            try (OdlOvsDatabase db = new OdlOvsDatabase(OvsdbTarget.parse("tcp:127.0.0.1:" + server.getLocalPort()),
                    group, Duration.ofSeconds(60), lost::countDown)) {
                AgentException e = assertThrows(AgentException.class, db::bridges);
                assertTrue(e.getMessage().contains("closed the connection before answering"), e.getMessage());
                assertTrue(e.getMessage().contains("read the Open_vSwitch schema"), e.getMessage());
            }
            dying.join();
            assertTrue(lost.await(10, TimeUnit.SECONDS), "the lost connection is reported, so the agent reconciles");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}

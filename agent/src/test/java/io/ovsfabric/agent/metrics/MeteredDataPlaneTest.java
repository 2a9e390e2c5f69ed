package io.ovsfabric.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.DataPlane;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeteredDataPlaneTest {

    /** A wrapper that keeps an interface default drops the delegate's behaviour silently (the lost-connection hook). */
    @Test
    void passesOnEveryMethodOfTheDataPlaneTheDefaultsIncluded() throws NoSuchMethodException {
        List<String> missing = Arrays.stream(DataPlane.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .filter(m -> !declaredBy(m))
                .map(Method::getName).toList();
        assertEquals(List.of(), missing, "MeteredDataPlane does not pass these on");
    }

    @Test
    void theLostConnectionListenerReachesTheRealDataPlane() {
        Runnable[] registered = new Runnable[1];
        DataPlane real = new DataPlane() {
            @Override
            public void reconcile(io.ovsfabric.agent.model.Topology topology) {}

            @Override
            public List<io.ovsfabric.agent.model.AttachedPort> endpointPorts() {
                return List.of();
            }

            @Override
            public void onConnectionLost(Runnable listener) {
                registered[0] = listener;
            }

            @Override
            public void teardown() {}

            @Override
            public void close() {}
        };
        Runnable listener = () -> { };
        new MeteredDataPlane(real, AgentMetrics.none()).onConnectionLost(listener);
        assertTrue(registered[0] == listener);
    }

    private static boolean declaredBy(Method method) {
        try {
            return MeteredDataPlane.class.getDeclaredMethod(method.getName(), method.getParameterTypes()) != null;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}

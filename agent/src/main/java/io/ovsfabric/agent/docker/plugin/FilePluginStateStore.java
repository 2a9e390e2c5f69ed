package io.ovsfabric.agent.docker.plugin;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

/**
 * Keeps the state as one JSON file in the agent's state dir. A save writes a temporary file, forces it to disk,
 * renames it over the old one and forces the directory, so a crash leaves the old or the new file.
 */
public final class FilePluginStateStore implements PluginStateStore {
    public static final String FILE_NAME = "docker-plugin.json";

    private final Path file;
    private final ObjectMapper json;

    public FilePluginStateStore(Path stateDir) {
        this.file = stateDir.resolve(FILE_NAME);
        SimpleModule types = new SimpleModule("ovsfabric-types");
        types.addSerializer(Cidr.class, ToStringSerializer.instance);
        types.addSerializer(Ipv4Address.class, ToStringSerializer.instance);
        types.addSerializer(MacAddress.class, ToStringSerializer.instance);
        types.addDeserializer(Cidr.class, fromString(Cidr::parse));
        types.addDeserializer(Ipv4Address.class, fromString(Ipv4Address::parse));
        types.addDeserializer(MacAddress.class, fromString(MacAddress::parse));
        this.json = JsonMapper.builder().addModule(types).enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    }

    public Path file() {
        return file;
    }

    @Override
    public PluginState load() {
        if (!Files.exists(file)) {
            return PluginState.empty();
        }
        try {
            PluginState state = json.readValue(file.toFile(), PluginState.class);
            if (state.version() != PluginState.VERSION) {
                throw AgentException.failed(file + " has state version " + state.version() + " but this agent reads "
                        + PluginState.VERSION + "; run the agent version that wrote it, or move the file away", null);
            }
            return state;
        } catch (IOException e) {
            throw AgentException.failed("cannot read the Docker plugin state " + file + ": " + e.getMessage()
                    + " (fix or move the file away; moving it loses which addresses this host holds)", e);
        }
    }

    @Override
    public void save(PluginState state) {
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            byte[] bytes = json.writeValueAsBytes(state);
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(ByteBuffer.wrap(bytes));
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw AgentException.failed("cannot write the Docker plugin state " + file + ": " + e.getMessage()
                    + " (is the state dir writable and the disk not full?)", e);
        }
    }

    private static <T> JsonDeserializer<T> fromString(Function<String, T> parse) {
        return new JsonDeserializer<>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                return parse.apply(p.getValueAsString());
            }
        };
    }
}

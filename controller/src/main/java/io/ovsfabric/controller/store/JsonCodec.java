package io.ovsfabric.controller.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.FabricException;
import java.io.IOException;
import java.util.function.Function;

/**
 * Encodes stored values as readable JSON (so {@code etcdctl get --prefix} shows them) with typed addresses and ids
 * written as plain strings. Unknown fields are ignored: a newer controller may add some. Package-private: only the
 * repositories encode and decode.
 */
final class JsonCodec {
    private final ObjectMapper mapper;

    JsonCodec() {
        SimpleModule types = new SimpleModule("ovsfabric-types");
        text(types, Cidr.class, Cidr::parse);
        text(types, Ipv4Address.class, Ipv4Address::parse);
        text(types, HostId.class, HostId::of);
        mapper = new ObjectMapper().registerModule(types)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    }

    String encode(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new FabricException(FabricException.Code.INTERNAL, "cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    /** Decodes a stored value; a value that does not parse names its key, so an admin can inspect it with etcdctl. */
    <T> T decode(String key, String json, Class<T> type) {
        try {
            return mapper.readValue(json, type);
        } catch (IOException | RuntimeException e) {
            throw new FabricException(FabricException.Code.INTERNAL, "etcd key " + key + " does not hold a valid "
                    + type.getSimpleName() + " (" + e.getMessage() + "); inspect it with 'etcdctl get " + key + "'", e);
        }
    }

    private static <T> void text(SimpleModule module, Class<T> type, Function<String, T> parse) {
        module.addSerializer(type, new JsonSerializer<T>() {
            @Override
            public void serialize(T value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeString(value.toString());
            }
        });
        module.addDeserializer(type, new JsonDeserializer<T>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return parse.apply(p.getValueAsString());
            }
        });
    }
}

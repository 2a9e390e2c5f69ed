package io.ovsfabric.agent.docker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Typed, validated access to the fields of one plugin request body; every refusal names the call and field. */
final class JsonRequest {
    private static final Pattern DOCKER_ID = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern POOL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");

    private final String call;
    private final JsonNode body;
    /** Where this object sits in the request ("" at the top; "Options.x[0]: " for an item), for messages. */
    private final String where;

    JsonRequest(String call, JsonNode body) {
        this(call, body, "");
    }

    private JsonRequest(String call, JsonNode body, String where) {
        this.call = call;
        this.body = body;
        this.where = where;
    }

    /** A 64-hex Docker id (network or endpoint): what libnetwork always sends. */
    String dockerId(String field) {
        String value = requiredString(field);
        if (!DOCKER_ID.matcher(value).matches()) {
            throw invalid(field + " '" + abbreviate(value) + "' is not a Docker id (64 lowercase hex digits)");
        }
        return value;
    }

    String poolId(String field) {
        String value = requiredString(field);
        if (!POOL_ID.matcher(value).matches()) {
            throw invalid(field + " '" + abbreviate(value) + "' is not a pool id handed out by ovsfabric");
        }
        return value;
    }

    String requiredString(String field) {
        String value = optionalString(field);
        if (value.isEmpty()) {
            throw invalid("missing " + field);
        }
        return value;
    }

    /** A string field; absent or null reads as "". */
    String optionalString(String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return "";
        }
        if (!node.isTextual()) {
            throw invalid(field + " must be a string, got " + node.getNodeType().name().toLowerCase());
        }
        return node.textValue();
    }

    boolean optionalBoolean(String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw invalid(field + " must be true or false");
        }
        return node.booleanValue();
    }

    int requiredInt(String field) {
        JsonNode node = body.get(field);
        if (node == null || !node.isInt()) {
            throw invalid(field + " must be an integer");
        }
        return node.intValue();
    }

    /** A nested object; absent or null gives an empty one. */
    JsonRequest object(String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return new JsonRequest(call, JsonNodeFactory.instance.objectNode());
        }
        if (!node.isObject()) {
            throw invalid(field + " must be a JSON object");
        }
        return new JsonRequest(call, node);
    }

    boolean has(String field) {
        JsonNode node = body.get(field);
        return node != null && !node.isNull();
    }

    /** An array field; absent or null gives an empty array. */
    JsonNode array(String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return JsonNodeFactory.instance.arrayNode();
        }
        if (!node.isArray()) {
            throw invalid(field + " must be a JSON array");
        }
        return node;
    }

    JsonRequest element(String field, JsonNode node) {
        if (!node.isObject()) {
            throw invalid("each element of " + field + " must be a JSON object");
        }
        return new JsonRequest(call, node);
    }

    /** An element of an array as an object whose refusals name its path, e.g. "Options.x[0]: Port must be ...". */
    JsonRequest item(String path, JsonNode node) {
        if (!node.isObject()) {
            throw invalid(path + " must be a JSON object");
        }
        return new JsonRequest(call, node, where + path + ": ");
    }

    /** An integer field within [min, max]; absent or null reads as 0 (Go's zero value). */
    int optionalInt(String field, int min, int max) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.intValue() < min || node.intValue() > max) {
            throw invalid(field + " must be an integer from " + min + " to " + max + ", got " + abbreviate(node.toString()));
        }
        return node.intValue();
    }

    /** An object of string values (libnetwork's map[string]string); non-string values are refused. */
    Map<String, String> stringMap(String field) {
        JsonRequest object = object(field);
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object.body.properties()) {
            if (!e.getValue().isTextual()) {
                throw invalid(field + "." + e.getKey() + " must be a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    /** An object whose string values are kept and other values skipped (libnetwork's map[string]interface{}). */
    Map<String, String> lenientStringMap(String field) {
        JsonRequest object = object(field);
        Map<String, String> out = new LinkedHashMap<>();
        object.body.properties().forEach(e -> {
            if (e.getValue().isTextual()) {
                out.put(e.getKey(), e.getValue().textValue());
            }
        });
        return out;
    }

    Cidr cidr(String field) {
        String text = requiredString(field);
        try {
            return Cidr.parse(text);
        } catch (InvalidInputException e) {
            throw invalid(field + ": " + e.getMessage());
        }
    }

    /** "a.b.c.d/nn" where the address may have host bits (an interface address, not a network). */
    InterfaceAddress interfaceAddress(String field) {
        String text = requiredString(field);
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw invalid(field + " '" + text + "' must be an address with a prefix length (e.g. 10.201.0.5/16)");
        }
        try {
            Ipv4Address address = Ipv4Address.parse(text.substring(0, slash));
            String prefix = text.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 2 || !prefix.chars().allMatch(Character::isDigit)
                    || Integer.parseInt(prefix) > 32) {
                throw invalid(field + " '" + text + "' has no valid prefix length (0-32)");
            }
            return new InterfaceAddress(address, Integer.parseInt(prefix));
        } catch (InvalidInputException e) {
            throw invalid(field + ": " + e.getMessage());
        }
    }

    Optional<Ipv4Address> optionalAddress(String field) {
        String text = optionalString(field);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Ipv4Address.parse(text));
        } catch (InvalidInputException e) {
            throw invalid(field + ": " + e.getMessage());
        }
    }

    static Optional<MacAddress> mac(String call, String field, String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(MacAddress.parse(text));
        } catch (AgentException e) {
            throw AgentException.invalid(call + ": " + field + ": " + e.getMessage());
        }
    }

    Optional<MacAddress> optionalMac(String field) {
        return mac(call, field, optionalString(field));
    }

    AgentException invalid(String what) {
        return AgentException.invalid(call + ": " + where + what);
    }

    private static String abbreviate(String value) {
        return value.length() > 80 ? value.substring(0, 80) + "..." : value;
    }

    record InterfaceAddress(Ipv4Address address, int prefixLength) {}
}

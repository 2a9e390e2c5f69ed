package io.ovsfabric.agent.ovs;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.plan.ObservedPort;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.opendaylight.ovsdb.lib.notation.Column;
import org.opendaylight.ovsdb.lib.notation.Row;
import org.opendaylight.ovsdb.lib.notation.UUID;
import org.opendaylight.ovsdb.lib.operations.Select;
import org.opendaylight.ovsdb.lib.schema.GenericTableSchema;

import static org.opendaylight.ovsdb.lib.operations.Operations.op;

/**
 * Reads ODL's generic rows into plain Java values. OVSDB optional columns (min 0, max 1) arrive as a set of zero or
 * one element, or as the bare atom; both are accepted.
 */
@SuppressWarnings({"unchecked", "rawtypes"})
final class OvsdbRows {
    private OvsdbRows() {}

    /** A select that names its columns (ODL sends "columns":[] otherwise, and gets empty rows back). */
    static Select<GenericTableSchema> select(GenericTableSchema table, String... columns) {
        Select<GenericTableSchema> select = op.select(table);
        for (String column : columns) {
            select.column(table.column(column));
        }
        return select;
    }

    static ObservedPort port(Row<GenericTableSchema> port, Row<GenericTableSchema> iface) {
        String name = string(port, "name");
        if (iface == null) {
            return new ObservedPort(name, "", Map.of(), 0, null, null, "port has no interface", map(port, "external_ids"));
        }
        Long ofport = optionalLong(iface, "ofport");
        Long request = optionalLong(iface, "ofport_request");
        Long mtu = optionalLong(iface, "mtu_request");
        return new ObservedPort(name, string(iface, "type"), map(iface, "options"), ofport == null ? 0 : ofport,
                request == null ? null : request.intValue(), mtu == null ? null : mtu.intValue(),
                string(iface, "error"), map(port, "external_ids"), map(iface, "external_ids"));
    }

    static Map<UUID, Row<GenericTableSchema>> byUuid(List<Row<GenericTableSchema>> rows) {
        Map<UUID, Row<GenericTableSchema>> byId = new LinkedHashMap<>();
        if (rows != null) {
            rows.forEach(row -> byId.put(uuid(row), row));
        }
        return byId;
    }

    static UUID uuid(Row<GenericTableSchema> row) {
        Object value = data(row, "_uuid");
        if (value instanceof UUID id) {
            return id;
        }
        throw new AgentException("row without _uuid: " + row);
    }

    static Set<UUID> uuids(Row<GenericTableSchema> row, String column) {
        Set<UUID> ids = new LinkedHashSet<>();
        for (Object value : elements(data(row, column))) {
            if (value instanceof UUID id) {
                ids.add(id);
            }
        }
        return ids;
    }

    static String string(Row<GenericTableSchema> row, String column) {
        Collection<?> values = elements(data(row, column));
        return values.isEmpty() ? "" : values.iterator().next().toString();
    }

    static Set<String> strings(Row<GenericTableSchema> row, String column) {
        Set<String> values = new LinkedHashSet<>();
        elements(data(row, column)).forEach(v -> values.add(v.toString()));
        return values;
    }

    static Long optionalLong(Row<GenericTableSchema> row, String column) {
        Collection<?> values = elements(data(row, column));
        if (values.isEmpty()) {
            return null;
        }
        Object value = values.iterator().next();
        return value instanceof Number number ? number.longValue() : Long.parseLong(value.toString());
    }

    static Map<String, String> map(Row<GenericTableSchema> row, String column) {
        Map<String, String> values = new LinkedHashMap<>();
        if (data(row, column) instanceof Map<?, ?> map) {
            map.forEach((k, v) -> values.put(k.toString(), v.toString()));
        }
        return values;
    }

    private static Collection<?> elements(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof Collection<?> collection) {
            return collection;
        }
        return List.of(value);
    }

    private static Object data(Row<GenericTableSchema> row, String column) {
        for (Column<GenericTableSchema, ?> candidate : row.getColumns()) {
            if (candidate.getSchema().getName().equals(column)) {
                return candidate.getData();
            }
        }
        return null;
    }
}

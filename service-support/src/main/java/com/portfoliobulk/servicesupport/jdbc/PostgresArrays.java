package com.portfoliobulk.servicesupport.jdbc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.UUID;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.Oid;
import org.postgresql.jdbc.PgArray;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.jdbc.support.SqlValue;

/**
 * Binds a list as one PostgreSQL array parameter, so a statement takes a whole batch whatever its
 * length ({@code unnest(:ids)}, {@code = ANY(:ids)}), in PostgreSQL's binary array format: the one
 * way the services bind arrays.
 *
 * <p>Why binary. The driver writes an array of objects it has no binary encoder for (UUIDs, or any
 * {@code Object[]}) as an array literal, escaping it character by character, and PostgreSQL parses
 * that literal back: a profile of the worker and the audit-consumer during a 100,000-task job found
 * 9 and 14 % of their samples building such literals. Its binary encoder of texts grows its buffer
 * by doubling from at most 1 KB (5 % of the audit-consumer's samples, for 1,000 entries' summaries).
 * UUIDs (16 bytes each) and texts (UTF-8, the driver's client encoding) are written here into a
 * buffer of their exact size; numbers go through the driver's binary encoder, which it uses for
 * {@code Long[]} and {@code Integer[]} but not for the {@code Object[]} of {@code Collection.toArray()}.
 */
public final class PostgresArrays {

    private static final int UUID_BYTES = 16;

    private PostgresArrays() {}

    /** A {@code uuid[]}; {@code null} elements stay null. */
    public static SqlValue uuids(UUID... values) {
        return new BinaryArray(Oid.UUID_ARRAY, values.length, binary(values));
    }

    /** A {@code uuid[]} of the collection, in its iteration order. */
    public static SqlValue uuids(Collection<UUID> values) {
        return uuids(values.toArray(UUID[]::new));
    }

    /** A {@code text[]}; {@code null} elements stay null. */
    public static SqlValue texts(String... values) {
        return new BinaryArray(Oid.TEXT_ARRAY, values.length, binary(values));
    }

    /** A {@code text[]} of the collection, in its iteration order. */
    public static SqlValue texts(Collection<String> values) {
        return texts(values.toArray(String[]::new));
    }

    /** A {@code bigint[]} of the collection, in its iteration order. */
    public static SqlValue longs(Collection<Long> values) {
        return new SqlArrayValue("bigint", (Object[]) values.toArray(Long[]::new));
    }

    /** An {@code integer[]} of the collection, in its iteration order. */
    public static SqlValue ints(Collection<Integer> values) {
        return new SqlArrayValue("integer", (Object[]) values.toArray(Integer[]::new));
    }

    private static byte[] binary(UUID[] values) {
        int nonNull = 0;
        for (UUID value : values) {
            nonNull += value == null ? 0 : 1;
        }
        ByteBuffer bytes = header(Oid.UUID, values.length, nonNull < values.length, nonNull * UUID_BYTES);
        for (UUID value : values) {
            if (value == null) {
                bytes.putInt(-1);
            } else {
                bytes.putInt(UUID_BYTES)
                        .putLong(value.getMostSignificantBits())
                        .putLong(value.getLeastSignificantBits());
            }
        }
        return bytes.array();
    }

    private static byte[] binary(String[] values) {
        byte[][] encoded = new byte[values.length][];
        boolean nulls = false;
        int size = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                nulls = true;
            } else {
                encoded[i] = values[i].getBytes(StandardCharsets.UTF_8);
                size += encoded[i].length;
            }
        }
        ByteBuffer bytes = header(Oid.TEXT, values.length, nulls, size);
        for (byte[] value : encoded) {
            if (value == null) {
                bytes.putInt(-1);
            } else {
                bytes.putInt(value.length).put(value);
            }
        }
        return bytes.array();
    }

    /**
     * A buffer of the exact size of a one-dimensional array in the binary form PostgreSQL's
     * {@code array_recv} reads, its header written: the dimensions (none when empty), a null flag,
     * the element type, the dimension's length and lower bound. Each element follows as its length
     * (-1 for null) and its bytes.
     */
    private static ByteBuffer header(int elementType, int count, boolean nulls, int elementBytes) {
        if (count == 0) {
            return ByteBuffer.allocate(12).putInt(0).putInt(0).putInt(elementType);
        }
        return ByteBuffer.allocate(20 + 4 * count + elementBytes)
                .putInt(1)
                .putInt(nulls ? 1 : 0)
                .putInt(elementType)
                .putInt(count)
                .putInt(1);
    }

    /** An array in binary form, bound as the driver's own binary array; holds no resource. */
    private record BinaryArray(int arrayType, int length, byte[] bytes) implements SqlValue {

        @Override
        public void setValue(PreparedStatement statement, int index) throws SQLException {
            BaseConnection connection = statement.getConnection().unwrap(BaseConnection.class);
            statement.setArray(index, new PgArray(connection, arrayType, bytes));
        }

        @Override
        public void cleanup() {}

        @Override
        public String toString() {
            return "array of " + length;
        }
    }
}

package com.portfoliobulk.servicesupport.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Arrays bound in binary reach PostgreSQL element for element, in order, nulls included, also once
 * the driver has prepared the statement on the server (after its fifth use on a connection).
 */
class PostgresArraysIntegrationTests {

    private static JdbcClient jdbc;

    @BeforeAll
    static void connect() {
        DatabaseEndpoint database = SharedInfrastructure.database();
        SingleConnectionDataSource connection =
                new SingleConnectionDataSource(database.jdbcUrl(), database.username(), database.password(), true);
        jdbc = JdbcClient.create(connection);
    }

    @Test
    void uuidsArriveInOrderWithTheirNulls() {
        UUID[] ids = {UUID.randomUUID(), null, new UUID(0, 0), new UUID(-1, -1), UUID.randomUUID()};
        List<String> expected =
                Arrays.stream(ids).map(id -> id == null ? null : id.toString()).toList();
        for (int use = 0; use < 8; use++) {
            assertThat(jdbc.sql("""
                            SELECT CAST(id AS text) FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS t(id, n)
                            ORDER BY n""")
                            .param("ids", PostgresArrays.uuids(ids))
                            .query(String.class)
                            .list())
                    .as("use %d of the statement", use + 1)
                    .isEqualTo(expected);
        }
    }

    @Test
    void aCollectionOfUuidsIsBoundInItsOrderAndMatchesTheColumnType() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            ids.add(UUID.randomUUID());
        }
        assertThat(jdbc.sql("SELECT count(*) FROM unnest(CAST(:ids AS uuid[])) AS t(id) WHERE id = ANY(:ids)")
                        .param("ids", PostgresArrays.uuids(ids))
                        .query(Long.class)
                        .single())
                .isEqualTo(1_000L);
        assertThat(jdbc.sql("SELECT CAST((CAST(:ids AS uuid[]))[1000] AS text)")
                        .param("ids", PostgresArrays.uuids(ids))
                        .query(String.class)
                        .single())
                .isEqualTo(ids.getLast().toString());
    }

    @Test
    void anEmptyArrayIsEmpty() {
        assertThat(jdbc.sql("SELECT coalesce(cardinality(CAST(:ids AS uuid[])), -1)")
                        .param("ids", PostgresArrays.uuids(List.of()))
                        .query(Integer.class)
                        .single())
                .isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM unnest(CAST(:texts AS text[]))")
                        .param("texts", PostgresArrays.texts(List.of()))
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void textsKeepEveryCharacterThatAnArrayLiteralWouldHaveToEscape() {
        String[] texts = {"plain", "quote \" inside", "comma, brace { } ", "back\\slash", "NULL", "", null, "ünïcødé ✓"
        };
        List<String> expected = Arrays.asList(texts);
        for (int use = 0; use < 8; use++) {
            assertThat(jdbc.sql("""
                            SELECT t FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS x(t, n) ORDER BY n""")
                            .param("texts", PostgresArrays.texts(texts))
                            .query(String.class)
                            .list())
                    .isEqualTo(expected);
        }
        assertThat(jdbc.sql("SELECT string_agg(t, '|' ORDER BY n) FROM unnest(:texts) WITH ORDINALITY AS x(t, n)")
                        .param("texts", PostgresArrays.texts(List.of("a", "b,c")))
                        .query(String.class)
                        .single())
                .isEqualTo("a|b,c");
    }

    @Test
    void longsArriveInOrder() {
        List<Long> values = List.of(Long.MIN_VALUE, -1L, 0L, 42L, Long.MAX_VALUE);
        assertThat(jdbc.sql("SELECT v FROM unnest(CAST(:values AS bigint[])) WITH ORDINALITY AS x(v, n) ORDER BY n")
                        .param("values", PostgresArrays.longs(values))
                        .query(Long.class)
                        .list())
                .isEqualTo(values);
    }
}

package com.portfoliobulk.worker.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.QueryPlans;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Operators reach every dead letter through the internal API, however many there are: the list pages
 * with the product's paging contract ({@code limit}, {@code cursor}; {@code items} and {@code
 * nextCursor}), and {@code redriven=false} lists only those no operator has re-driven yet.
 */
class DeadLetterPagingIntegrationTests extends WorkerIntegrationSupport {

    /** More than the largest page: a restore from an older backup dead-letters that many at once. */
    private static final int DEAD_LETTERS = 620;

    /** Of them, the ones an operator re-drove already. */
    private static final int REDRIVEN = 150;

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    private final JsonMapper json = JsonMapper.builder().build();

    private RestClient http;

    @BeforeEach
    void client() {
        http = RestClient.builder().baseUrl("http://localhost:" + port).build();
    }

    /**
     * 620 dead letters recorded a month ago, older than any other (two at each time, so that their ids
     * order them), 150 of them re-driven. Paged to the end with the cursor, in pages of the largest size,
     * the list has each of them once, newest first; with {@code redriven=false} it has the 470 not
     * re-driven and none of the others, and with {@code redriven=true} those 150 only. The list answered
     * the newest 500 and no more: the oldest 120 could not be found, nor re-driven.
     */
    @Test
    void everyDeadLetterIsReachedWithTheCursorAndRedrivenFalseListsThoseLeftToRedrive() {
        String keyPrefix = "paging-" + UUID.randomUUID() + "-";
        insertOldDeadLetters(keyPrefix);
        try {
            List<JsonNode> all = everyPage("", 500);
            List<JsonNode> ours = filteredOn(all, keyPrefix);
            assertThat(ours).as("each of them, once").hasSize(DEAD_LETTERS);
            assertThat(ours.stream().map(entry -> entry.get("id").asString()).distinct())
                    .hasSize(DEAD_LETTERS);
            assertThat(all.stream().map(entry -> entry.get("id").asString()).distinct())
                    .as("no dead letter twice")
                    .hasSize(all.size());
            assertThat(all)
                    .as("newest first, then by id")
                    .isSortedAccordingTo(Comparator.comparing((JsonNode entry) ->
                                    Instant.parse(entry.get("recordedAt").asString()))
                            // PostgreSQL orders uuids as their text does (byte by byte, unsigned).
                            .thenComparing(entry -> entry.get("id").asString())
                            .reversed());

            List<JsonNode> left = filteredOn(everyPage("&redriven=false", 200), keyPrefix);
            assertThat(left).hasSize(DEAD_LETTERS - REDRIVEN);
            assertThat(left)
                    .allSatisfy(
                            entry -> assertThat(entry.hasNonNull("redrivenAt")).isFalse());
            List<JsonNode> redriven = filteredOn(everyPage("&redriven=true", 100), keyPrefix);
            assertThat(redriven).hasSize(REDRIVEN);
            assertThat(redriven)
                    .allSatisfy(entry ->
                            assertThat(entry.get("redrivenBy").asString()).isEqualTo("ops-jane"));
        } finally {
            jdbc.sql("DELETE FROM jobs.task_dead_letters WHERE record_key LIKE ?")
                    .param(keyPrefix + "%")
                    .update();
        }
    }

    @Test
    void aCursorOrFilterThatCannotBeUsedIsRefusedNamingIt() {
        Answer notACursor = get("/internal/dead-letters?cursor=not-a-cursor");
        assertThat(notACursor.status()).as(notACursor.body()).isEqualTo(400);
        assertThat(notACursor.body()).contains("\"field\":\"cursor\"");
        Answer tooMany = get("/internal/dead-letters?limit=501");
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.body()).contains("\"field\":\"limit\"");
        Answer notABoolean = get("/internal/dead-letters?redriven=no");
        assertThat(notABoolean.status()).isEqualTo(400);
        assertThat(notABoolean.body()).contains("\"field\":\"redriven\"");
    }

    /**
     * A page, first or after a cursor, of all dead letters, of those not re-driven or of the open ones
     * (neither re-driven nor dismissed), is one index scan from where the previous page ended: no sort
     * of all the dead letters, and the re-driven ones are not read to find those left (here 20,000 dead
     * letters, 19,500 re-driven), nor the dismissed ones to find the open ones (200 of the 500 left).
     */
    @Test
    void aPageIsReadInIndexOrderFromWhereThePreviousEnded() throws Exception {
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            try (Statement statement = db.createStatement()) {
                statement.execute("""
                        INSERT INTO jobs.task_dead_letters
                               (id, source_topic, source_partition, source_offset, source_timestamp, record_key,
                                reason, recorded_at, published_at, redriven_at, redriven_by, redrive_reason,
                                dismissed_at, dismissed_by, dismiss_reason)
                        SELECT gen_random_uuid(), 'plan-tasks', 0, g, 0, 'plan-' || g, 'InvalidTaskException: plan',
                               now() - interval '20 days' - g * interval '1 second', now(),
                               CASE WHEN g > 500 THEN now() END, CASE WHEN g > 500 THEN 'ops-jane' END,
                               CASE WHEN g > 500 THEN 'plan' END,
                               CASE WHEN g <= 200 THEN now() END, CASE WHEN g <= 200 THEN 'ops-jane' END,
                               CASE WHEN g <= 200 THEN 'not the gateway''s' END
                          FROM generate_series(1, 20000) AS g
                        """);
                statement.execute("ANALYZE jobs.task_dead_letters");
            }
            JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(db, true));

            List<List<String>> plans = new ArrayList<>();
            // All of them, those not re-driven, the open ones.
            for (Boolean[] filter : new Boolean[][] {{null, null}, {false, null}, {false, false}}) {
                for (boolean after : new boolean[] {false, true}) {
                    JdbcClient.StatementSpec explain = jdbc.sql("EXPLAIN (FORMAT JSON) "
                                    + DeadLetterStore.pageStatement(filter[0], filter[1], after))
                            .param("fetch", 51);
                    if (after) {
                        explain = explain.param(
                                        "afterAt",
                                        OffsetDateTime.now().minusDays(20).minusSeconds(100))
                                .param("afterId", UUID.randomUUID());
                    }
                    plans.add(QueryPlans.nodes(explain.query(String.class).single()));
                }
            }
            db.rollback();

            assertThat(plans.subList(0, 2))
                    .as("all dead letters")
                    .allSatisfy(nodes -> assertThat(nodes)
                            .contains("Index Scan using task_dead_letters_by_time on task_dead_letters")
                            .noneMatch(node -> node.contains("Sort")));
            assertThat(plans.subList(2, 4))
                    .as("those not re-driven")
                    .allSatisfy(nodes -> assertThat(nodes)
                            .contains("Index Scan using task_dead_letters_not_redriven_by_time on task_dead_letters")
                            .noneMatch(node -> node.contains("Sort")));
            assertThat(plans.subList(4, 6))
                    .as("the open ones")
                    .allSatisfy(nodes -> assertThat(nodes)
                            .contains("Index Scan using task_dead_letters_open_by_time on task_dead_letters")
                            .noneMatch(node -> node.contains("Sort")));
        }
    }

    /** 620 dead letters recorded a month ago, two at each time, the first 150 of them re-driven. */
    private void insertOldDeadLetters(String keyPrefix) {
        long offset = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
        jdbc.sql("""
                        INSERT INTO jobs.task_dead_letters
                               (id, source_topic, source_partition, source_offset, source_timestamp, record_key,
                                record_value, reason, recorded_at, published_at, redriven_at, redriven_by,
                                redrive_reason)
                        SELECT gen_random_uuid(), :topic, 5, :offset + g, 0, :prefix || g, '{not a task',
                               'InvalidTaskException: no task', now() - interval '30 days' - (g / 2) * interval '1 ms',
                               now() - interval '30 days',
                               CASE WHEN g <= :redriven THEN now() END, CASE WHEN g <= :redriven THEN 'ops-jane' END,
                               CASE WHEN g <= :redriven THEN 'task rows restored' END
                          FROM generate_series(1, :count) AS g
                        """)
                .param("topic", properties.topics().tasks())
                .param("offset", offset)
                .param("prefix", keyPrefix)
                .param("redriven", REDRIVEN)
                .param("count", DEAD_LETTERS)
                .update();
    }

    /** Every dead letter the list has with {@code query}, following {@code nextCursor} to the last page. */
    private List<JsonNode> everyPage(String query, int limit) {
        List<JsonNode> entries = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            String path = "/internal/dead-letters?limit=" + limit + query
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            Answer answer = get(path);
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            JsonNode page = json.readTree(answer.body());
            assertThat(page.has("nextCursor")).as("nextCursor on every page").isTrue();
            assertThat(page.get("items").size()).isLessThanOrEqualTo(limit);
            page.get("items").values().forEach(entries::add);
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asString();
            pages++;
            assertThat(pages).as("pages").isLessThan(1_000);
        } while (cursor != null);
        return entries;
    }

    private static List<JsonNode> filteredOn(List<JsonNode> entries, String keyPrefix) {
        return entries.stream()
                .filter(entry -> entry.path("key").asString("").startsWith(keyPrefix))
                .toList();
    }

    private Answer get(String path) {
        return http.get()
                .uri(path)
                .header("Authorization", TestTokens.workerAuthorization())
                .exchange((request, response) -> new Answer(
                        response.getStatusCode().value(),
                        new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));
    }

    private record Answer(int status, String body) {}
}

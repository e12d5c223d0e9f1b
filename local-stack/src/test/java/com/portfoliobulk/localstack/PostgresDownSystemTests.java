package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.ProblemTypes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/**
 * PostgreSQL, a server process of the test's own, stops in the middle of a job run by the gateway,
 * worker and audit-consumer processes ({@link FaultStack}) and stays down for 30 seconds. Every
 * process reports not ready meanwhile and none dies, and a request of an active client, whose
 * permissions the gateway still has, is answered 503 with {@code Retry-After} when its transaction
 * cannot begin (an outage, not a 500 to report as a defect); once PostgreSQL is back on the same port and
 * data, they are ready again by themselves and the job completes, every change applied and logged
 * exactly once.
 */
class PostgresDownSystemTests {

    private static final int ACCOUNTS = 60;

    private static final int USERS = 50;

    private static final Duration DOWN = Duration.ofSeconds(30);

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    @Test
    void postgresDownForThirtySecondsMidJobDelaysTheJobButLosesAndDoublesNothing() {
        FaultStack stack = FaultStack.get();
        PipelineInvariants invariants = stack.invariants();
        FaultStack.RoleJob job = stack.submitRoleJobAndAwaitATenth(ACCOUNTS, USERS, PATIENCE);

        int finishedAtStop = invariants.finished(job.id());
        assertThat(job.client()
                        .call("GET", "/portfolio-roles", null)
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
        stack.stopPostgres();
        long stoppedAt = System.nanoTime();
        // Each process's first answer other than 200 (-1: no answer within the probe's timeout).
        List<ServiceProcess> running =
                stack.processes().all().stream().filter(ServiceProcess::alive).toList();
        Map<String, Integer> notReady = new ConcurrentHashMap<>();
        await().atMost(DOWN).pollInterval(Duration.ofMillis(500)).until(() -> {
            running.parallelStream()
                    .filter(process -> !notReady.containsKey(process.name()))
                    .forEach(process -> {
                        int readiness = process.readiness();
                        if (readiness != 200) {
                            notReady.putIfAbsent(process.name(), readiness);
                        }
                    });
            return notReady.size() == running.size();
        });
        Duration allNotReady = since(stoppedAt);
        // A request meanwhile that gets past the caller's permissions (still cached) to its transaction,
        // which cannot begin: no connection for it.
        ResponseEntity<String> roles = job.client().call("GET", "/portfolio-roles", null);
        Duration leftDown = DOWN.minus(since(stoppedAt));
        await().during(leftDown)
                .atMost(leftDown.plusSeconds(10))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> running.stream().allMatch(ServiceProcess::alive));
        Duration down = since(stoppedAt);
        stack.startPostgres();
        long restartedAt = System.nanoTime();
        stack.processes().awaitReady(PATIENCE);
        Duration ready = since(restartedAt);
        invariants.awaitTerminal(job.id(), PATIENCE);
        invariants.awaitOneActivityEntryPerAppliedChange(job.id(), PATIENCE);
        Duration done = since(restartedAt);
        PipelineInvariants.Outcome outcome = invariants.outcome(job.id());
        System.out.printf(
                "PostgreSQL down: stopped at %d/%d tasks, down %d ms; every process not ready after %d ms (%s); ready"
                        + " %d ms after the restart; job done and logged %d ms after the restart (stall %d ms);"
                        + " lost %d; doubled %d%n",
                finishedAtStop,
                job.tasks(),
                down.toMillis(),
                allNotReady.toMillis(),
                new TreeMap<>(notReady),
                ready.toMillis(),
                done.toMillis(),
                down.plus(done).toMillis(),
                outcome.lost(),
                outcome.doubled());

        assertThat(finishedAtStop)
                .as("the outage starts in the middle of the job")
                .isLessThan(job.tasks());
        assertThat(notReady)
                .as("every process reports not ready (503) without its database")
                .containsOnlyKeys(running.stream().map(ServiceProcess::name).toList())
                .allSatisfy((process, readiness) -> assertThat(readiness).isEqualTo(503));
        assertThat(roles.getStatusCode().value())
                .as("a transactional request while the database is down: %s", roles.getBody())
                .isEqualTo(503);
        assertThat(roles.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
        assertThat(roles.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        JsonNode problem = GatewayClient.json(roles.getBody());
        assertThat(problem.path("type").asString()).isEqualTo(ProblemTypes.UNAVAILABLE.toString());
        assertThat(problem.has("errorId"))
                .as("no error id: an outage is no defect")
                .isFalse();
        job.assertAppliedExactlyOnce(stack, PATIENCE);
        assertThat(running)
                .as("no process died")
                .allSatisfy(process -> assertThat(process.alive()).isTrue());
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }
}

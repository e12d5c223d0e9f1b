package com.portfoliobulk.gateway.jobs;

import static com.portfoliobulk.gateway.jobs.JobStatusIntegrationTests.assertCounts;
import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.gateway.support.WorkerSimulation;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/** Cancelling a job: pending tasks are cancelled, applied ones stay, a finished job cannot be. */
class JobCancellationIntegrationTests extends GatewayIntegrationTest {

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    Jobs jobs;

    private WorkerSimulation worker;

    private DirectorySeed.Portfolio portfolio;

    private UUID ann;

    @BeforeEach
    void arrange() {
        worker = new WorkerSimulation(jdbc, transactions);
        portfolio = directory.portfolio();
        ann = portfolio.user("ann");
    }

    @Test
    void cancellingAQueuedJobCancelsAllItsTasks() {
        UUID jobId = offboardAnnFrom(5);
        String etag =
                api.get(admin(portfolio.id()), jobPath(portfolio.id(), jobId)).header("ETag");

        Answer cancelled = cancel(jobId);

        assertThat(cancelled.status()).isEqualTo(202);
        assertThat(cancelled.body().path("status").asString()).isEqualTo("CANCELLED");
        assertThat(cancelled.body().path("completedAt").asString()).isNotBlank();
        assertThat(cancelled.body().path("percentDone").asInt()).isEqualTo(100);
        assertCounts(cancelled.body(), 5, 0, 0, 0, 0, 5);
        assertThat(statuses(jobId)).containsOnlyKeys("CANCELLED/JOB_CANCELLED");
        Answer polled = api.get(admin(portfolio.id()), jobPath(portfolio.id(), jobId), Map.of("If-None-Match", etag));
        assertThat(polled.status()).as("the cancel changed the ETag").isEqualTo(200);
        assertThat(polled.header("Retry-After")).isNull();
    }

    /**
     * With several gateways, a job is changed behind this one's status cache: by the worker, or cancelled
     * through another gateway, which forgets only its own cache. A client that sends back the tag another
     * gateway answered gets the job at that version or later, never the older one this gateway kept: its
     * status and counts do not go back, nor does a cancelled job show running. Before, a poll within the
     * cache's time to live of this gateway's read answered 200 with the older tag and Retry-After.
     */
    @Test
    void aPollNamingANewerVersionThanThisGatewayKeptIsAnsweredAtThatVersionOrLater() {
        UUID jobId = offboardAnnFrom(4);
        String path = jobPath(portfolio.id(), jobId);
        List<UUID> tasks = worker.taskIds(jobId);
        Answer read = api.get(admin(portfolio.id()), path);
        long version = Long.parseLong(read.header("ETag").replace("\"", ""));
        worker.apply(tasks.get(0), "SUCCEEDED", null, "ANALYST");
        worker.apply(tasks.get(1), "SUCCEEDED", null, "ANALYST");

        Answer moved = api.get(admin(portfolio.id()), path, Map.of("If-None-Match", "\"" + (version + 1) + "\""));

        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.header("ETag")).isEqualTo("\"" + (version + 2) + "\"");
        assertCounts(moved.body(), 4, 2, 2, 0, 0, 0);

        Job cancelled = new TransactionTemplate(transactions)
                .execute(elsewhere -> jobs.markCancelled(jobId, jobs.cancelPendingTasks(jobId))
                        .orElseThrow());
        Answer unchanged = api.get(
                admin(portfolio.id()), path, Map.of("If-None-Match", "\"" + version + "\", W/" + cancelled.etag()));

        assertThat(unchanged.status()).as("the tag the cancellation answered").isEqualTo(304);
        assertThat(unchanged.header("ETag")).isEqualTo(cancelled.etag());
        assertThat(unchanged.header("Retry-After")).isNull();
        Answer plain = api.get(admin(portfolio.id()), path);
        assertThat(plain.header("ETag")).as("the newer read is kept").isEqualTo(cancelled.etag());
        assertThat(plain.body().path("status").asString()).isEqualTo("CANCELLED");
        assertCounts(plain.body(), 4, 0, 2, 0, 0, 2);
    }

    @Test
    void appliedTasksStayAndOnlyPendingOnesAreCancelled() {
        UUID jobId = offboardAnnFrom(6);
        List<UUID> tasks = worker.taskIds(jobId);
        worker.apply(tasks.get(0), "SUCCEEDED", null, "ANALYST");
        worker.apply(tasks.get(1), "FAILED", "RETRIES_EXHAUSTED", null);
        worker.apply(tasks.get(2), "SKIPPED", "OWNER_PROTECTED", null);

        Answer cancelled = cancel(jobId);

        assertThat(cancelled.status()).isEqualTo(202);
        assertCounts(cancelled.body(), 6, 0, 1, 1, 1, 3);
        assertThat(statuses(jobId))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "SUCCEEDED/-", 1L,
                        "FAILED/RETRIES_EXHAUSTED", 1L,
                        "SKIPPED/OWNER_PROTECTED", 1L,
                        "CANCELLED/JOB_CANCELLED", 3L));
        assertThat(worker.apply(tasks.get(5), "SUCCEEDED", null, "ANALYST"))
                .as("the worker finds a cancelled task no longer pending")
                .isFalse();
    }

    /**
     * A cancel leaves one INFO line in the gateway's log naming the job, its portfolio, the caller by user
     * id (the token's {@code sub}, never the address) and its tasks: after a restore of the database to a
     * backup taken before the cancel, the job runs again, and this line is how the operator finds the
     * cancels to make again. A refused cancel logs none. Before, nothing outside the job row said that
     * the job was cancelled, or by whom.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aCancelIsLoggedNamingTheJobItsPortfolioTheCallerAndItsTasks(CapturedOutput output) {
        UUID jobId = offboardAnnFrom(6);
        List<UUID> tasks = worker.taskIds(jobId);
        worker.apply(tasks.get(0), "SUCCEEDED", null, "ANALYST");
        worker.apply(tasks.get(1), "SUCCEEDED", null, "ANALYST");
        worker.apply(tasks.get(2), "SKIPPED", "OWNER_PROTECTED", null);

        Answer cancelled = cancel(jobId);
        Answer again = cancel(jobId);

        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(202);
        assertProblem(again, 409);
        assertThat(output.getAll().lines().filter(line -> line.contains("Cancelled job " + jobId)))
                .singleElement()
                .asString()
                .contains(" INFO ")
                .contains("Cancelled job " + jobId + " of portfolio " + portfolio.id() + " at the request of user "
                        + ADMIN_ID + ": 3 of its 6 task(s) cancelled, 2 already applied")
                .doesNotContain(ADMIN_EMAIL);
    }

    @Test
    void aFinishedJobCannotBeCancelled() {
        UUID jobId = offboardAnnFrom(2);
        worker.completeAll(jobId);

        Answer refused = cancel(jobId);

        assertProblem(refused, 409);
        assertThat(refused.body().path("detail").asString()).contains("COMPLETED");
        JsonNode job =
                api.get(admin(portfolio.id()), jobPath(portfolio.id(), jobId)).body();
        assertThat(job.path("status").asString()).isEqualTo("COMPLETED");
        assertCounts(job, 2, 0, 2, 0, 0, 0);
    }

    @Test
    void aCancelledJobCannotBeCancelledAgain() {
        UUID jobId = offboardAnnFrom(2);
        cancel(jobId);

        assertProblem(cancel(jobId), 409);
    }

    @Test
    void cancellingRacesSafelyWithTheWorker() throws Exception {
        UUID jobId = offboardAnnFrom(400);
        List<UUID> tasks = new ArrayList<>(worker.taskIds(jobId));
        Collections.shuffle(tasks);
        CompletableFuture<Integer> applying = CompletableFuture.supplyAsync(() -> {
            int applied = 0;
            for (UUID task : tasks) {
                if (worker.apply(task, "SUCCEEDED", null, "ANALYST")) {
                    applied++;
                }
            }
            return applied;
        });
        await(() -> succeededTasks(jobId) >= 20);

        Answer cancelled = cancel(jobId);
        int applied = applying.get();

        assertThat(cancelled.status()).as(cancelled.text()).isIn(202, 409);
        JsonNode job =
                api.get(admin(portfolio.id()), jobPath(portfolio.id(), jobId)).body();
        Map<String, Long> statuses = statuses(jobId);
        long succeeded = statuses.getOrDefault("SUCCEEDED/-", 0L);
        long cancelledTasks = statuses.getOrDefault("CANCELLED/JOB_CANCELLED", 0L);
        assertThat(succeeded + cancelledTasks)
                .as("every task either applied or cancelled")
                .isEqualTo(400);
        assertThat(succeeded).isEqualTo(applied);
        assertCounts(job, 400, 0, (int) succeeded, 0, 0, (int) cancelledTasks);
        if (cancelled.status() == 202) {
            assertThat(job.path("status").asString()).isEqualTo("CANCELLED");
            assertThat(cancelledTasks).isPositive();
        } else {
            assertThat(job.path("status").asString()).isEqualTo("COMPLETED");
        }
    }

    @Test
    void aJobCancelledWhileABatchHoldsItsTasksEndsAfterThatBatchStartedAndAppliedIt() throws Exception {
        UUID jobId = offboardAnnFrom(5);
        List<UUID> tasks = worker.taskIds(jobId);
        // A batch that holds its tasks for a second before it applies them and starts the job; the cancel
        // begins meanwhile and waits for it.
        CompletableFuture<Integer> batch = CompletableFuture.supplyAsync(
                () -> worker.applyBatch(jobId, tasks.subList(0, 2), Duration.ofSeconds(1)));
        await(() -> jdbc.sql("SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'"
                        + " AND state = 'active'")
                .query(Boolean.class)
                .single());

        Answer cancelled = cancel(jobId);

        assertThat(batch.get()).isEqualTo(2);
        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(202);
        Instant startedAt = Instant.parse(cancelled.body().path("startedAt").asString());
        Instant completedAt = Instant.parse(cancelled.body().path("completedAt").asString());
        Instant lastApplied = jdbc.sql("SELECT max(applied_at) FROM jobs.bulk_tasks WHERE job_id = :jobId")
                .param("jobId", jobId)
                .query(OffsetDateTime.class)
                .single()
                .toInstant();
        assertThat(completedAt).as("the job ends after it started").isAfterOrEqualTo(startedAt);
        assertThat(completedAt).as("and after its last applied task").isAfterOrEqualTo(lastApplied);
        assertCounts(cancelled.body(), 5, 0, 2, 0, 0, 3);
    }

    @Test
    void cancellingALargeJobWhileWorkerBatchesApplyItNeverDeadlocks() throws Exception {
        int size = 3000;
        portfolio.generateAccountsWithMember(size, ann, AccountRole.ANALYST);
        UUID jobId = accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");
        List<UUID> tasks = new ArrayList<>(worker.taskIds(jobId));
        assertThat(tasks).hasSize(size);
        Collections.shuffle(tasks);
        List<List<UUID>> batches = new ArrayList<>();
        for (int from = 0; from < size; from += 25) {
            batches.add(tasks.subList(from, Math.min(size, from + 25)));
        }
        // Two consumers, as two partitions would have, each applying its batches in its own transactions,
        // 25 ms each: the job takes them 1.5 s, so that the cancellation comes while they still run.
        List<CompletableFuture<Integer>> consumers = List.of(0, 1).stream()
                .map(consumer -> CompletableFuture.supplyAsync(() -> {
                    int applied = 0;
                    for (int b = consumer; b < batches.size(); b += 2) {
                        applied += worker.applyBatch(jobId, batches.get(b), Duration.ofMillis(25));
                    }
                    return applied;
                }))
                .toList();
        await(() -> succeededTasks(jobId) >= 200);

        Answer cancelled = cancel(jobId);
        int applied = consumers.get(0).get() + consumers.get(1).get();

        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(202);
        Map<String, Long> statuses = statuses(jobId);
        long succeeded = statuses.getOrDefault("SUCCEEDED/-", 0L);
        long cancelledTasks = statuses.getOrDefault("CANCELLED/JOB_CANCELLED", 0L);
        assertThat(succeeded).as("applied work stays").isEqualTo(applied);
        assertThat(succeeded + cancelledTasks)
                .as("every task either applied or cancelled")
                .isEqualTo(size);
        assertThat(cancelledTasks).isPositive();
        JsonNode job =
                api.get(admin(portfolio.id()), jobPath(portfolio.id(), jobId)).body();
        assertThat(job.path("status").asString()).isEqualTo("CANCELLED");
        assertCounts(job, size, 0, (int) succeeded, 0, 0, (int) cancelledTasks);
    }

    @Test
    void cancellingAJobReleasesTheTasksOfLaterJobsTheWorkerDeferredBehindIt() {
        UUID ben = portfolio.user("ben");
        UUID account = portfolio.accounts(1).getFirst();
        portfolio.member(account, ann, AccountRole.ANALYST);
        portfolio.member(account, ben, AccountRole.ANALYST);
        UUID earlier = accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");
        UUID later = accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ben + "\"]}");
        UUID laterTask = worker.taskIds(later).getFirst();
        // The worker defers only what it received, i.e. a task the relay has sent.
        await(() -> unrelayed(later) == 0);
        // The worker received the later task first and deferred it behind the earlier job's pending task.
        jdbc.sql("UPDATE jobs.bulk_tasks SET deferred_at = now() WHERE id = :id")
                .param("id", laterTask)
                .update();
        OffsetDateTime beforeCancel =
                jdbc.sql("SELECT clock_timestamp()").query(OffsetDateTime.class).single();

        assertThat(cancel(earlier).status()).isEqualTo(202);

        // Released and sent again: the relay moved the later job's relayed_at when it sent it.
        await(() -> jdbc.sql("""
                                SELECT coalesce(t.deferred_at IS NULL AND t.status = 'PENDING' AND j.relayed_at > :before, false)
                                  FROM jobs.bulk_tasks t JOIN jobs.bulk_jobs j ON j.id = t.job_id
                                 WHERE t.id = :id
                                """)
                .param("id", laterTask)
                .param("before", beforeCancel)
                .query(Boolean.class)
                .single());
    }

    @Test
    void onlyOwnersAndEditorsMayCancelAndOnlyTheirPortfolioJobs() {
        UUID jobId = offboardAnnFrom(1);
        DirectorySeed.Portfolio other = directory.portfolio();

        assertProblem(api.post(viewer(portfolio.id()), cancelPath(jobId), null, null), 403);
        assertProblem(api.post(admin(other.id()), jobPath(other.id(), jobId) + "/cancel", null, null), 404);
        assertThat(api.post(editor(portfolio.id()), cancelPath(jobId), null, null)
                        .status())
                .isEqualTo(202);
    }

    private UUID offboardAnnFrom(int accounts) {
        portfolio.accounts(accounts).forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        return accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");
    }

    private Answer cancel(UUID jobId) {
        return api.post(admin(portfolio.id()), cancelPath(jobId), null, null);
    }

    private String cancelPath(UUID jobId) {
        return jobPath(portfolio.id(), jobId) + "/cancel";
    }

    private long succeededTasks(UUID jobId) {
        return statuses(jobId).getOrDefault("SUCCEEDED/-", 0L);
    }

    private Map<String, Long> statuses(UUID jobId) {
        return jdbc
                .sql("SELECT status || '/' || coalesce(reason, '-') AS outcome, count(*) AS n FROM jobs.bulk_tasks"
                        + " WHERE job_id = :jobId GROUP BY 1")
                .param("jobId", jobId)
                .query((row, n) -> Map.entry(row.getString("outcome"), row.getLong("n")))
                .list()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static void await(Callable<Boolean> condition) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(condition);
    }
}

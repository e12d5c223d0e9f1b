package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.gateway.retention.Retention;
import com.portfoliobulk.gateway.support.FinishedJobs;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.gateway.support.WorkerSimulation;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LockWaits;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/** Polling a job: its status with counts, ETag and Retry-After; its tasks as pages or CSV; the job list. */
class JobStatusIntegrationTests extends GatewayIntegrationTest {

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    DataSource dataSource;

    @Autowired
    MeterRegistry registry;

    @Autowired
    Retention retention;

    private WorkerSimulation worker;

    private DirectorySeed.Portfolio portfolio;

    private UUID ann;

    private List<UUID> accounts;

    @BeforeEach
    void arrange() {
        worker = new WorkerSimulation(jdbc, transactions);
        portfolio = directory.portfolio();
        ann = portfolio.user("ann");
        accounts = portfolio.accounts(4);
        accounts.forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
    }

    @Test
    void theJobShowsItsCountsAndProgressAndAnETagThatChangesWithIt() {
        UUID jobId = offboardAnn();
        String path = jobPath(portfolio.id(), jobId);

        Answer queued = api.get(viewer(portfolio.id()), path);
        assertThat(queued.status()).isEqualTo(200);
        assertThat(queued.body().path("status").asString()).isEqualTo("QUEUED");
        assertThat(queued.body().path("percentDone").asInt()).isZero();
        assertThat(queued.body().has("startedAt")).isFalse();
        assertCounts(queued.body(), 4, 4, 0, 0, 0, 0);
        assertThat(queued.header("Retry-After")).isEqualTo("1");
        assertThat(queued.header("Cache-Control")).isEqualTo("no-store");
        String etag = queued.header("ETag");
        assertThat(etag).matches("\"\\d+\"");

        Answer unchanged = api.get(viewer(portfolio.id()), path, Map.of("If-None-Match", etag));
        assertThat(unchanged.status()).isEqualTo(304);
        assertThat(unchanged.text()).isNull();
        assertThat(unchanged.header("ETag")).isEqualTo(etag);
        assertThat(unchanged.header("Cache-Control"))
                .as("no browser keeps who requested the job, on a 304 either")
                .isEqualTo("no-store");
        assertThat(api.get(viewer(portfolio.id()), path, Map.of("If-None-Match", "W/" + etag))
                        .status())
                .isEqualTo(304);
        Answer anyTag = api.get(viewer(portfolio.id()), path, Map.of("If-None-Match", "*"));
        assertThat(anyTag.status()).as("* matches the job's tag (RFC 9110)").isEqualTo(304);
        assertThat(anyTag.header("ETag")).isEqualTo(etag);

        List<UUID> tasks = worker.taskIds(jobId);
        worker.apply(tasks.get(0), "SUCCEEDED", null, "ANALYST");
        worker.apply(tasks.get(1), "SKIPPED", "OWNER_PROTECTED", null);

        // A status answer may be as old as the status cache's time to live (100 ms), and the two tasks were
        // applied in two transactions: a read between them shows only the first.
        Answer running = await().atMost(Duration.ofSeconds(5))
                .until(
                        () -> api.get(viewer(portfolio.id()), path, Map.of("If-None-Match", etag)),
                        answer -> answer.status() == 200
                                && answer.body().path("counts").path("pending").asInt() == 2);
        assertThat(running.header("ETag")).isNotEqualTo(etag);
        assertThat(running.body().path("status").asString()).isEqualTo("IN_PROGRESS");
        assertThat(running.body().path("startedAt").asString()).isNotBlank();
        assertThat(running.body().path("percentDone").asInt()).isEqualTo(50);
        assertCounts(running.body(), 4, 2, 1, 1, 0, 0);

        worker.apply(tasks.get(2), "FAILED", "RETRIES_EXHAUSTED", null);
        worker.apply(tasks.get(3), "SUCCEEDED", null, "ANALYST");

        Answer finished = await().atMost(Duration.ofSeconds(5))
                .until(
                        () -> api.get(viewer(portfolio.id()), path),
                        answer -> !answer.body().path("status").asString().equals("IN_PROGRESS"));
        assertThat(finished.body().path("status").asString()).isEqualTo("COMPLETED_WITH_ERRORS");
        assertThat(finished.body().path("completedAt").asString()).isNotBlank();
        assertThat(finished.body().path("percentDone").asInt()).isEqualTo(100);
        assertCounts(finished.body(), 4, 0, 2, 1, 1, 0);
        assertThat(finished.header("Retry-After"))
                .as("no polling hint once finished")
                .isNull();
    }

    @Test
    void pollsThatFollowOneAnotherAreAnsweredAtOnceWhileTheDatabaseHoldsTheJobBack() throws Exception {
        UUID jobId = offboardAnn();
        String path = jobPath(portfolio.id(), jobId);
        String token = viewer(portfolio.id());
        double lateBefore = lateAnswers();
        double readsAheadBefore = readsAhead();
        record Poll(long sentAt, long answeredAt, int status, String jobStatus) {}
        List<Poll> polls = new CopyOnWriteArrayList<>();
        int clientCount = 4;
        AtomicLongArray lastSentAt = new AtomicLongArray(clientCount);
        AtomicBoolean polling = new AtomicBoolean(true);
        long lockedAt;
        long windowEnd;
        long releasedAt;
        // Four clients polling the job, a few milliseconds apart: the gateway reads it ahead.
        try (ExecutorService clients = Executors.newFixedThreadPool(clientCount)) {
            try {
                for (int c = 0; c < clientCount; c++) {
                    int client = c;
                    clients.submit(() -> {
                        while (polling.get()) {
                            long sent = System.nanoTime();
                            lastSentAt.set(client, sent);
                            Answer answer = api.get(token, path);
                            polls.add(new Poll(
                                    sent,
                                    System.nanoTime(),
                                    answer.status(),
                                    answer.body().path("status").asString()));
                            Thread.sleep(10);
                        }
                        return null;
                    });
                }
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> polls.size() >= 20 && readsAhead() > readsAheadBefore);
                try (Connection holder = dataSource.getConnection()) {
                    holder.setAutoCommit(false);
                    try (Statement lock = holder.createStatement()) {
                        // Every read of a job now waits for this transaction, as for a database that does not
                        // answer: the read ahead is late from here on.
                        lock.execute("LOCK TABLE jobs.bulk_jobs IN ACCESS EXCLUSIVE MODE");
                    }
                    lockedAt = System.nanoTime();
                    windowEnd = lockedAt + Duration.ofMillis(400).toNanos();
                    // Held until every client has been answered each poll it sent in the window (it has sent
                    // one since), however long the answers take on a loaded machine. A poll that waits for
                    // the database is answered only once this transaction ends: its client sends nothing
                    // more meanwhile, and the wait fails.
                    await().alias("every poll sent within 400 ms of the lock answered while it is held")
                            .atMost(Duration.ofSeconds(10))
                            .until(() -> IntStream.range(0, clientCount)
                                    .allMatch(client -> lastSentAt.get(client) - windowEnd > 0));
                    releasedAt = System.nanoTime();
                    holder.rollback();
                }
                long released = releasedAt;
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> polls.stream().anyMatch(poll -> poll.sentAt() > released));
            } finally {
                polling.set(false);
            }
        }

        // Polls sent while the job could not be read, past the time to live (100 ms) and well within the
        // longest age (1 s) of the last read, made just before the lock: each answered from that read,
        // before the database let go. At least four: how many more fit in the window depends
        // on the machine's load (only 10 in 450 ms with a load of 23 on 2 cores).
        List<Poll> whileHeldBack = polls.stream()
                .filter(poll -> poll.sentAt() > lockedAt && poll.sentAt() < windowEnd)
                .toList();
        assertThat(whileHeldBack).hasSizeGreaterThanOrEqualTo(4).allSatisfy(poll -> {
            assertThat(poll.status()).isEqualTo(200);
            assertThat(poll.jobStatus()).isEqualTo("QUEUED");
            assertThat(poll.answeredAt())
                    .as("answered while the job was held back")
                    .isLessThan(releasedAt);
        });
        assertThat(lateAnswers()).isGreaterThan(lateBefore);
    }

    private double readsAhead() {
        return registry.get("bulk.job.status.read.ahead").timer().count();
    }

    private double lateAnswers() {
        return registry.get("bulk.job.status.polls")
                .tag("answer", "late")
                .counter()
                .count();
    }

    @Test
    void aJobOfAnotherPortfolioOrOfNoneIsNotFound() {
        UUID jobId = offboardAnn();
        DirectorySeed.Portfolio other = directory.portfolio();

        assertProblem(api.get(admin(other.id()), jobPath(other.id(), jobId)), 404);
        assertProblem(api.get(admin(portfolio.id()), jobPath(portfolio.id(), UUID.randomUUID())), 404);
        assertProblem(api.get(admin(other.id()), jobPath(other.id(), jobId) + "/tasks"), 404);
        assertFieldProblem(api.get(admin(portfolio.id()), jobPath(portfolio.id(), "not-an-id")), 400, "jobId");
        assertProblem(api.get(outsider(), jobPath(portfolio.id(), jobId)), 403);
        assertThat(api.get(null, jobPath(portfolio.id(), jobId)).status()).isEqualTo(401);
    }

    @Test
    void tasksArePagedInTaskOrderWithAnOpaqueCursor() {
        List<UUID> many = portfolio.accounts(116);
        many.forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        UUID jobId = offboardAnn();
        String tasksPath = jobPath(portfolio.id(), jobId) + "/tasks";

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Answer page = api.get(
                    viewer(portfolio.id()), tasksPath + "?limit=50" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            page.body()
                    .path("items")
                    .values()
                    .forEach(task -> seen.add(task.path("taskId").asString()));
            assertThat(page.body().has("nextCursor")).isTrue();
            cursor = page.body().path("nextCursor").isNull()
                    ? null
                    : page.body().path("nextCursor").asString();
            pages++;
        } while (cursor != null);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(120).doesNotHaveDuplicates();
        assertThat(seen)
                .containsExactlyElementsOf(
                        worker.taskIds(jobId).stream().map(UUID::toString).toList());
        JsonNode first = api.get(viewer(portfolio.id()), tasksPath + "?limit=1")
                .body()
                .path("items")
                .get(0);
        assertThat(first.path("userId").asString()).isEqualTo(ann.toString());
        assertThat(first.path("email").asString()).isEqualTo(portfolio.email("ann"));
        assertThat(first.path("action").asString()).isEqualTo("REMOVE");
        assertThat(first.path("status").asString()).isEqualTo("PENDING");
        assertThat(first.path("attempts").asInt()).isZero();
        assertThat(first.has("newRole")).isFalse();
    }

    /**
     * A task-list cursor tells nothing of the tasks of other jobs: it does not carry the task's place
     * among every portfolio's tasks, which in two cursors of two jobs would tell how many tasks were
     * submitted in between. It still walks the job's tasks once each, in order, and only that job's.
     */
    @Test
    void taskCursorsDoNotTellHowManyTasksOtherJobsHave() {
        List<UUID> many = portfolio.accounts(116);
        many.forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        UUID annsJob = offboardAnn();
        UUID bob = portfolio.user("bob");
        accounts.forEach(account -> portfolio.member(account, bob, AccountRole.ANALYST));
        portfolio.member(many.getFirst(), bob, AccountRole.ANALYST);
        UUID bobsJob = accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}");
        String annsTasks = jobPath(portfolio.id(), annsJob) + "/tasks";
        String bobsTasks = jobPath(portfolio.id(), bobsJob) + "/tasks";

        Answer annsFirst = api.get(viewer(portfolio.id()), annsTasks + "?limit=1");
        Answer bobsFirst = api.get(viewer(portfolio.id()), bobsTasks + "?limit=1");

        String annsCursor = annsFirst.body().path("nextCursor").asString();
        String bobsCursor = bobsFirst.body().path("nextCursor").asString();
        for (Answer page : List.of(annsFirst, bobsFirst)) {
            String taskId = page.body().path("items").get(0).path("taskId").asString();
            long seq = jdbc.sql("SELECT seq FROM jobs.bulk_tasks WHERE id = :id")
                    .param("id", UUID.fromString(taskId))
                    .query(Long.class)
                    .single();
            List<String> decoded = decodedParts(page.body().path("nextCursor").asString());
            assertThat(decoded).as(page.text()).isNotEmpty();
            assertThat(decoded.subList(1, decoded.size()))
                    .as("the values of %s, whose task is number %d of all", decoded, seq)
                    .isNotEmpty()
                    .noneMatch(value -> value.matches("-?\\d+"))
                    .noneMatch(value -> Pattern.compile("\\d+")
                            .matcher(value)
                            .results()
                            .anyMatch(digits -> digits.group().equals(Long.toString(seq))));
        }
        // The same page's cursor differs each time it is read: it is not a function of the task's place.
        assertThat(api.get(viewer(portfolio.id()), bobsTasks + "?limit=1")
                        .body()
                        .path("nextCursor")
                        .asString())
                .isNotEqualTo(bobsCursor);

        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            Answer page = api.get(
                    viewer(portfolio.id()), bobsTasks + "?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as(page.text()).isEqualTo(200);
            page.body()
                    .path("items")
                    .values()
                    .forEach(task -> seen.add(task.path("taskId").asString()));
            cursor = page.body().path("nextCursor").isNull()
                    ? null
                    : page.body().path("nextCursor").asString();
        } while (cursor != null);
        assertThat(seen)
                .hasSize(5)
                .containsExactlyElementsOf(
                        worker.taskIds(bobsJob).stream().map(UUID::toString).toList());

        // Another job's cursor is refused, also with this job's list named in front of its value.
        assertFieldProblem(api.get(viewer(portfolio.id()), bobsTasks + "?cursor=" + annsCursor), 400, "cursor");
        String annsValueInBobsList =
                bobsCursor.substring(0, bobsCursor.indexOf('.')) + annsCursor.substring(annsCursor.indexOf('.'));
        assertFieldProblem(
                api.get(viewer(portfolio.id()), bobsTasks + "?cursor=" + annsValueInBobsList), 400, "cursor");
    }

    /** The parts of a cursor as the wire carries them: each base64url-decoded. */
    private static List<String> decodedParts(String cursor) {
        return Arrays.stream(cursor.split("\\."))
                .map(part -> new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8))
                .toList();
    }

    @Test
    void tasksCanBeFilteredByStatusReasonAndAccount() {
        UUID jobId = offboardAnn();
        List<UUID> tasks = worker.taskIds(jobId);
        worker.apply(tasks.get(0), "SKIPPED", "OWNER_PROTECTED", null);
        worker.apply(tasks.get(1), "SUCCEEDED", null, "ANALYST");
        String tasksPath = jobPath(portfolio.id(), jobId) + "/tasks";

        assertThat(items(tasksPath + "?status=PENDING")).hasSize(2);
        assertThat(items(tasksPath + "?reason=OWNER_PROTECTED")).singleElement().satisfies(task -> {
            assertThat(task.path("taskId").asString()).isEqualTo(tasks.get(0).toString());
            assertThat(task.path("status").asString()).isEqualTo("SKIPPED");
        });
        assertThat(items(tasksPath + "?status=SKIPPED&reason=OWNER_PROTECTED"))
                .extracting(task -> task.path("taskId").asString())
                .containsExactly(tasks.get(0).toString());
        assertThat(items(tasksPath + "?status=FAILED&reason=OWNER_PROTECTED")).isEmpty();
        assertThat(items(tasksPath + "?reason=RETRIES_EXHAUSTED")).isEmpty();
        List<JsonNode> succeeded = items(tasksPath + "?status=SUCCEEDED");
        assertThat(succeeded).singleElement().satisfies(task -> {
            assertThat(task.path("previousRole").asString()).isEqualTo("ANALYST");
            assertThat(task.path("appliedAt").asString()).isNotBlank();
            assertThat(task.path("attempts").asInt()).isEqualTo(1);
        });
        String account = succeeded.getFirst().path("accountId").asString();
        assertThat(items(tasksPath + "?accountId=" + account))
                .extracting(task -> task.path("taskId").asString())
                .containsExactly(tasks.get(1).toString());
        UUID otherAccount = accounts.stream()
                .filter(id -> !id.toString().equals(account))
                .findFirst()
                .orElseThrow();
        assertThat(items(tasksPath + "?status=SUCCEEDED&accountId=" + otherAccount))
                .isEmpty();
    }

    @Test
    void aJobWithNoPendingTaskLeftListsNoPendingTask() {
        UUID jobId = offboardAnn();
        String tasksPath = jobPath(portfolio.id(), jobId) + "/tasks";
        List<UUID> tasks = worker.taskIds(jobId);
        worker.apply(tasks.get(0), "SKIPPED", "OWNER_PROTECTED", null);
        tasks.subList(1, tasks.size()).forEach(task -> worker.apply(task, "SUCCEEDED", null, "ANALYST"));

        assertThat(items(tasksPath + "?status=PENDING")).isEmpty();
        assertThat(items(tasksPath + "?status=SKIPPED")).hasSize(1);
        assertThat(items(tasksPath + "?status=SUCCEEDED")).hasSize(tasks.size() - 1);
    }

    /**
     * A job that the retention sweep deletes while a page of its tasks is read (it reached its 30 days
     * meanwhile) answers that page 404, as a job not found: README promises a job there with all its
     * tasks or gone, never part of them. Before, the page read the job and then its tasks, each in a
     * statement of its own: a sweep between the two (the job, then its tasks) left the page empty, a 200
     * with {@code nextCursor: null} as if the list had ended there. Here the sweep runs in a transaction
     * that takes the task table first, so the page's read of the tasks waits for it, and commits once
     * the page waits.
     */
    @Test
    void aPageOfTheTasksOfAJobDeletedByRetentionMeanwhileIsNotFound() throws Exception {
        UUID jobId = FinishedJobs.seed(jdbc, portfolio.id(), 3);
        jdbc.sql("UPDATE jobs.bulk_jobs SET completed_at = now() - interval '31 days' WHERE id = ?")
                .param(jobId)
                .update();
        String tasksPath = jobPath(portfolio.id(), jobId) + "/tasks?limit=1";
        Answer first = api.get(viewer(portfolio.id()), tasksPath);
        assertThat(first.status()).as(first.text()).isEqualTo(200);
        String next = tasksPath + "&cursor=" + first.body().path("nextCursor").asString();

        CompletableFuture<Answer> page = new TransactionTemplate(transactions).execute(sweep -> {
            jdbc.sql("LOCK TABLE jobs.bulk_tasks IN ACCESS EXCLUSIVE MODE").update();
            CompletableFuture<Answer> waiting =
                    CompletableFuture.supplyAsync(() -> api.get(viewer(portfolio.id()), next));
            LockWaits.awaitLockWait(
                    dataSource, "previous_role, role, status, reason, error, attempts", Duration.ofSeconds(30));
            retention.run();
            return waiting;
        });

        assertProblem(page.get(60, TimeUnit.SECONDS), 404);
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.bulk_tasks WHERE job_id = ?")
                        .param(jobId)
                        .query(Long.class)
                        .single())
                .as("the job's tasks left")
                .isZero();
    }

    /**
     * Every task is pending when stored, so the index of a job's tasks by status holds only ended ones
     * (jobs migration V120): the statement of a page of one ended status reaches that index even as a
     * plan prepared for any status, which a server-side prepared statement may become: the JSON list's
     * page, read with its job, and the CSV download's.
     */
    @Test
    void aPageOfOneEndedStatusIsReadFromTheIndexOfEndedTasksWhateverTheStatusBound() {
        overTheTasksOfManyJobs(() -> {
            for (TaskStatus status : TaskStatus.values()) {
                TaskFilter filter = new TaskFilter(status, null, null);
                for (String statement : List.of(Jobs.jobTaskPageSql(filter), Jobs.taskPageSql(filter))) {
                    String plan = pagePlan(statement, status, null);
                    if (status == TaskStatus.PENDING) {
                        assertThat(plan).as("PENDING: %s", statement).doesNotContain("bulk_tasks_ended_by_job");
                    } else {
                        assertThat(plan)
                                .as("%s: %s", status.name(), statement)
                                .contains("Index Scan using bulk_tasks_ended_by_job");
                    }
                }
            }
        });
    }

    /**
     * A reason goes with one ended status, so a page of one reason, without a status, reads that status's
     * tasks from the index of ended tasks too, as a plan prepared for any reason. Before, it walked every
     * task of the job in task order until a page of that reason was found: about a second a page for a
     * reason that 20 of a million tasks have.
     */
    @Test
    void aPageOfOneReasonIsReadFromTheIndexOfEndedTasksWhateverTheReasonBound() {
        overTheTasksOfManyJobs(() -> {
            for (ReasonCode reason : ReasonCode.values()) {
                TaskFilter filter = new TaskFilter(null, reason, null);
                for (String statement : List.of(Jobs.jobTaskPageSql(filter), Jobs.taskPageSql(filter))) {
                    String plan = pagePlan(statement, reason.status(), reason);
                    assertThat(plan)
                            .as("%s: %s", reason.name(), statement)
                            .contains("Index Scan using bulk_tasks_ended_by_job");
                }
            }
        });
    }

    /**
     * Runs {@code plans} in a transaction (rolled back) whose statistics of the task table describe the
     * tasks of many jobs, of every status, as a table in use holds. Left to the statistics the tests
     * before leave, the plans depend on those tests: after a download test's 100,000 succeeded tasks of
     * one job, a job's page of one status read the job's tasks of every status from {@code
     * bulk_tasks_by_job}.
     */
    private void overTheTasksOfManyJobs(Runnable plans) {
        new TransactionTemplate(transactions).executeWithoutResult(transaction -> {
            transaction.setRollbackOnly();
            jdbc.sql("""
                            INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action,
                                                         status, reason)
                            SELECT gen_random_uuid(), j.id, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
                                   'REMOVE', (ARRAY['PENDING', 'SUCCEEDED', 'SKIPPED', 'FAILED', 'CANCELLED'])[1 + t % 5],
                                   (ARRAY[NULL, NULL, 'OWNER_PROTECTED', 'RETRIES_EXHAUSTED', 'JOB_CANCELLED'])[1 + t % 5]
                              FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 1000)) j,
                                   generate_series(1, 10) AS t
                            """).update();
            // Statistics that include these tasks: autovacuum never sees this transaction's rows.
            jdbc.sql("ANALYZE jobs.bulk_tasks").update();
            plans.run();
        });
    }

    /**
     * PostgreSQL's plan of the statement prepared once for any values of its named parameters (a
     * generic plan), executed with the given SQL literals for them.
     */
    /**
     * The generic plan of a task page's statement for one status and, if not null, one reason, of a job
     * and a portfolio no row has.
     */
    private String pagePlan(String statement, TaskStatus status, ReasonCode reason) {
        Map<String, String> literals = new HashMap<>(Map.of(
                "jobId", "'" + UUID.randomUUID() + "'",
                "portfolioId", "'" + UUID.randomUUID() + "'",
                "status", "'" + status.name() + "'",
                "afterSeq", "0",
                "fetch", "101"));
        if (reason != null) {
            literals.put("reason", "'" + reason.name() + "'");
        }
        return genericPlan(statement, literals);
    }

    private String genericPlan(String namedSql, Map<String, String> literals) {
        Matcher parameters = Pattern.compile("(?<!:):(\\w+)").matcher(namedSql);
        StringBuilder numbered = new StringBuilder();
        List<String> arguments = new ArrayList<>();
        while (parameters.find()) {
            arguments.add(literals.get(parameters.group(1)));
            parameters.appendReplacement(numbered, "\\$" + arguments.size());
        }
        parameters.appendTail(numbered);
        return new TransactionTemplate(transactions).execute(status -> {
            jdbc.sql("SET LOCAL plan_cache_mode = force_generic_plan").update();
            // Whether the index can serve the statement at all, not whether the test's few tasks make a
            // sequential scan cheaper: that depends on how many tasks the tests before this one stored.
            jdbc.sql("SET LOCAL enable_seqscan = off").update();
            jdbc.sql("PREPARE task_page AS " + numbered).update();
            List<String> plan = jdbc.sql("EXPLAIN EXECUTE task_page(" + String.join(", ", arguments) + ")")
                    .query(String.class)
                    .list();
            jdbc.sql("DEALLOCATE task_page").update();
            return String.join("\n", plan);
        });
    }

    @Test
    void unusableTaskListParametersAreBadRequests() {
        String tasksPath = jobPath(portfolio.id(), offboardAnn()) + "/tasks";

        assertFieldProblem(api.get(viewer(portfolio.id()), tasksPath + "?status=DONE"), 400, "status");
        assertFieldProblem(api.get(viewer(portfolio.id()), tasksPath + "?reason=BECAUSE"), 400, "reason");
        assertFieldProblem(api.get(viewer(portfolio.id()), tasksPath + "?limit=0"), 400, "limit");
        assertFieldProblem(api.get(viewer(portfolio.id()), tasksPath + "?limit=501"), 400, "limit");
        assertFieldProblem(api.get(viewer(portfolio.id()), tasksPath + "?cursor=%25%25"), 400, "cursor");
        assertFieldProblem(api.get(viewer(portfolio.id()), tasksPath + "?cursor=bm90LWEtbnVtYmVy"), 400, "cursor");
    }

    @Test
    void tasksDownloadAsCsvWhenAskedFor() {
        UUID jobId = offboardAnn();
        List<UUID> tasks = worker.taskIds(jobId);
        worker.apply(tasks.get(0), "SKIPPED", "OWNER_PROTECTED", null);
        String tasksPath = jobPath(portfolio.id(), jobId) + "/tasks";

        Answer csv = api.get(viewer(portfolio.id()), tasksPath, Map.of("Accept", "text/csv"));

        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.contentType().toString()).startsWith("text/csv");
        assertThat(csv.header("Content-Disposition")).contains("attachment", "job-" + jobId + "-tasks.csv");
        List<String> lines = csv.text().lines().toList();
        assertThat(lines.getFirst()).isEqualTo(TaskCsv.HEADER);
        assertThat(lines).hasSize(1 + 4);
        assertThat(lines.get(1))
                .startsWith(tasks.get(0) + ",")
                .contains("," + portfolio.email("ann") + ",REMOVE,,,SKIPPED,OWNER_PROTECTED,,1,");
        Answer skippedOnly =
                api.get(viewer(portfolio.id()), tasksPath + "?status=SKIPPED", Map.of("Accept", "text/csv"));
        assertThat(skippedOnly.text().lines()).hasSize(2);
        // The download has no pages: limit and cursor are refused with why, not as unknown parameters.
        for (String paging : List.of("limit=10", "cursor=abc")) {
            Answer paged = api.get(viewer(portfolio.id()), tasksPath + "?" + paging, Map.of("Accept", "text/csv"));
            assertThat(paged.status()).as(paging).isEqualTo(400);
            assertThat(paged.body().path("errors").get(0).path("field").asString())
                    .isEqualTo(paging.substring(0, paging.indexOf('=')));
            assertThat(paged.body().path("errors").get(0).path("message").asString())
                    .startsWith("does not apply to the CSV download, which lists every matching task");
        }

        Answer anything = api.get(viewer(portfolio.id()), tasksPath, Map.of("Accept", "*/*"));
        assertThat(anything.contentType().toString()).startsWith("application/json");
    }

    /**
     * A reason code newer than this gateway, as a worker of a later version writes while the gateways are
     * upgraded after the workers: the task list and the CSV show it as stored. Before, both failed 500
     * (the stored code was read as a {@code ReasonCode}). The JSON list is read past the description
     * check, since this version's description does not list the code.
     */
    @Test
    void aReasonOfALaterVersionIsListedAndDownloadedAsStored() {
        UUID jobId = offboardAnn();
        List<UUID> tasks = worker.taskIds(jobId);
        worker.apply(tasks.get(0), "SKIPPED", "A_REASON_OF_A_LATER_VERSION", null);
        String tasksPath = jobPath(portfolio.id(), jobId) + "/tasks";

        ResponseEntity<JsonNode> list = RestClient.create("http://localhost:" + port)
                .get()
                .uri(tasksPath)
                .accept(MediaType.APPLICATION_JSON)
                .headers(headers -> headers.setBearerAuth(viewer(portfolio.id())))
                .exchange((request, response) ->
                        ResponseEntity.status(response.getStatusCode()).body(response.bodyTo(JsonNode.class)));
        assertThat(list.getStatusCode().value()).as("%s", list.getBody()).isEqualTo(200);
        assertThat(list.getBody().path("items").values().stream().toList())
                .extracting(
                        task -> task.path("taskId").asString(),
                        task -> task.path("reason").asString(null))
                .contains(tuple(tasks.get(0).toString(), "A_REASON_OF_A_LATER_VERSION"));
        Answer csv = api.get(viewer(portfolio.id()), tasksPath, Map.of("Accept", "text/csv"));
        assertThat(csv.status()).as(csv.text()).isEqualTo(200);
        assertThat(csv.text().lines().toList())
                .hasSize(1 + 4)
                .anySatisfy(line -> assertThat(line)
                        .startsWith(tasks.get(0) + ",")
                        .contains(",SKIPPED,A_REASON_OF_A_LATER_VERSION,"));
    }

    /**
     * An invitation's tasks name the users the preview names, the portfolio's own, until the worker
     * applies them: an address that is only another portfolio's user reads as a new one ({@code userId}
     * null) in the task list and the CSV while its task is pending and once the job is cancelled, as does
     * one whose only invitation to the portfolio has expired. Before, its task named that user's id from
     * the submission on, which told an administrator of one portfolio who has an account in another.
     */
    @Test
    void anInvitationsTasksNameOnlyThePortfoliosOwnUsersBeforeTheyApply() {
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID stranger = other.user("stranger");
        other.member(other.account("Theirs"), stranger, AccountRole.ANALYST);
        UUID lapsed = portfolio.user("lapsed");
        portfolio.invited(
                accounts.get(1), lapsed, AccountRole.ANALYST, Instant.now().minus(Duration.ofDays(1)));
        UUID fresh = portfolio.account("Fresh");
        List<String> emails = List.of(
                other.email("stranger"),
                portfolio.email("ann"),
                portfolio.email("newcomer"),
                portfolio.email("lapsed"));
        String body = """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(String.join("\",\"", emails), fresh);
        List<String> expected = List.of(
                emails.get(0) + " null", emails.get(1) + " " + ann, emails.get(2) + " null", emails.get(3) + " null");
        Answer preview = api.post(editor(portfolio.id()), jobsPath(portfolio.id()) + "/preview", null, body);
        assertThat(preview.status()).as(preview.text()).isEqualTo(200);
        assertThat(preview.body().path("items").values())
                .extracting(item -> item.path("email").asString() + " " + userId(item))
                .as("the preview")
                .containsExactlyElementsOf(expected);

        Answer submitted = api.post(
                editor(portfolio.id()),
                jobsPath(portfolio.id()),
                UUID.randomUUID().toString(),
                body);
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        String jobPath = jobPath(portfolio.id(), submitted.body().path("jobId").asString());
        assertTaskUsers(jobPath + "/tasks", "PENDING", expected);

        Answer cancelled = api.post(editor(portfolio.id()), jobPath + "/cancel", null, null);
        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(202);
        assertTaskUsers(jobPath + "/tasks", "CANCELLED", expected);
    }

    /** The tasks' e-mail and user, as the list and the CSV show them, all of the given status. */
    private void assertTaskUsers(String tasksPath, String status, List<String> expected) {
        assertThat(items(tasksPath))
                .allSatisfy(task -> assertThat(task.path("status").asString()).isEqualTo(status))
                .extracting(task -> task.path("email").asString() + " " + userId(task))
                .as("the task list")
                .containsExactlyElementsOf(expected);
        Answer csv = api.get(viewer(portfolio.id()), tasksPath, Map.of("Accept", "text/csv"));
        assertThat(csv.status()).as(csv.text()).isEqualTo(200);
        assertThat(csv.text().lines().skip(1))
                .extracting(line -> {
                    String[] cells = line.split(",", -1);
                    return cells[3] + " " + (cells[2].isEmpty() ? "null" : cells[2]);
                })
                .as("the CSV")
                .containsExactlyElementsOf(expected);
    }

    private static String userId(JsonNode item) {
        return item.path("userId").isNull() || item.path("userId").isMissingNode()
                ? "null"
                : item.path("userId").asString();
    }

    @Test
    void hostileAddressesDownloadAsTextNotFormulas() {
        UUID account = accounts.getFirst();
        // Valid addresses (a local part may begin with = + -) that a spreadsheet would still read as formulas.
        List<String> hostile = List.of("=1+2@evil.test", "+1@evil.test", "-1@evil.test");
        String emails = String.join(
                ",",
                hostile.stream()
                        .map(email -> "\"" + email.replace("\"", "\\\"") + "\"")
                        .toList());
        UUID jobId = accepted(portfolio.id(), """
                {"type":"INVITE_USERS","emails":[%s],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(emails, account));

        Answer csv = api.get(
                viewer(portfolio.id()), jobPath(portfolio.id(), jobId) + "/tasks", Map.of("Accept", "text/csv"));

        assertThat(csv.status()).isEqualTo(200);
        List<String> rows = csv.text().lines().skip(1).toList();
        assertThat(rows).hasSize(hostile.size());
        assertThat(rows)
                .anySatisfy(row -> assertThat(row).contains(",\"'=1+2@evil.test\","))
                .anySatisfy(row -> assertThat(row).contains(",\"'+1@evil.test\","))
                .anySatisfy(row -> assertThat(row).contains(",\"'-1@evil.test\","));
        assertThat(rows).allSatisfy(row -> assertThat(row).doesNotContain(",=", ",+", ",-", ",@"));
    }

    @Test
    void thePortfolioJobsAreListedNewestFirstAndFilteredAndPaged() {
        UUID first = offboardAnn();
        UUID second = accepted(portfolio.id(), """
                {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":["%s"],"role":"ADMIN"}
                """.formatted(ann, accounts.getFirst()));
        UUID third = accepted(portfolio.id(), """
                {"type":"REMOVE_ACCESS","userIds":["%s"],"accountIds":["%s"]}
                """.formatted(ann, accounts.getFirst()));
        worker.completeAll(second);
        String list = jobsPath(portfolio.id());

        assertThat(jobIds(list)).containsExactly(third, second, first);
        assertThat(jobIds(list + "?type=UPDATE_ROLES")).containsExactly(second);
        assertThat(jobIds(list + "?status=COMPLETED")).containsExactly(second);
        assertThat(jobIds(list + "?status=QUEUED")).containsExactly(third, first);

        Answer page = api.get(viewer(portfolio.id()), list + "?limit=2");
        assertThat(page.body().path("items").values())
                .extracting(job -> job.path("jobId").asString())
                .containsExactly(third.toString(), second.toString());
        Answer rest = api.get(
                viewer(portfolio.id()),
                list + "?limit=2&cursor=" + page.body().path("nextCursor").asString());
        assertThat(rest.body().path("items").values())
                .extracting(job -> job.path("jobId").asString())
                .containsExactly(first.toString());
        assertThat(rest.body().has("nextCursor")).isTrue();
        assertThat(rest.body().path("nextCursor").isNull()).isTrue();
        assertFieldProblem(api.get(viewer(portfolio.id()), list + "?type=EVERYTHING"), 400, "type");
        UUID empty = directory.portfolio().id();
        assertThat(api.get(viewer(empty), jobsPath(empty)).body().path("items").values())
                .isEmpty();
    }

    private UUID offboardAnn() {
        return accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");
    }

    private List<JsonNode> items(String path) {
        Answer answer = api.get(viewer(portfolio.id()), path);
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.body().path("items").values().stream().toList();
    }

    private List<UUID> jobIds(String path) {
        return items(path).stream()
                .map(job -> UUID.fromString(job.path("jobId").asString()))
                .toList();
    }

    static void assertCounts(
            JsonNode job, int total, int pending, int succeeded, int skipped, int failed, int cancelled) {
        JsonNode counts = job.path("counts");
        assertThat(List.of(
                        counts.path("total").asInt(),
                        counts.path("pending").asInt(),
                        counts.path("succeeded").asInt(),
                        counts.path("skipped").asInt(),
                        counts.path("failed").asInt(),
                        counts.path("cancelled").asInt()))
                .containsExactly(total, pending, succeeded, skipped, failed, cancelled);
        assertThat(pending + succeeded + skipped + failed + cancelled).isEqualTo(total);
    }
}

package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LockWaits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Idempotency-Key semantics of the API (the README's "API conventions"): replay, reuse with another body, races, expiry. */
class IdempotencyIntegrationTests extends GatewayIntegrationTest {

    @Autowired
    DataSource dataSource;

    private DirectorySeed.Portfolio portfolio;

    private UUID ann;

    private String offboardAnn;

    @BeforeEach
    void arrange() {
        portfolio = directory.portfolio();
        ann = portfolio.user("ann");
        portfolio.accounts(3).forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        offboardAnn = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";
    }

    @Test
    void theSameKeyAndBodyAnswersTheSameJobMarkedAsReplayed() {
        String key = UUID.randomUUID().toString();
        Answer first = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);

        Answer again = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);

        assertThat(first.status()).isEqualTo(202);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.header("Location")).isEqualTo(first.header("Location"));
        assertThat(again.body().path("jobId").asString())
                .isEqualTo(first.body().path("jobId").asString());
        assertThat(jobCount(portfolio.id())).isEqualTo(1);
        assertThat(taskCount(portfolio.id())).isEqualTo(3);
    }

    @Test
    void theSameRequestWrittenDifferentlyIsTheSameBody() {
        UUID alpha = portfolio.account("Alpha");
        String key = UUID.randomUUID().toString();
        Answer first = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, """
                {"type":"INVITE_USERS","emails":["New@Brand.example"],"accounts":[{"accountId":"%s"}]}
                """.formatted(alpha));

        Answer again = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, """
                {"accounts":[{"role":"SUPPORT","accountId":"%s"}], "expiresInDays":7, "language":"en",
                 "emails":["new@brand.example"], "type":"INVITE_USERS"}
                """.formatted(alpha));

        assertThat(again.status()).isEqualTo(202);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.body().path("jobId").asString())
                .isEqualTo(first.body().path("jobId").asString());
    }

    @Test
    void theSameKeyWithAnotherBodyIsRefused() {
        String key = UUID.randomUUID().toString();
        api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);

        Answer other = api.post(
                admin(portfolio.id()), jobsPath(portfolio.id()), key, """
                {"type":"REMOVE_ACCESS","userIds":["%s"],"accountIds":["%s"]}
                """.formatted(ann, portfolio.account("Beta")));

        assertFieldProblem(other, 422, "Idempotency-Key");
        assertThat(other.body().path("type").asString()).isEqualTo("urn:portfolio-bulk:problem:idempotency-key-reused");
        assertThat(jobCount(portfolio.id())).isEqualTo(1);
    }

    @Test
    void aKeyIsScopedToItsPortfolio() {
        String key = UUID.randomUUID().toString();
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID bob = other.user("bob");
        other.member(other.account("Alpha"), bob, AccountRole.ADMIN);

        Answer here = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);
        Answer there = api.post(
                admin(other.id()),
                jobsPath(other.id()),
                key,
                "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}");

        assertThat(here.status()).isEqualTo(202);
        assertThat(there.status()).isEqualTo(202);
        assertThat(there.header("Idempotent-Replayed")).isNull();
        assertThat(there.body().path("jobId").asString())
                .isNotEqualTo(here.body().path("jobId").asString());
    }

    @Test
    void aKeyOlderThanADayIsForgotten() {
        String key = UUID.randomUUID().toString();
        Answer first = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);
        jdbc.sql("UPDATE jobs.idempotency_keys SET created_at = now() - interval '25 hours'"
                        + " WHERE portfolio_id = :p AND key = :key")
                .param("p", portfolio.id())
                .param("key", key)
                .update();

        Answer later = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);

        assertThat(later.status()).isEqualTo(202);
        assertThat(later.header("Idempotent-Replayed")).isNull();
        assertThat(later.body().path("jobId").asString())
                .isNotEqualTo(first.body().path("jobId").asString());
        assertThat(jobCount(portfolio.id())).isEqualTo(2);
    }

    @Test
    void concurrentSubmissionsWithOneKeyCreateOneJob() throws Exception {
        UUID bob = portfolio.user("bob");
        portfolio.accounts(2000).forEach(account -> portfolio.member(account, bob, AccountRole.ANALYST));
        String offboardBob = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}";
        try (ExecutorService clients = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 5; round++) {
                String key = UUID.randomUUID().toString();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Answer>> answers = new ArrayList<>();
                for (int client = 0; client < 2; client++) {
                    answers.add(clients.submit(() -> {
                        start.await();
                        return api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardBob);
                    }));
                }
                start.countDown();
                List<String> jobIds = new ArrayList<>();
                for (Future<Answer> future : answers) {
                    Answer answer = future.get();
                    assertThat(answer.status()).as(answer.text()).isIn(202, 409);
                    if (answer.status() == 202) {
                        jobIds.add(answer.body().path("jobId").asString());
                    }
                }
                assertThat(jobIds).isNotEmpty().containsOnly(jobIds.getFirst());
                assertThat(jdbc.sql("SELECT count(*) FROM jobs.idempotency_keys WHERE portfolio_id = :p AND key = :k")
                                .param("p", portfolio.id())
                                .param("k", key)
                                .query(Long.class)
                                .single())
                        .isEqualTo(1);
            }
        }
        assertThat(jobCount(portfolio.id())).isEqualTo(5);
        assertThat(taskCount(portfolio.id())).isEqualTo(5 * 2000);
    }

    @Test
    void aSubmissionWaitsForAConcurrentOneWithTheSameKeyAndAnswersItsJob() throws Exception {
        String key = UUID.randomUUID().toString();
        UUID firstJob = UUID.randomUUID();
        try (Connection first = dataSource.getConnection()) {
            first.setAutoCommit(false);
            insertJobAndKey(first, firstJob, key, hashOf(new OffboardUsers(List.of(ann))));

            CompletableFuture<Answer> second = CompletableFuture.supplyAsync(
                    () -> api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn));
            awaitBlockedOnTheKey();
            first.commit();

            Answer answer = second.get();
            assertThat(answer.status()).isEqualTo(202);
            assertThat(answer.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(answer.body().path("jobId").asString()).isEqualTo(firstJob.toString());
        }
        assertThat(jobCount(portfolio.id())).isEqualTo(1);
    }

    @Test
    void aSubmissionWhoseTwinIsStillBeingCreatedTooLongIsAConflict() throws Exception {
        String key = UUID.randomUUID().toString();
        try (Connection first = dataSource.getConnection()) {
            first.setAutoCommit(false);
            insertJobAndKey(first, UUID.randomUUID(), key, hashOf(new OffboardUsers(List.of(ann))));

            Answer answer = api.post(admin(portfolio.id()), jobsPath(portfolio.id()), key, offboardAnn);

            assertProblem(answer, 409);
            assertThat(answer.header("Retry-After")).isEqualTo("1");
            first.rollback();
        }
        assertThat(jobCount(portfolio.id())).isZero();
        assertThat(taskCount(portfolio.id())).isZero();
    }

    private void insertJobAndKey(Connection connection, UUID jobId, String key, String hash) throws Exception {
        try (PreparedStatement job = connection.prepareStatement("""
                        INSERT INTO jobs.bulk_jobs
                            (id, portfolio_id, type, status, requested_by_user_id, requested_by_email, total, pending)
                        VALUES (?, ?, 'OFFBOARD_USERS', 'QUEUED', ?, ?, 0, 0)
                        """);
                PreparedStatement idempotencyKey = connection.prepareStatement("""
                        INSERT INTO jobs.idempotency_keys (portfolio_id, key, request_hash, job_id) VALUES (?, ?, ?, ?)
                        """)) {
            job.setObject(1, jobId);
            job.setObject(2, portfolio.id());
            job.setObject(3, ADMIN_ID);
            job.setString(4, ADMIN_EMAIL);
            job.executeUpdate();
            idempotencyKey.setObject(1, portfolio.id());
            idempotencyKey.setString(2, key);
            idempotencyKey.setString(3, hash);
            idempotencyKey.setObject(4, jobId);
            idempotencyKey.executeUpdate();
        }
    }

    private void awaitBlockedOnTheKey() {
        LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.idempotency_keys", Duration.ofSeconds(4));
    }

    private static String hashOf(JobRequest request) {
        return JobSubmission.hash(JobRequestValidation.validate(request));
    }
}

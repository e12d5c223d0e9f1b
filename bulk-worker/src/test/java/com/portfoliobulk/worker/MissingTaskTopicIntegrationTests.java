package com.portfoliobulk.worker;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.invite;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.testsupport.DeclaredTopicChecks;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.TaskRecords;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A worker that starts before the task topic exists (in Compose it starts before the gateway, which
 * declares it) does not create it with the broker's defaults: its listener waits, and applies the
 * tasks once the topic is there. Its own topic name and consumer group, so that the other tests'
 * worker is not disturbed.
 */
@SpringBootTest(
        properties = {
            "spring.config.name=" + WorkerApplication.CONFIG_NAME,
            "bulk.worker.topics.tasks=" + MissingTaskTopicIntegrationTests.TOPIC,
            "spring.kafka.consumer.group-id=bulk-worker-missing-topic",
            WorkerIntegrationSupport.NO_EXPIRY_SWEEP
        })
class MissingTaskTopicIntegrationTests {

    static final String TOPIC = "portfolio.bulk-tasks.declared-later";

    @Autowired
    JdbcClient jdbc;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Test
    void theListenerDoesNotCreateItsTopicAndReadsItOnceItIsDeclared() throws Exception {
        try (Admin admin = DeclaredTopicChecks.admin(bootstrapServers);
                TaskRecords records = new TaskRecords(bootstrapServers, TOPIC)) {
            // The listener polls every second meanwhile; then the topic is made as the gateway declares it.
            DeclaredTopicChecks.assertNotCreatedByItsConsumerThenDeclare(admin, TOPIC, Duration.ofSeconds(3));
            Portfolio portfolio = new DirectorySeed(jdbc).portfolio(1);
            JobFixture jobs = new JobFixture(jdbc);
            SubmittedJob job = jobs.submit(
                    portfolio.id(),
                    JobType.INVITE_USERS,
                    JobFixture.administrator(),
                    List.of(invite(
                            portfolio.ownedAccount(0).id(),
                            null,
                            new DirectorySeed(jdbc).newEmail(),
                            AccountRole.SUPPORT,
                            Instant.now().plus(Duration.ofDays(7)))));
            records.publish(job.messages());

            await().atMost(WorkerIntegrationSupport.PATIENCE)
                    .until(() -> jobs.job(job.id()).status().isTerminal());
            assertThat(jobs.job(job.id()).status()).isEqualTo(JobStatus.COMPLETED);
        }
    }
}

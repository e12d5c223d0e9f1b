package com.portfoliobulk.worker;

import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.fixtures.EndedSpans;
import com.portfoliobulk.worker.fixtures.FailingFilter;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredJob;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import com.portfoliobulk.worker.fixtures.TaskRecords;
import com.portfoliobulk.worker.fixtures.TopicRecords;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker running against the shared PostgreSQL and Kafka, with the api-gateway's part played by
 * the fixtures: tests store jobs and tasks as a submission does, publish the task records as the relay
 * does, and watch the directory, the task outcomes, the job and the topics. One application context
 * for every subclass (same configuration); redelivery and mail back-offs, and the wait for an SMTP
 * server's acceptance of a message, are shortened to keep tests quick. Invitation e-mails go to the
 * JVM's GreenMail server ({@code TestSmtp}). The invitation expiry sweep runs only where a test calls
 * it: on its schedule it would end the expired invitations that other tests seed on purpose, in the
 * middle of those tests. The worker accepts the internal tokens of a second secret, as while the
 * internal token secret is rotated ({@link TestTokens#ACCEPTED_INTERNAL_SECRET}). A filter fails the
 * requests to {@code /failing/*} ({@link FailingFilter}), for the tests of the error page; the spans
 * the worker ends are kept ({@link EndedSpans}), for the tests of its traces.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.config.name=" + WorkerApplication.CONFIG_NAME,
            "bulk.worker.redelivery.initial-interval=50ms",
            "bulk.worker.redelivery.max-interval=250ms",
            "bulk.worker.mail.poll-interval=200ms",
            "bulk.worker.mail.initial-backoff=1s",
            "bulk.worker.mail.max-backoff=4s",
            "bulk.worker.mail.data-reply-timeout=30s",
            WorkerIntegrationSupport.NO_EXPIRY_SWEEP,
            TestTokens.ACCEPTED_INTERNAL_SECRET_PROPERTY
        })
@Import({FailingFilter.class, EndedSpans.class})
public abstract class WorkerIntegrationSupport {

    /** Keeps the invitation expiry sweep off its schedule for the length of a test run. */
    public static final String NO_EXPIRY_SWEEP = "bulk.worker.invitation-expiry-sweep=1d";

    protected static final Duration PATIENCE = Duration.ofSeconds(45);

    private static TaskRecords taskRecords;

    private static TopicRecords activityRecords;

    private static TopicRecords deadLetterRecords;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    protected JdbcClient jdbc;

    @Autowired
    protected WorkerProperties properties;

    @Value("${spring.kafka.bootstrap-servers}")
    private String bootstrapServers;

    protected DirectorySeed directory;

    protected JobFixture jobs;

    @BeforeEach
    void fixtures() {
        directory = new DirectorySeed(jdbc);
        jobs = new JobFixture(jdbc);
        openTopics(bootstrapServers, properties);
    }

    // Opened once per JVM for the shared context's topics; closed with the JVM.
    private static synchronized void openTopics(String bootstrapServers, WorkerProperties properties) {
        if (taskRecords == null) {
            taskRecords = new TaskRecords(bootstrapServers, properties.topics().tasks()).declare();
            activityRecords =
                    new TopicRecords(bootstrapServers, properties.topics().activity());
            deadLetterRecords =
                    new TopicRecords(bootstrapServers, properties.topics().deadLetter());
        }
    }

    /** Publishes the records of the job's tasks, as the relay does. */
    protected void publish(SubmittedJob job) {
        taskRecords.publish(job.messages());
    }

    protected TaskRecords taskRecords() {
        return taskRecords;
    }

    /** Waits until the job is terminal. */
    protected StoredJob awaitFinished(SubmittedJob job) {
        await().atMost(PATIENCE).until(() -> jobs.job(job.id()).status().isTerminal());
        return jobs.job(job.id());
    }

    /**
     * Waits until the worker has handled every record of {@code job}'s accounts published so far (a
     * redelivery, say), so that a check that they changed nothing is not made before they arrive. It
     * submits and publishes a sentinel job on the same accounts (it removes users who are members of
     * none) and waits for its end: its records are keyed by the same accounts, so they follow the earlier
     * ones in the same partitions and are handled after them.
     */
    protected void awaitRecordsHandledBefore(SubmittedJob job) {
        List<UUID> accounts = job.messages().stream()
                .map(message -> message.accountId())
                .distinct()
                .toList();
        SubmittedJob sentinel = jobs.submit(
                job.message(0).portfolioId(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                accounts.stream()
                        .map(account -> TaskSpec.remove(account, directory.user()))
                        .toList());
        publish(sentinel);
        awaitFinished(sentinel);
    }

    /** The activity events published so far for the given tasks, duplicates included. */
    protected List<AccountActivityEvent> activityOf(Collection<UUID> taskIds) {
        Set<UUID> wanted = new HashSet<>(taskIds);
        return activityRecords.read().stream()
                .map(record -> JSON.readValue(record.value(), AccountActivityEvent.class))
                .filter(event -> wanted.contains(event.taskId()))
                .toList();
    }

    /** The activity records (headers included) published so far for the given tasks, duplicates included. */
    protected List<ConsumerRecord<String, byte[]>> activityRecordsOf(Collection<UUID> taskIds) {
        Set<UUID> wanted = new HashSet<>(taskIds);
        return activityRecords.read().stream()
                .filter(record -> wanted.contains(JSON.readValue(record.value(), AccountActivityEvent.class)
                        .taskId()))
                .toList();
    }

    /** The link changes (linked, unlinked) published so far for the given accounts. */
    protected List<AccountActivityEvent> linkChangesOf(Collection<UUID> accountIds) {
        return activityOfAccounts(accountIds).stream()
                .filter(event -> event.action().isLinkChange())
                .toList();
    }

    /** Every activity event published so far for the given accounts, duplicates included. */
    protected List<AccountActivityEvent> activityOfAccounts(Collection<UUID> accountIds) {
        Set<UUID> wanted = new HashSet<>(accountIds);
        return activityRecords.read().stream()
                .map(record -> JSON.readValue(record.value(), AccountActivityEvent.class))
                .filter(event -> wanted.contains(event.accountId()))
                .toList();
    }

    /** The activity events of the job's tasks published so far, duplicates included. */
    protected List<AccountActivityEvent> activityOf(SubmittedJob job) {
        return activityOf(
                job.messages().stream().map(message -> message.taskId()).toList());
    }

    /** The dead letters published so far with the given key (an account id). */
    protected List<ConsumerRecord<String, byte[]>> deadLettersOf(UUID accountId) {
        return deadLetterRecords.read().stream()
                .filter(record -> accountId.toString().equals(record.key()))
                .toList();
    }
}

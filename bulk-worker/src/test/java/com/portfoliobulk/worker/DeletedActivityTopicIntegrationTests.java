package com.portfoliobulk.worker;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DeclaredTopicChecks;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import com.portfoliobulk.worker.fixtures.TaskRecords;
import com.portfoliobulk.worker.fixtures.TopicRecords;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The activity topic deleted while the worker runs (an operator purges it, or the cluster under it is
 * replaced), on a broker that creates no topic by itself, as production runs them: a task is still
 * applied, the worker declares the topic again, as declared, says so once in its log, and the task's
 * activity event reaches it. Before, the worker declared its topics only until the broker had taken
 * them once: every batch's publication failed ("Topic ... not present in metadata") and its batch was
 * delivered again without end until the worker restarted.
 *
 * <p>The worker has a broker of its own, with {@code auto.create.topics.enable=false} (the shared one
 * creates a topic a producer asks for, with the broker's defaults), kept until the JVM ends; its
 * context is closed after the class. The producer's timeouts are shortened.
 */
@DirtiesContext
@SpringBootTest(
        properties = {
            "spring.config.name=" + WorkerApplication.CONFIG_NAME,
            "bulk.worker.topics.tasks=" + DeletedActivityTopicIntegrationTests.TASKS,
            "bulk.worker.topics.activity=" + DeletedActivityTopicIntegrationTests.ACTIVITY,
            "spring.kafka.consumer.group-id=bulk-worker-deleted-activity-topic",
            "spring.kafka.producer.properties[max.block.ms]=1000",
            "spring.kafka.producer.properties[request.timeout.ms]=1000",
            "spring.kafka.producer.properties[delivery.timeout.ms]=2000",
            "bulk.worker.publish-timeout=5s",
            "bulk.worker.redelivery.initial-interval=50ms",
            "bulk.worker.redelivery.max-interval=250ms",
            WorkerIntegrationSupport.NO_EXPIRY_SWEEP
        })
class DeletedActivityTopicIntegrationTests {

    static final String TASKS = "portfolio.bulk-tasks.activity-deleted";

    static final String ACTIVITY = "portfolio.account-activity.deleted";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static String brokers;

    @DynamicPropertySource
    static void ownBroker(DynamicPropertyRegistry properties) {
        properties.add("spring.kafka.bootstrap-servers", DeletedActivityTopicIntegrationTests::broker);
    }

    private static synchronized String broker() {
        if (brokers == null) {
            EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, SharedInfrastructure.PARTITIONS);
            broker.brokerProperty("auto.create.topics.enable", "false");
            broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
            broker.afterPropertiesSet();
            Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy, "own-kafka-stop"));
            brokers = broker.getBrokersAsString();
        }
        return brokers;
    }

    @Autowired
    JdbcClient jdbc;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Test
    void anActivityTopicDeletedWhileTheWorkerRunsIsDeclaredAgainAndTheNextTasksEventReachesIt() throws Exception {
        DirectorySeed directory = new DirectorySeed(jdbc);
        JobFixture jobs = new JobFixture(jdbc);
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        try (TaskRecords tasks = new TaskRecords(bootstrapServers, TASKS).declare();
                LogLines log = LogLines.of("com.portfoliobulk.servicesupport.kafka", Level.WARN)) {
            SubmittedJob before = changeRole(jobs, portfolio, account, ann, AccountRole.MANAGER);
            tasks.publish(before.messages());
            awaitCompleted(jobs, before);
            try (TopicRecords activity = new TopicRecords(bootstrapServers, ACTIVITY)) {
                await().atMost(WorkerIntegrationSupport.PATIENCE).until(() -> eventOf(activity, before));
            }
            try (Admin admin = DeclaredTopicChecks.admin(bootstrapServers)) {
                admin.deleteTopics(List.of(ACTIVITY)).all().get(30, TimeUnit.SECONDS);
                await().atMost(WorkerIntegrationSupport.PATIENCE)
                        .until(() -> !admin.listTopics().names().get().contains(ACTIVITY));

                SubmittedJob after = changeRole(jobs, portfolio, account, ann, AccountRole.ADMIN);
                tasks.publish(after.messages());

                awaitCompleted(jobs, after);
                assertThat(jobs.task(after.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
                await().atMost(WorkerIntegrationSupport.PATIENCE)
                        .until(() -> admin.listTopics().names().get().contains(ACTIVITY));
                assertThat(admin.describeTopics(List.of(ACTIVITY))
                                .allTopicNames()
                                .get(30, TimeUnit.SECONDS)
                                .get(ACTIVITY)
                                .partitions())
                        .hasSize(SharedInfrastructure.PARTITIONS);
                try (TopicRecords activity = new TopicRecords(bootstrapServers, ACTIVITY)) {
                    await().atMost(WorkerIntegrationSupport.PATIENCE).until(() -> eventOf(activity, after));
                }
            }
            DeclaredTopicChecks.assertOwnMinInsyncReplicas(bootstrapServers, List.of(ACTIVITY));
            assertThat(log.lines())
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .filteredOn(line -> line.contains(ACTIVITY))
                    .singleElement(as(InstanceOfAssertFactories.STRING))
                    .contains("was missing from the broker", "created it again as declared", "12 partitions");
        }
    }

    private static SubmittedJob changeRole(
            JobFixture jobs, Portfolio portfolio, UUID account, UUID user, AccountRole role) {
        return jobs.submit(
                portfolio.id(),
                JobType.UPDATE_ROLES,
                JobFixture.administrator(),
                List.of(TaskSpec.changeRole(account, user, role)));
    }

    private static void awaitCompleted(JobFixture jobs, SubmittedJob job) {
        await().atMost(WorkerIntegrationSupport.PATIENCE)
                .until(() -> jobs.job(job.id()).status().isTerminal());
        assertThat(jobs.job(job.id()).status()).isEqualTo(JobStatus.COMPLETED);
    }

    /** Whether the activity topic holds the event of the job's task. */
    private static boolean eventOf(TopicRecords activity, SubmittedJob job) {
        return activity.read().stream()
                .map(record -> JSON.readValue(record.value(), AccountActivityEvent.class))
                .anyMatch(event -> event.taskId().equals(job.taskId(0)));
    }
}

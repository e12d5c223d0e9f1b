package com.portfoliobulk.worker.activity;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.servicesupport.tracing.TracedSends;
import com.portfoliobulk.testsupport.DirectorySeed.OwnedAccount;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.StoredRecordBatches;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.EndedSpans;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.SpanKind;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.CompressionType;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The activity events of applied tasks travel in their task's trace: every event record carries a
 * {@code traceparent} of its task's trace, and the events of one trace are sent as one observation, not
 * one per record; they travel in compressed batches. The worker's pass over the task records is in
 * each job's trace too.
 */
class ActivityTraceIntegrationTests extends WorkerIntegrationSupport {

    private static final int TASKS_PER_JOB = 5;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    MeterRegistry meters;

    @Autowired
    EndedSpans spans;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Test
    void eachEventCarriesItsTasksTraceAndARunOfEventsIsOneObservation() {
        Portfolio portfolio = directory.portfolio(TASKS_PER_JOB);
        UUID ann = directory.user();
        UUID bob = directory.user();
        for (OwnedAccount account : portfolio.ownedAccounts()) {
            directory.member(account.id(), ann, AccountRole.ANALYST);
            directory.member(account.id(), bob, AccountRole.ANALYST);
        }
        SubmittedJob removeAnn = removeEverywhere(portfolio, ann);
        SubmittedJob removeBob = removeEverywhere(portfolio, bob);
        String annTrace = randomHex(16);
        String bobTrace = randomHex(16);
        double observedBefore = sendObservations();

        taskRecords().publish(removeAnn.messages(), "00-" + annTrace + "-" + randomHex(8) + "-01");
        taskRecords().publish(removeBob.messages(), "00-" + bobTrace + "-" + randomHex(8) + "-01");
        awaitFinished(removeAnn);
        awaitFinished(removeBob);

        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(traceIds(removeAnn)).hasSize(TASKS_PER_JOB).containsOnly(annTrace);
            assertThat(traceIds(removeBob)).hasSize(TASKS_PER_JOB).containsOnly(bobTrace);
        });
        assertThat(sendObservations() - observedBefore)
                .as("observations of the %d events: one per run of a trace, not one per record", 2 * TASKS_PER_JOB)
                .isGreaterThanOrEqualTo(2)
                .isLessThan(2 * TASKS_PER_JOB);
    }

    /**
     * The worker's pass over the task records is a span ({@code bulk-tasks apply}) in the trace of each
     * job it has records of, however the tasks end: here a job whose tasks are all skipped (a removal of
     * someone who is a member nowhere) and one whose task failed (its record cannot be read), neither of
     * which sends an activity event. Before, such a job's trace had no span of the worker at all.
     */
    @Test
    void aJobWhoseTasksAreSkippedOrFailedHasTheWorkersSpanInItsTrace() {
        Portfolio portfolio = directory.portfolio(TASKS_PER_JOB);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        SubmittedJob skipped = removeEverywhere(portfolio, directory.user());
        SubmittedJob failed = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, ann)));
        // A removal of ann without her user id: not a valid task.
        ObjectNode withoutUserId = JSON.valueToTree(failed.message(0));
        withoutUserId.putObject("user").put("email", directory.email(ann));
        String skippedTrace = randomHex(16);
        String failedTrace = randomHex(16);

        taskRecords().publish(skipped.messages(), "00-" + skippedTrace + "-" + randomHex(8) + "-01");
        taskRecords()
                .publishRaw(
                        account.toString(),
                        JSON.writeValueAsString(withoutUserId),
                        "00-" + failedTrace + "-" + randomHex(8) + "-01");

        assertThat(awaitFinished(skipped).skipped()).isEqualTo(TASKS_PER_JOB);
        assertThat(awaitFinished(failed).failed()).isEqualTo(1);
        await().atMost(PATIENCE).untilAsserted(() -> {
            for (String trace : List.of(skippedTrace, failedTrace)) {
                assertThat(spans.ofTrace(trace))
                        .as("the worker's spans in trace %s", trace)
                        .filteredOn(span -> span.getName().equals("bulk-tasks apply"))
                        .isNotEmpty()
                        .allSatisfy(span -> assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER));
            }
        });
    }

    /** A {@code traceparent} header without a value is no trace, not a record that fails for ever. */
    @Test
    void tasksWhoseTraceparentHeaderHasNoValueAreApplied() {
        Portfolio portfolio = directory.portfolio(TASKS_PER_JOB);
        UUID ann = directory.user();
        for (OwnedAccount account : portfolio.ownedAccounts()) {
            directory.member(account.id(), ann, AccountRole.ANALYST);
        }
        SubmittedJob removeAnn = removeEverywhere(portfolio, ann);

        taskRecords().publish(removeAnn.messages(), null);

        assertThat(awaitFinished(removeAnn).succeeded()).isEqualTo(TASKS_PER_JOB);
    }

    /**
     * The events go to the broker in compressed batches (LZ4 by default), and the broker stores them so:
     * every batch of the activity topic written since the job's tasks were published is LZ4 on its disk.
     */
    @Test
    void theEventsAreStoredCompressed() {
        Portfolio portfolio = directory.portfolio(TASKS_PER_JOB);
        UUID ann = directory.user();
        for (OwnedAccount account : portfolio.ownedAccounts()) {
            directory.member(account.id(), ann, AccountRole.ANALYST);
        }
        SubmittedJob removeAnn = removeEverywhere(portfolio, ann);
        long since = System.currentTimeMillis();

        publish(removeAnn);
        awaitFinished(removeAnn);

        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(StoredRecordBatches.compressionSince(
                                bootstrapServers, properties.topics().activity(), since))
                        .as("the activity topic's batches written since the tasks were published")
                        .isNotEmpty()
                        .containsOnly(CompressionType.LZ4));
    }

    private SubmittedJob removeEverywhere(Portfolio portfolio, UUID user) {
        return jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                portfolio.ownedAccounts().stream()
                        .map(account -> remove(account.id(), user))
                        .toList());
    }

    /** The trace ids of the job's activity records, one per record. */
    private List<String> traceIds(SubmittedJob job) {
        List<UUID> taskIds =
                job.messages().stream().map(message -> message.taskId()).toList();
        return activityRecordsOf(taskIds).stream()
                .map(ActivityTraceIntegrationTests::traceId)
                .toList();
    }

    private static String traceId(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader("traceparent");
        return header == null ? "none" : new String(header.value(), StandardCharsets.UTF_8).split("-")[1];
    }

    /** How many runs of activity events were observed so far. */
    private double sendObservations() {
        Timer timer = meters.find(TracedSends.OBSERVATION)
                .tag("messaging.destination.name", properties.topics().activity())
                .timer();
        return timer == null ? 0 : timer.count();
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1;
        return HexFormat.of().formatHex(random);
    }
}

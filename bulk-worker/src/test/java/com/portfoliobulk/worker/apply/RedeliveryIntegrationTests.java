package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.changeRole;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.invite;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.Membership;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredJob;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredTask;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.support.KafkaHeaders;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * At-least-once delivery with effect-once application: duplicates, unreadable and invalid records,
 * and tasks that keep failing.
 */
class RedeliveryIntegrationTests extends WorkerIntegrationSupport {

    private final Instant inAWeek = Instant.now().plus(Duration.ofDays(7));

    private final JsonMapper json = JsonMapper.builder().build();

    @Autowired
    MeterRegistry meters;

    @Test
    void duplicateDeliveryChangesNothingAndPublishesTheSameEventsAgain() {
        Portfolio portfolio = directory.portfolio(3);
        UUID ann = directory.user();
        String invitee = directory.newEmail();
        directory.member(portfolio.ownedAccount(1).id(), ann, AccountRole.ANALYST);
        directory.member(portfolio.ownedAccount(2).id(), ann, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.UPDATE_ROLES,
                JobFixture.administrator(),
                List.of(
                        invite(portfolio.ownedAccount(0).id(), null, invitee, AccountRole.SUPPORT, inAWeek),
                        changeRole(portfolio.ownedAccount(1).id(), ann, AccountRole.MANAGER),
                        remove(portfolio.ownedAccount(2).id(), ann),
                        remove(portfolio.ownedAccount(0).id(), ann)));
        publish(job);
        awaitFinished(job);
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(activityOf(job)).hasSize(3));
        StoredJob jobBefore = jobs.job(job.id());
        List<StoredTask> tasksBefore = jobs.tasks(job.id());
        UUID inviteeId = directory.userIdByEmail(invitee).orElseThrow();
        Membership invitationBefore =
                directory.membership(portfolio.ownedAccount(0).id(), inviteeId).orElseThrow();
        Map<UUID, AccountActivityEvent> eventsBefore = byTask(activityOf(job));

        publish(job);
        publish(job);
        SubmittedJob sentinel = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                portfolio.ownedAccounts().stream()
                        .map(account -> remove(account.id(), directory.user()))
                        .toList());
        publish(sentinel);
        awaitFinished(sentinel);

        assertThat(jobs.job(job.id())).as("no counter moved, no version bumped").isEqualTo(jobBefore);
        assertThat(jobs.tasks(job.id())).as("no outcome rewritten").isEqualTo(tasksBefore);
        assertThat(directory.membership(portfolio.ownedAccount(0).id(), inviteeId))
                .as("the same invitation, same token")
                .contains(invitationBefore);
        assertThat(directory
                        .membership(portfolio.ownedAccount(1).id(), ann)
                        .orElseThrow()
                        .role())
                .isEqualTo(AccountRole.MANAGER);
        assertThat(directory.membership(portfolio.ownedAccount(2).id(), ann)).isEmpty();
        await().atMost(PATIENCE).untilAsserted(() -> {
            List<AccountActivityEvent> events = activityOf(job);
            assertThat(events.size()).as("published again").isGreaterThanOrEqualTo(6);
            assertThat(events).allSatisfy(event -> assertThat(event).isEqualTo(eventsBefore.get(event.taskId())));
        });
    }

    @Test
    void unreadableAndInvalidRecordsAreDeadLetteredWhileTheRestOfTheirPartitionIsApplied() {
        Portfolio portfolio = directory.portfolio(1);
        UUID accountId = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        UUID ben = directory.user();
        UUID carl = directory.user();
        directory.member(accountId, ann, AccountRole.ANALYST);
        directory.member(accountId, ben, AccountRole.ANALYST);
        directory.member(accountId, carl, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                List.of(remove(accountId, ann), remove(accountId, ben), remove(accountId, carl)));
        String key = accountId.toString();
        String notJson = "{this is not a task";
        ObjectNode withoutUserId = json.valueToTree(job.message(1));
        withoutUserId.putObject("user").put("email", directory.email(ben));
        String invalidTask = json.writeValueAsString(withoutUserId);
        BulkTaskMessage unknownTask = withTaskId(job.message(0), UUID.randomUUID());
        double deadLetteredBefore = deadLettered();

        taskRecords().publish(List.of(job.message(0)));
        taskRecords().publishRaw(key, notJson);
        taskRecords().publishRaw(key, invalidTask);
        taskRecords().publish(List.of(unknownTask));
        taskRecords().publish(List.of(job.message(2)));
        StoredJob finished = awaitFinished(job);

        assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED_WITH_ERRORS);
        assertThat(finished)
                .extracting(StoredJob::succeeded, StoredJob::failed, StoredJob::pending)
                .containsExactly(2, 1, 0);
        List<StoredTask> tasks = jobs.tasks(job.id());
        assertThat(tasks)
                .extracting(StoredTask::status, StoredTask::reason)
                .containsExactly(
                        tuple(TaskStatus.SUCCEEDED, null),
                        tuple(TaskStatus.FAILED, ReasonCode.INVALID_TASK),
                        tuple(TaskStatus.SUCCEEDED, null));
        assertThat(tasks.get(1).error()).contains("REMOVE needs the user's id").doesNotContain("\n");
        assertThat(directory.membership(accountId, ann)).isEmpty();
        assertThat(directory.membership(accountId, ben))
                .as("the invalid task changed nothing")
                .isPresent();
        assertThat(directory.membership(accountId, carl)).isEmpty();

        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(deadLettersOf(accountId)).hasSize(3));
        List<ConsumerRecord<String, byte[]>> deadLetters = deadLettersOf(accountId);
        assertThat(deadLetters)
                .extracting(record -> new String(record.value(), StandardCharsets.UTF_8))
                .startsWith(notJson, invalidTask);
        assertThat(json.readValue(deadLetters.get(2).value(), BulkTaskMessage.class))
                .isEqualTo(unknownTask);
        assertThat(deadLetters).allSatisfy(record -> {
            assertThat(header(record, KafkaHeaders.DLT_ORIGINAL_TOPIC))
                    .contains(properties.topics().tasks());
            assertThat(header(record, KafkaHeaders.DLT_EXCEPTION_MESSAGE)).isPresent();
        });
        assertThat(header(deadLetters.get(2), KafkaHeaders.DLT_EXCEPTION_MESSAGE))
                .hasValueSatisfying(message -> assertThat(message).contains("No task " + unknownTask.taskId()));
        // Counted once the broker has the dead letters and their rows are marked published, which may be
        // after a consumer reads them.
        await().atMost(PATIENCE)
                .untilAsserted(
                        () -> assertThat(deadLettered() - deadLetteredBefore).isGreaterThanOrEqualTo(3));
    }

    /**
     * An invalid record whose error quotes a value with U+0000 inside (Jackson trims it off a date's ends),
     * which PostgreSQL cannot store in text: its
     * task fails {@code INVALID_TASK} at once, with U+FFFD in that place in its error, and the record is
     * dead-lettered. Kept as quoted, the outcome was refused, and the task was tried again on every
     * delivery until it ended {@code RETRIES_EXHAUSTED}.
     */
    @Test
    void anInvalidRecordWhoseErrorQuotesAZeroCharacterFailsItsTaskAsInvalid() {
        Portfolio portfolio = directory.portfolio(1);
        UUID accountId = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        UUID ben = directory.user();
        directory.member(accountId, ann, AccountRole.ANALYST);
        directory.member(accountId, ben, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                List.of(remove(accountId, ann), remove(accountId, ben)));
        ObjectNode zeroInADate = json.valueToTree(job.message(0));
        zeroInADate.put("expiresAt", "so\u0000on");

        taskRecords().publishRaw(accountId.toString(), json.writeValueAsString(zeroInADate));
        taskRecords().publish(List.of(job.message(1)));
        StoredJob finished = awaitFinished(job);

        assertThat(finished)
                .extracting(StoredJob::status, StoredJob::succeeded, StoredJob::failed)
                .containsExactly(JobStatus.COMPLETED_WITH_ERRORS, 1, 1);
        StoredTask invalid = jobs.task(job.taskId(0));
        assertThat(invalid)
                .extracting(StoredTask::status, StoredTask::reason, StoredTask::attempts)
                .containsExactly(TaskStatus.FAILED, ReasonCode.INVALID_TASK, 1);
        assertThat(invalid.error()).contains("'so\uFFFDon'");
        assertThat(directory.membership(accountId, ann))
                .as("the invalid task changed nothing")
                .isPresent();
        assertThat(directory.membership(accountId, ben)).isEmpty();
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(deadLettersOf(accountId)).hasSize(1));
    }

    @Test
    void aRecordWithFieldsThisVersionDoesNotKnowIsStillApplied() {
        Portfolio portfolio = directory.portfolio(1);
        UUID ann = directory.user();
        directory.member(portfolio.ownedAccount(0).id(), ann, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                List.of(remove(portfolio.ownedAccount(0).id(), ann)));
        ObjectNode withNewField = json.valueToTree(job.message(0));
        withNewField.put("reasonForChange", "left the agency");

        taskRecords().publishRaw(portfolio.ownedAccount(0).id().toString(), json.writeValueAsString(withNewField));

        assertThat(awaitFinished(job).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(directory.membership(portfolio.ownedAccount(0).id(), ann)).isEmpty();
    }

    @Test
    void aTaskThatKeepsFailingEndsFailedWhenItsAttemptsAreUsedUpAndItsNeighboursAreApplied() {
        Portfolio portfolio = directory.portfolio(2);
        UUID first = portfolio.ownedAccount(0).id();
        UUID second = portfolio.ownedAccount(1).id();
        // Longer than an address may be: the directory refuses the user on every attempt.
        String refused = "a".repeat(250) + "@brand.example";
        String fine = directory.newEmail();
        String later = directory.newEmail();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        invite(first, null, refused, AccountRole.SUPPORT, inAWeek),
                        invite(second, null, fine, AccountRole.SUPPORT, inAWeek),
                        invite(first, null, later, AccountRole.SUPPORT, inAWeek)));
        double retriesBefore = meters.get("bulk.task.retries").counter().count();

        publish(job);
        StoredJob finished = awaitFinished(job);

        assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED_WITH_ERRORS);
        assertThat(finished).extracting(StoredJob::succeeded, StoredJob::failed).containsExactly(2, 1);
        List<StoredTask> tasks = jobs.tasks(job.id());
        StoredTask failed = tasks.get(0);
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.reason()).isEqualTo(ReasonCode.RETRIES_EXHAUSTED);
        assertThat(failed.attempts()).isEqualTo(properties.taskMaxAttempts());
        assertThat(failed.error()).startsWith("Database error 23514").doesNotContain("\n", "INSERT");
        assertThat(tasks.get(1).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(tasks.get(2).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(tasks.get(2).appliedAt())
                .as("the account's later task waited for the failing one")
                .isAfterOrEqualTo(failed.appliedAt());
        assertThat(directory.userIdByEmail(refused)).isEmpty();
        assertThat(meters.get("bulk.task.retries").counter().count()).isGreaterThan(retriesBefore);
        assertThat(meters.get("bulk.tasks.applied")
                        .tag("action", "INVITE")
                        .tag("outcome", "FAILED")
                        .tag("reason", "RETRIES_EXHAUSTED")
                        .counter()
                        .count())
                .isPositive();
    }

    /**
     * The database's disk is full while a batch is applied (SQLSTATE 53100, as PostgreSQL answers when
     * it cannot extend a table's file): no task is at fault, so none fails and none uses up an attempt.
     * The batch is held back and tried again after the back-off until space is freed, then applied.
     * Before, each pass counted an attempt and the task ended {@code FAILED} {@code RETRIES_EXHAUSTED}
     * within seconds, its job {@code COMPLETED_WITH_ERRORS}.
     */
    @Test
    void aDatabaseOutOfDiskSpaceFailsNoTaskAndTheTasksAreAppliedOnceSpaceIsFreed() {
        Portfolio portfolio = directory.portfolio(1);
        String invitee = directory.newEmail();
        String suffix = UUID.randomUUID().toString().replace("-", "");
        jdbc.sql("CREATE SEQUENCE directory.disk_full_" + suffix).update();
        jdbc.sql("""
                        CREATE FUNCTION directory.disk_full_%1$s() RETURNS trigger SECURITY DEFINER AS $$
                        BEGIN
                          IF NEW.email = '%2$s' THEN
                            PERFORM nextval('directory.disk_full_%1$s');
                            RAISE EXCEPTION 'could not extend file "base/16384/16400": No space left on device'
                              USING ERRCODE = 'disk_full';
                          END IF;
                          RETURN NEW;
                        END $$ LANGUAGE plpgsql
                        """.formatted(suffix, invitee)).update();
        jdbc.sql("CREATE TRIGGER disk_full_" + suffix + " BEFORE INSERT ON directory.users FOR EACH ROW"
                        + " EXECUTE FUNCTION directory.disk_full_" + suffix + "()")
                .update();
        SubmittedJob job;
        try {
            job = jobs.submit(
                    portfolio.id(),
                    JobType.INVITE_USERS,
                    JobFixture.administrator(),
                    List.of(invite(portfolio.ownedAccount(0).id(), null, invitee, AccountRole.SUPPORT, inAWeek)));
            publish(job);
            // Each pass tries the batch, then (were it the task's fault) the task alone, each up to 3
            // times: as many refused statements as would use up the task's attempts, or the task's end.
            int enough = 6 * properties.taskMaxAttempts();
            await().atMost(PATIENCE)
                    .until(() -> jdbc.sql("SELECT last_value FROM directory.disk_full_" + suffix)
                                            .query(Long.class)
                                            .single()
                                    >= enough
                            || jobs.tasks(job.id()).get(0).status() != TaskStatus.PENDING);

            assertThat(jobs.tasks(job.id()))
                    .extracting(StoredTask::status, StoredTask::reason, StoredTask::attempts)
                    .containsExactly(tuple(TaskStatus.PENDING, null, 0));
            assertThat(jobs.job(job.id()).status().isTerminal()).isFalse();
        } finally {
            jdbc.sql("DROP FUNCTION directory.disk_full_" + suffix + "() CASCADE")
                    .update();
            jdbc.sql("DROP SEQUENCE directory.disk_full_" + suffix).update();
        }

        StoredJob finished = awaitFinished(job);

        assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(finished).extracting(StoredJob::succeeded, StoredJob::failed).containsExactly(1, 0);
        assertThat(jobs.tasks(job.id()))
                .as("applied at its first counted attempt")
                .extracting(StoredTask::status, StoredTask::attempts)
                .containsExactly(tuple(TaskStatus.SUCCEEDED, 1));
        assertThat(directory.userIdByEmail(invitee)).isPresent();
    }

    private double deadLettered() {
        return meters.get("bulk.tasks.dead.lettered").counter().count();
    }

    private static Optional<String> header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return Optional.ofNullable(header).map(h -> new String(h.value(), StandardCharsets.UTF_8));
    }

    private static BulkTaskMessage withTaskId(BulkTaskMessage task, UUID taskId) {
        return new BulkTaskMessage(
                task.v(),
                taskId,
                task.jobId(),
                task.portfolioId(),
                task.accountId(),
                task.action(),
                task.user(),
                task.role(),
                task.language(),
                task.expiresAt(),
                task.requestedBy(),
                task.requestedAt());
    }

    private static Map<UUID, AccountActivityEvent> byTask(List<AccountActivityEvent> events) {
        return events.stream()
                .collect(Collectors.toMap(AccountActivityEvent::taskId, Function.identity(), (a, b) -> a));
    }
}

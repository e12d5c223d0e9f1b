package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredJob;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredTask;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Task rows and records this version cannot read: the tasks of a job type (and action) that a newer
 * version added, stored before the workers were rolled back or upgraded, and their records as a newer
 * gateway writes them (a new action, a new schema version). Such a task's record fails on every
 * delivery and counts an attempt, as the README's "Upgrading" says; it must not hold up the records
 * behind it on its partition for good.
 */
class UnreadableTaskRowIntegrationTests extends WorkerIntegrationSupport {

    /** A job type and task action this version does not know. */
    private static final String NEWER = "TRANSFER_OWNERSHIP";

    private static final String TYPE_CHECK = "bulk_jobs_type_check";

    private static final String ACTION_CHECK = "bulk_tasks_action_check";

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void aCopyOfTheRecordOfAnEndedTaskThatCannotBeReadDoesNotHoldUpItsAccount() {
        TwoAnalysts two = twoAnalysts();
        UUID account = two.account();
        UUID ben = two.ben();
        SubmittedJob ended = two.removal(two.ann());
        publish(ended);
        awaitFinished(ended);
        StoredTask endedTask = jobs.task(ended.taskId(0));
        SubmittedJob later = two.removal(ben);

        asStoredByANewerVersion(ended, () -> {
            // A copy of the ended task's record (a relay pass sent twice, a redelivery after a rebalance, a
            // re-driven dead letter), then the account's next task on the same partition.
            publish(ended);
            publish(later);

            assertThat(awaitFinished(later).status()).isEqualTo(JobStatus.COMPLETED);
        });

        assertThat(directory.membership(account, ben)).isEmpty();
        assertThat(jobs.task(ended.taskId(0)))
                .as("the ended task is neither applied nor counted again")
                .isEqualTo(endedTask);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOf(later)).hasSize(1));
        assertThat(deadLettersOf(account))
                .as("set aside like any copy of an ended task's record, not dead-lettered")
                .isEmpty();
    }

    @Test
    void aPendingTaskThatCannotBeReadEndsFailedWhenItsAttemptsAreUsedUp() {
        TwoAnalysts two = twoAnalysts();
        UUID account = two.account();
        UUID ann = two.ann();
        UUID ben = two.ben();
        SubmittedJob unreadable = two.removal(ann);
        SubmittedJob later = two.removal(ben);

        asStoredByANewerVersion(unreadable, () -> {
            publish(unreadable);
            publish(later);

            assertThat(awaitFinished(later).status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(jobs.job(unreadable.id()))
                    .extracting(StoredJob::status, StoredJob::failed, StoredJob::pending)
                    .containsExactly(JobStatus.COMPLETED_WITH_ERRORS, 1, 0);
        });

        StoredTask failed = jobs.task(unreadable.taskId(0));
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.reason()).isEqualTo(ReasonCode.RETRIES_EXHAUSTED);
        assertThat(failed.attempts()).isEqualTo(properties.taskMaxAttempts());
        assertThat(failed.error()).contains(NEWER);
        assertThat(directory.membership(account, ann))
                .as("the unreadable task changed nothing")
                .isPresent();
        assertThat(directory.membership(account, ben)).isEmpty();
    }

    @Test
    void aPendingTaskWhoseRecordHasANewerSchemaVersionEndsFailedWhenItsAttemptsAreUsedUp() {
        TwoAnalysts two = twoAnalysts();
        SubmittedJob unreadable = two.removal(two.ann());
        SubmittedJob later = two.removal(two.ben());

        publishAsANewerGatewayDoes(unreadable, record -> record.put("v", 2));
        publish(later);

        assertFailedWhenItsAttemptsWereUsedUp(two, unreadable, later, "version 2");
    }

    @Test
    void aPendingTaskWhoseRecordHasANewerActionEndsFailedWhenItsAttemptsAreUsedUp() {
        TwoAnalysts two = twoAnalysts();
        SubmittedJob unreadable = two.removal(two.ann());
        SubmittedJob later = two.removal(two.ben());

        publishAsANewerGatewayDoes(unreadable, record -> record.put("action", NEWER));
        publish(later);

        assertFailedWhenItsAttemptsWereUsedUp(two, unreadable, later, NEWER);
    }

    /**
     * A record whose action has U+0000 in it (inside: Jackson trims it off the ends of an enum's name), an
     * action this version does not know: its task's error quotes the action, and PostgreSQL cannot store U+0000 in text. The error is kept with U+FFFD in its
     * place, so each delivery counts an attempt as for any newer action. Kept as quoted, the attempt was
     * refused, the batch delivered again for ever, and the account's later task never applied.
     */
    @Test
    void aPendingTaskWhoseRecordHasAnActionWithAZeroCharacterEndsFailedWhenItsAttemptsAreUsedUp() {
        TwoAnalysts two = twoAnalysts();
        SubmittedJob unreadable = two.removal(two.ann());
        SubmittedJob later = two.removal(two.ben());

        publishAsANewerGatewayDoes(unreadable, record -> record.put("action", "RE\u0000MOVE"));
        publish(later);

        assertFailedWhenItsAttemptsWereUsedUp(two, unreadable, later, "\"RE\uFFFDMOVE\"");
    }

    @Test
    void aPendingTaskOfANewerActionWhoseRowAndRecordCannotBeReadEndsFailedWhenItsAttemptsAreUsedUp() {
        TwoAnalysts two = twoAnalysts();
        SubmittedJob unreadable = two.removal(two.ann());
        SubmittedJob later = two.removal(two.ben());

        asStoredByANewerVersion(unreadable, () -> {
            publishAsANewerGatewayDoes(unreadable, record -> record.put("action", NEWER));
            publish(later);

            assertThat(awaitFinished(later).status()).isEqualTo(JobStatus.COMPLETED);
        });

        assertFailedWhenItsAttemptsWereUsedUp(two, unreadable, later, NEWER);
    }

    /** Publishes the record of the job's one task as a newer gateway writes it: {@code edit} of its JSON. */
    private void publishAsANewerGatewayDoes(SubmittedJob job, Consumer<ObjectNode> edit) {
        ObjectNode record = json.valueToTree(job.message(0));
        edit.accept(record);
        taskRecords().publishRaw(job.message(0).accountId().toString(), json.writeValueAsString(record));
    }

    /**
     * The README's promise for a task of a newer version: each delivery of its record failed and counted
     * an attempt, the later task of its account waited behind it, and it ended {@code FAILED}
     * ({@code RETRIES_EXHAUSTED}) once its attempts were used up, its record never dead-lettered.
     */
    private void assertFailedWhenItsAttemptsWereUsedUp(
            TwoAnalysts two, SubmittedJob unreadable, SubmittedJob later, String error) {
        assertThat(awaitFinished(later).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(jobs.job(unreadable.id()))
                .extracting(StoredJob::status, StoredJob::failed, StoredJob::pending)
                .containsExactly(JobStatus.COMPLETED_WITH_ERRORS, 1, 0);
        StoredTask failed = jobs.task(unreadable.taskId(0));
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.reason()).isEqualTo(ReasonCode.RETRIES_EXHAUSTED);
        assertThat(failed.attempts()).isEqualTo(properties.taskMaxAttempts());
        assertThat(failed.error()).contains(error);
        assertThat(jobs.task(later.taskId(0)).appliedAt())
                .as("the later task of the account waited for it")
                .isAfterOrEqualTo(failed.appliedAt());
        assertThat(directory.membership(two.account(), two.ann()))
                .as("the unreadable task changed nothing")
                .isPresent();
        assertThat(directory.membership(two.account(), two.ben())).isEmpty();
        awaitRecordsHandledBefore(later);
        assertThat(deadLettersOf(two.account()))
                .as("retried as the README says, not dead-lettered")
                .isEmpty();
    }

    /** Two analysts of one account, each of whose removals is a job of its own. */
    private record TwoAnalysts(JobFixture jobs, UUID portfolioId, UUID account, UUID ann, UUID ben) {

        SubmittedJob removal(UUID user) {
            return jobs.submit(
                    portfolioId, JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, user)));
        }
    }

    private TwoAnalysts twoAnalysts() {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        UUID ben = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        directory.member(account, ben, AccountRole.ANALYST);
        return new TwoAnalysts(jobs, portfolio.id(), account, ann, ben);
    }

    /**
     * Runs {@code test} while the job and its tasks have a type and an action this version does not
     * know, as a newer version may have stored them, then restores them and the schema's checks for the
     * tests that follow.
     */
    private void asStoredByANewerVersion(SubmittedJob job, Runnable test) {
        String typeCheck = constraint("jobs.bulk_jobs", TYPE_CHECK);
        String actionCheck = constraint("jobs.bulk_tasks", ACTION_CHECK);
        jdbc.sql("ALTER TABLE jobs.bulk_jobs DROP CONSTRAINT " + TYPE_CHECK).update();
        jdbc.sql("ALTER TABLE jobs.bulk_tasks DROP CONSTRAINT " + ACTION_CHECK).update();
        jdbc.sql("UPDATE jobs.bulk_jobs SET type = ? WHERE id = ?")
                .params(NEWER, job.id())
                .update();
        jdbc.sql("UPDATE jobs.bulk_tasks SET action = ? WHERE job_id = ?")
                .params(NEWER, job.id())
                .update();
        try {
            test.run();
        } finally {
            jdbc.sql("UPDATE jobs.bulk_jobs SET type = ? WHERE id = ?")
                    .params(job.type().name(), job.id())
                    .update();
            for (BulkTaskMessage task : job.messages()) {
                jdbc.sql("UPDATE jobs.bulk_tasks SET action = ? WHERE id = ?")
                        .params(task.action().name(), task.taskId())
                        .update();
            }
            jdbc.sql("ALTER TABLE jobs.bulk_jobs ADD CONSTRAINT " + TYPE_CHECK + " " + typeCheck)
                    .update();
            jdbc.sql("ALTER TABLE jobs.bulk_tasks ADD CONSTRAINT " + ACTION_CHECK + " " + actionCheck)
                    .update();
        }
    }

    private String constraint(String table, String name) {
        return jdbc.sql("""
                        SELECT pg_get_constraintdef(oid) FROM pg_constraint
                         WHERE conrelid = CAST(? AS regclass) AND conname = ?
                        """).params(table, name).query(String.class).single();
    }
}

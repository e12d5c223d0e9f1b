package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.Membership;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredJob;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredTask;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A task that another transaction ends while the worker's batch is under way is neither applied nor
 * counted again: a cancellation, or another consumer given the same record after a rebalance, holds
 * the task's row when the worker's transaction reaches it and commits its end. The worker then finds
 * the task ended and applies only the others.
 */
class TaskEndedMeanwhileIntegrationTests extends WorkerIntegrationSupport {

    @Autowired
    DataSource dataSource;

    @Test
    void tasksCancelledWhileTheWorkerAppliesThemChangeNothing() throws Exception {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        UUID ben = directory.user();
        UUID carl = directory.user();
        for (UUID user : List.of(ann, ben, carl)) {
            directory.member(account, user, AccountRole.ANALYST);
        }
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                List.of(remove(account, ann), remove(account, ben)));

        try (Connection cancellation = dataSource.getConnection()) {
            cancellation.setAutoCommit(false);
            // The cancellation has the job's task rows, locked in id order as the gateway's cancellation
            // locks them (the worker's order: locking only one of them could deadlock with the worker)...
            execute(cancellation, "SELECT id FROM jobs.bulk_tasks WHERE job_id = ? ORDER BY id FOR UPDATE", job.id());
            publish(job);
            // ...so the worker's transaction waits for those rows.
            LockWaits.awaitLockWait(dataSource, "jobs.bulk_tasks", PATIENCE);
            execute(cancellation, """
                    UPDATE jobs.bulk_tasks SET status = 'CANCELLED', reason = 'JOB_CANCELLED'
                     WHERE job_id = ? AND status = 'PENDING'
                    """, job.id());
            execute(cancellation, """
                    UPDATE jobs.bulk_jobs SET pending = 0, cancelled = 2, status = 'CANCELLED', completed_at = now(),
                           version = version + 1
                     WHERE id = ?
                    """, job.id());
            cancellation.commit();
        }
        // A later job of the same account (same partition) ends after the worker is done with the first.
        SubmittedJob later = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, carl)));
        publish(later);
        awaitFinished(later);

        assertThat(directory.membership(account, ann))
                .as("not removed: the task was cancelled first")
                .map(Membership::role)
                .contains(AccountRole.ANALYST);
        assertThat(directory.membership(account, ben)).map(Membership::role).contains(AccountRole.ANALYST);
        assertThat(directory.membership(account, carl)).isEmpty();
        assertThat(jobs.tasks(job.id()))
                .extracting(StoredTask::status, StoredTask::reason)
                .containsOnly(tuple(TaskStatus.CANCELLED, ReasonCode.JOB_CANCELLED));
        assertThat(jobs.job(job.id()).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(jobs.job(job.id()).cancelled()).isEqualTo(2);
        assertThat(activityOf(job)).isEmpty();
    }

    @Test
    void aTaskAnotherConsumerEndedMeanwhileIsNeitherAppliedNorCountedAgain() throws Exception {
        Portfolio portfolio = directory.portfolio(2);
        UUID account = portfolio.ownedAccount(0).id();
        UUID elsewhere = portfolio.ownedAccount(1).id();
        UUID ann = directory.user();
        UUID ben = directory.user();
        UUID dan = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        directory.member(account, ben, AccountRole.ANALYST);
        directory.member(elsewhere, dan, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                List.of(remove(account, ann), remove(account, ben), remove(elsewhere, dan)));

        try (Connection otherConsumer = dataSource.getConnection()) {
            otherConsumer.setAutoCommit(false);
            execute(otherConsumer, "SELECT id FROM jobs.bulk_tasks WHERE id = ? FOR UPDATE", job.taskId(0));
            // The first account's two records only; the third task waits for its record.
            taskRecords().publish(List.of(job.message(0), job.message(1)));
            LockWaits.awaitLockWait(dataSource, "jobs.bulk_tasks", PATIENCE);
            // Another consumer, given the same record after a rebalance, ended the first task (it found
            // nothing to do: the test leaves Ann's membership to show what this worker does).
            execute(otherConsumer, """
                    UPDATE jobs.bulk_tasks SET status = 'SKIPPED', reason = 'NOT_A_MEMBER', applied_at = now(),
                           attempts = attempts + 1
                     WHERE id = ?
                    """, job.taskId(0));
            execute(otherConsumer, """
                    UPDATE jobs.bulk_jobs SET pending = pending - 1, skipped = skipped + 1, status = 'IN_PROGRESS',
                           started_at = now(), version = version + 1
                     WHERE id = ?
                    """, job.id());
            otherConsumer.commit();
        }
        SubmittedJob later = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                List.of(remove(account, directory.user())));
        publish(later);
        awaitFinished(later);

        assertThat(directory.membership(account, ann))
                .as("not removed: the first task had ended")
                .isPresent();
        assertThat(directory.membership(account, ben)).isEmpty();
        assertThat(jobs.tasks(job.id()))
                .extracting(StoredTask::status)
                .containsExactly(TaskStatus.SKIPPED, TaskStatus.SUCCEEDED, TaskStatus.PENDING);
        StoredJob counted = jobs.job(job.id());
        assertThat(counted.status()).as("the third task is still pending").isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(List.of(counted.pending(), counted.skipped(), counted.succeeded()))
                .as("pending, skipped, succeeded: each task counted once")
                .containsExactly(1, 1, 1);
    }

    private static void execute(Connection connection, String sql, UUID id) throws Exception {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, id);
            statement.execute();
        }
    }
}

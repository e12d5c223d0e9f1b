package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.testsupport.DirectorySeed.OwnedAccount;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The transaction that applies a job's last task also writes the job's webhook event (the jobs
 * schema's trigger on the job's terminal status): one event per ended job, none before it ends, none
 * more when its task records are delivered again.
 */
class JobEndEventIntegrationTests extends WorkerIntegrationSupport {

    @Test
    void theTransactionThatEndsAJobWritesItsEventOnce() {
        SubmittedJob job = removeAnnFromTwoAccounts();

        taskRecords().publish(job.messages().subList(0, 1));
        await().atMost(PATIENCE).until(() -> jobs.job(job.id()).pending() == 1);
        assertThat(events(job.id())).as("no event while the job runs").isEmpty();

        taskRecords().publish(job.messages().subList(1, 2));
        assertThat(awaitFinished(job).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(events(job.id())).containsExactly("job.completed");

        taskRecords().publish(job.messages());
        awaitRecordsHandledBefore(job);

        assertThat(events(job.id()))
                .as("the redelivered records ended nothing again")
                .containsExactly("job.completed");
    }

    /**
     * The cancellation writes the event (the trigger fires on its update); the worker, given the
     * cancelled job's records afterwards (one task applied before the cancellation, one cancelled),
     * writes no second one.
     */
    @Test
    void aCancelledJobHasOneCancelledEvent() {
        SubmittedJob job = removeAnnFromTwoAccounts();
        taskRecords().publish(job.messages().subList(0, 1));
        await().atMost(PATIENCE).until(() -> jobs.job(job.id()).pending() == 1);

        jobs.cancel(job.id());
        assertThat(events(job.id())).containsExactly("job.cancelled");
        taskRecords().publish(job.messages());
        taskRecords().publish(job.messages());
        awaitRecordsHandledBefore(job);

        assertThat(jobs.job(job.id()).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(events(job.id())).as("the worker ended nothing again").containsExactly("job.cancelled");
    }

    private SubmittedJob removeAnnFromTwoAccounts() {
        Portfolio portfolio = directory.portfolio(2);
        UUID ann = directory.user();
        for (OwnedAccount account : portfolio.ownedAccounts()) {
            directory.member(account.id(), ann, AccountRole.ANALYST);
        }
        return jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                portfolio.ownedAccounts().stream()
                        .map(account -> remove(account.id(), ann))
                        .toList());
    }

    private List<String> events(UUID jobId) {
        return jdbc.sql("SELECT type FROM jobs.webhook_events WHERE job_id = :id ORDER BY seq")
                .param("id", jobId)
                .query(String.class)
                .list();
    }
}

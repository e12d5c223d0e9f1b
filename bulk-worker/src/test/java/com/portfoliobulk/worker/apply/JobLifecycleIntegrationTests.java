package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.changeRole;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.invite;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.OwnedAccount;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredJob;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredTask;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A job's status and counters as its tasks are applied, and the order of tasks of one account. */
class JobLifecycleIntegrationTests extends WorkerIntegrationSupport {

    private final Instant inAWeek = Instant.now().plus(Duration.ofDays(7));

    @Test
    void jobIsQueuedThenInProgressThenCompletedWithCountsThatAddUp() {
        Portfolio portfolio = directory.portfolio(3);
        UUID ann = directory.user();
        for (OwnedAccount account : portfolio.ownedAccounts()) {
            directory.member(account.id(), ann, AccountRole.ANALYST);
        }
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                portfolio.ownedAccounts().stream()
                        .map(account -> remove(account.id(), ann))
                        .toList());
        assertThat(jobs.job(job.id()))
                .extracting(StoredJob::status, StoredJob::pending, StoredJob::startedAt, StoredJob::version)
                .containsExactly(JobStatus.QUEUED, 3, null, 0L);

        taskRecords().publish(job.messages().subList(0, 2));
        await().atMost(PATIENCE).until(() -> jobs.job(job.id()).pending() == 1);

        StoredJob started = jobs.job(job.id());
        assertThat(started.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(started.succeeded()).isEqualTo(2);
        assertThat(started.startedAt()).isNotNull();
        assertThat(started.completedAt()).isNull();
        assertThat(started.version()).isPositive();

        taskRecords().publish(job.messages().subList(2, 3));
        StoredJob finished = awaitFinished(job);

        assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(finished)
                .extracting(
                        StoredJob::total,
                        StoredJob::pending,
                        StoredJob::succeeded,
                        StoredJob::skipped,
                        StoredJob::failed,
                        StoredJob::cancelled)
                .containsExactly(3, 0, 3, 0, 0, 0);
        assertThat(finished.startedAt()).isEqualTo(started.startedAt());
        assertThat(finished.completedAt()).isAfterOrEqualTo(finished.startedAt());
        assertThat(jobs.tasks(job.id()))
                .as("the job started when its first task was applied, not after")
                .extracting(StoredTask::appliedAt)
                .allSatisfy(applied -> assertThat(applied).isAfterOrEqualTo(finished.startedAt()))
                .anySatisfy(applied -> assertThat(applied).isEqualTo(finished.startedAt()));
        assertThat(finished.version()).isGreaterThan(started.version());
    }

    @Test
    void tasksOfOneAccountAreAppliedInSubmissionOrderAcrossJobs() {
        Portfolio portfolio = directory.portfolio(1);
        UUID accountId = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        JobFixture.TaskSpec[] steps = {
            invite(accountId, ann, directory.email(ann), AccountRole.ANALYST, inAWeek),
            changeRole(accountId, ann, AccountRole.MANAGER),
            remove(accountId, ann)
        };
        JobType[] types = {JobType.INVITE_USERS, JobType.UPDATE_ROLES, JobType.REMOVE_ACCESS};
        List<SubmittedJob> submitted = new ArrayList<>();
        for (int i = 0; i < steps.length; i++) {
            submitted.add(jobs.submit(portfolio.id(), types[i], JobFixture.administrator(), List.of(steps[i])));
        }

        submitted.forEach(this::publish);
        submitted.forEach(this::awaitFinished);

        assertThat(directory.membership(accountId, ann)).isEmpty();
        assertThat(submitted)
                .extracting(job -> jobs.tasks(job.id()).getFirst())
                .extracting(task -> task.status(), task -> task.previousRole())
                .containsExactly(
                        tuple(TaskStatus.SUCCEEDED, null),
                        tuple(TaskStatus.SUCCEEDED, AccountRole.ANALYST),
                        tuple(TaskStatus.SUCCEEDED, AccountRole.MANAGER));
        List<UUID> taskIds = submitted.stream().map(job -> job.taskId(0)).toList();
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOf(taskIds))
                        .extracting(AccountActivityEvent::action)
                        .containsExactly(
                                ActivityAction.USER_INVITED,
                                ActivityAction.ROLE_CHANGED,
                                ActivityAction.ACCESS_REMOVED));
    }
}

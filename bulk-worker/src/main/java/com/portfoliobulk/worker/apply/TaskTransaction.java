package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.rules.AccessRules;
import com.portfoliobulk.rules.CurrentMembership;
import com.portfoliobulk.rules.Decision;
import com.portfoliobulk.rules.TargetSnapshot;
import com.portfoliobulk.servicesupport.logging.LogContext;
import com.portfoliobulk.worker.apply.DirectoryStore.DirectoryUser;
import com.portfoliobulk.worker.apply.DirectoryStore.Invitation;
import com.portfoliobulk.worker.apply.DirectoryStore.MailHistory;
import com.portfoliobulk.worker.apply.DirectoryStore.MailKey;
import com.portfoliobulk.worker.apply.DirectoryStore.QueuedMail;
import com.portfoliobulk.worker.apply.TaskStore.OutcomeWrite;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The work of one transaction over some records of a batch, in task order ({@code seq}, the order of
 * submission): lock the tasks, decide each pending one with {@link AccessRules}, change the directory,
 * store the outcomes and move the job counters. The caller provides the transaction.
 *
 * <p>Per-account order: a pending task is not applied while an earlier task of its account (in any
 * job, not in this run) is still pending, e.g. when a relay pass timed out and a later one reached the
 * topic first, or a job committed late. It is deferred instead (it stays pending), and released back
 * to the relay once the earlier tasks have ended: by the run that ends them, which then hands the
 * account's released tasks to the relay in seq order. Tasks of a cancelled job, and invalid records,
 * end as usual: they change no access. A pending task whose record a newer version wrote fails the
 * run, as one whose row this version cannot read does, so that the caller counts it an attempt.
 *
 * <p>The task row's {@code PENDING} status, checked under its row lock, is the idempotency guard: a
 * task that is no longer pending is never applied again; when it succeeded earlier, its activity
 * event is produced again from the stored outcome (same event id) so that a redelivery re-publishes
 * exactly what a crash may have kept from being published.
 */
@Component
class TaskTransaction {

    private static final Logger log = LoggerFactory.getLogger(TaskTransaction.class);

    private static final int TOKEN_BYTES = 32;

    /** The period {@link InvitationMailLimit#maxMailsPerDay} counts an invitee's e-mails over. */
    private static final Duration MAIL_LIMIT_PERIOD = Duration.ofHours(24);

    private final TaskStore tasks;

    private final DirectoryStore directory;

    private final InvitationMailLimit mailLimit;

    private final SecureRandom random = new SecureRandom();

    TaskTransaction(TaskStore tasks, DirectoryStore directory, InvitationMailLimit mailLimit) {
        this.tasks = tasks;
        this.directory = directory;
        this.mailLimit = mailLimit;
    }

    AppliedTasks run(List<TaskCommand> commands) {
        Instant now = tasks.transactionTime();
        Map<UUID, TaskRow> rows = tasks.lockTasks(
                commands.stream().map(TaskCommand::taskId).distinct().toList());
        commands = inTaskOrder(commands, rows);
        Set<UUID> heldBack = tasks.heldBack(rows.values().stream()
                .filter(row -> row.status() == TaskStatus.PENDING)
                .toList());
        List<TaskRow> toApply = new ArrayList<>();
        for (TaskCommand command : commands) {
            TaskRow row = rows.get(command.taskId());
            if (command.message() != null
                    && row != null
                    && row.status() == TaskStatus.PENDING
                    && row.matches(command.message())) {
                toApply.add(row);
            }
        }
        Batch batch = decide(commands, rows, toApply, heldBack, now);
        batch.view.flush();
        directory.queueMails(batch.mails.values());
        tasks.storeOutcomes(List.copyOf(batch.written.values()));
        // Counted only once, by the transaction that deferred it, however often its record comes while it waits.
        batch.result.deferred().retainAll(tasks.defer(batch.result.deferred()));
        releaseBehind(batch.written.keySet(), rows);
        batch.progress.forEach((jobId, progress) ->
                tasks.advanceJob(jobId, progress, batch.changedAt).ifPresent(batch.result.finishedJobs()::add));
        return batch.result;
    }

    /**
     * Decides every command, and stores the users of the invited addresses that had none, all in one
     * statement.
     */
    private Batch decide(
            List<TaskCommand> commands,
            Map<UUID, TaskRow> rows,
            List<TaskRow> toApply,
            Set<UUID> heldBack,
            Instant now) {
        Batch batch = decideOnce(commands, rows, toApply, heldBack, now);
        while (!batch.view.createUsers()) {
            // An invited address got a user from another transaction meanwhile (the insert waited for
            // it): decide again, with that user's access. The users this run stored stay.
            log.info("An invited address got a user meanwhile; deciding the batch's tasks again");
            batch = decideOnce(commands, rows, toApply, heldBack, now);
        }
        return batch;
    }

    /** Decides every command against a new view of the directory. */
    private Batch decideOnce(
            List<TaskCommand> commands,
            Map<UUID, TaskRow> rows,
            List<TaskRow> toApply,
            Set<UUID> heldBack,
            Instant now) {
        DirectoryView view = DirectoryView.of(directory, toApply);
        // The changes are dated now that the memberships they decide on are locked, not at the start of the
        // transaction (which decides by that): a change another transaction made to one of them before it
        // was locked (an invitation accepted meanwhile) comes before them in the account's activity log.
        Batch batch = new Batch(now, tasks.clockTime(), view, heldBack, mailHistories(view, toApply, heldBack, now));
        for (TaskCommand command : commands) {
            TaskRow row = rows.get(command.taskId());
            try (LogContext context = TaskLogContext.of(command, row)) {
                batch.handle(command, row);
            }
        }
        return batch;
    }

    /**
     * The e-mail history of every invitee the batch's invitations and resends could queue an e-mail to
     * ({@link Batch#overMailLimit}), all in one statement: one per (portfolio, invitee, job) would be one
     * statement per invitee (a job onboarding an organisation invites thousands of addresses). An address
     * without a user (one invited for the first time) has no e-mails, and is not read.
     */
    private Map<MailKey, MailHistory> mailHistories(
            DirectoryView view, List<TaskRow> toApply, Set<UUID> heldBack, Instant now) {
        Set<MailKey> keys = new LinkedHashSet<>();
        for (TaskRow row : toApply) {
            if ((row.action() == TaskAction.INVITE || row.action() == TaskAction.RESEND_INVITATION)
                    && row.jobStatus() != JobStatus.CANCELLED
                    && !heldBack.contains(row.id())) {
                view.user(row).ifPresent(user -> keys.add(new MailKey(row.portfolioId(), user.id(), row.jobId())));
            }
        }
        return directory.mailHistories(keys, now.minus(MAIL_LIMIT_PERIOD));
    }

    /**
     * The commands sorted by their task's {@code seq} (stable; records naming no stored task last): a
     * batch can hold an account's tasks out of order when a relay pass was sent twice.
     */
    private static List<TaskCommand> inTaskOrder(List<TaskCommand> commands, Map<UUID, TaskRow> rows) {
        List<TaskCommand> sorted = new ArrayList<>(commands);
        sorted.sort(Comparator.comparingLong(command -> {
            TaskRow row = rows.get(command.taskId());
            return row == null ? Long.MAX_VALUE : row.seq();
        }));
        return sorted;
    }

    /** Releases the deferred tasks that the tasks ended by this run held back, if nothing else does. */
    private void releaseBehind(Set<UUID> ended, Map<UUID, TaskRow> rows) {
        if (ended.isEmpty()) {
            return;
        }
        Set<UUID> accounts = new TreeSet<>();
        ended.forEach(id -> accounts.add(rows.get(id).accountId()));
        int released = tasks.releaseDeferred(accounts);
        if (released > 0) {
            log.info(
                    "{} deferred task(s) handed back to the relay: the earlier tasks of their account ended", released);
        }
    }

    /** The state of one run: what was decided so far. */
    private final class Batch {

        /** The time tasks are decided at: the transaction's start. */
        private final Instant now;

        /**
         * When the changes are made, once the memberships are locked: the {@code occurredAt} of their
         * activity events and the {@code applied_at} of the outcomes.
         */
        private final Instant changedAt;

        private final DirectoryView view;

        private final AppliedTasks result = AppliedTasks.empty();

        private final Map<UUID, OutcomeWrite> written = new LinkedHashMap<>();

        /** Sorted by job id: jobs are updated (locked) in a stable order. */
        private final Map<UUID, JobProgress> progress = new TreeMap<>();

        private final Set<UUID> published = new HashSet<>();

        /** Pending tasks that an earlier pending task of their account holds back. */
        private final Set<UUID> heldBack;

        /** The invitation e-mails to queue, one per (job, invitee). */
        private final Map<List<UUID>, QueuedMail> mails = new LinkedHashMap<>();

        /** The (job, invitee) pairs whose e-mail would be one too many: their tasks are skipped. */
        private final Set<List<UUID>> overMailLimit = new HashSet<>();

        /** The e-mail history of the batch's invitees, read before deciding ({@link #mailHistories}). */
        private final Map<MailKey, MailHistory> mailHistories;

        Batch(
                Instant now,
                Instant changedAt,
                DirectoryView view,
                Set<UUID> heldBack,
                Map<MailKey, MailHistory> mailHistories) {
            this.now = now;
            this.changedAt = changedAt;
            this.view = view;
            this.heldBack = heldBack;
            this.mailHistories = mailHistories;
        }

        void handle(TaskCommand command, TaskRow row) {
            if (command.isInvalid()) {
                if (isPending(row)) {
                    fail(row, ReasonCode.INVALID_TASK, command.reason());
                }
                return;
            }
            if (command.newer()) {
                handleNewer(command, row);
                return;
            }
            if (row == null) {
                result.rejections().add(new Rejection(command.index(), "No task " + command.taskId() + " is stored"));
                return;
            }
            Optional<String> problem = row.matches(command.message())
                    ? row.problem()
                    : Optional.of("The record does not match the stored task " + row.id());
            if (problem.isPresent()) {
                result.rejections().add(new Rejection(command.index(), problem.get()));
                if (isPending(row)) {
                    fail(row, ReasonCode.INVALID_TASK, problem.get());
                }
                return;
            }
            if (!isPending(row)) {
                republish(row);
                return;
            }
            if (row.jobStatus() == JobStatus.CANCELLED) {
                store(row, TaskStatus.CANCELLED, ReasonCode.JOB_CANCELLED, null, null, null);
            } else if (heldBack.contains(row.id())) {
                defer(row);
            } else {
                apply(row);
            }
        }

        /**
         * A record of a newer version: a pending task fails the transaction, as a task whose row this
         * version cannot read does, so that it counts an attempt and is tried again; a record of an
         * ended task is done with.
         */
        private void handleNewer(TaskCommand command, TaskRow row) {
            if (row == null) {
                result.rejections().add(new Rejection(command.index(), "No task " + command.taskId() + " is stored"));
            } else if (isPending(row)) {
                throw new NewerTaskRecordException(command.reason());
            }
        }

        private boolean isPending(TaskRow row) {
            return row != null && row.status() == TaskStatus.PENDING && !written.containsKey(row.id());
        }

        /** An earlier delivery (or an earlier record of this batch) finished the task: never apply it again. */
        private void republish(TaskRow row) {
            if (written.containsKey(row.id()) || row.status() != TaskStatus.SUCCEEDED) {
                return;
            }
            if (published.add(row.id())) {
                result.events().add(row.storedEvent());
            }
        }

        /** Not now: an earlier task of the account is pending. It stays pending and is released later. */
        private void defer(TaskRow row) {
            if (!result.deferred().contains(row.id())) {
                log.debug(
                        "Task {} of job {} waits for an earlier task of account {}",
                        row.id(),
                        row.jobId(),
                        row.accountId());
                result.deferred().add(row.id());
            }
        }

        /**
         * Since when the account must have been linked for the task to apply: a task that gives access
         * (an invitation, its resending, a role change) is for the link it was planned under, not for one
         * made since the account was unlinked; a removal or a revocation only takes access away, and applies
         * to the account's link whatever it is, so that an unlink and a link again while it waited do not
         * leave a leaver's access in place (null: linked now is enough).
         */
        private static Instant linkedSince(TaskRow row) {
            return switch (row.action()) {
                case REMOVE, REVOKE_INVITATION -> null;
                case INVITE, CHANGE_ROLE, RESEND_INVITATION -> row.plannedAt();
            };
        }

        private void apply(TaskRow row) {
            Optional<DirectoryUser> user = view.user(row);
            Optional<CurrentMembership> membership =
                    user.flatMap(found -> view.membership(row.accountId(), found.id()));
            // An IdP-managed user's access is locked for administrators; their identity provider changes it
            // (SCIM deprovisioning), so its own jobs are not skipped IDP_MANAGED.
            boolean lockedForRequester = user.map(DirectoryUser::idpManaged).orElse(false)
                    && row.requestedBy().kind() != ActorKind.IDENTITY_PROVIDER;
            TargetSnapshot target = new TargetSnapshot(
                    view.isLinked(row.accountId(), row.portfolioId(), linkedSince(row)),
                    lockedForRequester,
                    membership);
            Decision decision = AccessRules.decide(row.action(), row.role(), target, now);
            if (decision.isChange() && user.isPresent() && overMailLimit(row, user.get())) {
                decision = AccessRules.decide(
                        row.action(),
                        row.role(),
                        new TargetSnapshot(target.accountInPortfolio(), target.userIdpManaged(), membership, true),
                        now);
            }
            AccountRole currentRole = membership
                    .filter(current -> current.isInForceAt(now))
                    .map(CurrentMembership::role)
                    .orElse(null);
            UUID userId = user.map(DirectoryUser::id).orElse(null);
            if (!decision.isChange()) {
                // An invitation that does not apply names its address's user only when that user has access
                // in force to the account, linked to the portfolio: one of the portfolio's users. Any other
                // is a user of other portfolios only (or one whose invitation here expired), which the task
                // does not tell; it keeps the user its submission named, one of the portfolio's then.
                boolean named =
                        row.action() != TaskAction.INVITE || (target.accountInPortfolio() && currentRole != null);
                store(row, decision.reason().status(), decision.reason(), null, currentRole, named ? userId : null);
                return;
            }
            switch (row.action()) {
                case INVITE -> invite(row, user);
                case CHANGE_ROLE -> {
                    view.changeRole(row.accountId(), userId, row.role(), now);
                    succeed(row, currentRole, user.orElseThrow());
                }
                case REMOVE -> {
                    view.remove(row.accountId(), userId);
                    succeed(row, currentRole, user.orElseThrow());
                }
                case RESEND_INVITATION -> {
                    view.resend(
                            row.accountId(),
                            userId,
                            new Invitation(currentRole, now, row.invitationExpiry(now), newToken(), null, row.jobId()));
                    queueMail(row, user.orElseThrow());
                    succeed(row, currentRole, user.orElseThrow());
                }
                case REVOKE_INVITATION -> {
                    view.revoke(row.accountId(), userId);
                    succeed(row, currentRole, user.orElseThrow());
                }
            }
        }

        private void invite(TaskRow row, Optional<DirectoryUser> user) {
            // An address without a user gets one, stored with the batch's other new users.
            DirectoryUser invitee = user.orElseGet(() -> view.newUser(row.email()));
            // An expired invitation that the sweep has not ended yet is renewed in place: its expiry is
            // noted for the activity log in this transaction (the entry the sweep would have logged, with
            // its id, dated at the expiry), through the outbox the link changes use. Published after the
            // commit with the task's own event, it could be lost: a redelivery cannot build it again, the
            // renewal replaced the row it was read from.
            view.invite(
                            row.accountId(),
                            invitee.id(),
                            new Invitation(
                                    row.role(),
                                    now,
                                    row.invitationExpiry(now),
                                    newToken(),
                                    row.language(),
                                    row.jobId()))
                    .ifPresent(expired -> view.noteExpired(expired, row.portfolioId()));
            queueMail(row, invitee);
            succeed(row, null, invitee);
        }

        /**
         * Whether the task would queue the invitee an invitation e-mail when they already had
         * {@link InvitationMailLimit#maxMailsPerDay} of the portfolio's in the last 24 hours (queued
         * before this transaction, read for all the batch's invitees at once, or by it). A task whose job has queued the invitee its e-mail adds
         * none: the job's one e-mail names all its invitations. A user without e-mails (an address
         * invited for the first time) is never over it.
         */
        private boolean overMailLimit(TaskRow row, DirectoryUser invitee) {
            if (row.action() != TaskAction.INVITE && row.action() != TaskAction.RESEND_INVITATION) {
                return false;
            }
            List<UUID> key = List.of(row.jobId(), invitee.id());
            if (mails.containsKey(key)) {
                return false;
            }
            if (overMailLimit.contains(key)) {
                return true;
            }
            MailKey mailKey = new MailKey(row.portfolioId(), invitee.id(), row.jobId());
            MailHistory history = mailHistories.get(mailKey);
            if (history == null) {
                // Not expected (the batch's invitees were read from the same view): read it alone.
                history = directory
                        .mailHistories(List.of(mailKey), now.minus(MAIL_LIMIT_PERIOD))
                        .get(mailKey);
            }
            if (history.queued()) {
                return false;
            }
            // The e-mails this batch adds: not those of a job that had queued the invitee its e-mail
            // before (the insert leaves that one as it is, and it is counted in recent already).
            long queuedNow = mails.values().stream()
                    .filter(mail -> mail.userId().equals(invitee.id())
                            && mail.portfolioId().equals(row.portfolioId()))
                    .filter(mail -> !queuedBefore(new MailKey(mail.portfolioId(), mail.userId(), mail.jobId())))
                    .count();
            if (history.recent() + queuedNow < mailLimit.maxMailsPerDay()) {
                return false;
            }
            log.info(
                    "Task {} of job {} skipped: its invitee had {} invitation e-mails of portfolio {} in 24 hours",
                    row.id(),
                    row.jobId(),
                    history.recent() + queuedNow,
                    row.portfolioId());
            overMailLimit.add(key);
            return true;
        }

        /** Whether the job had queued the invitee its e-mail before this batch. */
        private boolean queuedBefore(MailKey key) {
            MailHistory history = mailHistories.get(key);
            return history != null && history.queued();
        }

        /** The invitee hears of the job's invitations in one message, sent once the job has finished. */
        private void queueMail(TaskRow row, DirectoryUser invitee) {
            mails.computeIfAbsent(
                    List.of(row.jobId(), invitee.id()),
                    key -> new QueuedMail(
                            row.jobId(),
                            invitee.id(),
                            invitee.email(),
                            row.action() == TaskAction.INVITE && row.language() == null ? "en" : row.language(),
                            row.portfolioId(),
                            row.requestedBy().email(),
                            newToken()));
        }

        private void succeed(TaskRow row, AccountRole previousRole, DirectoryUser user) {
            store(row, TaskStatus.SUCCEEDED, null, null, previousRole, user.id());
            published.add(row.id());
            result.events().add(row.appliedEvent(previousRole, changedAt, user.id(), user.email()));
        }

        private void fail(TaskRow row, ReasonCode reason, String error) {
            store(row, TaskStatus.FAILED, reason, error, null, null);
        }

        private void store(
                TaskRow row,
                TaskStatus status,
                ReasonCode reason,
                String error,
                AccountRole previousRole,
                UUID userId) {
            log.debug("Task {} of job {}: {}{}", row.id(), row.jobId(), status, reason == null ? "" : " " + reason);
            written.put(row.id(), new OutcomeWrite(row.id(), status, reason, error, previousRole, userId, changedAt));
            progress.computeIfAbsent(row.jobId(), id -> new JobProgress()).count(status);
            result.outcomes().add(new TaskOutcome(row.id(), row.action().name(), status, reason));
        }
    }

    /** A pending task's record that a newer version wrote: this version cannot apply it yet. */
    static final class NewerTaskRecordException extends RuntimeException {

        NewerTaskRecordException(String message) {
            super(message);
        }
    }

    /** A 256-bit random, URL-safe invitation token. */
    private String newToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}

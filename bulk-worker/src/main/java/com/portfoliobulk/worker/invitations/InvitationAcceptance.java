package com.portfoliobulk.worker.invitations;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import com.portfoliobulk.worker.TransactionWaits;
import com.portfoliobulk.worker.WorkerProperties;
import com.portfoliobulk.worker.activity.ActivityPublisher;
import com.portfoliobulk.worker.invitations.AcceptedInvitation.Membership;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Turns pending invitations into active memberships. A token is either the token of an invitation
 * e-mail (one per job and invitee: it accepts every pending invitation of that job for the invitee)
 * or the token of one membership.
 *
 * <p>In one transaction: the invitations are locked, checked (the caller's e-mail address must be the
 * invitee's, the invitations must not have expired) and made {@code ACTIVE}, their tokens are cleared
 * so that they cannot be used again, and each is logged {@code INVITATION_ACCEPTED} in its account's
 * activity log. Two acceptances racing with one token: the second waits
 * for the first's locks, then finds no pending invitation any more. A message's token sent again by
 * its invitee answers the access it gave (the first answer may have been lost); a membership's token
 * is used up.
 */
@Service
class InvitationAcceptance {

    /** Stands for "no job" in the entries of invitations that no job of this service created. */
    private static final UUID NO_JOB = new UUID(0, 0);

    private final JdbcClient jdbc;

    private final ActivityPublisher activity;

    private final WorkerProperties properties;

    private final TransactionWaits waits;

    InvitationAcceptance(
            JdbcClient jdbc, ActivityPublisher activity, WorkerProperties properties, TransactionWaits waits) {
        this.jdbc = jdbc;
        this.activity = activity;
        this.properties = properties;
        this.waits = waits;
    }

    @Transactional
    Outcome accept(String token, String email) {
        String caller = email.strip().toLowerCase(Locale.ROOT);
        Optional<Message> message = jdbc.sql("""
                        SELECT job_id, user_id, email FROM directory.invitation_mails WHERE token = :token
                        FOR UPDATE
                        """)
                .param("token", token)
                .query((row, n) -> new Message(
                        row.getObject("job_id", UUID.class),
                        row.getObject("user_id", UUID.class),
                        row.getString("email")))
                .optional();
        if (message.isPresent()) {
            return acceptMessage(message.get(), caller);
        }
        Optional<Invitation> found = jdbc.sql("""
                        SELECT m.account_id, m.user_id, m.role, m.state, u.email,
                               m.expires_at IS NOT NULL AND m.expires_at <= now() AS expired
                        FROM directory.memberships m
                        JOIN directory.users u ON u.id = m.user_id
                        WHERE m.invitation_token = :token
                        FOR UPDATE OF m
                        """)
                .param("token", token)
                .query((row, n) -> new Invitation(
                        row.getObject("account_id", UUID.class),
                        row.getObject("user_id", UUID.class),
                        row.getString("role"),
                        row.getString("state"),
                        row.getString("email"),
                        row.getBoolean("expired")))
                .optional();
        if (found.isEmpty()) {
            return new Outcome(Result.UNKNOWN, null);
        }
        Invitation invitation = found.get();
        if (!invitation.email().equals(caller)) {
            return new Outcome(Result.ANOTHER_ADDRESS, null);
        }
        if ("ACTIVE".equals(invitation.state())) {
            return accepted(List.of(new Membership(invitation.accountId(), invitation.role(), "ACTIVE")));
        }
        if (invitation.expired()) {
            return new Outcome(Result.EXPIRED, null);
        }
        List<Activated> activated = jdbc.sql("""
                        UPDATE directory.memberships m
                        SET state = 'ACTIVE', invitation_token = NULL, updated_at = now()
                        WHERE account_id = :accountId AND user_id = :userId
                        """ + ACTIVATED)
                .param("accountId", invitation.accountId())
                .param("userId", invitation.userId())
                .query(InvitationAcceptance::activated)
                .list();
        record(invitation.userId(), invitation.email(), activated);
        return accepted(List.of(new Membership(invitation.accountId(), invitation.role(), "ACTIVE")));
    }

    /** Accepts every pending, unexpired invitation the message announced. */
    private Outcome acceptMessage(Message message, String caller) {
        if (!message.email().equals(caller)) {
            return new Outcome(Result.ANOTHER_ADDRESS, null);
        }
        List<Pending> pending = jdbc.sql("""
                        SELECT account_id, role, expires_at <= now() AS expired
                          FROM directory.memberships
                         WHERE user_id = :userId AND invitation_job_id = :jobId AND state = 'INVITED'
                         ORDER BY account_id
                           FOR UPDATE
                        """)
                .param("userId", message.userId())
                .param("jobId", message.jobId())
                .query((row, n) -> new Pending(
                        row.getObject("account_id", UUID.class), row.getString("role"), row.getBoolean("expired")))
                .list();
        if (pending.isEmpty()) {
            return acceptedAlready(message);
        }
        List<Membership> activated = pending.stream()
                .filter(invitation -> !invitation.expired())
                .map(invitation -> new Membership(invitation.accountId(), invitation.role(), "ACTIVE"))
                .toList();
        if (activated.isEmpty()) {
            return new Outcome(Result.EXPIRED, null);
        }
        List<Activated> made = jdbc.sql("""
                        UPDATE directory.memberships m
                           SET state = 'ACTIVE', invitation_token = NULL, updated_at = now()
                         WHERE user_id = :userId AND account_id = ANY(:accounts) AND state = 'INVITED'
                        """ + ACTIVATED)
                .param("userId", message.userId())
                .param(
                        "accounts",
                        PostgresArrays.uuids(
                                activated.stream().map(Membership::accountId).toList()))
                .query(InvitationAcceptance::activated)
                .list();
        record(message.userId(), message.email(), made);
        return accepted(activated);
    }

    /**
     * The message's invitee sends it again after it was accepted (a retry after a timeout whose
     * acceptance went through, the page reloaded): answered with the access it gave that is still
     * theirs, rather than told to ask for a new invitation. Nothing is left when access was removed.
     */
    private Outcome acceptedAlready(Message message) {
        List<Membership> active = jdbc.sql("""
                        SELECT account_id, role FROM directory.memberships
                         WHERE user_id = :userId AND invitation_job_id = :jobId AND state = 'ACTIVE'
                         ORDER BY account_id
                        """)
                .param("userId", message.userId())
                .param("jobId", message.jobId())
                .query((row, n) ->
                        new Membership(row.getObject("account_id", UUID.class), row.getString("role"), "ACTIVE"))
                .list();
        return active.isEmpty() ? new Outcome(Result.UNKNOWN, null) : accepted(active);
    }

    /** What an acceptance's update returns of each membership it made active. */
    private static final String ACTIVATED = """
            RETURNING m.account_id, m.role, m.invitation_job_id,
                      (SELECT a.portfolio_id FROM directory.accounts a WHERE a.id = m.account_id) AS portfolio_id
            """;

    private static Activated activated(ResultSet row, int n) throws SQLException {
        return new Activated(
                row.getObject("account_id", UUID.class),
                row.getString("role"),
                row.getObject("invitation_job_id", UUID.class),
                row.getObject("portfolio_id", UUID.class));
    }

    /**
     * An {@code INVITATION_ACCEPTED} entry in each account's activity log, in the invitee's name,
     * published before the acceptance commits (its id derived from the invitation, so an acceptance
     * sent again after a failed commit logs it once). An account no longer linked has no log to write.
     */
    private void record(UUID userId, String email, List<Activated> activated) {
        Instant now = Instant.now();
        List<AccountActivityEvent> events = activated.stream()
                .filter(membership -> membership.portfolioId() != null)
                .map(membership -> {
                    UUID job = membership.jobId() == null ? NO_JOB : membership.jobId();
                    UUID eventId = UUID.nameUUIDFromBytes(
                            ("invitation-accepted:" + membership.accountId() + ":" + userId + ":" + job)
                                    .getBytes(StandardCharsets.UTF_8));
                    return new AccountActivityEvent(
                            AccountActivityEvent.VERSION,
                            eventId,
                            now,
                            membership.accountId(),
                            membership.portfolioId(),
                            job,
                            eventId,
                            ActivityAction.INVITATION_ACCEPTED,
                            new UserRef(userId, email),
                            null,
                            new AccountRole(membership.role()),
                            InitiationLevel.PORTFOLIO,
                            new Actor(userId, email, ActorKind.INVITEE),
                            null,
                            null);
                })
                .toList();
        if (events.isEmpty()) {
            return;
        }
        waits.allow(properties.publishTimeout());
        try {
            activity.publish(events).get(properties.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while recording the accepted invitation", ex);
        } catch (ExecutionException | TimeoutException ex) {
            throw new IllegalStateException("The accepted invitation could not be recorded in the activity log", ex);
        }
    }

    private static Outcome accepted(List<Membership> memberships) {
        return new Outcome(Result.ACCEPTED, AcceptedInvitation.of(memberships));
    }

    /** What became of an acceptance. */
    enum Result {
        ACCEPTED,
        /** No pending invitation has that token: it never existed, was revoked, resent or used already. */
        UNKNOWN,
        EXPIRED,
        ANOTHER_ADDRESS
    }

    /**
     * @param result what happened
     * @param membership the active memberships, when accepted
     */
    record Outcome(Result result, AcceptedInvitation membership) {}

    private record Message(UUID jobId, UUID userId, String email) {}

    private record Pending(UUID accountId, String role, boolean expired) {}

    private record Activated(UUID accountId, String role, UUID jobId, UUID portfolioId) {}

    private record Invitation(UUID accountId, UUID userId, String role, String state, String email, boolean expired) {}
}

package com.portfoliobulk.worker.invitations;

import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import com.portfoliobulk.worker.invitations.AcceptedInvitation.Membership;
import com.portfoliobulk.worker.links.OpenPortfolios;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Turns pending invitations into active memberships. A token is either the token of an invitation
 * e-mail (one per job and invitee: it accepts every pending invitation of that job for the invitee)
 * or the token of one membership. Both are found by their digest ({@link InvitationTokens}): the
 * directory holds no token a link carries once its e-mail is sent.
 *
 * <p>In one transaction: the invitations are locked, checked (the caller's e-mail address must be the
 * invitee's, the invitations must not have expired, and their accounts must still be in a portfolio that
 * is not closed: an invitation left pending on an account that is in none, or that a close whose last
 * unlinking failed left linked to the closed portfolio, answers as a revoked one) and made {@code ACTIVE},
 * their tokens are cleared so that they cannot be used again, and each is noted for an {@code
 * INVITATION_ACCEPTED} entry in its account's activity log ({@link AcceptedInvitationEntries} publishes it
 * after the commit, so an acceptance never waits for Kafka). Two acceptances racing with one token: the
 * second waits for the first's locks, then finds no pending invitation any more. A message's token sent
 * again by its invitee answers the access it gave (the first answer may have been lost); a membership's
 * token is used up.
 *
 * <p>Each lock is waited for at most {@link #LOCK_WAIT} (PostgreSQL's {@code lock_timeout}): the message's
 * row may be held for minutes by the sender handing it to a slow SMTP server ({@code
 * InvitationMailSender}), and the gateway gives up on the worker after 5 s. A longer wait is a {@link
 * org.springframework.dao.CannotAcquireLockException}, which the controller answers 503 with {@code
 * Retry-After}: the transaction ends and its connection goes back to the pool, instead of waiting on
 * after the gateway answered, one more connection for every click of the invitee.
 */
@Service
class InvitationAcceptance {

    /**
     * After a {@code WITH activated AS (UPDATE ... RETURNING ...)}: notes each membership made active in
     * {@code directory.accepted_invitations}, in the same transaction, for {@link AcceptedInvitationEntries}
     * to log. An account no longer linked has no activity log to write to. Dated by PostgreSQL's clock
     * now that the memberships are locked, not at the transaction's start: a change a task made to one
     * of them before (its role changed while the acceptance waited for it) comes before the acceptance
     * in the account's activity log.
     */
    private static final String LOGGED = """
            INSERT INTO directory.accepted_invitations
                   (account_id, user_id, job_id, portfolio_id, email, role, accepted_at)
            SELECT a.account_id, a.user_id, coalesce(a.invitation_job_id, '00000000-0000-0000-0000-000000000000'),
                   acc.portfolio_id, :email, a.role, clock_timestamp()
              FROM activated a
              JOIN directory.accounts acc ON acc.id = a.account_id
             WHERE acc.portfolio_id IS NOT NULL
            ON CONFLICT DO NOTHING
            """;

    /**
     * The longest an acceptance waits for each lock it takes: the message's row, then its invitations.
     * Both together stay under the gateway's 5 s wait for the worker's answer.
     */
    static final Duration LOCK_WAIT = Duration.ofSeconds(2);

    private final JdbcClient jdbc;

    InvitationAcceptance(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    Outcome accept(String token, String email) {
        // An address by the rule is taken as the directory keeps it (lower-cased, a Unicode domain in its
        // xn-- form: an identity provider may write anna@müller.de for the invitee anna@xn--mller-kva.de);
        // anything else is compared exactly as typed: an invitee stored before the rule (when any text
        // with an @ and a dot was taken) accepts with their own address, and a text that only lower-cases
        // to an invitee's is another address (some characters outside ASCII lower-case to ASCII letters,
        // U+212A KELVIN SIGN to k).
        String caller = key(email.strip());
        String digest = InvitationTokens.digest(token);
        jdbc.sql("SELECT set_config('lock_timeout', :wait, true)")
                .param("wait", LOCK_WAIT.toMillis() + "ms")
                .query(String.class)
                .single();
        Optional<Message> message = jdbc.sql("""
                        SELECT job_id, user_id, email FROM directory.invitation_mails WHERE token_digest = :digest
                        FOR UPDATE
                        """)
                .param("digest", digest)
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
                               m.expires_at IS NOT NULL AND m.expires_at <= now() AS expired,
                               %s AS linked
                        FROM directory.memberships m
                        JOIN directory.users u ON u.id = m.user_id
                        JOIN directory.accounts a ON a.id = m.account_id
                        WHERE m.invitation_token = :digest
                        FOR UPDATE OF m
                        """.formatted(OpenPortfolios.IN_AN_OPEN_PORTFOLIO))
                .param("digest", digest)
                .query((row, n) -> new Invitation(
                        row.getObject("account_id", UUID.class),
                        row.getObject("user_id", UUID.class),
                        row.getString("role"),
                        row.getString("state"),
                        row.getString("email"),
                        row.getBoolean("expired"),
                        row.getBoolean("linked")))
                .optional();
        if (found.isEmpty()) {
            return new Outcome(Result.UNKNOWN, null);
        }
        Invitation invitation = found.get();
        if (!invitation.linked() && !"ACTIVE".equals(invitation.state())) {
            // Its account left the portfolio, whose unlink should have ended it, or the portfolio was
            // closed: no access to give.
            return new Outcome(Result.UNKNOWN, null);
        }
        if (!key(invitation.email()).equals(caller)) {
            return new Outcome(Result.ANOTHER_ADDRESS, null);
        }
        if ("ACTIVE".equals(invitation.state())) {
            return accepted(List.of(new Membership(invitation.accountId(), invitation.role(), "ACTIVE")));
        }
        if (invitation.expired()) {
            return new Outcome(Result.EXPIRED, null);
        }
        jdbc.sql("""
                        WITH activated AS (
                            UPDATE directory.memberships m
                               SET state = 'ACTIVE', invitation_token = NULL, updated_at = now()
                             WHERE account_id = :accountId AND user_id = :userId
                            RETURNING m.account_id, m.user_id, m.role, m.invitation_job_id)
                        """ + LOGGED)
                .param("accountId", invitation.accountId())
                .param("userId", invitation.userId())
                .param("email", invitation.email())
                .update();
        return accepted(List.of(new Membership(invitation.accountId(), invitation.role(), "ACTIVE")));
    }

    /**
     * Accepts every pending, unexpired invitation the message announced on an account still in an open
     * portfolio.
     * What is left of the message is looked at before the caller's address: a message whose invitations
     * all ended (revoked, resent, expired and ended by the sweep, removed with their account's link) and
     * gave no access answers as an unknown token, whoever sends it. A revoked invitation leaves no trace
     * to tell it from one that never existed, and someone else holding its link is no exception.
     */
    private Outcome acceptMessage(Message message, String caller) {
        List<Pending> pending = jdbc.sql("""
                        SELECT m.account_id, m.role, m.expires_at <= now() AS expired
                          FROM directory.memberships m
                          JOIN directory.accounts a ON a.id = m.account_id
                         WHERE m.user_id = :userId AND m.invitation_job_id = :jobId AND m.state = 'INVITED'
                           AND %s
                         ORDER BY m.account_id
                           FOR UPDATE OF m
                        """.formatted(OpenPortfolios.IN_AN_OPEN_PORTFOLIO))
                .param("userId", message.userId())
                .param("jobId", message.jobId())
                .query((row, n) -> new Pending(
                        row.getObject("account_id", UUID.class), row.getString("role"), row.getBoolean("expired")))
                .list();
        if (pending.isEmpty()) {
            return acceptedAlready(message, caller);
        }
        if (!key(message.email()).equals(caller)) {
            return new Outcome(Result.ANOTHER_ADDRESS, null);
        }
        List<Membership> activated = pending.stream()
                .filter(invitation -> !invitation.expired())
                .map(invitation -> new Membership(invitation.accountId(), invitation.role(), "ACTIVE"))
                .toList();
        if (activated.isEmpty()) {
            return new Outcome(Result.EXPIRED, null);
        }
        jdbc.sql("""
                        WITH activated AS (
                            UPDATE directory.memberships m
                               SET state = 'ACTIVE', invitation_token = NULL, updated_at = now()
                             WHERE user_id = :userId AND account_id = ANY(:accounts) AND state = 'INVITED'
                            RETURNING m.account_id, m.user_id, m.role, m.invitation_job_id)
                        """ + LOGGED)
                .param("userId", message.userId())
                .param(
                        "accounts",
                        PostgresArrays.uuids(
                                activated.stream().map(Membership::accountId).toList()))
                .param("email", message.email())
                .update();
        return accepted(activated);
    }

    /**
     * The message's invitee sends it again after it was accepted (a retry after a timeout whose
     * acceptance went through, the page reloaded): answered with the access it gave that is still
     * theirs, rather than told to ask for a new invitation; anyone else is refused as for another
     * address. Nothing is left when access was removed: then the token is unknown, whoever sends it.
     */
    private Outcome acceptedAlready(Message message, String caller) {
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
        if (active.isEmpty()) {
            return new Outcome(Result.UNKNOWN, null);
        }
        return key(message.email()).equals(caller) ? accepted(active) : new Outcome(Result.ANOTHER_ADDRESS, null);
    }

    /**
     * An address as it is compared: as the directory keeps addresses when it is one by the rule ({@link
     * EmailAddresses#stored}), exactly as it is otherwise. An invitee's address is compared so too: one
     * stored before the rule with its domain in Unicode, as it was typed, is the address of its xn-- form.
     */
    private static String key(String address) {
        return EmailAddresses.stored(address).orElse(address);
    }

    private static Outcome accepted(List<Membership> memberships) {
        return new Outcome(Result.ACCEPTED, AcceptedInvitation.of(memberships));
    }

    /** What became of an acceptance. */
    enum Result {
        ACCEPTED,
        /**
         * No pending invitation has that token: it never existed, was revoked, resent or used already, or
         * its account is in no portfolio any more (or only in a closed one).
         */
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

    private record Invitation(
            UUID accountId, UUID userId, String role, String state, String email, boolean expired, boolean linked) {}
}

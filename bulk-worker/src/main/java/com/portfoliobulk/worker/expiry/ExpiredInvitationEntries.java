package com.portfoliobulk.worker.expiry;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlValue;

/**
 * Notes the {@code INVITATION_EXPIRED} entries of ended invitations in {@code
 * directory.account_link_changes}, in the transaction that ends them, for {@code AccountLinkEntries} to
 * publish once it commits: the one way the expiry sweep, an unlink and a renewal record them. A custom
 * role is named as it is now. An entry noted already (its id is the invitation's, {@link
 * ExpiredInvitation}) stays as it is, so the activity log records each once.
 */
public final class ExpiredInvitationEntries {

    private static final String NOTE = """
            INSERT INTO directory.account_link_changes
                   (event_id, account_id, portfolio_id, action, actor_id, actor_email, actor_kind,
                    user_id, email, role, role_name, job_id, changed_at)
            SELECT e.event_id, e.account_id, e.portfolio_id, 'INVITATION_EXPIRED', e.actor_id,
                   e.actor_email, e.actor_kind, e.user_id, e.email, e.role, r.name, e.job_id,
                   e.changed_at::timestamptz
              FROM unnest(:eventIds, :accountIds, :portfolioIds, :actorIds, :actorEmails, :actorKinds, :userIds,
                          :emails, :roles, :jobIds, :changedAt)
                   AS e(event_id, account_id, portfolio_id, actor_id, actor_email, actor_kind, user_id, email,
                        role, job_id, changed_at)
              LEFT JOIN jobs.account_roles r ON r.portfolio_id = e.portfolio_id AND r.code = e.role
            ON CONFLICT (event_id) DO NOTHING
            """;

    private ExpiredInvitationEntries() {}

    /** Notes the entries of {@code expired}, of any portfolios, in the caller's transaction. */
    public static void note(JdbcClient jdbc, List<AccountActivityEvent> expired) {
        if (expired.isEmpty()) {
            return;
        }
        jdbc.sql(NOTE)
                .param("eventIds", uuids(expired, AccountActivityEvent::eventId))
                .param("accountIds", uuids(expired, AccountActivityEvent::accountId))
                .param("portfolioIds", uuids(expired, AccountActivityEvent::portfolioId))
                .param("actorIds", uuids(expired, event -> event.actor().userId()))
                .param("actorEmails", texts(expired, event -> event.actor().email()))
                .param(
                        "actorKinds",
                        texts(expired, event -> event.actor().kind().name()))
                .param("userIds", uuids(expired, event -> event.targetUser().userId()))
                .param("emails", texts(expired, event -> event.targetUser().email()))
                .param("roles", texts(expired, event -> event.previousRole().code()))
                .param("jobIds", uuids(expired, AccountActivityEvent::jobId))
                .param("changedAt", texts(expired, event -> event.occurredAt().toString()))
                .update();
    }

    private static SqlValue uuids(List<AccountActivityEvent> events, Function<AccountActivityEvent, UUID> field) {
        return PostgresArrays.uuids(events.stream().map(field).toList());
    }

    private static SqlValue texts(List<AccountActivityEvent> events, Function<AccountActivityEvent, String> field) {
        return PostgresArrays.texts(events.stream().map(field).toList());
    }
}

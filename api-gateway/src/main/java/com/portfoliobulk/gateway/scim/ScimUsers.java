package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.gateway.directory.MembershipColumns;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The SQL of the identity provider's view of a portfolio's users. A directory user belongs to the
 * view when they have access to (or a pending invitation to) one of the portfolio's linked accounts,
 * when they hold a role in the portfolio ({@code jobs.portfolio_users}, the Owner's included), or when
 * the identity provider linked them ({@code jobs.scim_users}: it created them, or changed one it
 * found), unless it deleted them. An invitation whose expiry has passed is no access, as in the
 * directory ({@link MembershipColumns#IN_FORCE}), also while its row waits for the bulk-worker's
 * expiry sweep. A portfolio user stays in view after their last access ends (an administrator's
 * offboarding, an invitation that expired): an identity provider that found them by address, and
 * changed nothing, deactivates or deletes them by the id it kept, and that removes their portfolio
 * role. The directory itself is read only: the bulk-worker writes it.
 */
@Repository
class ScimUsers {

    private static final String COLUMNS = """
            u.id, u.email, coalesce(s.linked_at, u.created_at) AS created, s.external_id, s.display_name,
            coalesce(s.active, true) AS active, s.updated_at, coalesce(s.version, 0) AS version,
            s.last_job_id
            """;

    private static final String HAS_ACCESS = """
            EXISTS (SELECT 1 FROM directory.memberships m
                    JOIN directory.accounts a ON a.id = m.account_id AND a.portfolio_id = :portfolioId
                    WHERE m.user_id = u.id AND %s)
            """.formatted(MembershipColumns.IN_FORCE);

    private static final String PORTFOLIO_USER = """
            EXISTS (SELECT 1 FROM jobs.portfolio_users p WHERE p.portfolio_id = :portfolioId AND p.user_id = u.id)
            """;

    /** Linked and not deleted, or not linked and with access or a portfolio role. */
    private static final String IN_VIEW = "((s.user_id IS NOT NULL AND s.deleted_at IS NULL)"
            + " OR (s.user_id IS NULL AND (" + HAS_ACCESS + " OR " + PORTFOLIO_USER + ")))";

    private final JdbcClient jdbc;

    ScimUsers(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Optional<ScimUser> byId(UUID portfolioId, UUID userId) {
        return one("u.id = :value", portfolioId, userId);
    }

    /**
     * The user with this address: a valid one ({@link EmailAddresses}) in any case and with its domain
     * in Unicode or in its xn-- form, anything else only when it is exactly the address stored ({@link
     * #stored}). A user stored before the rule with a Unicode domain ({@code anna@müller.de}, as it was
     * typed) is found by exactly that address when no user has its stored form.
     */
    Optional<ScimUser> byUserName(UUID portfolioId, String userName) {
        String typed = userName.strip();
        String stored = stored(typed);
        Optional<ScimUser> user = one("u.email = :value", portfolioId, stored);
        return user.isPresent() || stored.equals(typed) ? user : one("u.email = :value", portfolioId, typed);
    }

    /**
     * The stored address that {@code userName} names. An address by the one rule for the addresses the
     * product takes ({@link EmailAddresses}) is taken as the directory keeps it: lower-cased (its name
     * before @ is ASCII alone), a Unicode domain in its xn-- form; anything else is compared exactly as
     * it is: a user stored before the rule (when any text with an {@code @} and a dot was taken) is
     * named by their own address, and never by a text that only lower-cases to one ({@link
     * String#toLowerCase} maps some characters to ASCII letters, KELVIN SIGN U+212A to 'k', so that
     * {@code \\u212Aate@corp.example} would name {@code kate@corp.example}).
     */
    static String stored(String userName) {
        return EmailAddresses.stored(userName).orElse(userName);
    }

    /** Whether the identity provider deleted the user from this portfolio. */
    boolean isDeleted(UUID portfolioId, UUID userId) {
        return jdbc.sql("""
                        SELECT EXISTS (SELECT 1 FROM jobs.scim_users
                                       WHERE portfolio_id = :portfolioId AND user_id = :userId
                                         AND deleted_at IS NOT NULL)
                        """)
                .param("portfolioId", portfolioId)
                .param("userId", userId)
                .query(Boolean.class)
                .single();
    }

    /**
     * A page of the users with this {@code externalId}, compared exactly as it is kept: without leading
     * and trailing blanks ({@link ScimUserChange} strips them), so the value an identity provider sent
     * finds the user it created with it. It is no key: an identity provider may send one value for
     * many users (a department's or tenant's id), so only the page is read, in address order, with the
     * number of them.
     */
    ScimProvisioning.Page byExternalId(UUID portfolioId, String externalId, long offset, int count) {
        return page(jdbc.sql("""
                        SELECT t.total, p.* FROM (SELECT count(*) AS total FROM jobs.scim_users
                                                   WHERE portfolio_id = :portfolioId AND external_id = :externalId
                                                     AND deleted_at IS NULL) t
                          LEFT JOIN LATERAL (SELECT %s
                                               FROM jobs.scim_users s JOIN directory.users u ON u.id = s.user_id
                                              WHERE s.portfolio_id = :portfolioId AND s.external_id = :externalId
                                                AND s.deleted_at IS NULL
                                              ORDER BY u.email, u.id OFFSET :offset LIMIT :count) p ON true
                         ORDER BY p.email, p.id
                        """.formatted(COLUMNS))
                .param("portfolioId", portfolioId)
                .param("externalId", externalId.strip())
                .param("offset", offset)
                .param("count", count));
    }

    /**
     * A page of the view in address order, {@code count} users after the first {@code offset}, with the
     * number of users in it: one statement, which builds the view once (a common table expression
     * named twice is computed once) and reads the page and the number at one moment.
     */
    ScimProvisioning.Page page(UUID portfolioId, long offset, int count) {
        return page(jdbc.sql(VIEW + """
                        SELECT t.total, p.* FROM (SELECT count(*) AS total FROM in_view) t
                          LEFT JOIN LATERAL (SELECT %s
                                               FROM in_view v JOIN directory.users u ON u.id = v.user_id
                                               LEFT JOIN jobs.scim_users s ON s.portfolio_id = :portfolioId AND s.user_id = u.id
                                              ORDER BY u.email, u.id OFFSET :offset LIMIT :count) p ON true
                         ORDER BY p.email, p.id
                        """.formatted(COLUMNS))
                .param("portfolioId", portfolioId)
                .param("offset", offset)
                .param("count", count));
    }

    /**
     * The page a statement of {@code total} and the page's users answers: always one row at least, with
     * no user in it when the page is empty ({@code count} 0, or {@code startIndex} past the last).
     */
    private static ScimProvisioning.Page page(JdbcClient.StatementSpec statement) {
        List<Counted> rows = statement
                .query((row, n) -> new Counted(
                        row.getLong("total"), row.getObject("id", UUID.class) == null ? null : user(row, n)))
                .list();
        return new ScimProvisioning.Page(
                rows.getFirst().total(),
                rows.stream().map(Counted::user).filter(Objects::nonNull).toList());
    }

    /**
     * Links the user to the portfolio's identity provider, or re-links one it deleted, in one
     * statement: of concurrent calls for the same user, exactly one links them. The link's time is the
     * user's {@code meta.created} from then on.
     *
     * @return false when the user was linked (and not deleted) already: the caller lost
     */
    boolean link(UUID portfolioId, UUID userId, String externalId, String displayName, boolean active) {
        int linked = jdbc.sql("""
                        INSERT INTO jobs.scim_users
                            (portfolio_id, user_id, external_id, display_name, active, linked_at)
                        VALUES (:portfolioId, :userId, :externalId, :displayName, :active, now())
                        ON CONFLICT (portfolio_id, user_id) DO UPDATE
                           SET external_id = excluded.external_id, display_name = excluded.display_name,
                               active = excluded.active, deleted_at = NULL, linked_at = now(), updated_at = now(),
                               version = jobs.scim_users.version + 1
                         WHERE jobs.scim_users.deleted_at IS NOT NULL
                        """)
                .param("portfolioId", portfolioId)
                .param("userId", userId)
                .param("externalId", externalId)
                .param("displayName", displayName)
                .param("active", active)
                .update();
        return linked == 1;
    }

    /** Makes sure the user has a link row (a user the identity provider matched by address has none yet). */
    void ensureLinked(UUID portfolioId, UUID userId) {
        jdbc.sql("""
                        INSERT INTO jobs.scim_users (portfolio_id, user_id) VALUES (:portfolioId, :userId)
                        ON CONFLICT (portfolio_id, user_id) DO NOTHING
                        """).param("portfolioId", portfolioId).param("userId", userId).update();
    }

    /**
     * Holds a linked user's row until the transaction ends: the identity provider's changes of one user
     * are made one at a time, each deciding on the deprovisioning from what the last one committed.
     */
    void lock(UUID portfolioId, UUID userId) {
        jdbc.sql("""
                        SELECT 1 FROM jobs.scim_users
                         WHERE portfolio_id = :portfolioId AND user_id = :userId
                           FOR NO KEY UPDATE
                        """)
                .param("portfolioId", portfolioId)
                .param("userId", userId)
                .query()
                .listOfRows();
    }

    /**
     * Bumps the version of a linked user if it is still {@code expected}, in one statement: of
     * concurrent requests with the same {@code If-Match}, exactly one goes on.
     *
     * @return false when another change came first
     */
    boolean claimVersion(UUID portfolioId, UUID userId, long expected) {
        int claimed = jdbc.sql("""
                        UPDATE jobs.scim_users SET version = version + 1, updated_at = now()
                         WHERE portfolio_id = :portfolioId AND user_id = :userId AND version = :expected
                        """)
                .param("portfolioId", portfolioId)
                .param("userId", userId)
                .param("expected", expected)
                .update();
        return claimed == 1;
    }

    /**
     * Sets the attributes the identity provider keeps here that the change sets (a PUT all, a PATCH
     * those its operations name), leaving the others as the last committed change left them; {@code
     * active} only when true (reactivation).
     */
    void update(UUID portfolioId, UUID userId, ScimUserChange change) {
        jdbc.sql("""
                        UPDATE jobs.scim_users
                           SET external_id = CASE WHEN :setsExternalId THEN :externalId ELSE external_id END,
                               display_name = CASE WHEN :setsDisplayName THEN :displayName ELSE display_name END,
                               active = active OR :reactivate, updated_at = now(), version = version + 1
                         WHERE portfolio_id = :portfolioId AND user_id = :userId
                        """)
                .param("portfolioId", portfolioId)
                .param("userId", userId)
                .param("setsExternalId", change.setsExternalId())
                .param("externalId", change.externalId())
                .param("setsDisplayName", change.setsDisplayName())
                .param("displayName", change.displayName())
                .param("reactivate", Boolean.TRUE.equals(change.active()))
                .update();
    }

    /**
     * The deactivations so far, whether the user is active now, and what became of the last one: access
     * may remain when a task of its offboarding failed or was cancelled (the job cancelled before it got
     * to an account), and a membership of theirs in the portfolio's accounts now is access to remove
     * unless that offboarding kept it as the rules want (skipped {@code OWNER_PROTECTED}) and it is
     * unchanged since the deactivation. The offboarding's own removals delete the memberships they end,
     * so what is left is access it never saw or could not remove: a membership made or changed since (an
     * administrator invited them back, also while the offboarding ran), one in an account linked to the
     * portfolio since (a link changes the account, not its memberships), one whose task was skipped
     * {@code ACCOUNT_NOT_IN_PORTFOLIO} (unlinked while the job ran, linked again since), and any after a
     * deactivation that needed no job. An expired invitation is no access. When the offboarding cannot
     * be told, because retention deleted its job (finished jobs are kept for {@code
     * bulk.gateway.retention.finished-jobs}, 30 days; an identity provider may delete a user a month after
     * deactivating them) or the deactivation's time was not recorded (deactivations from before it was),
     * any access left in the portfolio may remain.
     *
     * <p>The kept memberships are looked up by the job's id ({@code bulk_tasks_by_job}), whose tasks are
     * few: an offboarding of one user has a task per account of theirs (3 ms for 300 accounts).
     */
    Deactivations deactivations(UUID portfolioId, UUID userId) {
        return jdbc.sql("""
                        SELECT s.active, s.deactivations,
                               coalesce(j.status IN ('QUEUED', 'IN_PROGRESS'), false) AS offboarding,
                               CASE WHEN (s.last_job_id IS NOT NULL AND j.id IS NULL) OR s.deactivated_at IS NULL
                                    THEN EXISTS (SELECT 1 FROM directory.memberships m
                                                   JOIN directory.accounts a ON a.id = m.account_id
                                                  WHERE m.user_id = s.user_id AND a.portfolio_id = s.portfolio_id
                                                    AND %1$s)
                                    ELSE coalesce(j.failed > 0 OR j.cancelled > 0, false)
                                         OR EXISTS (SELECT 1 FROM directory.memberships m
                                                      JOIN directory.accounts a ON a.id = m.account_id
                                                     WHERE m.user_id = s.user_id AND a.portfolio_id = s.portfolio_id
                                                       AND %1$s
                                                       AND NOT (m.updated_at <= s.deactivated_at
                                                                AND EXISTS (SELECT 1 FROM jobs.bulk_tasks t
                                                                             WHERE t.job_id = j.id
                                                                               AND t.status = 'SKIPPED'
                                                                               AND t.reason = 'OWNER_PROTECTED'
                                                                               AND t.account_id = m.account_id
                                                                               AND t.user_id = m.user_id)))
                               END AS access_again
                          FROM jobs.scim_users s
                          LEFT JOIN jobs.bulk_jobs j ON j.id = s.last_job_id
                         WHERE s.portfolio_id = :portfolioId AND s.user_id = :userId
                        """.formatted(MembershipColumns.IN_FORCE))
                .param("portfolioId", portfolioId)
                .param("userId", userId)
                .query((row, n) -> new Deactivations(
                        row.getBoolean("active"),
                        row.getInt("deactivations"),
                        row.getBoolean("offboarding"),
                        row.getBoolean("access_again")))
                .single();
    }

    /**
     * Records deactivation number {@code n} and its job; a no-op when it is recorded already (a
     * retried or concurrent request for the same deactivation). A deletion also forgets the identity
     * provider's {@code externalId} and {@code displayName}, as {@link #markDeleted} does: nothing reads
     * them once the user is deleted, and a creation after it sets them anew ({@link #link}). The count
     * of deactivations stays, so the next one's idempotency key is new.
     */
    void recordDeactivation(UUID portfolioId, UUID userId, int n, UUID jobId, boolean delete) {
        jdbc.sql("""
                        UPDATE jobs.scim_users
                           SET active = false, deactivations = :n, last_job_id = :jobId,
                               deactivated_at = now(),
                               deleted_at = CASE WHEN :delete THEN now() ELSE deleted_at END,
                               external_id = CASE WHEN :delete THEN NULL ELSE external_id END,
                               display_name = CASE WHEN :delete THEN NULL ELSE display_name END,
                               updated_at = now(), version = version + 1
                         WHERE portfolio_id = :portfolioId AND user_id = :userId AND deactivations < :n
                        """)
                .param("portfolioId", portfolioId)
                .param("userId", userId)
                .param("n", n)
                .param("jobId", jobId)
                .param("delete", delete)
                .update();
    }

    /**
     * Hides a user already deactivated from the portfolio's view (a DELETE after active=false), and
     * forgets the identity provider's {@code externalId} and {@code displayName} of them. A user whose
     * deletion {@link #recordDeactivation} recorded is deleted already, and their attributes are gone.
     */
    void markDeleted(UUID portfolioId, UUID userId) {
        jdbc.sql("""
                        UPDATE jobs.scim_users
                           SET deleted_at = now(), external_id = NULL, display_name = NULL, updated_at = now(),
                               version = version + 1
                         WHERE portfolio_id = :portfolioId AND user_id = :userId AND deleted_at IS NULL
                        """).param("portfolioId", portfolioId).param("userId", userId).update();
    }

    private Optional<ScimUser> one(String condition, UUID portfolioId, Object value) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM directory.users u"
                        + " LEFT JOIN jobs.scim_users s ON s.portfolio_id = :portfolioId AND s.user_id = u.id"
                        + " WHERE " + condition + " AND " + IN_VIEW)
                .param("portfolioId", portfolioId)
                .param("value", value)
                .query(ScimUsers::user)
                .optional();
    }

    private static final String VIEW = """
            WITH in_view AS (
                SELECT m.user_id FROM directory.memberships m
                  JOIN directory.accounts a ON a.id = m.account_id AND a.portfolio_id = :portfolioId
                 WHERE %s
                UNION
                SELECT p.user_id FROM jobs.portfolio_users p JOIN directory.users u ON u.id = p.user_id
                 WHERE p.portfolio_id = :portfolioId
                UNION
                SELECT s.user_id FROM jobs.scim_users s WHERE s.portfolio_id = :portfolioId
                EXCEPT
                SELECT s.user_id FROM jobs.scim_users s WHERE s.portfolio_id = :portfolioId AND s.deleted_at IS NOT NULL
            )
            """.formatted(MembershipColumns.IN_FORCE);

    /**
     * A user as the identity provider sees them. Their {@code meta.created} is when the identity
     * provider created them here ({@link #link}), even when the address was a user already (of another
     * portfolio, which the date is not to tell); for a user it found in view through their access or
     * portfolio role, when the directory user was added: linking them on their first change does not
     * make them new.
     */
    private static ScimUser user(ResultSet row, int rowNumber) throws SQLException {
        Instant created = instant(row, "created");
        Instant updated = instant(row, "updated_at");
        return new ScimUser(
                row.getObject("id", UUID.class),
                row.getString("email"),
                row.getString("external_id"),
                row.getString("display_name"),
                row.getBoolean("active"),
                created,
                updated == null ? created : updated,
                row.getLong("version"),
                row.getObject("last_job_id", UUID.class));
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** A row of a page: the number of users it is drawn from, and one of its users, or none. */
    private record Counted(long total, ScimUser user) {}

    /**
     * @param active whether the user is active in this portfolio now
     * @param count the deactivations so far
     * @param offboarding whether the last deactivation's offboarding job is still running
     * @param accessAgain whether the user may have access the last deactivation did not remove: a task
     *     of its job failed, or they have a membership in the portfolio's accounts that the job did not
     *     keep (made or changed after it, in an account linked since, or skipped for another reason than
     *     Owner protection); an Owner's membership the job kept, unchanged since, or an expired
     *     invitation, is none
     */
    record Deactivations(boolean active, int count, boolean offboarding, boolean accessAgain) {}
}

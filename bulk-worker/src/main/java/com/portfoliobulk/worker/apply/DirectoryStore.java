package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.apply.TaskStore.instant;
import static com.portfoliobulk.worker.apply.TaskStore.role;
import static com.portfoliobulk.worker.apply.TaskStore.toTimestamp;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.stereotype.Repository;

/** The worker's statements on the {@code directory} schema, which it owns. */
@Repository
class DirectoryStore {

    private final JdbcClient jdbc;

    DirectoryStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The portfolio each of the accounts is linked to; unlinked and unknown accounts are left out. */
    Map<UUID, UUID> linkedPortfolios(Collection<UUID> accountIds) {
        Map<UUID, UUID> portfolios = new HashMap<>();
        jdbc.sql("SELECT id, portfolio_id FROM directory.accounts WHERE id = ANY(:ids) AND portfolio_id IS NOT NULL")
                .param("ids", uuids(accountIds))
                .query(rs -> {
                    portfolios.put(rs.getObject("id", UUID.class), rs.getObject("portfolio_id", UUID.class));
                });
        return portfolios;
    }

    List<DirectoryUser> users(Collection<UUID> ids, Collection<String> emails) {
        return jdbc.sql(
                        "SELECT id, email, idp_managed FROM directory.users WHERE id = ANY(:ids) OR email = ANY(:emails)")
                .param("ids", uuids(ids))
                .param("emails", new SqlArrayValue("text", emails.toArray()))
                .query(DirectoryStore::user)
                .list();
    }

    Optional<DirectoryUser> userByEmail(String email) {
        return jdbc.sql("SELECT id, email, idp_managed FROM directory.users WHERE email = :email")
                .param("email", email)
                .query(DirectoryStore::user)
                .optional();
    }

    /**
     * Creates a user for an invited address.
     *
     * @return the new user; empty when the address belongs to a user already (created concurrently)
     */
    Optional<DirectoryUser> createUser(String email) {
        return jdbc.sql("""
                        INSERT INTO directory.users (id, email, idp_managed) VALUES (:id, :email, false)
                        ON CONFLICT (email) DO NOTHING
                        RETURNING id, email, idp_managed
                        """)
                .param("id", UUID.randomUUID())
                .param("email", email)
                .query(DirectoryStore::user)
                .optional();
    }

    /** Locks and returns the memberships of the given (account, user) pairs that exist. */
    List<StoredMembership> lockMemberships(List<UUID> accountIds, List<UUID> userIds) {
        return jdbc.sql("""
                        SELECT m.account_id, m.user_id, m.role, m.state, m.expires_at
                          FROM directory.memberships m
                          JOIN unnest(:accounts, :users) AS p(account_id, user_id)
                            ON p.account_id = m.account_id AND p.user_id = m.user_id
                         ORDER BY m.account_id, m.user_id
                           FOR UPDATE OF m
                        """)
                .param("accounts", uuids(accountIds))
                .param("users", uuids(userIds))
                .query((rs, row) -> new StoredMembership(
                        rs.getObject("account_id", UUID.class),
                        rs.getObject("user_id", UUID.class),
                        role(rs.getString("role")),
                        MembershipState.valueOf(rs.getString("state")),
                        instant(rs, "expires_at")))
                .list();
    }

    /** Creates a pending invitation, or renews an expired one in place. */
    void invite(UUID accountId, UUID userId, Invitation invitation, boolean renewExpired) {
        String sql = renewExpired ? """
                UPDATE directory.memberships
                   SET role = :role, state = 'INVITED', invited_at = :now, expires_at = :expiresAt,
                       invitation_token = :token, invitation_language = :language, updated_at = :now
                 WHERE account_id = :accountId AND user_id = :userId AND state = 'INVITED'
                """ : """
                INSERT INTO directory.memberships
                       (account_id, user_id, role, state, invited_at, expires_at, invitation_token,
                        invitation_language, created_at, updated_at)
                VALUES (:accountId, :userId, :role, 'INVITED', :now, :expiresAt, :token, :language, :now, :now)
                """;
        int rows = jdbc.sql(sql)
                .param("accountId", accountId)
                .param("userId", userId)
                .param("role", invitation.role().code())
                .param("now", toTimestamp(invitation.invitedAt()))
                .param("expiresAt", toTimestamp(invitation.expiresAt()))
                .param("token", invitation.token())
                .param("language", invitation.language())
                .update();
        requireOneRow(rows, accountId, userId);
    }

    void changeRole(UUID accountId, UUID userId, AccountRole role, Instant now) {
        int rows = jdbc.sql("""
                        UPDATE directory.memberships SET role = :role, updated_at = :now
                         WHERE account_id = :accountId AND user_id = :userId
                        """)
                .param("accountId", accountId)
                .param("userId", userId)
                .param("role", role.code())
                .param("now", toTimestamp(now))
                .update();
        requireOneRow(rows, accountId, userId);
    }

    void remove(UUID accountId, UUID userId) {
        int rows = jdbc.sql("DELETE FROM directory.memberships WHERE account_id = :accountId AND user_id = :userId")
                .param("accountId", accountId)
                .param("userId", userId)
                .update();
        requireOneRow(rows, accountId, userId);
    }

    // The membership was read under a row lock in the same transaction, so it must still be there.
    private static void requireOneRow(int rows, UUID accountId, UUID userId) {
        if (rows != 1) {
            throw new IllegalStateException(
                    "Membership of user " + userId + " on account " + accountId + " changed under its row lock");
        }
    }

    private static SqlArrayValue uuids(Collection<UUID> ids) {
        return new SqlArrayValue("uuid", ids.toArray());
    }

    private static DirectoryUser user(ResultSet rs, int row) throws SQLException {
        return new DirectoryUser(rs.getObject("id", UUID.class), rs.getString("email"), rs.getBoolean("idp_managed"));
    }

    /** A user of the directory. */
    record DirectoryUser(UUID id, String email, boolean idpManaged) {}

    /** A membership row. */
    record StoredMembership(UUID accountId, UUID userId, AccountRole role, MembershipState state, Instant expiresAt) {}

    /**
     * A pending invitation to create.
     *
     * @param token the secret the invited user accepts it with
     */
    record Invitation(AccountRole role, Instant invitedAt, Instant expiresAt, String token, String language) {}
}

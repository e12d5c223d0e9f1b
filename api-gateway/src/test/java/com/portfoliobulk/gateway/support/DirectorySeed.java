package com.portfoliobulk.gateway.support;

import com.portfoliobulk.contracts.AccountRole;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Seeds the account directory for one test: a fresh portfolio with random ids, whose e-mail
 * addresses carry a random tag, so tests sharing the database never see each other's data.
 */
public final class DirectorySeed {

    private static final String DOMAIN = "@example.test";

    private final JdbcClient jdbc;

    public DirectorySeed(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A new account linked to no portfolio. */
    public UUID unlinkedAccount(String name) {
        return insertAccount(null, name);
    }

    /** A new, empty portfolio. */
    public Portfolio portfolio() {
        UUID id = UUID.randomUUID();
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        jdbc.sql("INSERT INTO directory.portfolios (id, name) VALUES (:id, :name)")
                .param("id", id)
                .param("name", "Portfolio " + tag)
                .update();
        return new Portfolio(id, tag);
    }

    /** A portfolio of the directory and what a test seeded in it. */
    public final class Portfolio {

        private final UUID id;

        private final String tag;

        private Portfolio(UUID id, String tag) {
            this.id = id;
            this.tag = tag;
        }

        public UUID id() {
            return id;
        }

        /** A new account linked to this portfolio. */
        public UUID account(String name) {
            return insertAccount(id, name);
        }

        /** {@code count} new linked accounts. */
        public List<UUID> accounts(int count) {
            return IntStream.range(0, count)
                    .mapToObj(i -> account("Account " + i))
                    .toList();
        }

        /** A new account linked to no portfolio. */
        public UUID unlinkedAccount(String name) {
            return insertAccount(null, name);
        }

        /** The address {@link #user(String)} gives {@code name}. */
        public String email(String name) {
            return name + "." + tag + "@example.test";
        }

        /** A new user, with access to nothing yet. */
        public UUID user(String name) {
            return insertUser(email(name), false);
        }

        /** A new user provisioned by an identity provider. */
        public UUID idpManagedUser(String name) {
            return insertUser(email(name), true);
        }

        /** The random text in every e-mail address made for this portfolio. */
        public String tag() {
            return tag;
        }

        /** Makes {@code userId} the Owner of the account. */
        public Portfolio owner(UUID accountId, UUID userId) {
            return member(accountId, userId, AccountRole.OWNER);
        }

        /** Active access with {@code role}. */
        public Portfolio member(UUID accountId, UUID userId, AccountRole role) {
            jdbc.sql("""
                            INSERT INTO directory.memberships (account_id, user_id, role, state)
                            VALUES (:accountId, :userId, :role, 'ACTIVE')
                            """)
                    .param("accountId", accountId)
                    .param("userId", userId)
                    .param("role", role.code())
                    .update();
            return this;
        }

        /** A pending invitation with {@code role}. */
        public Portfolio invited(UUID accountId, UUID userId, AccountRole role, Instant expiresAt) {
            jdbc.sql("""
                            INSERT INTO directory.memberships
                                (account_id, user_id, role, state, invited_at, expires_at, invitation_token,
                                 invitation_language)
                            VALUES (:accountId, :userId, :role, 'INVITED', now(), :expiresAt, :token, 'en')
                            """)
                    .param("accountId", accountId)
                    .param("userId", userId)
                    .param("role", role.code())
                    .param("expiresAt", expiresAt.atOffset(ZoneOffset.UTC))
                    .param("token", UUID.randomUUID().toString())
                    .update();
            return this;
        }

        /**
         * Generates {@code accounts} linked accounts in one statement and gives {@code userId} active
         * access with {@code role} to every one of them.
         */
        public Portfolio generateAccountsWithMember(int accounts, UUID userId, AccountRole role) {
            jdbc.sql("""
                            INSERT INTO directory.accounts (id, portfolio_id, name)
                            SELECT md5(:tag || '/account/' || i)::uuid, :portfolioId, 'Account ' || lpad(i::text, 6, '0')
                            FROM generate_series(1, :accounts) i
                            """)
                    .param("tag", tag)
                    .param("portfolioId", id)
                    .param("accounts", accounts)
                    .update();
            jdbc.sql("""
                            INSERT INTO directory.memberships (account_id, user_id, role, state)
                            SELECT md5(:tag || '/account/' || i)::uuid, :userId, :role, 'ACTIVE'
                            FROM generate_series(1, :accounts) i
                            """)
                    .param("tag", tag)
                    .param("userId", userId)
                    .param("role", role.code())
                    .param("accounts", accounts)
                    .update();
            return this;
        }

        /**
         * Generates a big portfolio in a few statements: {@code accounts} accounts named
         * {@code Account 000001}..., each with its own Owner ({@code owner-000001.<tag>@...}) and
         * {@code usersPerAccount - 1} more users drawn in turn from {@code sharedUsers} staff users
         * ({@code staff-000000.<tag>@...}), who thus hold memberships in many accounts. Roles cycle
         * through the non-Owner roles; every tenth staff membership is a pending invitation.
         */
        public Generated generate(int accounts, int usersPerAccount, int sharedUsers) {
            if (usersPerAccount < 1 || sharedUsers < usersPerAccount - 1) {
                throw new IllegalArgumentException("Need at least usersPerAccount - 1 shared users");
            }
            jdbc.sql("""
                            INSERT INTO directory.accounts (id, portfolio_id, name)
                            SELECT md5(:tag || '/account/' || i)::uuid, :portfolioId, 'Account ' || lpad(i::text, 6, '0')
                            FROM generate_series(1, :accounts) i
                            """)
                    .param("tag", tag)
                    .param("portfolioId", id)
                    .param("accounts", accounts)
                    .update();
            jdbc.sql("""
                            INSERT INTO directory.users (id, email)
                            SELECT md5(:tag || '/owner/' || i)::uuid, 'owner-' || lpad(i::text, 6, '0') || '.' || :tag || :domain
                            FROM generate_series(1, :accounts) i
                            UNION ALL
                            SELECT md5(:tag || '/staff/' || j)::uuid, 'staff-' || lpad(j::text, 6, '0') || '.' || :tag || :domain
                            FROM generate_series(0, :shared - 1) j
                            """)
                    .param("tag", tag)
                    .param("domain", DOMAIN)
                    .param("accounts", accounts)
                    .param("shared", sharedUsers)
                    .update();
            jdbc.sql("""
                            INSERT INTO directory.memberships (account_id, user_id, role, state)
                            SELECT md5(:tag || '/account/' || i)::uuid, md5(:tag || '/owner/' || i)::uuid, 'OWNER', 'ACTIVE'
                            FROM generate_series(1, :accounts) i
                            """).param("tag", tag).param("accounts", accounts).update();
            jdbc.sql("""
                            INSERT INTO directory.memberships
                                (account_id, user_id, role, state, invited_at, expires_at, invitation_token)
                            SELECT md5(:tag || '/account/' || i)::uuid,
                                   md5(:tag || '/staff/' || ((i + k) % :shared))::uuid,
                                   (ARRAY['ADMIN', 'MANAGER', 'ANALYST', 'CAMPAIGN_COORDINATOR', 'CONTENT_CREATOR',
                                          'SUPPORT'])[1 + (i + k) % 6],
                                   CASE WHEN (i + k) % 10 = 0 THEN 'INVITED' ELSE 'ACTIVE' END,
                                   CASE WHEN (i + k) % 10 = 0 THEN now() END,
                                   CASE WHEN (i + k) % 10 = 0 THEN now() + interval '7 days' END,
                                   CASE WHEN (i + k) % 10 = 0 THEN md5(:tag || '/invitation/' || i || '/' || k) END
                            FROM generate_series(1, :accounts) i
                            CROSS JOIN generate_series(0, :others - 1) k
                            """)
                    .param("tag", tag)
                    .param("accounts", accounts)
                    .param("shared", sharedUsers)
                    .param("others", usersPerAccount - 1)
                    .update();
            int staff = usersPerAccount > 1 ? Math.min(sharedUsers, accounts + usersPerAccount - 2) : 0;
            return new Generated(accounts, accounts + staff, accounts * usersPerAccount);
        }

        private UUID insertUser(String email, boolean idpManaged) {
            UUID userId = UUID.randomUUID();
            jdbc.sql("INSERT INTO directory.users (id, email, idp_managed) VALUES (:id, :email, :idpManaged)")
                    .param("id", userId)
                    .param("email", email)
                    .param("idpManaged", idpManaged)
                    .update();
            return userId;
        }
    }

    private UUID insertAccount(UUID portfolioId, String name) {
        UUID id = UUID.randomUUID();
        jdbc.sql("INSERT INTO directory.accounts (id, portfolio_id, name) VALUES (:id, :portfolioId, :name)")
                .param("id", id)
                .param("portfolioId", portfolioId)
                .param("name", name)
                .update();
        return id;
    }

    /**
     * What {@link Portfolio#generate} made.
     *
     * @param accounts the linked accounts
     * @param users the users with at least one membership (the staff users that got none excluded)
     * @param memberships the memberships
     */
    public record Generated(int accounts, int users, int memberships) {}
}

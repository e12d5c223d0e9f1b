package com.portfoliobulk.testsupport;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Seeds and reads the {@code directory} schema for tests: portfolios, their linked accounts, users
 * (optionally IdP-managed) and memberships (active access or invitations). Every call makes fresh
 * random ids, and the e-mail addresses carry a random part, so tests sharing a database never see each
 * other's data. A {@link Portfolio} seeds what belongs to one portfolio and chains; the membership
 * writes are the same whether called here or on a portfolio.
 */
public final class DirectorySeed {

    private static final String DOMAIN = "@example.test";

    /** How long before its expiry a seeded invitation was sent (the product's invitation window). */
    private static final long INVITATION_WINDOW_SECONDS = 7 * 24 * 3600;

    private final JdbcClient jdbc;

    /** The tokens of the invitations seeded here, by (account, user). */
    private final Map<List<UUID>, String> invitationTokens = new ConcurrentHashMap<>();

    public DirectorySeed(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A new, empty portfolio. */
    public Portfolio portfolio() {
        UUID id = UUID.randomUUID();
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        jdbc.sql("INSERT INTO directory.portfolios (id, name) VALUES (:id, :name)")
                .param("id", id)
                .param("name", "Portfolio " + id)
                .update();
        return new Portfolio(id, tag);
    }

    /**
     * A new portfolio with {@code accounts} linked accounts, each with a new user as its active Owner
     * (see {@link Portfolio#ownedAccount(int)}).
     */
    public Portfolio portfolio(int accounts) {
        Portfolio portfolio = portfolio();
        for (int i = 0; i < accounts; i++) {
            portfolio.accountWithOwner();
        }
        return portfolio;
    }

    /** A new account linked to no portfolio. */
    public UUID unlinkedAccount(String name) {
        return insertAccount(null, name);
    }

    /** Unlinks the account from its portfolio. */
    public void unlink(UUID accountId) {
        jdbc.sql("UPDATE directory.accounts SET portfolio_id = NULL WHERE id = :id")
                .param("id", accountId)
                .update();
    }

    /** A new user with a fresh address ({@link #newEmail()}). */
    public UUID user() {
        return user(newEmail(), false);
    }

    /** A new user with a fresh address, provisioned by an identity provider. */
    public UUID idpManagedUser() {
        return user(newEmail(), true);
    }

    /** A new user with the address (lower case, as the api-gateway stores it). */
    public UUID user(String email, boolean idpManaged) {
        UUID userId = UUID.randomUUID();
        jdbc.sql("INSERT INTO directory.users (id, email, idp_managed) VALUES (:id, :email, :idpManaged)")
                .param("id", userId)
                .param("email", email)
                .param("idpManaged", idpManaged)
                .update();
        return userId;
    }

    /** An address no user has, lower case as the api-gateway stores it. */
    public String newEmail() {
        return "user-" + UUID.randomUUID() + "@brand.example";
    }

    /** The stored address of the user. */
    public String email(UUID userId) {
        return jdbc.sql("SELECT email FROM directory.users WHERE id = :id")
                .param("id", userId)
                .query(String.class)
                .single();
    }

    public Optional<UUID> userIdByEmail(String email) {
        return jdbc.sql("SELECT id FROM directory.users WHERE email = :email")
                .param("email", email)
                .query(UUID.class)
                .optional();
    }

    /** Active access to the account with {@code role}. */
    public DirectorySeed member(UUID accountId, UUID userId, AccountRole role) {
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

    /**
     * A pending invitation with {@code role}, sent a week before {@code expiresAt} (so, with an expiry in
     * the past, an expired one). Its token is stored as the worker stores one, as its SHA-256 digest;
     * {@link #invitationToken} tells the token itself.
     */
    public DirectorySeed invited(UUID accountId, UUID userId, AccountRole role, Instant expiresAt) {
        String token = "seeded-" + UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO directory.memberships
                            (account_id, user_id, role, state, invited_at, expires_at, invitation_token,
                             invitation_language)
                        VALUES (:accountId, :userId, :role, 'INVITED', :invitedAt, :expiresAt,
                                encode(sha256(convert_to(CAST(:token AS text), 'UTF8')), 'hex'), 'en')
                        """)
                .param("accountId", accountId)
                .param("userId", userId)
                .param("role", role.code())
                .param("invitedAt", timestamp(expiresAt.minusSeconds(INVITATION_WINDOW_SECONDS)))
                .param("expiresAt", timestamp(expiresAt))
                .param("token", token)
                .update();
        invitationTokens.put(List.of(accountId, userId), token);
        return this;
    }

    /**
     * The token that accepts the invitation this seed made for the user on the account (the directory
     * holds only its digest).
     */
    public String invitationToken(UUID accountId, UUID userId) {
        String token = invitationTokens.get(List.of(accountId, userId));
        if (token == null) {
            throw new IllegalArgumentException(
                    "No invitation of user " + userId + " to account " + accountId + " was seeded here");
        }
        return token;
    }

    /** The membership of the user in the account, as stored. */
    public Optional<Membership> membership(UUID accountId, UUID userId) {
        return jdbc.sql("""
                        SELECT role, state, invited_at, expires_at, invitation_token, invitation_language
                          FROM directory.memberships WHERE account_id = :accountId AND user_id = :userId
                        """)
                .param("accountId", accountId)
                .param("userId", userId)
                .query(DirectorySeed::membership)
                .optional();
    }

    private static Membership membership(ResultSet rs, int row) throws SQLException {
        return new Membership(
                new AccountRole(rs.getString("role")),
                MembershipState.valueOf(rs.getString("state")),
                instant(rs.getObject("invited_at", OffsetDateTime.class)),
                instant(rs.getObject("expires_at", OffsetDateTime.class)),
                rs.getString("invitation_token"),
                rs.getString("invitation_language"));
    }

    private static Instant instant(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }

    private static OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
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

    /** A portfolio of the directory and what a test seeded in it. */
    public final class Portfolio {

        private final UUID id;

        private final String tag;

        private final List<OwnedAccount> ownedAccounts = new ArrayList<>();

        private Portfolio(UUID id, String tag) {
            this.id = id;
            this.tag = tag;
        }

        public UUID id() {
            return id;
        }

        /** The random text in every e-mail address made for this portfolio. */
        public String tag() {
            return tag;
        }

        /** A new account linked to this portfolio, with no member yet. */
        public UUID account(String name) {
            return insertAccount(id, name);
        }

        /** {@code count} new linked accounts, with no member yet. */
        public List<UUID> accounts(int count) {
            return IntStream.range(0, count)
                    .mapToObj(i -> account("Account " + i))
                    .toList();
        }

        /**
         * A new account linked to this portfolio, named {@code Brand <n> <id>} ({@code n} counting this
         * portfolio's owned accounts from 1), with a new user as its active Owner.
         */
        public OwnedAccount accountWithOwner() {
            UUID accountId = UUID.randomUUID();
            jdbc.sql("INSERT INTO directory.accounts (id, portfolio_id, name) VALUES (:id, :portfolioId, :name)")
                    .param("id", accountId)
                    .param("portfolioId", id)
                    .param("name", "Brand " + (ownedAccounts.size() + 1) + " " + accountId)
                    .update();
            UUID ownerId = DirectorySeed.this.user();
            member(accountId, ownerId, AccountRole.OWNER);
            OwnedAccount account = new OwnedAccount(accountId, ownerId);
            ownedAccounts.add(account);
            return account;
        }

        /** The {@code index}th account made by {@link #accountWithOwner()} (or {@link DirectorySeed#portfolio(int)}). */
        public OwnedAccount ownedAccount(int index) {
            return ownedAccounts.get(index);
        }

        /** The accounts made by {@link #accountWithOwner()} (or {@link DirectorySeed#portfolio(int)}), in order. */
        public List<OwnedAccount> ownedAccounts() {
            return List.copyOf(ownedAccounts);
        }

        /** A new account linked to no portfolio. */
        public UUID unlinkedAccount(String name) {
            return insertAccount(null, name);
        }

        /** The address {@link #user(String)} gives {@code name}. */
        public String email(String name) {
            return name + "." + tag + DOMAIN;
        }

        /** A new user, with access to nothing yet. */
        public UUID user(String name) {
            return DirectorySeed.this.user(email(name), false);
        }

        /** A new user provisioned by an identity provider. */
        public UUID idpManagedUser(String name) {
            return DirectorySeed.this.user(email(name), true);
        }

        /** Makes {@code userId} the Owner of the account. */
        public Portfolio owner(UUID accountId, UUID userId) {
            return member(accountId, userId, AccountRole.OWNER);
        }

        /** Active access with {@code role} (as {@link DirectorySeed#member}). */
        public Portfolio member(UUID accountId, UUID userId, AccountRole role) {
            DirectorySeed.this.member(accountId, userId, role);
            return this;
        }

        /** A pending invitation with {@code role} (as {@link DirectorySeed#invited}). */
        public Portfolio invited(UUID accountId, UUID userId, AccountRole role, Instant expiresAt) {
            DirectorySeed.this.invited(accountId, userId, role, expiresAt);
            return this;
        }

        /**
         * Generates {@code accounts} linked accounts in one statement and gives {@code userId} active
         * access with {@code role} to every one of them.
         */
        public Portfolio generateAccountsWithMember(int accounts, UUID userId, AccountRole role) {
            generateAccounts(accounts);
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
            generateAccounts(accounts);
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
                                   CASE WHEN (i + k) % 10 = 0
                                        THEN encode(sha256(convert_to(:tag || '/invitation/' || i || '/' || k, 'UTF8')),
                                                    'hex') END
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

        /** {@code accounts} linked accounts named {@code Account 000001}..., with ids derived from the tag. */
        private void generateAccounts(int accounts) {
            jdbc.sql("""
                            INSERT INTO directory.accounts (id, portfolio_id, name)
                            SELECT md5(:tag || '/account/' || i)::uuid, :portfolioId, 'Account ' || lpad(i::text, 6, '0')
                            FROM generate_series(1, :accounts) i
                            """)
                    .param("tag", tag)
                    .param("portfolioId", id)
                    .param("accounts", accounts)
                    .update();
        }
    }

    /** A seeded account and its Owner. */
    public record OwnedAccount(UUID id, UUID ownerId) {}

    /**
     * A membership row as stored.
     *
     * @param invitationTokenDigest the SHA-256 digest (hex) of the invitation's token, as the directory
     *     holds it
     */
    public record Membership(
            AccountRole role,
            MembershipState state,
            Instant invitedAt,
            Instant expiresAt,
            String invitationTokenDigest,
            String invitationLanguage) {}

    /**
     * What {@link Portfolio#generate} made.
     *
     * @param accounts the linked accounts
     * @param users the users with at least one membership (the staff users that got none excluded)
     * @param memberships the memberships
     */
    public record Generated(int accounts, int users, int memberships) {}
}

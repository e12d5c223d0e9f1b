package com.portfoliobulk.localstack;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A large portfolio for load tests: {@code accounts} linked accounts with {@code usersPerAccount}
 * memberships each (one Owner, the others with mixed roles), drawn from a pool of users who are each
 * in about four accounts, every tenth of them IdP-managed. One more user,
 * {@code leaver@<domain>}, is a Manager on every account: offboarding them is the headline scenario.
 *
 * <p>Written with set-based SQL ({@code generate_series}) in one transaction, so 5,000 x 20 takes
 * seconds. Ids and e-mail addresses derive from the size, so seeding the same size twice is a no-op
 * and different sizes never collide.
 *
 * @param accounts how many accounts
 * @param usersPerAccount how many memberships per account, Owner included
 */
public record LoadTestPortfolio(int accounts, int usersPerAccount) {

    private static final Pattern SPEC = Pattern.compile("(\\d{1,6})x(\\d{1,4})");

    private static final int MAX_MEMBERSHIPS = 5_000_000;

    public LoadTestPortfolio {
        if (accounts < 1 || usersPerAccount < 1) {
            throw new IllegalArgumentException("A load-test portfolio needs at least one account and one user");
        }
        if ((long) accounts * usersPerAccount > MAX_MEMBERSHIPS) {
            throw new IllegalArgumentException("At most " + MAX_MEMBERSHIPS + " memberships, please");
        }
    }

    /** Parses {@code AxU}, e.g. {@code 5000x20}. */
    public static LoadTestPortfolio parse(String spec) {
        Matcher matcher = SPEC.matcher(spec.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("--seed-large needs ACCOUNTSxUSERS, e.g. 5000x20, not '" + spec + "'");
        }
        return new LoadTestPortfolio(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2)));
    }

    public String spec() {
        return accounts + "x" + usersPerAccount;
    }

    public UUID portfolioId() {
        return UUID.nameUUIDFromBytes(("load-test-portfolio:" + spec()).getBytes(StandardCharsets.UTF_8));
    }

    public String name() {
        return "Load Test " + spec();
    }

    /** The e-mail domain of its users, e.g. {@code load-5000x20.example}. */
    public String domain() {
        return "load-" + spec() + ".example";
    }

    public String leaverEmail() {
        return "leaver@" + domain();
    }

    /** The id of the user to offboard: a Manager on every account. */
    public UUID leaverId() {
        return UUID.nameUUIDFromBytes((idPrefix() + "leaver").getBytes(StandardCharsets.UTF_8));
    }

    /** Users in the pool (the leaver aside): enough for about four accounts each. */
    int userPool() {
        return Math.max(usersPerAccount, (int) ((long) accounts * usersPerAccount / 4));
    }

    /**
     * The statements after the portfolio row: accounts, users, memberships. Account {@code a}'s
     * {@code j}-th member is pool user {@code (a + j * stride) mod pool}; since {@code j * stride <
     * pool}, an account never gets the same user twice.
     */
    List<String> statements() {
        int pool = userPool();
        int stride = pool / usersPerAccount;
        String prefix = idPrefix();
        String accountId = "md5('" + prefix + "account:' || a)::uuid";
        String userId = "md5('" + prefix + "user:' || ((a + j * " + stride + ") % " + pool + "))::uuid";
        return List.of(
                """
                INSERT INTO directory.accounts (id, portfolio_id, name)
                SELECT %s, '%s', 'Load %s account ' || lpad(a::text, 6, '0')
                FROM generate_series(1, %d) AS a""".formatted(accountId, portfolioId(), spec(), accounts),
                """
                INSERT INTO directory.users (id, email, idp_managed)
                SELECT md5('%suser:' || u)::uuid, 'user' || lpad(u::text, 7, '0') || '@%s', u %% 10 = 9
                FROM generate_series(0, %d) AS u
                UNION ALL
                SELECT '%s', '%s', false""".formatted(prefix, domain(), pool - 1, leaverId(), leaverEmail()),
                """
                INSERT INTO directory.memberships (account_id, user_id, role, state)
                SELECT %s, %s,
                       CASE WHEN j = 0 THEN 'OWNER'
                            ELSE (ARRAY['ADMIN', 'MANAGER', 'ANALYST', 'CAMPAIGN_COORDINATOR',
                                        'CONTENT_CREATOR', 'SUPPORT'])[1 + (a + j) %% 6] END,
                       'ACTIVE'
                FROM generate_series(1, %d) AS a, generate_series(0, %d) AS j""".formatted(accountId, userId, accounts, usersPerAccount - 1),
                """
                INSERT INTO directory.memberships (account_id, user_id, role, state)
                SELECT %s, '%s', 'MANAGER', 'ACTIVE'
                FROM generate_series(1, %d) AS a""".formatted(accountId, leaverId(), accounts));
    }

    private String idPrefix() {
        return "load-" + spec() + ":";
    }
}

package com.portfoliobulk.localstack;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A fresh portfolio in the directory, as an end-to-end test arranges it: linked accounts, each with
 * its own Owner, and users added with a role on some of them. Every name is unique, so tests can
 * share one database.
 */
final class TestPortfolio {

    private final JdbcClient jdbc;

    private final UUID id;

    private final Map<UUID, UserRef> accountsWithOwners;

    private TestPortfolio(JdbcClient jdbc, UUID id, Map<UUID, UserRef> accountsWithOwners) {
        this.jdbc = jdbc;
        this.id = id;
        this.accountsWithOwners = accountsWithOwners;
    }

    /** A portfolio with {@code accounts} linked accounts, each with an active Owner. */
    static TestPortfolio seed(DataSource database, int accounts) {
        JdbcClient jdbc = JdbcClient.create(database);
        UUID portfolio = UUID.randomUUID();
        jdbc.sql("INSERT INTO directory.portfolios (id, name) VALUES (?, ?)")
                .params(portfolio, "Portfolio " + portfolio)
                .update();
        TestPortfolio seeded = new TestPortfolio(jdbc, portfolio, new LinkedHashMap<>());
        for (int i = 1; i <= accounts; i++) {
            UUID account = UUID.randomUUID();
            jdbc.sql("INSERT INTO directory.accounts (id, portfolio_id, name) VALUES (?, ?, ?)")
                    .params(account, portfolio, "Brand " + i + " " + account)
                    .update();
            UserRef owner = seeded.newUser("owner");
            seeded.grant(owner, AccountRole.OWNER, account);
            seeded.accountsWithOwners.put(account, owner);
        }
        return seeded;
    }

    UUID id() {
        return id;
    }

    /** The linked accounts, in the order they were created. */
    List<UUID> accounts() {
        return new ArrayList<>(accountsWithOwners.keySet());
    }

    UUID account(int index) {
        return accounts().get(index);
    }

    UserRef owner(UUID account) {
        return accountsWithOwners.get(account);
    }

    /** A new user (e-mail {@code <name>-<random>@brand.example}) with an active {@code role} on each account. */
    UserRef addUser(String name, AccountRole role, List<UUID> accounts) {
        UserRef user = newUser(name);
        accounts.forEach(account -> grant(user, role, account));
        return user;
    }

    private UserRef newUser(String name) {
        UUID userId = UUID.randomUUID();
        String email = name + "-" + userId + "@brand.example";
        jdbc.sql("INSERT INTO directory.users (id, email) VALUES (?, ?)")
                .params(userId, email)
                .update();
        return new UserRef(userId, email);
    }

    private void grant(UserRef user, AccountRole role, UUID account) {
        jdbc.sql("INSERT INTO directory.memberships (account_id, user_id, role, state) VALUES (?, ?, ?, 'ACTIVE')")
                .params(account, user.userId(), role.code())
                .update();
    }
}

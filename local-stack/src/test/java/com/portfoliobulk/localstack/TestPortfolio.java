package com.portfoliobulk.localstack;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.DirectorySeed.OwnedAccount;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A fresh portfolio in the directory, as an end-to-end test arranges it: linked accounts, each with
 * its own Owner, and users added with a role on some of them. The rows are written by test-support's
 * {@link DirectorySeed}, the one directory fixture of every module; this view adds what end-to-end
 * tests ask for: users as the {@link UserRef}s a job names, with readable addresses. Every name is
 * unique, so tests can share one database.
 */
final class TestPortfolio {

    private final DirectorySeed directory;

    private final Portfolio portfolio;

    private final Map<UUID, UUID> ownersByAccount;

    private TestPortfolio(DirectorySeed directory, Portfolio portfolio) {
        this.directory = directory;
        this.portfolio = portfolio;
        this.ownersByAccount =
                portfolio.ownedAccounts().stream().collect(Collectors.toMap(OwnedAccount::id, OwnedAccount::ownerId));
    }

    /** A portfolio with {@code accounts} linked accounts, each with an active Owner. */
    static TestPortfolio seed(DataSource database, int accounts) {
        DirectorySeed directory = new DirectorySeed(JdbcClient.create(database));
        return new TestPortfolio(directory, directory.portfolio(accounts));
    }

    UUID id() {
        return portfolio.id();
    }

    /** The linked accounts, in the order they were created. */
    List<UUID> accounts() {
        return portfolio.ownedAccounts().stream().map(OwnedAccount::id).toList();
    }

    UUID account(int index) {
        return portfolio.ownedAccount(index).id();
    }

    UserRef owner(UUID account) {
        return userRef(ownersByAccount.get(account));
    }

    /** A new user (e-mail {@code <name>-<random>@brand.example}) with an active {@code role} on each account. */
    UserRef addUser(String name, AccountRole role, List<UUID> accounts) {
        return withRole(directory.user(newEmail(name), false), role, accounts);
    }

    /** A new user with this address and an active {@code role} on each account. */
    UserRef addUserAt(String email, AccountRole role, List<UUID> accounts) {
        return withRole(directory.user(email, false), role, accounts);
    }

    /** Like {@link #addUser}, but the user is provisioned by an identity provider. */
    UserRef addIdpManagedUser(String name, AccountRole role, List<UUID> accounts) {
        return withRole(directory.user(newEmail(name), true), role, accounts);
    }

    /** An address no user has yet, as {@link #addUser} makes them. */
    static String newEmail(String name) {
        return name + "-" + UUID.randomUUID() + "@brand.example";
    }

    /** Gives an existing user an active {@code role} on the account. */
    void grant(UserRef user, AccountRole role, UUID account) {
        directory.member(account, user.userId(), role);
    }

    private UserRef withRole(UUID userId, AccountRole role, List<UUID> accounts) {
        accounts.forEach(account -> directory.member(account, userId, role));
        return userRef(userId);
    }

    private UserRef userRef(UUID userId) {
        return new UserRef(userId, directory.email(userId));
    }
}

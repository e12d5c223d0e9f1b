package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

class LoadTestPortfolioIntegrationTests {

    private final DatabaseEndpoint database = TestStack.sharedDatabase();

    private final JdbcClient jdbc = JdbcClient.create(
            new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));

    @Test
    void seedsAccountsUsersAndMembershipsOnceWithSetBasedSql() {
        LoadTestPortfolio portfolio = new LoadTestPortfolio(40, 5);
        DirectorySeed seed = new DirectorySeed(database);
        UUID id = portfolio.portfolioId();
        Instant beforeSeed =
                jdbc.sql("SELECT clock_timestamp()").query(Instant.class).single();

        assertThat(seed.seed(portfolio)).isTrue();
        Instant analyzed = lastAnalyze("directory.memberships");
        assertThat(analyzed)
                .as("the planner's statistics of the memberships, refreshed after the seed")
                .isAfter(beforeSeed);
        assertThat(seed.seed(portfolio)).as("seeding again").isFalse();
        assertThat(lastAnalyze("directory.memberships"))
                .as("a seed that writes nothing analyzes nothing")
                .isEqualTo(analyzed);
        for (String table : List.of("directory.accounts", "directory.users")) {
            assertThat(lastAnalyze(table)).as(table).isAfter(beforeSeed);
        }

        assertThat(count("SELECT count(*) FROM directory.accounts WHERE portfolio_id = ?", id))
                .isEqualTo(40);
        assertThat(count("""
                        SELECT count(*) FROM directory.accounts a WHERE a.portfolio_id = ?
                        AND (SELECT count(*) FROM directory.memberships m
                             WHERE m.account_id = a.id AND m.role = 'OWNER') = 1""", id)).as("accounts with exactly one Owner").isEqualTo(40);
        assertThat(count("""
                        SELECT count(*) FROM directory.memberships m
                        JOIN directory.accounts a ON a.id = m.account_id WHERE a.portfolio_id = ?""", id)).as("5 per account plus the leaver in each").isEqualTo(40 * 5 + 40);
        assertThat(count("""
                        SELECT count(DISTINCT m.user_id) FROM directory.memberships m
                        JOIN directory.accounts a ON a.id = m.account_id WHERE a.portfolio_id = ?""", id)).isEqualTo(portfolio.userPool() + 1);
        assertThat(count(
                        "SELECT count(*) FROM directory.users WHERE email LIKE ? AND idp_managed",
                        "%@load-40x5.example"))
                .isEqualTo(portfolio.userPool() / 10);
        assertThat(count(
                        "SELECT count(*) FROM directory.memberships WHERE user_id = ? AND role = 'MANAGER'",
                        portfolio.leaverId()))
                .isEqualTo(40);
        assertThat(jdbc.sql("SELECT email FROM directory.users WHERE id = ?")
                        .param(portfolio.leaverId())
                        .query(String.class)
                        .single())
                .isEqualTo("leaver@load-40x5.example");
    }

    private Instant lastAnalyze(String table) {
        return jdbc.sql("SELECT last_analyze FROM pg_stat_user_tables WHERE relid = CAST(? AS regclass)")
                .param(table)
                .query(Instant.class)
                .single();
    }

    private long count(String sql, Object parameter) {
        return jdbc.sql(sql).param(parameter).query(Long.class).single();
    }
}

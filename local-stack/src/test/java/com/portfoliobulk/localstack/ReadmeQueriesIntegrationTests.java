package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The SQL statements README.md gives operators (the runbooks' "check first" queries) fit the schema
 * the services create: each is planned ({@code EXPLAIN}, nothing runs) against the started stack's
 * database, so a column or table a migration dropped or renamed fails here, not in an incident. Those
 * on the gateway's tables are planned logged in as the gateway's role, as README has them run.
 */
class ReadmeQueriesIntegrationTests {

    /** A statement in backticks, ending with a semicolon. */
    private static final Pattern STATEMENT = Pattern.compile("`((?:SELECT|UPDATE|DELETE) [^`]+;)`");

    /** A placeholder for the reader to fill in, such as {@code <pid>}: such statements are left out. */
    private static final Pattern PLACEHOLDER = Pattern.compile("<[a-z-]+>");

    @Test
    void everyQueryOfTheReadmeFitsTheSchema() {
        TestStack.get();
        JdbcClient database = JdbcClient.create(TestStack.database());
        DatabaseEndpoint gatewayLogin =
                ServiceRoles.logins(TestStack.sharedDatabase()).gateway();
        JdbcClient gateway = JdbcClient.create(
                new DriverManagerDataSource(gatewayLogin.jdbcUrl(), gatewayLogin.username(), gatewayLogin.password()));
        List<String> statements = new ArrayList<>();
        Matcher matcher = STATEMENT.matcher(ProjectFiles.read("README.md").replace("\n", " "));
        while (matcher.find()) {
            if (!PLACEHOLDER.matcher(matcher.group(1)).find()) {
                statements.add(matcher.group(1));
            }
        }

        assertThat(statements).as("README's SQL statements").hasSizeGreaterThanOrEqualTo(4);
        for (String statement : statements) {
            JdbcClient login = statement.contains("jobs.") ? gateway : database;
            assertThatCode(() -> login.sql("EXPLAIN " + statement.substring(0, statement.length() - 1))
                            .query(String.class)
                            .list())
                    .as(statement)
                    .doesNotThrowAnyException();
        }
    }
}

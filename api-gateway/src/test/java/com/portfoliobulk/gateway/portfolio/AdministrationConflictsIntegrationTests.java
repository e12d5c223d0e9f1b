package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.StampedWrites;
import com.portfoliobulk.gateway.web.InternalErrors;
import com.portfoliobulk.testsupport.LogLines;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpMethod;

/**
 * One portfolio user, one custom role at a time: adding one twice is a 409 that changes nothing and
 * logs nothing, a role change or removal of someone who is not a portfolio user is a 404, and a
 * removed user is gone from the list and the log says so, naming roles as the console does.
 */
class AdministrationConflictsIntegrationTests extends PortfolioAdministrationTest {

    /**
     * A role change is dated by the database's clock, which the hourly removal of deprovisioned users'
     * roles compares it with (a role given back after a deprovisioning is kept): a gateway whose clock is
     * behind the database's dated it before the deprovisioning, and the role went at the next run.
     */
    @Test
    void aRoleChangeIsDatedByTheDatabasesClock() {
        UUID editorId = accountUser("dated");
        storePortfolioUser(editorId, portfolio.email("dated"), "USER_MANAGEMENT_VIEW");
        try (StampedWrites stamps = StampedWrites.on(
                jdbc,
                "jobs.portfolio_users",
                "UPDATE",
                "updated_at",
                "transaction_timestamp()",
                "NEW.portfolio_id = '" + portfolio.id() + "'")) {
            Answer changed = call(
                    HttpMethod.PUT,
                    owner,
                    path("/portfolio-users/" + editorId + "/role"),
                    "{\"role\":\"USER_MANAGEMENT_EDIT\"}");

            assertThat(changed.status()).as(changed.text()).isEqualTo(200);
            assertThat(roleOf(editorId)).isEqualTo("USER_MANAGEMENT_EDIT");
            assertThat(stamps.differences())
                    .as("the stored time of the change less the database's time of its transaction")
                    .containsExactly("00:00:00");
        }
    }

    /**
     * A portfolio user the database refuses to store (a check constraint of the test's, standing for any
     * refusal the gateway does not expect) is a 500 naming an error id, and the log line under that id,
     * whose stack trace quotes the database's error, names the constraint but not the refused row: not
     * "Failing row contains (…, ann@…, …)", not the address being added. Before, PostgreSQL's detail
     * was part of the exception's message, and the line carried the row with the address.
     */
    @Test
    void aPortfolioUserTheDatabaseRefusesIsA500WhoseLogLineDoesNotQuoteTheirAddress() {
        accountUser("refused");
        String email = portfolio.email("refused");
        String constraint = "test_refused_" + Long.toHexString(portfolio.id().getMostSignificantBits() >>> 4);
        jdbc.sql("ALTER TABLE jobs.portfolio_users ADD CONSTRAINT " + constraint + " CHECK (email <> '" + email
                        + "') NOT VALID")
                .update();
        try (LogLines lines = LogLines.of(InternalErrors.class.getName())) {
            Answer added = call(
                    HttpMethod.POST,
                    owner,
                    path("/portfolio-users"),
                    "{\"email\":\"%s\",\"role\":\"USER_MANAGEMENT_VIEW\"}".formatted(email));

            assertProblem(added, 500);
            String errorId = added.body().path("errorId").asString();
            assertThat(added.text()).doesNotContain(email);
            ILoggingEvent line = lines.lines().stream()
                    .filter(logged -> logged.getFormattedMessage()
                            .equals("Unexpected error " + errorId + " while handling a request"))
                    .findFirst()
                    .orElseThrow();
            assertThat(ThrowableProxyUtil.asString(line.getThrowableProxy()))
                    .contains("ERROR: new row for relation \"portfolio_users\" violates check constraint \""
                            + constraint + "\"")
                    .doesNotContain(email, "Failing row contains");
        } finally {
            jdbc.sql("ALTER TABLE jobs.portfolio_users DROP CONSTRAINT IF EXISTS " + constraint)
                    .update();
        }
    }

    @Test
    void aPortfolioUserIsAddedOnceChangedAndRemovedAndEachStepIsLoggedOnce() {
        UUID editorId = accountUser("editor");
        String editor = "{\"email\":\"%s\",\"role\":\"%s\"}";
        Answer added = call(
                HttpMethod.POST,
                owner,
                path("/portfolio-users"),
                editor.formatted(portfolio.email("editor"), "USER_MANAGEMENT_VIEW"));
        assertThat(added.status()).as(added.text()).isEqualTo(201);

        Answer again = call(
                HttpMethod.POST,
                owner,
                path("/portfolio-users"),
                editor.formatted(portfolio.email("editor").toUpperCase(), "ADMIN"));
        assertProblem(again, 409);
        assertThat(again.body().path("detail").asString()).contains("is a portfolio user already");
        assertThat(roleOf(editorId)).isEqualTo("USER_MANAGEMENT_VIEW");

        Answer changed = call(
                HttpMethod.PUT,
                owner,
                path("/portfolio-users/" + editorId + "/role"),
                "{\"role\":\"user_management_edit\"}");
        assertThat(changed.status()).as(changed.text()).isEqualTo(200);
        assertThat(changed.body().path("email").asString()).isEqualTo(portfolio.email("editor"));
        assertThat(changed.body().path("role").asString()).isEqualTo("USER_MANAGEMENT_EDIT");
        assertThat(roleOf(editorId)).isEqualTo("USER_MANAGEMENT_EDIT");
        // The role they hold already: answered as a change, changing and logging nothing.
        Answer unchanged = call(
                HttpMethod.PUT,
                owner,
                path("/portfolio-users/" + editorId + "/role"),
                "{\"role\":\"USER_MANAGEMENT_EDIT\"}");
        assertThat(unchanged.status()).as(unchanged.text()).isEqualTo(200);
        assertThat(unchanged.body().path("role").asString()).isEqualTo("USER_MANAGEMENT_EDIT");

        UUID stranger = UUID.randomUUID();
        assertProblem(
                call(
                        HttpMethod.PUT,
                        owner,
                        path("/portfolio-users/" + stranger + "/role"),
                        "{\"role\":\"USER_MANAGEMENT_VIEW\"}"),
                404);
        assertProblem(call(HttpMethod.DELETE, owner, path("/portfolio-users/" + stranger), null), 404);

        assertThat(call(HttpMethod.DELETE, owner, path("/portfolio-users/" + editorId), null)
                        .status())
                .isEqualTo(204);
        assertProblem(call(HttpMethod.DELETE, owner, path("/portfolio-users/" + editorId), null), 404);
        assertThat(call(HttpMethod.GET, owner, path("/portfolio-users"), null)
                        .body()
                        .path("items")
                        .values())
                .extracting(user -> user.path("userId").asString())
                .containsExactly(ownerId.toString());

        assertThat(logOf(path("/admin-log")))
                .containsExactly(
                        "PORTFOLIO_USER_REMOVED " + portfolio.email("editor") + " removed (was User Management EDIT)",
                        "PORTFOLIO_ROLE_CHANGED " + portfolio.email("editor")
                                + " role User Management VIEW -> User Management EDIT",
                        "PORTFOLIO_USER_ADDED " + portfolio.email("editor") + " added with role User Management VIEW");
    }

    /**
     * A role change and a removal are written to the database alone, so a restore to a moment before
     * them undoes them: each gateway logs one INFO line for each, naming the portfolio, the user, the
     * roles and who made it, by user id, without an address, which the restore procedure greps to make
     * them again. A change refused, or one to the role held already, logs none.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aRoleChangeARemovalAndAnAddAreEachLoggedOnceNamingThePortfolioTheUserTheRolesAndTheCaller(
            CapturedOutput output) {
        UUID adminId = accountUser("lowered");
        storePortfolioUser(adminId, portfolio.email("lowered"), "ADMIN");
        String changed = "Change of portfolio " + portfolio.id() + " at the request of user " + ownerId
                + ": portfolio user " + adminId + " role changed from ADMIN to USER_MANAGEMENT_VIEW";
        String removed = "Change of portfolio " + portfolio.id() + " at the request of user " + ownerId
                + ": portfolio user " + adminId + " removed, role USER_MANAGEMENT_VIEW";
        String added = "Change of portfolio " + portfolio.id() + " at the request of user " + ownerId
                + ": portfolio user " + adminId + " added, role ADMIN";

        Answer lowered = call(
                HttpMethod.PUT,
                owner,
                path("/portfolio-users/" + adminId + "/role"),
                "{\"role\":\"USER_MANAGEMENT_VIEW\"}");
        Answer unchanged = call(
                HttpMethod.PUT,
                owner,
                path("/portfolio-users/" + adminId + "/role"),
                "{\"role\":\"USER_MANAGEMENT_VIEW\"}");
        Answer refused = call(
                HttpMethod.PUT, owner, path("/portfolio-users/" + adminId + "/role"), "{\"role\":\"NO_SUCH_ROLE\"}");
        Answer gone = call(HttpMethod.DELETE, owner, path("/portfolio-users/" + adminId), null);
        String addBack = "{\"email\":\"" + portfolio.email("lowered") + "\",\"role\":\"ADMIN\"}";
        Answer back = call(HttpMethod.POST, owner, path("/portfolio-users"), addBack);
        Answer again = call(HttpMethod.POST, owner, path("/portfolio-users"), addBack);

        assertThat(lowered.status()).as(lowered.text()).isEqualTo(200);
        assertThat(unchanged.status()).as(unchanged.text()).isEqualTo(200);
        assertThat(refused.status()).as(refused.text()).isGreaterThanOrEqualTo(400);
        assertThat(gone.status()).as(gone.text()).isEqualTo(204);
        assertThat(back.status()).as(back.text()).isEqualTo(201);
        assertThat(again.status()).as(again.text()).isEqualTo(409);
        assertThat(output.getAll().lines().filter(line -> line.contains("Change of portfolio " + portfolio.id())))
                .hasSize(3)
                .satisfiesExactly(
                        line -> assertThat(line).contains(" INFO ", changed),
                        line -> assertThat(line).contains(" INFO ", removed),
                        line -> assertThat(line).contains(" INFO ", added))
                .allSatisfy(line -> assertThat(line)
                        .doesNotContain(portfolio.email("lowered"))
                        .doesNotContain(portfolio.email("owner")));
    }

    @Test
    void aCustomRoleIsDefinedOnceAndTheSecondDefinitionChangesNothing() {
        for (String kind : List.of("/portfolio-roles", "/account-roles")) {
            String permission = kind.equals("/portfolio-roles") ? "USER_MANAGEMENT_VIEW" : "VIEW_ACCOUNT";
            Answer defined = call(HttpMethod.POST, owner, path(kind), """
                    {"code":"reviewer","name":" Reviewer ","description":" Reads ","permissions":["%s"]}
                    """.formatted(permission));
            assertThat(defined.status()).as(defined.text()).isEqualTo(201);
            assertThat(defined.body().path("name").asString()).isEqualTo("Reviewer");
            assertThat(defined.body().path("description").asString()).isEqualTo("Reads");

            Answer again = call(HttpMethod.POST, owner, path(kind), """
                    {"code":"REVIEWER","name":"Another","permissions":["%s"]}
                    """.formatted(permission));
            assertProblem(again, 409);
            assertThat(again.body().path("detail").asString()).contains("already has a custom role REVIEWER");

            List<String> custom = call(HttpMethod.GET, owner, path(kind), null).body().path("items").values().stream()
                    .filter(role -> role.path("custom").asBoolean())
                    .map(role -> role.path("code").asString() + " "
                            + role.path("name").asString() + " "
                            + role.path("permissions").values().stream()
                                    .map(p -> p.asString())
                                    .toList())
                    .toList();
            assertThat(custom).containsExactly("REVIEWER Reviewer [" + permission + "]");
            assertProblem(call(HttpMethod.DELETE, owner, path(kind + "/UNKNOWN"), null), 404);
        }
        assertThat(logOf(path("/admin-log")))
                .containsExactly(
                        "ACCOUNT_ROLE_DEFINED REVIEWER permissions [VIEW_ACCOUNT]",
                        "PORTFOLIO_ROLE_DEFINED REVIEWER permissions [USER_MANAGEMENT_VIEW]");
    }

    private List<String> logOf(String logPath) {
        Answer log = call(HttpMethod.GET, owner, logPath, null);
        assertThat(log.status()).as(log.text()).isEqualTo(200);
        return log.body().path("items").values().stream()
                .map(entry -> entry.path("action").asString() + " "
                        + entry.path("subject").asString() + " "
                        + entry.path("detail").asString())
                .toList();
    }
}

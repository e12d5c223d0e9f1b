package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * Every portfolio administration endpoint refuses a caller who may only read (User Management VIEW)
 * and the Owner of another portfolio, and changes nothing for them.
 */
class AdministrationRefusalsIntegrationTests extends PortfolioAdministrationTest {

    record Endpoint(HttpMethod method, String path, String body) {}

    @Test
    void viewOnlyAndOtherPortfolioCallersAreRefusedEverywhere() {
        UUID member = portfolio.user("member");
        storePortfolioUser(member, portfolio.email("member"), "USER_MANAGEMENT_EDIT");
        UUID account = portfolio.account("Alpha");
        UUID spare = portfolio.unlinkedAccount("Spare");
        call(HttpMethod.POST, owner, path("/account-roles"), """
                {"code":"REGIONAL_LEAD","name":"Regional lead","permissions":["VIEW_ACCOUNT"]}
                """);
        String viewer = storedPortfolioUser("viewer", "USER_MANAGEMENT_VIEW");
        var other = directory.portfolio();
        UUID otherOwnerId = other.user("owner");
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role) VALUES (:p, :u, :e, 'OWNER')")
                .param("p", other.id())
                .param("u", otherOwnerId)
                .param("e", other.email("owner"))
                .update();
        String otherOwner = tokenOf(otherOwnerId, other.email("owner"));

        List<Endpoint> endpoints = List.of(
                new Endpoint(HttpMethod.GET, "/portfolio-users", null),
                new Endpoint(
                        HttpMethod.POST,
                        "/portfolio-users",
                        "{\"email\":\"%s\",\"role\":\"ADMIN\"}".formatted(portfolio.email("viewer"))),
                new Endpoint(HttpMethod.PUT, "/portfolio-users/" + member + "/role", "{\"role\":\"ADMIN\"}"),
                new Endpoint(HttpMethod.DELETE, "/portfolio-users/" + member, null),
                new Endpoint(HttpMethod.GET, "/portfolio-roles", null),
                new Endpoint(
                        HttpMethod.POST,
                        "/portfolio-roles",
                        "{\"code\":\"X\",\"name\":\"X\",\"permissions\":[\"USER_MANAGEMENT_VIEW\"]}"),
                new Endpoint(HttpMethod.DELETE, "/portfolio-roles/X", null),
                new Endpoint(HttpMethod.GET, "/account-roles", null),
                new Endpoint(
                        HttpMethod.POST,
                        "/account-roles",
                        "{\"code\":\"Y\",\"name\":\"Y\",\"permissions\":[\"VIEW_ACCOUNT\"]}"),
                new Endpoint(HttpMethod.DELETE, "/account-roles/REGIONAL_LEAD", null),
                new Endpoint(HttpMethod.POST, "/owner-transfer", "{\"userId\":\"%s\"}".formatted(member)),
                new Endpoint(HttpMethod.GET, "/owner-transfer", null),
                new Endpoint(HttpMethod.DELETE, "/owner-transfer", null),
                new Endpoint(HttpMethod.POST, "/owner-transfer/accept", null),
                new Endpoint(HttpMethod.GET, "/admin-log", null),
                new Endpoint(HttpMethod.POST, "/linked-accounts", "{\"accountId\":\"%s\"}".formatted(spare)),
                new Endpoint(HttpMethod.DELETE, "/linked-accounts/" + account, null),
                new Endpoint(HttpMethod.POST, "/closure", null),
                new Endpoint(HttpMethod.POST, "/close", "{\"confirmation\":\"anything\"}"));

        for (Endpoint endpoint : endpoints) {
            for (String caller : List.of(viewer, otherOwner)) {
                Answer answer = call(endpoint.method(), caller, path(endpoint.path()), endpoint.body());
                assertThat(answer.status())
                        .as(endpoint.method() + " " + endpoint.path() + ": " + answer.text())
                        .isEqualTo(403);
                assertProblem(answer, 403);
            }
        }

        assertThat(jdbc.sql("SELECT role FROM jobs.portfolio_users WHERE portfolio_id = :p ORDER BY email")
                        .param("p", portfolio.id())
                        .query(String.class)
                        .list())
                .containsExactly("USER_MANAGEMENT_EDIT", "OWNER", "USER_MANAGEMENT_VIEW");
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.account_roles WHERE portfolio_id = :p")
                        .param("p", portfolio.id())
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
        assertThat(jdbc.sql("SELECT portfolio_id FROM directory.accounts WHERE id = :a")
                        .param("a", account)
                        .query(UUID.class)
                        .single())
                .isEqualTo(portfolio.id());
    }
}

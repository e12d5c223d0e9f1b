package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * Every portfolio administration endpoint refuses a caller who may only read (User Management VIEW)
 * and the Owner of another portfolio, and changes nothing for them. A portfolio user who manages
 * portfolio users, but is not the Owner, hands out no more than they hold: they define roles of their
 * own permissions only, grant only such roles, leave alone whoever holds a permission they lack and
 * their own role, and are held to the role the database has now, not to the one a cache remembers.
 * Each refusal is a 403 problem that changes and logs nothing.
 */
class AdministrationRefusalsIntegrationTests extends PortfolioAdministrationTest {

    /** The demo's custom role: reads and manages portfolio users, nothing else. */
    private static final String AUDITOR = """
            {"code":"AUDITOR","name":"Auditor","permissions":["USER_MANAGEMENT_VIEW","PORTFOLIO_USERS_MANAGE"]}
            """;

    /** Every permission of ADMIN, in a custom role. */
    private static final String SUPER = """
            {"code":"SUPER","name":"Super","description":"all","permissions":
             ["USER_MANAGEMENT_EDIT","USER_MANAGEMENT_VIEW","PORTFOLIO_USERS_MANAGE","ACCOUNT_ROLES_MANAGE"]}
            """;

    record Endpoint(HttpMethod method, String path, String body) {}

    /** A portfolio user stored with {@code role}: their id and token. */
    record PortfolioUser(UUID id, String email, String token) {}

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

    @Test
    void anAuditorCannotDefineAnAdminLikeRoleNorGiveItToHerself() {
        defined(owner, AUDITOR);
        PortfolioUser carla = portfolioUser("carla", "AUDITOR");

        Answer superRole = call(HttpMethod.POST, carla.token(), path("/portfolio-roles"), SUPER);

        assertFieldProblem(superRole, 403, "permissions");
        assertThat(superRole.body().path("errors").get(0).path("message").asString())
                .contains("[USER_MANAGEMENT_EDIT, ACCOUNT_ROLES_MANAGE]");
        assertThat(customRoles()).containsExactly("AUDITOR");

        // Even once the Owner has defined it, she cannot take it.
        defined(owner, SUPER);
        assertProblem(
                call(
                        HttpMethod.PUT,
                        carla.token(),
                        path("/portfolio-users/" + carla.id() + "/role"),
                        "{\"role\":\"SUPER\"}"),
                403);
        assertThat(rolesViaApi()).containsEntry(carla.email(), "AUDITOR");
        assertProblem(call(HttpMethod.GET, carla.token(), path("/account-roles"), null), 403);
        assertThat(actorsOfTheLog()).containsOnly(portfolio.email("owner"));
    }

    @Test
    void aRoleIsDefinedOnlyOfPermissionsTheCallerHolds() {
        defined(owner, """
                {"code":"MANAGER","name":"Manager","permissions":
                 ["USER_MANAGEMENT_VIEW","USER_MANAGEMENT_EDIT","PORTFOLIO_USERS_MANAGE"]}
                """);
        PortfolioUser manager = portfolioUser("manager", "MANAGER");

        Answer beyond = call(HttpMethod.POST, manager.token(), path("/portfolio-roles"), """
                {"code":"ROLE_KEEPER","name":"Role keeper","permissions":["USER_MANAGEMENT_VIEW","ACCOUNT_ROLES_MANAGE"]}
                """);

        assertFieldProblem(beyond, 403, "permissions");
        assertThat(beyond.body().path("errors").get(0).path("message").asString())
                .contains("[ACCOUNT_ROLES_MANAGE]")
                .doesNotContain("USER_MANAGEMENT_VIEW");
        assertThat(customRoles()).containsExactly("MANAGER");
        defined(manager.token(), """
                {"code":"EDITOR","name":"Editor","permissions":["USER_MANAGEMENT_VIEW","USER_MANAGEMENT_EDIT"]}
                """);
        assertThat(customRoles()).containsExactly("EDITOR", "MANAGER");
    }

    /**
     * An address is checked as typed: U+212A KELVIN SIGN lower-cases to k, and "\u212Aate@..." made kate
     * a portfolio user, whom the Owner had not named.
     */
    @Test
    void aPortfolioUsersAddressIsCheckedAsTypedNotAsItLowerCases() {
        portfolio.user("kate");
        String lookalike = "\u212A" + portfolio.email("kate").substring(1);

        Answer added = call(
                HttpMethod.POST,
                owner,
                path("/portfolio-users"),
                "{\"email\":\"%s\",\"role\":\"USER_MANAGEMENT_VIEW\"}".formatted(lookalike));

        assertFieldProblem(added, 422, "email");
        assertThat(call(HttpMethod.GET, owner, path("/portfolio-users?limit=500"), null)
                        .text())
                .doesNotContain(portfolio.email("kate"));
    }

    /**
     * A user whose address has a domain outside ASCII, kept in its xn-- form, is added by the address as
     * it reads in Unicode, and answered with the address as kept. It was refused as no e-mail address.
     */
    @Test
    void aPortfolioUserIsAddedByTheirAddressWithItsDomainInUnicode() {
        String id = UUID.randomUUID().toString();
        UUID zoe = directory.user("zoe-" + id + "@xn--mller-kva.example", false);
        portfolio.member(portfolio.account("Alpha"), zoe, AccountRole.ANALYST);

        Answer added = addAsViewer(owner, "Zoe-" + id + "@Müller.example");

        assertThat(added.status()).as(added.text()).isEqualTo(201);
        assertThat(added.body().path("email").asString()).isEqualTo("zoe-" + id + "@xn--mller-kva.example");
        assertThat(roleOf(zoe)).isEqualTo("USER_MANAGEMENT_VIEW");
    }

    /**
     * Only a user the portfolio knows is added by address: one with access or a pending invitation in one
     * of its accounts, or one its identity provider provisioned and did not delete. A user of another
     * portfolio only is answered as an address no user has, so an Admin cannot probe who uses other
     * portfolios (before, they were added, and the 201 told their user id).
     */
    @Test
    void onlyAUserThePortfolioKnowsIsAddedAndAUserOfAnotherPortfolioIsAnsweredAsNoUser() {
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID elsewhere = other.user("elsewhere");
        other.member(other.account("Elsewhere"), elsewhere, AccountRole.ANALYST);
        scimUser(other.id(), elsewhere, false);
        UUID account = portfolio.account("Alpha");
        UUID lapsed = portfolio.user("lapsed");
        portfolio.invited(account, lapsed, AccountRole.ANALYST, Instant.now().minus(Duration.ofDays(1)));
        UUID deprovisioned = portfolio.user("deprovisioned");
        scimUser(portfolio.id(), deprovisioned, true);
        PortfolioUser admin = portfolioUser("admin", "ADMIN");

        Answer unknown = addAsViewer(admin.token(), directory.newEmail());
        assertFieldProblem(unknown, 422, "email");
        for (String email :
                List.of(other.email("elsewhere"), portfolio.email("lapsed"), portfolio.email("deprovisioned"))) {
            Answer refused = addAsViewer(admin.token(), email);
            assertFieldProblem(refused, 422, "email");
            assertThat(refused.body().path("detail").asString())
                    .as(email)
                    .isEqualTo(unknown.body().path("detail").asString());
            assertThat(refused.body().path("errors"))
                    .as(email)
                    .isEqualTo(unknown.body().path("errors"));
        }
        assertThat(rolesViaApi()).containsOnlyKeys(portfolio.email("owner"), admin.email());
        assertThat(actorsOfTheLog()).isEmpty();

        UUID invitee = portfolio.user("invitee");
        portfolio.invited(account, invitee, AccountRole.ANALYST, Instant.now().plus(Duration.ofDays(7)));
        UUID provisioned = portfolio.user("provisioned");
        scimUser(portfolio.id(), provisioned, false);
        for (String email : List.of(portfolio.email("invitee"), portfolio.email("provisioned"))) {
            Answer added = addAsViewer(admin.token(), email);
            assertThat(added.status()).as(added.text()).isEqualTo(201);
        }
        assertThat(roleOf(invitee)).isEqualTo("USER_MANAGEMENT_VIEW");
        assertThat(roleOf(provisioned)).isEqualTo("USER_MANAGEMENT_VIEW");
    }

    @Test
    void aRoleIsGrantedOnlyWhenTheCallerHoldsEachOfItsPermissions() {
        defined(owner, AUDITOR);
        PortfolioUser carla = portfolioUser("carla", "AUDITOR");
        PortfolioUser viewer = portfolioUser("viewer", "USER_MANAGEMENT_VIEW");
        UUID newcomer = accountUser("newcomer");
        String newcomerAsEditor =
                "{\"email\":\"%s\",\"role\":\"user_management_edit\"}".formatted(portfolio.email("newcomer"));

        Answer added = call(HttpMethod.POST, carla.token(), path("/portfolio-users"), newcomerAsEditor);
        assertFieldProblem(added, 403, "role");
        assertThat(added.body().path("errors").get(0).path("message").asString())
                .contains("USER_MANAGEMENT_EDIT");
        Answer promoted = call(
                HttpMethod.PUT,
                carla.token(),
                path("/portfolio-users/" + viewer.id() + "/role"),
                "{\"role\":\"USER_MANAGEMENT_EDIT\"}");
        assertFieldProblem(promoted, 403, "role");
        assertThat(rolesViaApi())
                .doesNotContainKey(portfolio.email("newcomer"))
                .containsEntry(viewer.email(), "USER_MANAGEMENT_VIEW");
        assertThat(actorsOfTheLog()).containsOnly(portfolio.email("owner"));

        // Her own role manages portfolio users: only the Owner gives that. Fewer permissions she may give.
        Answer sameAsHers = call(
                HttpMethod.PUT,
                carla.token(),
                path("/portfolio-users/" + viewer.id() + "/role"),
                "{\"role\":\"AUDITOR\"}");
        assertFieldProblem(sameAsHers, 403, "role");
        assertThat(sameAsHers.body().path("errors").get(0).path("message").asString())
                .contains("only the Portfolio Owner grants such a role");
        assertThat(call(
                                HttpMethod.POST,
                                carla.token(),
                                path("/portfolio-users"),
                                newcomerAsEditor.replace("user_management_edit", "USER_MANAGEMENT_VIEW"))
                        .status())
                .isEqualTo(201);
        assertThat(rolesViaApi())
                .containsEntry(viewer.email(), "USER_MANAGEMENT_VIEW")
                .containsEntry(portfolio.email("newcomer"), "USER_MANAGEMENT_VIEW");
        assertThat(roleOf(newcomer)).isEqualTo("USER_MANAGEMENT_VIEW");
    }

    @Test
    void aPortfolioUserHoldingAPermissionTheCallerLacksIsNeitherChangedNorRemoved() {
        defined(owner, AUDITOR);
        PortfolioUser carla = portfolioUser("carla", "AUDITOR");
        PortfolioUser editor = portfolioUser("editor", "USER_MANAGEMENT_EDIT");

        Answer demoted = call(
                HttpMethod.PUT,
                carla.token(),
                path("/portfolio-users/" + editor.id() + "/role"),
                "{\"role\":\"USER_MANAGEMENT_VIEW\"}");
        Answer removed = call(HttpMethod.DELETE, carla.token(), path("/portfolio-users/" + editor.id()), null);

        for (Answer refused : List.of(demoted, removed)) {
            assertProblem(refused, 403);
            assertThat(refused.body().path("detail").asString()).contains(editor.email(), "USER_MANAGEMENT_EDIT");
        }
        assertThat(rolesViaApi()).containsEntry(editor.email(), "USER_MANAGEMENT_EDIT");
        assertThat(actorsOfTheLog()).containsOnly(portfolio.email("owner"));
    }

    @Test
    void noOneButTheOwnerChangesTheirOwnRoleAndLeavingStaysOpen() {
        defined(owner, """
                {"code":"MANAGER","name":"Manager","permissions":
                 ["USER_MANAGEMENT_VIEW","USER_MANAGEMENT_EDIT","PORTFOLIO_USERS_MANAGE"]}
                """);
        PortfolioUser manager = portfolioUser("manager", "MANAGER");
        PortfolioUser admin = portfolioUser("admin", "ADMIN");

        for (String role : List.of("USER_MANAGEMENT_VIEW", "MANAGER")) {
            assertProblem(
                    call(
                            HttpMethod.PUT,
                            manager.token(),
                            path("/portfolio-users/" + manager.id() + "/role"),
                            "{\"role\":\"%s\"}".formatted(role)),
                    403);
        }
        assertProblem(
                call(
                        HttpMethod.PUT,
                        admin.token(),
                        path("/portfolio-users/" + admin.id() + "/role"),
                        "{\"role\":\"MANAGER\"}"),
                403);
        assertThat(rolesViaApi()).containsEntry(manager.email(), "MANAGER").containsEntry(admin.email(), "ADMIN");
        assertThat(actorsOfTheLog()).containsOnly(portfolio.email("owner"));

        // Leaving harms no one: a portfolio user who is not an Admin may remove themselves.
        assertThat(call(HttpMethod.DELETE, manager.token(), path("/portfolio-users/" + manager.id()), null)
                        .status())
                .isEqualTo(204);
        assertThat(rolesViaApi()).doesNotContainKey(manager.email());
    }

    @Test
    void aCallerLoweredThroughAnotherGatewayIsHeldToTheirNewRoleDespiteTheCache() {
        defined(owner, AUDITOR);
        PortfolioUser admin = portfolioUser("admin", "ADMIN");
        PortfolioUser editor = portfolioUser("editor", "USER_MANAGEMENT_EDIT");
        // This gateway now caches the Admin's permissions.
        assertThat(call(HttpMethod.GET, admin.token(), path("/portfolio-users"), null)
                        .status())
                .isEqualTo(200);

        // As another gateway instance would: the change reaches the database, not this instance's cache.
        jdbc.sql("UPDATE jobs.portfolio_users SET role = 'AUDITOR' WHERE portfolio_id = :p AND user_id = :u")
                .param("p", portfolio.id())
                .param("u", admin.id())
                .update();

        assertFieldProblem(call(HttpMethod.POST, admin.token(), path("/portfolio-roles"), SUPER), 403, "permissions");
        assertProblem(
                call(
                        HttpMethod.PUT,
                        admin.token(),
                        path("/portfolio-users/" + editor.id() + "/role"),
                        "{\"role\":\"AUDITOR\"}"),
                403);
        assertProblem(call(HttpMethod.DELETE, admin.token(), path("/portfolio-users/" + editor.id()), null), 403);

        // Lowered to a role that manages no one, they manage no one.
        jdbc.sql(
                        "UPDATE jobs.portfolio_users SET role = 'USER_MANAGEMENT_EDIT' WHERE portfolio_id = :p AND user_id = :u")
                .param("p", portfolio.id())
                .param("u", admin.id())
                .update();
        assertProblem(
                call(
                        HttpMethod.POST,
                        admin.token(),
                        path("/portfolio-users"),
                        "{\"email\":\"%s\",\"role\":\"USER_MANAGEMENT_VIEW\"}".formatted(portfolio.email("newcomer"))),
                403);
        assertThat(customRoles()).containsExactly("AUDITOR");
        assertThat(rolesViaApi()).containsEntry(editor.email(), "USER_MANAGEMENT_EDIT");
        assertThat(actorsOfTheLog()).containsOnly(portfolio.email("owner"));
    }

    /**
     * An Admin who grants ADMIN, to a newcomer or as a role change, is refused with a 403 naming
     * {@code role}, as every other refused grant: before, its {@code errors} were empty and the detail
     * spoke of changing and removing as well. Changing another Admin's role is still refused as such,
     * with no field, and nothing is written.
     */
    @Test
    void anAdminGrantingAdminIsRefusedNamingTheRole() {
        PortfolioUser admin = portfolioUser("admin", "ADMIN");
        PortfolioUser viewer = portfolioUser("viewer", "USER_MANAGEMENT_VIEW");
        PortfolioUser other = portfolioUser("other", "ADMIN");
        accountUser("newcomer");

        Answer added = call(
                HttpMethod.POST,
                admin.token(),
                path("/portfolio-users"),
                "{\"email\":\"%s\",\"role\":\"ADMIN\"}".formatted(portfolio.email("newcomer")));
        Answer raised = call(
                HttpMethod.PUT,
                admin.token(),
                path("/portfolio-users/" + viewer.id() + "/role"),
                "{\"role\":\"admin\"}");

        for (Answer refused : List.of(added, raised)) {
            assertFieldProblem(refused, 403, "role");
            assertThat(refused.body().path("errors").get(0).path("message").asString())
                    .as(refused.text())
                    .contains("only the Portfolio Owner grants ADMIN");
        }
        Answer lowered = call(
                HttpMethod.PUT,
                admin.token(),
                path("/portfolio-users/" + other.id() + "/role"),
                "{\"role\":\"USER_MANAGEMENT_VIEW\"}");
        assertFieldProblem(lowered, 403);
        assertThat(lowered.body().path("detail").asString())
                .isEqualTo("Only the Portfolio Owner changes or removes an Admin");
        assertThat(rolesViaApi())
                .doesNotContainKey(portfolio.email("newcomer"))
                .containsEntry(viewer.email(), "USER_MANAGEMENT_VIEW")
                .containsEntry(other.email(), "ADMIN");
        assertThat(actorsOfTheLog()).isEmpty();
    }

    @Test
    void anAdminGrantsARoleOfSomeOfTheirPermissionsButOnlyTheOwnerOneThatManagesPortfolioUsers() {
        PortfolioUser admin = portfolioUser("admin", "ADMIN");
        UUID lee = accountUser("lee");
        UUID ed = accountUser("ed");

        defined(admin.token(), """
                {"code":"CONTENT_EDITOR","name":"Editor","permissions":["USER_MANAGEMENT_VIEW","USER_MANAGEMENT_EDIT"]}
                """);
        Answer granted = call(
                HttpMethod.POST,
                admin.token(),
                path("/portfolio-users"),
                "{\"email\":\"%s\",\"role\":\"content_editor\"}".formatted(portfolio.email("ed")));
        assertThat(granted.status()).as(granted.text()).isEqualTo(201);
        assertThat(roleOf(ed)).isEqualTo("CONTENT_EDITOR");

        // A role with ADMIN's power over portfolio users is no way around the Owner, who alone grants it.
        defined(admin.token(), """
                {"code":"USER_LEAD","name":"User lead","permissions":["USER_MANAGEMENT_VIEW","PORTFOLIO_USERS_MANAGE"]}
                """);
        String leeAsLead = "{\"email\":\"%s\",\"role\":\"user_lead\"}".formatted(portfolio.email("lee"));
        Answer byAdmin = call(HttpMethod.POST, admin.token(), path("/portfolio-users"), leeAsLead);
        assertFieldProblem(byAdmin, 403, "role");
        assertThat(rolesViaApi()).doesNotContainKey(portfolio.email("lee"));
        assertThat(actorsOfTheLog()).containsOnly(portfolio.email("admin"));
        Answer byOwner = call(HttpMethod.POST, owner, path("/portfolio-users"), leeAsLead);
        assertThat(byOwner.status()).as(byOwner.text()).isEqualTo(201);
        assertThat(rolesViaApi()).containsEntry(portfolio.email("lee"), "USER_LEAD");

        // The new User lead hands out what they hold, no more.
        String leeToken = tokenOf(lee, portfolio.email("lee"));
        UUID vera = accountUser("vera");
        String addVera = "{\"email\":\"%s\",\"role\":\"%s\"}";
        assertFieldProblem(
                call(
                        HttpMethod.POST,
                        leeToken,
                        path("/portfolio-users"),
                        addVera.formatted(portfolio.email("vera"), "USER_MANAGEMENT_EDIT")),
                403,
                "role");
        assertThat(call(
                                HttpMethod.POST,
                                leeToken,
                                path("/portfolio-users"),
                                addVera.formatted(portfolio.email("vera"), "USER_MANAGEMENT_VIEW"))
                        .status())
                .isEqualTo(201);
        assertThat(roleOf(vera)).isEqualTo("USER_MANAGEMENT_VIEW");
    }

    private Answer addAsViewer(String token, String email) {
        return call(
                HttpMethod.POST,
                token,
                path("/portfolio-users"),
                "{\"email\":\"%s\",\"role\":\"USER_MANAGEMENT_VIEW\"}".formatted(email));
    }

    /** The user as the portfolio's identity provider linked them, and maybe deleted them since. */
    private void scimUser(UUID portfolioId, UUID userId, boolean deleted) {
        jdbc.sql("""
                        INSERT INTO jobs.scim_users (portfolio_id, user_id, active, deleted_at)
                        VALUES (?, ?, ?, CASE WHEN ? THEN now() END)
                        """).params(portfolioId, userId, !deleted, deleted).update();
    }

    /** Defines a custom portfolio role as the caller, asserting it was defined. */
    private void defined(String token, String role) {
        Answer defined = call(HttpMethod.POST, token, path("/portfolio-roles"), role);
        assertThat(defined.status()).as(defined.text()).isEqualTo(201);
    }

    private PortfolioUser portfolioUser(String name, String role) {
        UUID id = portfolio.user(name);
        storePortfolioUser(id, portfolio.email(name), role);
        return new PortfolioUser(id, portfolio.email(name), tokenOf(id, portfolio.email(name)));
    }

    /** The portfolio's custom roles, as the API lists them to the Owner. */
    private List<String> customRoles() {
        return call(HttpMethod.GET, owner, path("/portfolio-roles"), null).body().path("items").values().stream()
                .filter(role -> role.path("custom").asBoolean())
                .map(role -> role.path("code").asString())
                .toList();
    }

    /** Each portfolio user's role by e-mail address, as the API lists them to the Owner. */
    private Map<String, String> rolesViaApi() {
        Answer users = call(HttpMethod.GET, owner, path("/portfolio-users"), null);
        assertThat(users.status()).as(users.text()).isEqualTo(200);
        return users.body().path("items").values().stream()
                .collect(Collectors.toMap(
                        user -> user.path("email").asString(),
                        user -> user.path("role").asString()));
    }

    /** Who made the administration log's entries. */
    private List<String> actorsOfTheLog() {
        return call(HttpMethod.GET, owner, path("/admin-log"), null).body().path("items").values().stream()
                .map(entry -> entry.path("actorEmail").asString())
                .toList();
    }
}

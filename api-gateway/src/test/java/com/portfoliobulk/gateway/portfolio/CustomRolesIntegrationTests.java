package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.HeldWrites;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * Custom portfolio roles grant their named permissions; custom account roles are accepted by bulk
 * invitations and role changes of their own portfolio only; a role in use cannot be deleted, and the
 * problem says how many hold it.
 */
class CustomRolesIntegrationTests extends PortfolioAdministrationTest {

    private static final String REGIONAL_LEAD = """
            {"code":"regional_lead","name":"Regional lead","description":"Runs campaigns of a region",
             "permissions":["VIEW_ACCOUNT","MANAGE_CAMPAIGNS","view_reports"]}
            """;

    /**
     * A role's name (200) and description (1,000) are counted in characters as their reader and the
     * database count them: an emoji is one.
     */
    @Test
    void aRolesNameAndDescriptionAreCountedInCharactersNotUtf16Units() {
        String rocket = "\uD83D\uDE80";
        Answer defined = call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                {"code":"LAUNCH","name":"%s","description":"%s","permissions":["USER_MANAGEMENT_VIEW"]}
                """.formatted(
                        rocket.repeat(200), rocket.repeat(1000)));
        assertThat(defined.status()).as(defined.text()).isEqualTo(201);
        assertThat(defined.body().path("name").asString()).isEqualTo(rocket.repeat(200));

        assertFieldProblem(
                call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                        {"code":"LAUNCH2","name":"%s","permissions":["USER_MANAGEMENT_VIEW"]}
                        """.formatted(rocket.repeat(201))), 422, "name");
        assertFieldProblem(
                call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                        {"code":"LAUNCH3","name":"Launch","description":"%s","permissions":["USER_MANAGEMENT_VIEW"]}
                        """.formatted(rocket.repeat(1001))),
                422,
                "description");
    }

    /**
     * Half of a surrogate pair on its own is no character, and the database would store it as '?': a
     * role whose name or description has one is refused naming the field, and nothing is stored. A
     * whole pair (an emoji) is a character and reads back as it was sent.
     */
    @Test
    void aLoneSurrogateInARolesTextIsRefusedNamingTheFieldWhileAnEmojiIsKept() {
        Answer inName = call(HttpMethod.POST, owner, path("/account-roles"), """
                {"code":"LONE","name":"Lead\\ud800","permissions":["VIEW_ACCOUNT"]}
                """);
        Answer inDescription = call(HttpMethod.POST, owner, path("/account-roles"), """
                {"code":"LONE","name":"Lead","description":"\\udfffRuns a region","permissions":["VIEW_ACCOUNT"]}
                """);
        Answer emoji = call(HttpMethod.POST, owner, path("/account-roles"), """
                {"code":"SMILE","name":"Lead \\ud83d\\ude00","permissions":["VIEW_ACCOUNT"]}
                """);

        assertFieldProblem(inName, 400, "name");
        assertThat(inName.body().path("errors").get(0).path("message").asString())
                .isEqualTo("may not contain half of a surrogate pair without the other (U+D800 at position 5);"
                        + " send the whole character or remove it");
        assertFieldProblem(inDescription, 400, "description");
        assertThat(emoji.status()).as(emoji.text()).isEqualTo(201);
        assertThat(emoji.body().path("name").asString()).isEqualTo("Lead \uD83D\uDE00");
        assertThat(call(HttpMethod.GET, owner, path("/account-roles"), null)
                        .body()
                        .path("items")
                        .values())
                .extracting(role ->
                        role.path("code").asString() + " " + role.path("name").asString())
                .contains("SMILE Lead \uD83D\uDE00")
                .noneMatch(role -> role.startsWith("LONE"));
    }

    @Test
    void aCustomPortfolioRoleGrantsItsPermissionsAndCannotBeDeletedWhileHeld() {
        Answer defined = call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                {"code":"AUDITOR","name":"Auditor","permissions":["USER_MANAGEMENT_VIEW","PORTFOLIO_USERS_MANAGE"]}
                """);
        assertThat(defined.status()).as(defined.text()).isEqualTo(201);
        assertFieldProblem(call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                        {"code":"SNEAKY","name":"Sneaky","permissions":["USER_MANAGEMENT_VIEW","OWNER"]}
                        """), 422, "permissions[1]");
        assertFieldProblem(call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                        {"code":"ADMIN","name":"Another admin","permissions":["USER_MANAGEMENT_VIEW"]}
                        """), 422, "code");
        Answer twice = call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                {"code":"ECHO","name":"Echo","permissions":["USER_MANAGEMENT_VIEW","PORTFOLIO_USERS_MANAGE","user_management_view"]}
                """);
        assertFieldProblem(twice, 422, "permissions[2]");
        assertThat(twice.text()).contains("listed twice (also permissions[0])");
        assertProblem(call(HttpMethod.DELETE, owner, path("/portfolio-roles/ECHO"), null), 404);

        UUID auditorId = accountUser("auditor");
        Answer added = call(
                HttpMethod.POST,
                owner,
                path("/portfolio-users"),
                "{\"email\":\"%s\",\"role\":\"auditor\"}".formatted(portfolio.email("auditor")));
        assertThat(added.status()).as(added.text()).isEqualTo(201);
        assertThat(added.body().path("permissions").values())
                .extracting(node -> node.asString())
                .containsExactlyInAnyOrder("USER_MANAGEMENT_VIEW", "PORTFOLIO_USERS_MANAGE");
        String auditor = tokenOf(auditorId, portfolio.email("auditor"));
        assertThat(call(HttpMethod.GET, auditor, path("/portfolio-users"), null).status())
                .isEqualTo(200);
        assertProblem(call(HttpMethod.GET, auditor, path("/account-roles"), null), 403);

        Answer inUse = call(HttpMethod.DELETE, owner, path("/portfolio-roles/AUDITOR"), null);
        assertProblem(inUse, 409);
        assertThat(inUse.body().path("detail").asString()).contains("held by 1 portfolio user");

        call(
                HttpMethod.PUT,
                owner,
                path("/portfolio-users/" + auditorId + "/role"),
                "{\"role\":\"USER_MANAGEMENT_VIEW\"}");
        assertThat(call(HttpMethod.DELETE, owner, path("/portfolio-roles/AUDITOR"), null)
                        .status())
                .isEqualTo(204);
        assertProblem(call(HttpMethod.GET, auditor, path("/portfolio-users"), null), 403);
        assertThat(call(HttpMethod.GET, owner, path("/admin-log"), null)
                        .body()
                        .path("items")
                        .values())
                .extracting(entry -> entry.path("action").asString() + " "
                        + entry.path("detail").asString())
                .containsSubsequence(
                        "PORTFOLIO_ROLE_CHANGED role Auditor -> User Management VIEW",
                        "PORTFOLIO_USER_ADDED added with role Auditor");
    }

    @Test
    void aRoleThatAdministersWithoutUserManagementReadsNoUsersAccountsJobsOrActivity() {
        UUID alpha = portfolio.account("Alpha");
        UUID ann = portfolio.user("ann");
        portfolio.member(alpha, ann, AccountRole.ANALYST);
        Answer job = api.post(owner, jobsPath(portfolio.id()), UUID.randomUUID().toString(), """
                {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":["%s"],"role":"MANAGER"}
                """.formatted(ann, alpha));
        assertThat(job.status()).as(job.text()).isEqualTo(202);
        String jobId = job.body().path("jobId").asString();
        for (String role : List.of("""
                {"code":"ROLE_DESIGNER","name":"Role designer","permissions":["ACCOUNT_ROLES_MANAGE"]}""", """
                {"code":"TEAM_ADMIN","name":"Team admin","permissions":["PORTFOLIO_USERS_MANAGE"]}""", """
                {"code":"READER","name":"Reader","permissions":["USER_MANAGEMENT_VIEW","ACCOUNT_ROLES_MANAGE"]}""")) {
            Answer defined = call(HttpMethod.POST, owner, path("/portfolio-roles"), role);
            assertThat(defined.status()).as(defined.text()).isEqualTo(201);
        }
        String designer = storedPortfolioUser("designer", "ROLE_DESIGNER");
        String teamAdmin = storedPortfolioUser("team-admin", "TEAM_ADMIN");
        String reader = storedPortfolioUser("reader", "READER");
        List<String> reads = List.of(
                path("/users"),
                path("/users/" + ann),
                path("/accounts"),
                path("/accounts/" + alpha + "/activity-log"),
                jobsPath(portfolio.id()),
                jobsPath(portfolio.id()) + "/" + jobId,
                jobsPath(portfolio.id()) + "/" + jobId + "/tasks");

        for (String read : reads) {
            for (String administrator : List.of(designer, teamAdmin)) {
                Answer refused = call(HttpMethod.GET, administrator, read, null);
                assertProblem(refused, 403);
                assertThat(refused.body().path("detail").asString())
                        .as(read)
                        .contains("needs the Portfolio Owner, User Management EDIT or User Management VIEW");
            }
            // The activity log is the audit-consumer's, which these tests do not run: past the permission
            // check, the gateway answers that it is unavailable.
            assertThat(call(HttpMethod.GET, reader, read, null).status())
                    .as("%s for a role with User Management VIEW", read)
                    .isEqualTo(read.endsWith("/activity-log") ? 503 : 200);
        }
        // What each role is for still works.
        assertThat(call(HttpMethod.GET, designer, path("/account-roles"), null).status())
                .isEqualTo(200);
        assertThat(call(HttpMethod.GET, teamAdmin, path("/portfolio-users"), null)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void bulkInvitationsAndRoleChangesAcceptTheirPortfoliosCustomAccountRoles() {
        UUID alpha = portfolio.account("Alpha");
        UUID beta = portfolio.account("Beta");
        UUID ann = portfolio.user("ann");
        portfolio.member(alpha, ann, AccountRole.ANALYST);
        Answer defined = call(HttpMethod.POST, owner, path("/account-roles"), REGIONAL_LEAD);
        assertThat(defined.status()).as(defined.text()).isEqualTo(201);
        assertThat(defined.body().path("code").asString()).isEqualTo("REGIONAL_LEAD");
        List<String> allRoles =
                call(HttpMethod.GET, owner, path("/account-roles"), null).body().path("items").values().stream()
                        .map(role -> role.path("code").asString())
                        .toList();
        assertThat(allRoles).contains("SUPPORT", "REGIONAL_LEAD").endsWith("REGIONAL_LEAD");
        // Pages of two walk the standard roles, then the custom ones, each role once.
        List<String> walked = new ArrayList<>();
        String cursor = "";
        do {
            Answer page = call(HttpMethod.GET, owner, path("/account-roles?limit=2" + cursor), null);
            assertThat(page.status()).as(page.text()).isEqualTo(200);
            page.body()
                    .path("items")
                    .values()
                    .forEach(role -> walked.add(role.path("code").asString()));
            cursor = page.body().get("nextCursor").isNull()
                    ? null
                    : "&cursor=" + page.body().get("nextCursor").asString();
        } while (cursor != null);
        assertThat(walked).isEqualTo(allRoles);

        Answer invited =
                api.post(owner, jobsPath(portfolio.id()), UUID.randomUUID().toString(), """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"regional_lead"}]}
                """.formatted(
                                portfolio.email("newcomer"), beta));
        assertThat(invited.status()).as(invited.text()).isEqualTo(202);
        Answer changed =
                api.post(owner, jobsPath(portfolio.id()), UUID.randomUUID().toString(), """
                {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":["%s"],"role":"REGIONAL_LEAD"}
                """.formatted(ann, alpha));
        assertThat(changed.status()).as(changed.text()).isEqualTo(202);
        assertThat(jdbc.sql("SELECT role FROM jobs.bulk_tasks WHERE portfolio_id = :p ORDER BY seq")
                        .param("p", portfolio.id())
                        .query(String.class)
                        .list())
                .containsExactly("REGIONAL_LEAD", "REGIONAL_LEAD");

        // Another portfolio's custom role, or no role at all by that code: 422 naming the field.
        DirectorySeed.Portfolio other = directory.portfolio();
        jdbc.sql("""
                        INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                        VALUES (:p, 'FRANCHISEE', 'Franchisee', ARRAY['VIEW_ACCOUNT'])
                        """).param("p", other.id()).update();
        Answer foreign =
                api.post(owner, jobsPath(portfolio.id()), UUID.randomUUID().toString(), """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"FRANCHISEE"}]}
                """.formatted(
                                portfolio.email("other"), beta));
        assertFieldProblem(foreign, 422, "accounts[0].role");
        assertThat(foreign.body().path("errors").get(0).path("message").asString())
                .contains("Unknown role 'FRANCHISEE'", "REGIONAL_LEAD");
        // The rules stay: no one becomes Owner through a bulk job.
        assertFieldProblem(
                api.post(owner, jobsPath(portfolio.id()), UUID.randomUUID().toString(), """
                        {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":["%s"],"role":"owner"}
                        """.formatted(ann, alpha)),
                422,
                "role");
    }

    @Test
    void noAccessIsNoCustomRoleCodeBecauseTheConsoleRemovesAccessWithIt() {
        Map<String, String> permissionOf =
                Map.of("/account-roles", "VIEW_ACCOUNT", "/portfolio-roles", "USER_MANAGEMENT_VIEW");
        for (String roles : permissionOf.keySet()) {
            for (String code : List.of("NO_ACCESS", " no_access ")) {
                Answer refused =
                        call(HttpMethod.POST, owner, path(roles), """
                        {"code":"%s","name":"No access","permissions":["%s"]}
                        """.formatted(code, permissionOf.get(roles)));

                assertFieldProblem(refused, 422, "code");
                assertThat(refused.body().path("errors").get(0).path("message").asString())
                        .as(roles)
                        .contains("NO_ACCESS");
            }
            assertThat(call(HttpMethod.GET, owner, path(roles), null).text())
                    .as(roles)
                    .doesNotContain("NO_ACCESS");
        }
    }

    /**
     * A custom account role is told apart by its name wherever roles are picked: a name that is a
     * standard role's ("Owner", offered to an EDIT administrator where the real Owner never is), in
     * English or in any language invitations are written in ("Administrateur", "Inhaber", which a French
     * or German invitation shows for the real Admin and Owner), or another custom role's is refused, in
     * any case.
     */
    @Test
    void aCustomAccountRolesNameIsNeitherAStandardRolesNorAnotherCustomRoles() {
        call(HttpMethod.POST, owner, path("/account-roles"), REGIONAL_LEAD);

        // A standard role's name in any language of the invitations: a French invitation to a view-only
        // "Administrateur" would read as one to the real Admin.
        for (String name : List.of(
                "Owner",
                " manager ",
                "CAMPAIGN COORDINATOR",
                "No access",
                "regional LEAD",
                "Administrateur",
                "Propri\u00e9taire",
                "Inhaber",
                "propietario",
                "Coordinador de campa\u00f1as")) {
            Answer refused = call(HttpMethod.POST, owner, path("/account-roles"), """
                    {"code":"LOOKALIKE","name":"%s","permissions":["VIEW_ACCOUNT"]}
                    """.formatted(name));
            assertFieldProblem(refused, 422, "name");
            assertThat(refused.body().path("errors").get(0).path("message").asString())
                    .as(name)
                    .contains("'" + name.strip() + "'", "another name");
        }
        assertThat(call(HttpMethod.POST, owner, path("/account-roles"), """
                        {"code":"LOOKALIKE","name":"Regional lead EMEA","permissions":["VIEW_ACCOUNT"]}
                        """).status())
                .isEqualTo(201);
    }

    /**
     * A custom role's name that reads as a fixed role's or another custom role's is refused as that name
     * is. "Owner" with an invisible character in it (U+200B, U+2060, U+FEFF, a soft hyphen, or a code
     * point kept default ignorable for characters still to come: U+FFF0, U+2065, U+E0000) is refused
     * naming the character; "Owner" in full-width letters, "Campaign coordinator" or "User Management
     * VIEW" with a no-break space, "Regional lead" with an ideographic space, "Café lead" with its
     * accent sent apart, are refused naming the role they read as; a name of Unicode spaces only, or
     * of a character that shows nothing, is no name. Each used to be kept, and the role lists and the
     * invitation e-mails offered a second "Owner", or a role without a name. A name with its accent
     * sent apart and no-break spaces around it is kept composed and without them.
     */
    @Test
    void aCustomRolesNameThatReadsAsAnotherRolesOrAsNoneIsRefused() {
        call(HttpMethod.POST, owner, path("/account-roles"), REGIONAL_LEAD);
        Answer cafe = call(HttpMethod.POST, owner, path("/account-roles"), """
                {"code":"CAFE","name":"Caf\u00e9 lead","permissions":["VIEW_ACCOUNT"]}
                """);
        assertThat(cafe.status()).as(cafe.text()).isEqualTo(201);

        Map<String, String> invisible = Map.of(
                "Owner\\u200B", "U+200B at position 6",
                "Owner\\u2060", "U+2060 at position 6",
                "\\uFEFFOwner", "U+FEFF at position 1",
                "Own\\u00ADer", "U+00AD at position 4",
                "Owner\\uFFF0", "U+FFF0 at position 6",
                "Owner\\u2065", "U+2065 at position 6",
                "Owner\\uDB40\\uDC00", "U+E0000 at position 6");
        invisible.forEach((name, character) -> {
            Answer refused = call(HttpMethod.POST, owner, path("/account-roles"), """
                    {"code":"FAKE_OWNER","name":"%s","permissions":["VIEW_ACCOUNT"]}
                    """.formatted(name));
            assertFieldProblem(refused, 422, "name");
            assertThat(refused.body().path("errors").get(0).path("message").asString())
                    .as(name)
                    .isEqualTo("may not contain invisible characters (" + character
                            + "), with which a name reads as another or as none; remove it");
        });

        Map<String, String> lookalikes = Map.of(
                "\\uFF2F\\uFF57\\uFF4E\\uFF45\\uFF52",
                " reads as 'Owner', the name of a built-in account role",
                "Campaign\\u00A0coordinator",
                " reads as 'Campaign coordinator', the name of a built-in account role",
                "Regional\\u3000lead",
                " reads as 'Regional lead', the name of another account role",
                "Cafe\\u0301 LEAD",
                "'Caf\u00e9 LEAD' is the name of another account role",
                "No\\u2007access",
                " reads as 'No access', the name of a built-in account role (or of removing access)");
        lookalikes.forEach((name, problem) -> {
            Answer refused = call(HttpMethod.POST, owner, path("/account-roles"), """
                    {"code":"LOOKALIKE","name":"%s","permissions":["VIEW_ACCOUNT"]}
                    """.formatted(name));
            assertFieldProblem(refused, 422, "name");
            assertThat(refused.body().path("errors").get(0).path("message").asString())
                    .as(name)
                    .contains(problem, "; choose another name");
        });
        Answer viewThatEdits = call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                {"code":"LOOKALIKE","name":"User\\u00A0Management VIEW","permissions":["USER_MANAGEMENT_VIEW","USER_MANAGEMENT_EDIT"]}
                """);
        assertFieldProblem(viewThatEdits, 422, "name");
        assertThat(viewThatEdits.body().path("errors").get(0).path("message").asString())
                .contains(" reads as 'User Management VIEW', the name of a built-in portfolio role");

        for (String name : List.of("\\u00A0", "\\u200B", " \\u3000\\u2007 ", "\\u3164")) {
            for (String roles : List.of("/account-roles", "/portfolio-roles")) {
                Answer refused = call(HttpMethod.POST, owner, path(roles), """
                        {"code":"BLANK","name":"%s","permissions":["%s"]}
                        """.formatted(
                                name, roles.equals("/account-roles") ? "VIEW_ACCOUNT" : "USER_MANAGEMENT_VIEW"));
                assertFieldProblem(refused, 422, "name");
                assertThat(refused.body().path("errors").get(0).path("message").asString())
                        .as(roles + " " + name)
                        .isEqualTo("is required: 1 to 200 characters, not only spaces or invisible ones");
            }
        }
        assertThat(roleCodes("jobs.account_roles")).containsExactlyInAnyOrder("REGIONAL_LEAD", "CAFE");
        assertThat(roleCodes("jobs.portfolio_roles")).isEmpty();
        assertThat(call(HttpMethod.GET, owner, path("/account-roles"), null)
                        .body()
                        .path("items")
                        .values())
                .extracting(role -> role.path("name").asString())
                .containsOnlyOnce("Owner")
                .doesNotContain("");

        Answer decomposed = call(HttpMethod.POST, owner, path("/account-roles"), """
                {"code":"NORD","name":"\\u00A0Re\\u0301gion Nord\\u3000","permissions":["VIEW_ACCOUNT"]}
                """);
        assertThat(decomposed.status()).as(decomposed.text()).isEqualTo(201);
        assertThat(decomposed.body().path("name").asString()).isEqualTo("R\u00e9gion Nord");
        assertThat(jdbc.sql("SELECT name FROM jobs.account_roles WHERE portfolio_id = ? AND code = 'NORD'")
                        .param(portfolio.id())
                        .query(String.class)
                        .single())
                .isEqualTo("R\u00e9gion Nord");
    }

    /**
     * An Admin lowered to User Management VIEW through another gateway (written straight to the database
     * here) is still an Admin in this gateway's permission cache for a few seconds: they can no longer
     * define or delete account roles with the permission they lost.
     */
    @Test
    void anAdminWhoseRoleWasLoweredMomentsAgoNoLongerManagesAccountRoles() {
        UUID adminId = portfolio.user("admin");
        storePortfolioUser(adminId, portfolio.email("admin"), "ADMIN");
        String admin = tokenOf(adminId, portfolio.email("admin"));
        assertThat(call(HttpMethod.POST, admin, path("/account-roles"), REGIONAL_LEAD)
                        .status())
                .isEqualTo(201);

        jdbc.sql("UPDATE jobs.portfolio_users SET role = 'USER_MANAGEMENT_VIEW' WHERE portfolio_id = ? AND user_id = ?")
                .params(portfolio.id(), adminId)
                .update();

        assertProblem(call(HttpMethod.POST, admin, path("/account-roles"), """
                        {"code":"SECOND","name":"Second","permissions":["VIEW_ACCOUNT"]}
                        """), 403);
        assertProblem(call(HttpMethod.DELETE, admin, path("/account-roles/REGIONAL_LEAD"), null), 403);
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.account_roles WHERE portfolio_id = ?")
                        .param(portfolio.id())
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
    }

    /**
     * A custom portfolio role is told apart by its name too: one named as a built-in role ("User
     * Management VIEW" with the permission to edit) would show a portfolio user as holding less than they
     * do, on the console and in the administration log. Such a name, or another custom portfolio role's,
     * is refused in any case; an account role's name is another list's and stays free.
     */
    @Test
    void aCustomPortfolioRolesNameIsNeitherABuiltInRolesNorAnotherCustomRoles() {
        call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                {"code":"AUDITOR","name":"Auditor","permissions":["USER_MANAGEMENT_VIEW"]}
                """);
        call(HttpMethod.POST, owner, path("/account-roles"), REGIONAL_LEAD);

        for (String name : List.of("User Management VIEW", " admin ", "OWNER", "auditor")) {
            Answer refused = call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                    {"code":"LOOKALIKE","name":"%s","permissions":["USER_MANAGEMENT_VIEW","USER_MANAGEMENT_EDIT"]}
                    """.formatted(name));
            assertFieldProblem(refused, 422, "name");
            assertThat(refused.body().path("errors").get(0).path("message").asString())
                    .as(name)
                    .contains("'" + name.strip() + "'", "portfolio role", "another name");
        }
        assertThat(call(HttpMethod.GET, owner, path("/admin-log"), null).text()).doesNotContain("LOOKALIKE");
        assertThat(call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                        {"code":"LOOKALIKE","name":"Regional lead","permissions":["USER_MANAGEMENT_VIEW"]}
                        """).status())
                .isEqualTo(201);
    }

    /**
     * A role's name is read inside the activity log's and the administration log's sentences: a line
     * break or a character that turns the text's direction is refused, naming the character. Such a name
     * used to be kept, and could make a summary read as another sentence ("... by owner@...").
     */
    @Test
    void aRolesNameIsOneLineWithoutDirectionControls() {
        for (String name :
                List.of("Lead\\u202Ex", "Lead\\nRole of bob@brand.example changed", "Lead\\u2067x", "Lead\\u2028x")) {
            for (String roles : List.of("/account-roles", "/portfolio-roles")) {
                Answer refused = call(HttpMethod.POST, owner, path(roles), """
                        {"code":"SPOOF","name":"%s","permissions":["%s"]}
                        """.formatted(
                                name, roles.equals("/account-roles") ? "VIEW_ACCOUNT" : "USER_MANAGEMENT_VIEW"));

                assertFieldProblem(refused, 422, "name");
                assertThat(refused.body().path("errors").get(0).path("message").asString())
                        .as(roles + " " + name)
                        .startsWith("must be one line, without characters that change the text's direction (U+")
                        .endsWith("at position 5); remove it");
            }
        }
    }

    /**
     * A portfolio role named before names had to be one line: the administration log quotes its name
     * with the line break as U+FFFD (it was quoted as stored, and the entry read as two).
     */
    @Test
    void theAdministrationLogShowsARoleNamedBeforeTheRuleOnOneLine() {
        jdbc.sql("INSERT INTO jobs.portfolio_roles (portfolio_id, code, name, permissions)"
                        + " VALUES (?, 'OLD', ?, ARRAY['USER_MANAGEMENT_VIEW'])")
                .params(portfolio.id(), "Old\nPORTFOLIO_USER_REMOVED")
                .update();
        accountUser("legacy");

        Answer added = call(
                HttpMethod.POST,
                owner,
                path("/portfolio-users"),
                "{\"email\":\"%s\",\"role\":\"OLD\"}".formatted(portfolio.email("legacy")));

        assertThat(added.status()).as(added.text()).isEqualTo(201);
        assertThat(call(HttpMethod.GET, owner, path("/admin-log"), null)
                        .body()
                        .path("items")
                        .get(0)
                        .path("detail")
                        .asString())
                .isEqualTo("added with role Old\uFFFDPORTFOLIO_USER_REMOVED");
    }

    /**
     * Roles named before names had to be one line: the role lists show each line break and direction
     * control of their names as U+FFFD, as the users list and the logs do (they were listed as stored, a
     * console choice reading as two lines or with its words turned around).
     */
    @Test
    void theRoleListsShowRolesNamedBeforeTheRuleOnOneLine() {
        jdbc.sql(
                        "INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)"
                                + " VALUES (?, 'OLD_BREAK', ?, ARRAY['VIEW_ACCOUNT']), (?, 'OLD_TURN', ?, ARRAY['VIEW_ACCOUNT'])")
                .params(portfolio.id(), "Old\nOwner", portfolio.id(), "Old\u202Edael")
                .update();
        jdbc.sql("INSERT INTO jobs.portfolio_roles (portfolio_id, code, name, permissions)"
                        + " VALUES (?, 'OLD', ?, ARRAY['USER_MANAGEMENT_VIEW'])")
                .params(portfolio.id(), "Old\u2029Owner")
                .update();

        Map<String, String> accountRoles = new LinkedHashMap<>();
        call(HttpMethod.GET, owner, path("/account-roles"), null)
                .body()
                .path("items")
                .values()
                .forEach(role -> accountRoles.put(
                        role.path("code").asString(), role.path("name").asString()));
        Map<String, String> portfolioRoles = new LinkedHashMap<>();
        call(HttpMethod.GET, owner, path("/portfolio-roles"), null)
                .body()
                .path("items")
                .values()
                .forEach(role -> portfolioRoles.put(
                        role.path("code").asString(), role.path("name").asString()));

        assertThat(accountRoles)
                .containsEntry("OLD_BREAK", "Old\uFFFDOwner")
                .containsEntry("OLD_TURN", "Old\uFFFDdael");
        assertThat(portfolioRoles).containsEntry("OLD", "Old\uFFFDOwner");
    }

    @Test
    void aCustomAccountRoleHeldByMembershipsCannotBeDeleted() {
        call(HttpMethod.POST, owner, path("/account-roles"), REGIONAL_LEAD);
        UUID alpha = portfolio.account("Alpha");
        UUID beta = portfolio.account("Beta");
        UUID ann = portfolio.user("ann");
        portfolio.member(alpha, ann, new AccountRole("REGIONAL_LEAD"));
        portfolio.member(beta, ann, new AccountRole("REGIONAL_LEAD"));
        assertFieldProblem(call(HttpMethod.POST, owner, path("/account-roles"), """
                        {"code":"MANAGER","name":"Manager again","permissions":["VIEW_ACCOUNT"]}
                        """), 422, "code");
        assertFieldProblem(call(HttpMethod.POST, owner, path("/account-roles"), """
                        {"code":"HELPER","name":"Helper","permissions":["VIEW_ACCOUNT","FLY"]}
                        """), 422, "permissions[1]");
        assertFieldProblem(call(HttpMethod.POST, owner, path("/account-roles"), """
                        {"code":"HELPER","name":"Helper","permissions":["VIEW_ACCOUNT"," view_account "]}
                        """), 422, "permissions[1]");

        Answer inUse = call(HttpMethod.DELETE, owner, path("/account-roles/REGIONAL_LEAD"), null);
        assertProblem(inUse, 409);
        assertThat(inUse.body().path("detail").asString()).contains("held by 2 membership(s)");

        jdbc.sql("UPDATE directory.memberships SET role = 'ANALYST' WHERE user_id = :u")
                .param("u", ann)
                .update();
        assertThat(call(HttpMethod.DELETE, owner, path("/account-roles/regional_lead"), null)
                        .status())
                .isEqualTo(204);
        assertProblem(call(HttpMethod.DELETE, owner, path("/account-roles/REGIONAL_LEAD"), null), 404);
    }

    /** A task still to apply would give the role: the role stays until the task ends. */
    @Test
    void aCustomAccountRoleThatARunningJobGivesCannotBeDeleted() {
        call(HttpMethod.POST, owner, path("/account-roles"), REGIONAL_LEAD);
        Answer invited = invite("regional_lead");
        assertThat(invited.status()).as(invited.text()).isEqualTo(202);

        Answer inUse = call(HttpMethod.DELETE, owner, path("/account-roles/REGIONAL_LEAD"), null);

        assertProblem(inUse, 409);
        assertThat(inUse.body().path("detail").asString()).contains("given by 1 task(s) of running bulk jobs");
        jdbc.sql("UPDATE jobs.bulk_jobs SET status = 'CANCELLED' WHERE portfolio_id = ?")
                .param(portfolio.id())
                .update();
        assertThat(call(HttpMethod.DELETE, owner, path("/account-roles/REGIONAL_LEAD"), null)
                        .status())
                .isEqualTo(204);
    }

    /**
     * An Admin's submission naming a custom account role and the Owner's deletion of the role at the
     * same moment: the submission is held (a trigger sleeps on its job's insert) after it checked the
     * role and before it stores its tasks, while the deletion commits. The submission is then refused;
     * it stores no task that gives a role no longer defined. (The Owner's own submission would hold
     * their portfolio user row until it commits, and their deletion would wait for it, then find the
     * role given by its task.)
     */
    @Test
    void aSubmissionOfACustomAccountRoleDeletedMeanwhileIsRefused() throws Exception {
        call(HttpMethod.POST, owner, path("/account-roles"), REGIONAL_LEAD);
        String admin = storedPortfolioUser("admin", "ADMIN");
        Answer submitted = whileHeld("jobs.bulk_jobs", "NEW.portfolio_id = '" + portfolio.id() + "'", held -> {
            Future<Answer> submission = async(() -> invite(admin, "REGIONAL_LEAD"));
            held.awaitHeld();
            Answer deleted = call(HttpMethod.DELETE, owner, path("/account-roles/REGIONAL_LEAD"), null);
            assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
            return submission.get(30, TimeUnit.SECONDS);
        });

        assertFieldProblem(submitted, 422, "accounts[0].role");
        assertThat(jobCount(portfolio.id())).isZero();
    }

    /**
     * One manager gives a custom portfolio role while another deletes it: the change is held (a
     * trigger sleeps on its update) after it checked the role, while the deletion runs. The deletion
     * waits for it and is refused as the role is now held; no one is left holding a role that no
     * longer exists (whose code a later role would silently give them the permissions of).
     */
    @Test
    void aCustomPortfolioRoleGivenWhileItIsDeletedIsKept() throws Exception {
        Answer defined = call(HttpMethod.POST, owner, path("/portfolio-roles"), """
                {"code":"AUDITOR","name":"Auditor","permissions":["USER_MANAGEMENT_VIEW"]}
                """);
        assertThat(defined.status()).as(defined.text()).isEqualTo(201);
        String admin = storedPortfolioUser("admin", "ADMIN");
        UUID ivyId = portfolio.user("ivy");
        storePortfolioUser(ivyId, portfolio.email("ivy"), "USER_MANAGEMENT_VIEW");

        Answer deleted = whileHeld("jobs.portfolio_users", "NEW.role = 'AUDITOR'", held -> {
            Future<Answer> change = async(() ->
                    call(HttpMethod.PUT, owner, path("/portfolio-users/" + ivyId + "/role"), "{\"role\":\"AUDITOR\"}"));
            held.awaitHeld();
            Answer deletion = call(HttpMethod.DELETE, admin, path("/portfolio-roles/AUDITOR"), null);
            Answer changed = change.get(30, TimeUnit.SECONDS);
            assertThat(changed.status()).as(changed.text()).isEqualTo(200);
            return deletion;
        });

        assertProblem(deleted, 409);
        assertThat(roleOf(ivyId)).isEqualTo("AUDITOR");
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.portfolio_roles WHERE portfolio_id = ? AND code = 'AUDITOR'")
                        .param(portfolio.id())
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
    }

    /**
     * Two account roles defined at once under one name in two spellings: the first is held (a trigger
     * sleeps on its insert) after it found the name free, while the second is defined. The second
     * waits for it and is refused, so the role lists never offer two roles by one name.
     */
    @Test
    void twoAccountRolesDefinedAtOnceUnderOneNameAreNotBothKept() throws Exception {
        List<Answer> answers = twoAccountRolesAtOnce("LEAD_A", """
                {"code":"lead_a","name":"Regional lead","permissions":["VIEW_ACCOUNT"]}
                """, """
                {"code":"lead_b","name":"regional LEAD","permissions":["VIEW_ACCOUNT"]}
                """);

        assertThat(answers.get(0).status()).as(answers.get(0).text()).isEqualTo(201);
        assertFieldProblem(answers.get(1), 422, "name");
        assertThat(jdbc.sql("SELECT code FROM jobs.account_roles WHERE portfolio_id = ?")
                        .param(portfolio.id())
                        .query(String.class)
                        .list())
                .containsExactly("LEAD_A");
    }

    /**
     * Every custom role of a portfolio is read whenever its roles are checked, so a portfolio has at
     * most 100 of each kind: one more is refused (409 naming the limit and `code`) and not stored, until
     * one is deleted. A problem listing the roles to choose from names the first 20 and how many more.
     */
    @Test
    void aPortfolioHasAtMostAHundredCustomRolesOfEachKind() {
        Map<String, String> permissionOf =
                Map.of("/account-roles", "VIEW_ACCOUNT", "/portfolio-roles", "USER_MANAGEMENT_VIEW");
        for (String roles : permissionOf.keySet()) {
            String table = "jobs." + roles.substring(1).replace('-', '_');
            fillRoles(table, 99, permissionOf.get(roles));
            Answer hundredth = call(HttpMethod.POST, owner, path(roles), """
                    {"code":"HUNDREDTH","name":"Hundredth","permissions":["%s"]}
                    """.formatted(permissionOf.get(roles)));
            assertThat(hundredth.status()).as(roles + " " + hundredth.text()).isEqualTo(201);

            Answer refused = call(HttpMethod.POST, owner, path(roles), """
                    {"code":"ONE_MORE","name":"One more","permissions":["%s"]}
                    """.formatted(permissionOf.get(roles)));

            assertFieldProblem(refused, 409, "code");
            assertThat(refused.body().path("detail").asString())
                    .as(roles)
                    .contains("at most 100 custom", "delete one first");
            assertThat(roleCodes(table)).as(roles).hasSize(100).doesNotContain("ONE_MORE");

            assertThat(call(HttpMethod.DELETE, owner, path(roles + "/ROLE_1"), null)
                            .status())
                    .isEqualTo(204);
            Answer again = call(HttpMethod.POST, owner, path(roles), """
                    {"code":"ONE_MORE","name":"One more","permissions":["%s"]}
                    """.formatted(permissionOf.get(roles)));
            assertThat(again.status()).as(roles + " " + again.text()).isEqualTo(201);
        }

        UUID ivyId = portfolio.user("ivy");
        storePortfolioUser(ivyId, portfolio.email("ivy"), "USER_MANAGEMENT_VIEW");
        Answer notARole =
                call(HttpMethod.PUT, owner, path("/portfolio-users/" + ivyId + "/role"), "{\"role\":\"NOPE\"}");
        assertFieldProblem(notARole, 422, "role");
        // The three built-in roles one may give, then the 100 custom ones.
        assertThat(notARole.body().path("errors").get(0).path("message").asString())
                .contains("choose one of [ADMIN, ", "] and 83 more");
        Answer unknown = invite("NOPE");
        assertFieldProblem(unknown, 422, "accounts[0].role");
        assertThat(unknown.body().path("errors").get(0).path("message").asString())
                .contains("Unknown role 'NOPE'", "custom roles [HUNDREDTH, ", "] and 80 more");
    }

    /**
     * Two account roles defined at once with room for one: the first is held (a trigger sleeps on its
     * insert) after it found room, while the second is defined. The second waits for it and is
     * refused, so the portfolio never has more than 100.
     */
    @Test
    void twoAccountRolesDefinedAtOnceForTheLastRoomAreNotBothKept() throws Exception {
        fillRoles("jobs.account_roles", 99, "VIEW_ACCOUNT");
        List<Answer> answers = twoAccountRolesAtOnce("LAST_A", """
                {"code":"last_a","name":"Last A","permissions":["VIEW_ACCOUNT"]}
                """, """
                {"code":"last_b","name":"Last B","permissions":["VIEW_ACCOUNT"]}
                """);

        assertThat(answers.get(0).status()).as(answers.get(0).text()).isEqualTo(201);
        assertFieldProblem(answers.get(1), 409, "code");
        assertThat(roleCodes("jobs.account_roles")).hasSize(100).contains("LAST_A");
    }

    /** Custom roles ROLE_1 to ROLE_{count} of the portfolio under test, straight in the database. */
    private void fillRoles(String table, int count, String permission) {
        jdbc.sql(
                        "INSERT INTO " + table + " (portfolio_id, code, name, permissions)"
                                + " SELECT :p, 'ROLE_' || n, 'Role ' || n, ARRAY[:permission] FROM generate_series(1, :count) n")
                .param("p", portfolio.id())
                .param("permission", permission)
                .param("count", count)
                .update();
    }

    private List<String> roleCodes(String table) {
        return jdbc.sql("SELECT code FROM " + table + " WHERE portfolio_id = ?")
                .param(portfolio.id())
                .query(String.class)
                .list();
    }

    private Answer invite(String role) {
        return invite(owner, role);
    }

    private Answer invite(String token, String role) {
        return api.post(token, jobsPath(portfolio.id()), UUID.randomUUID().toString(), """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"%s"}]}
                """.formatted(
                        portfolio.email("newcomer"), portfolio.account("Gamma"), role));
    }

    private static <T> Future<T> async(Callable<T> call) {
        FutureTask<T> task = new FutureTask<>(call);
        Thread.startVirtualThread(task);
        return task;
    }

    /**
     * Defines two account roles at once: the first ({@code firstBody}, of the code {@code heldCode}) is
     * held on its insert while the second is defined. Their answers, first and second.
     */
    private List<Answer> twoAccountRolesAtOnce(String heldCode, String firstBody, String secondBody) throws Exception {
        return whileHeld("jobs.account_roles", "NEW.code = '" + heldCode + "'", held -> {
            Future<Answer> first = async(() -> call(HttpMethod.POST, owner, path("/account-roles"), firstBody));
            held.awaitHeld();
            Answer second = call(HttpMethod.POST, owner, path("/account-roles"), secondBody);
            return List.of(first.get(30, TimeUnit.SECONDS), second);
        });
    }

    /**
     * Runs {@code action} while a trigger holds each insert or update of {@code table} whose new row
     * meets {@code when} for one second.
     */
    private <T> T whileHeld(String table, String when, HeldAction<T> action) throws Exception {
        try (HeldWrites held = HeldWrites.on(jdbc, table, "INSERT OR UPDATE", when, Duration.ofSeconds(1))) {
            return action.run(held);
        }
    }

    /** What a test does while writes are held; it waits for the hold with {@link HeldWrites#awaitHeld}. */
    private interface HeldAction<T> {

        T run(HeldWrites held) throws Exception;
    }
}

package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Each kind of request previews as the plan a submission would create, every task decided by the
 * access rules against the directory now: Owner protection, IdP-managed users, no change, not a
 * member, already a member, pending invitations as access and expired ones as none.
 */
class PreviewDecisionsIntegrationTests extends PreviewIntegrationTest {

    private DirectorySeed.Portfolio portfolio;

    private UUID active;

    private UUID owned;

    private UUID pending;

    private UUID expired;

    private UUID none;

    private UUID ann;

    private UUID idp;

    private String annEmail;

    private String idpEmail;

    /**
     * Ann is an Analyst on one account, the Owner of another, invited (pending) as Support to a third,
     * invited to a fourth long ago (expired), and has nothing on the fifth. An IdP-managed user is an
     * Analyst on the first.
     */
    @BeforeEach
    void arrange() {
        portfolio = directory.portfolio();
        active = portfolio.account("Active");
        owned = portfolio.account("Owned");
        pending = portfolio.account("Pending");
        expired = portfolio.account("Expired");
        none = portfolio.account("None");
        ann = portfolio.user("ann");
        idp = portfolio.idpManagedUser("idp");
        annEmail = portfolio.email("ann");
        idpEmail = portfolio.email("idp");
        portfolio
                .member(active, ann, AccountRole.ANALYST)
                .member(owned, ann, AccountRole.OWNER)
                .invited(pending, ann, AccountRole.SUPPORT, Instant.now().plus(Duration.ofDays(3)))
                .invited(expired, ann, AccountRole.MANAGER, Instant.now().minus(Duration.ofDays(1)))
                .member(active, idp, AccountRole.ANALYST);
    }

    @Test
    void roleChangesAreSkippedForOwnersIdpUsersTheSameRoleAndNonMembers() {
        JsonNode plan = plan(portfolio.id(), """
                {"type":"UPDATE_ROLES","userIds":["%s","%s"],"accountIds":["%s","%s","%s","%s","%s"],"role":"ANALYST"}
                """.formatted(ann, idp, active, owned, pending, expired, none));

        assertThat(plan.path("items").values())
                .extracting(PreviewIntegrationTest::line)
                .containsExactly(
                        line(active, ann, annEmail, "CHANGE_ROLE", "ANALYST", "ACTIVE", "ANALYST", "SKIP", "NO_CHANGE"),
                        line(
                                owned,
                                ann,
                                annEmail,
                                "CHANGE_ROLE",
                                "OWNER",
                                "ACTIVE",
                                "ANALYST",
                                "SKIP",
                                "OWNER_PROTECTED"),
                        line(pending, ann, annEmail, "CHANGE_ROLE", "SUPPORT", "INVITED", "ANALYST", "CHANGE", null),
                        line(expired, ann, annEmail, "CHANGE_ROLE", null, null, "ANALYST", "SKIP", "NOT_A_MEMBER"),
                        line(none, ann, annEmail, "CHANGE_ROLE", null, null, "ANALYST", "SKIP", "NOT_A_MEMBER"),
                        line(
                                active,
                                idp,
                                idpEmail,
                                "CHANGE_ROLE",
                                "ANALYST",
                                "ACTIVE",
                                "ANALYST",
                                "SKIP",
                                "IDP_MANAGED"),
                        line(owned, idp, idpEmail, "CHANGE_ROLE", null, null, "ANALYST", "SKIP", "IDP_MANAGED"),
                        line(pending, idp, idpEmail, "CHANGE_ROLE", null, null, "ANALYST", "SKIP", "IDP_MANAGED"),
                        line(expired, idp, idpEmail, "CHANGE_ROLE", null, null, "ANALYST", "SKIP", "IDP_MANAGED"),
                        line(none, idp, idpEmail, "CHANGE_ROLE", null, null, "ANALYST", "SKIP", "IDP_MANAGED"));
        assertSummary(
                plan, 1, 9, Map.of("OWNER_PROTECTED", 1L, "IDP_MANAGED", 5L, "NO_CHANGE", 1L, "NOT_A_MEMBER", 2L));
        assertThat(plan.path("summary").path("byReason").propertyNames())
                .as("reasons in the order of the rules")
                .containsExactly("OWNER_PROTECTED", "IDP_MANAGED", "NO_CHANGE", "NOT_A_MEMBER");
        assertThat(plan.path("nextCursor").isNull()).isTrue();
    }

    @Test
    void roleAssignmentsAreDecidedOneByOne() {
        JsonNode plan = plan(portfolio.id(), """
                {"type":"UPDATE_ROLES","assignments":[
                  {"userId":"%s","accountId":"%s","role":"MANAGER"},
                  {"userId":"%s","accountId":"%s","role":"ANALYST"}]}
                """.formatted(ann, pending, ann, active));

        assertThat(plan.path("items").values())
                .extracting(PreviewIntegrationTest::line)
                .containsExactly(
                        line(pending, ann, annEmail, "CHANGE_ROLE", "SUPPORT", "INVITED", "MANAGER", "CHANGE", null),
                        line(
                                active,
                                ann,
                                annEmail,
                                "CHANGE_ROLE",
                                "ANALYST",
                                "ACTIVE",
                                "ANALYST",
                                "SKIP",
                                "NO_CHANGE"));
        assertSummary(plan, 1, 1, Map.of("NO_CHANGE", 1L));
    }

    @Test
    void invitationsAreSkippedForMembersAndPendingInvitationsButNotForExpiredOnes() {
        String newcomer = portfolio.email("newcomer");

        JsonNode plan = plan(
                portfolio.id(), """
                {"type":"INVITE_USERS","emails":["%s","%s","%s"],
                 "accounts":[{"accountId":"%s","role":"ANALYST"},{"accountId":"%s"},{"accountId":"%s","role":"MANAGER"}]}
                """.formatted(annEmail.toUpperCase(), idpEmail, newcomer, active, pending, expired));

        assertThat(plan.path("items").values())
                .extracting(PreviewIntegrationTest::line)
                .containsExactly(
                        line(active, ann, annEmail, "INVITE", "ANALYST", "ACTIVE", "ANALYST", "SKIP", "ALREADY_MEMBER"),
                        line(
                                pending,
                                ann,
                                annEmail,
                                "INVITE",
                                "SUPPORT",
                                "INVITED",
                                "SUPPORT",
                                "SKIP",
                                "ALREADY_MEMBER"),
                        line(expired, ann, annEmail, "INVITE", null, null, "MANAGER", "CHANGE", null),
                        line(active, idp, idpEmail, "INVITE", "ANALYST", "ACTIVE", "ANALYST", "SKIP", "IDP_MANAGED"),
                        line(pending, idp, idpEmail, "INVITE", null, null, "SUPPORT", "SKIP", "IDP_MANAGED"),
                        line(expired, idp, idpEmail, "INVITE", null, null, "MANAGER", "SKIP", "IDP_MANAGED"),
                        line(active, null, newcomer, "INVITE", null, null, "ANALYST", "CHANGE", null),
                        line(pending, null, newcomer, "INVITE", null, null, "SUPPORT", "CHANGE", null),
                        line(expired, null, newcomer, "INVITE", null, null, "MANAGER", "CHANGE", null));
        assertSummary(plan, 4, 5, Map.of("IDP_MANAGED", 3L, "ALREADY_MEMBER", 2L));
    }

    /**
     * An address the product knows from another portfolio reads as a new one: the preview does not
     * tell who else has an account in the product. The portfolio's own users keep their id, also on
     * an account of the portfolio they have no access to.
     */
    @Test
    void anInvitationShowsTheUserIdOfThePortfoliosOwnUsersOnly() {
        DirectorySeed.Portfolio elsewhere = directory.portfolio();
        UUID stranger = elsewhere.user("stranger");
        elsewhere.member(elsewhere.account("Theirs"), stranger, AccountRole.ANALYST);
        String strangerEmail = elsewhere.email("stranger");

        JsonNode plan = plan(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["%s","%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(strangerEmail, annEmail, none));

        assertThat(plan.path("items").values())
                .extracting(PreviewIntegrationTest::line)
                .containsExactly(
                        line(none, null, strangerEmail, "INVITE", null, null, "ANALYST", "CHANGE", null),
                        line(none, ann, annEmail, "INVITE", null, null, "ANALYST", "CHANGE", null));
        // A page whose addresses are all new: no user of the portfolio to look up.
        String newcomer = portfolio.email("newcomer");
        JsonNode fresh = plan(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(newcomer, none));
        assertThat(fresh.path("items").values())
                .extracting(PreviewIntegrationTest::line)
                .containsExactly(line(none, null, newcomer, "INVITE", null, null, "ANALYST", "CHANGE", null));
    }

    /**
     * An address whose only tie to the portfolio was an invitation that has expired previews as it will
     * once the bulk-worker's expiry sweep has deleted that invitation: as a new one ({@code userId}
     * null), as an expired invitation is no access. Before, its row, still there until the sweep, made
     * it one of the portfolio's users, and the preview showed its id, which the same preview after the
     * sweep no longer did.
     */
    @Test
    void anAddressWhoseOnlyInvitationExpiredPreviewsAsAfterTheExpirySweep() {
        UUID lapsed = portfolio.user("lapsed");
        String lapsedEmail = portfolio.email("lapsed");
        portfolio.invited(expired, lapsed, AccountRole.ANALYST, Instant.now().minus(Duration.ofDays(1)));
        String invitation = """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(lapsedEmail, none);

        JsonNode beforeSweep = plan(portfolio.id(), invitation);
        // What the bulk-worker's expiry sweep does to it.
        assertThat(jdbc.sql("""
                        DELETE FROM directory.memberships
                         WHERE user_id = :user AND state = 'INVITED' AND expires_at <= now()
                        """).param("user", lapsed).update()).isOne();
        JsonNode afterSweep = plan(portfolio.id(), invitation);

        assertThat(afterSweep.path("items").values())
                .extracting(PreviewIntegrationTest::line)
                .containsExactly(line(none, null, lapsedEmail, "INVITE", null, null, "ANALYST", "CHANGE", null));
        assertThat(beforeSweep).isEqualTo(afterSweep);
    }

    @Test
    void removalsAreSkippedForOwnersAndNonMembersAndRevokePendingInvitations() {
        JsonNode plan = plan(portfolio.id(), """
                {"type":"REMOVE_ACCESS","userIds":["%s"],"accountIds":["%s","%s","%s","%s","%s"]}
                """.formatted(ann, active, owned, pending, expired, none));

        assertThat(plan.path("items").values())
                .extracting(PreviewIntegrationTest::line)
                .containsExactly(
                        line(active, ann, annEmail, "REMOVE", "ANALYST", "ACTIVE", null, "CHANGE", null),
                        line(owned, ann, annEmail, "REMOVE", "OWNER", "ACTIVE", null, "SKIP", "OWNER_PROTECTED"),
                        line(pending, ann, annEmail, "REMOVE", "SUPPORT", "INVITED", null, "CHANGE", null),
                        line(expired, ann, annEmail, "REMOVE", null, null, null, "SKIP", "NOT_A_MEMBER"),
                        line(none, ann, annEmail, "REMOVE", null, null, null, "SKIP", "NOT_A_MEMBER"));
        assertSummary(plan, 2, 3, Map.of("OWNER_PROTECTED", 1L, "NOT_A_MEMBER", 2L));
    }

    @Test
    void onlyPendingInvitationsAreResentOrRevoked() {
        for (String type : new String[] {"RESEND_INVITATIONS", "REVOKE_INVITATIONS"}) {
            String action = type.equals("RESEND_INVITATIONS") ? "RESEND_INVITATION" : "REVOKE_INVITATION";
            JsonNode plan = plan(portfolio.id(), """
                    {"type":"%s","userIds":["%s"],"accountIds":["%s","%s","%s","%s","%s"]}
                    """.formatted(type, ann, active, owned, pending, expired, none));

            String skipped = "NOT_A_PENDING_INVITATION";
            assertThat(plan.path("items").values())
                    .extracting(PreviewIntegrationTest::line)
                    .containsExactly(
                            line(active, ann, annEmail, action, "ANALYST", "ACTIVE", null, "SKIP", skipped),
                            line(owned, ann, annEmail, action, "OWNER", "ACTIVE", null, "SKIP", skipped),
                            line(pending, ann, annEmail, action, "SUPPORT", "INVITED", null, "CHANGE", null),
                            line(expired, ann, annEmail, action, null, null, null, "SKIP", skipped),
                            line(none, ann, annEmail, action, null, null, null, "SKIP", skipped));
            assertSummary(plan, 1, 4, Map.of(skipped, 4L));
        }
    }

    @Test
    void offboardingListsEveryLinkedAccountWithAMembershipOnly() {
        UUID elsewhere = directory.portfolio().account("Another portfolio's account");
        UUID unlinked = portfolio.unlinkedAccount("Unlinked");
        portfolio.member(elsewhere, ann, AccountRole.ADMIN).member(unlinked, ann, AccountRole.ADMIN);

        JsonNode plan = plan(portfolio.id(), """
                {"type":"OFFBOARD_USERS","userIds":["%s","%s"]}
                """.formatted(ann, idp));

        assertThat(plan.path("items").values())
                .extracting(PreviewIntegrationTest::line)
                .containsExactlyInAnyOrder(
                        line(active, ann, annEmail, "REMOVE", "ANALYST", "ACTIVE", null, "CHANGE", null),
                        line(owned, ann, annEmail, "REMOVE", "OWNER", "ACTIVE", null, "SKIP", "OWNER_PROTECTED"),
                        line(pending, ann, annEmail, "REMOVE", "SUPPORT", "INVITED", null, "CHANGE", null),
                        line(expired, ann, annEmail, "REMOVE", null, null, null, "SKIP", "NOT_A_MEMBER"),
                        line(active, idp, idpEmail, "REMOVE", "ANALYST", "ACTIVE", null, "SKIP", "IDP_MANAGED"));
        assertThat(plan.path("items").get(4).path("userId").asString())
                .as("users in the order of the request")
                .isEqualTo(idp.toString());
        assertSummary(plan, 2, 3, Map.of("OWNER_PROTECTED", 1L, "IDP_MANAGED", 1L, "NOT_A_MEMBER", 1L));
    }

    /**
     * An offboarding leaves a portfolio role: the preview names each offboarded portfolio user with their
     * role, and none for the plain users it offboards; other job types carry no such list.
     */
    @Test
    void anOffboardingNamesThePortfolioUsersItLeavesTheirRole() {
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role) VALUES (:p, :u, :e, 'ADMIN')")
                .param("p", portfolio.id())
                .param("u", ann)
                .param("e", annEmail)
                .update();

        JsonNode summary = plan(portfolio.id(), """
                {"type":"OFFBOARD_USERS","userIds":["%s","%s"]}
                """.formatted(idp, ann)).path("summary");

        assertThat(summary.path("portfolioUsers").values())
                .extracting(
                        user -> user.path("userId").asString(),
                        user -> user.path("email").asString(),
                        user -> user.path("role").asString(),
                        user -> user.path("roleName").asString())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ann.toString(), annEmail, "ADMIN", "Admin"));
        JsonNode none = plan(portfolio.id(), """
                        {"type":"OFFBOARD_USERS","userIds":["%s"]}
                        """.formatted(idp)).path("summary").path("portfolioUsers");
        assertThat(none.isArray() && none.isEmpty()).as(none.toString()).isTrue();
        assertThat(plan(portfolio.id(), """
                        {"type":"REMOVE_ACCESS","userIds":["%s"],"accountIds":["%s"]}
                        """.formatted(ann, active))
                        .path("summary")
                        .has("portfolioUsers"))
                .isFalse();
    }

    /**
     * A running job is still to invite Ann to the account where she has nothing: the offboarding's
     * removal there follows that invitation and takes it back, and the preview says so.
     */
    @Test
    void offboardingShowsTheRemovalOfAnInvitationARunningJobIsStillToSend() {
        var invitation = submit(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"MANAGER"}]}
                """.formatted(annEmail, none));
        assertThat(invitation.status()).as(invitation.text()).isEqualTo(202);

        JsonNode plan = plan(portfolio.id(), """
                {"type":"OFFBOARD_USERS","userIds":["%s"]}
                """.formatted(ann));

        assertThat(plan.path("items").values())
                .extracting(PreviewIntegrationTest::line)
                .contains(line(none, ann, annEmail, "REMOVE", "MANAGER", "INVITED", null, "CHANGE", null));
        assertSummary(plan, 3, 2, Map.of("OWNER_PROTECTED", 1L, "NOT_A_MEMBER", 1L));
    }

    /**
     * Ann's invitation to one account has expired (not yet swept), and a running job is to invite her
     * there again: that job renews the invitation before the offboarding's removal applies, so the
     * removal takes the renewed invitation back, and the preview says so instead of "not a member".
     * The job holds one task there, where the preview shows it.
     */
    @Test
    void offboardingShowsTheRemovalOfAnExpiredInvitationARunningJobRenews() {
        var invitation = submit(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(annEmail, expired));
        assertThat(invitation.status()).as(invitation.text()).isEqualTo(202);
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";

        JsonNode plan = plan(portfolio.id(), body);

        assertThat(plan.path("items").values())
                .extracting(PreviewIntegrationTest::line)
                .contains(line(expired, ann, annEmail, "REMOVE", "ANALYST", "INVITED", null, "CHANGE", null))
                .doesNotContain(line(expired, ann, annEmail, "REMOVE", null, null, null, "SKIP", "NOT_A_MEMBER"));
        assertSummary(plan, 3, 1, Map.of("OWNER_PROTECTED", 1L));
        UUID offboarding = accepted(portfolio.id(), body);
        assertThat(jdbc.sql("SELECT account_id FROM jobs.bulk_tasks WHERE job_id = :id ORDER BY seq")
                        .param("id", offboarding)
                        .query(String.class)
                        .list())
                .containsExactlyElementsOf(plan.path("items").values().stream()
                        .map(item -> item.path("accountId").asString())
                        .toList());
    }

    @Test
    void editorsMayPreviewToo() {
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";

        assertThat(api.post(editor(portfolio.id()), previewPath(portfolio.id()), null, body)
                        .status())
                .isEqualTo(200);
    }

    private static void assertSummary(JsonNode plan, long changes, long skipped, Map<String, Long> byReason) {
        JsonNode summary = plan.path("summary");
        assertThat(summary.path("changes").asLong()).isEqualTo(changes);
        assertThat(summary.path("skipped").asLong()).isEqualTo(skipped);
        assertThat(summary.path("byReason").propertyNames()).containsExactlyInAnyOrderElementsOf(byReason.keySet());
        byReason.forEach((reason, count) -> assertThat(
                        summary.path("byReason").path(reason).asLong())
                .as(reason)
                .isEqualTo(count));
    }
}

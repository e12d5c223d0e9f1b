package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who may do what in a portfolio: the Owner and User Management EDIT may submit and cancel (and
 * read); User Management VIEW may only read; anyone else gets 403. A refused change changes nothing.
 */
class PortfolioPermissionIntegrationTests extends GatewayIntegrationTest {

    private DirectorySeed.Portfolio portfolio;

    private UUID ann;

    private String offboardAnn;

    @BeforeEach
    void arrange() {
        portfolio = directory.portfolio();
        UUID alpha = portfolio.account("Alpha");
        ann = portfolio.user("ann");
        portfolio.member(alpha, ann, AccountRole.ANALYST);
        offboardAnn = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";
    }

    @Test
    void userManagementEditMayPreviewSubmitAndCancelAndTheJobNamesWhoRequestedIt() {
        UUID editorId = UUID.randomUUID();
        String editor = TestTokens.token(editorId, "Editor@Agency.Example", portfolio.id(), "USER_MANAGEMENT_EDIT");

        assertThat(api.post(editor, jobsPath(portfolio.id()) + "/preview", null, offboardAnn)
                        .status())
                .isEqualTo(200);
        Answer submitted =
                api.post(editor, jobsPath(portfolio.id()), UUID.randomUUID().toString(), offboardAnn);

        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        assertThat(submitted.body().path("requestedBy").path("userId").asString())
                .isEqualTo(editorId.toString());
        assertThat(submitted.body().path("requestedBy").path("email").asString())
                .isEqualTo("editor@agency.example");
        String job = submitted.body().path("jobId").asString();
        assertThat(jdbc.sql("SELECT requested_by_user_id || ' ' || requested_by_email FROM jobs.bulk_jobs WHERE id = ?")
                        .params(UUID.fromString(job))
                        .query(String.class)
                        .single())
                .isEqualTo(editorId + " editor@agency.example");
        assertThat(api.post(editor, jobPath(portfolio.id(), job) + "/cancel", null, null)
                        .status())
                .isEqualTo(202);
    }

    @Test
    void userManagementViewMayReadButNotPreviewOrChange() {
        UUID job = accepted(portfolio.id(), offboardAnn);
        String viewer = viewer(portfolio.id());

        for (String path : List.of(
                jobsPath(portfolio.id()),
                jobPath(portfolio.id(), job),
                jobPath(portfolio.id(), job) + "/tasks",
                "/api/v1/portfolios/" + portfolio.id() + "/accounts",
                "/api/v1/portfolios/" + portfolio.id() + "/users",
                "/api/v1/portfolios/" + portfolio.id() + "/users/" + ann)) {
            assertThat(api.get(viewer, path).status()).as(path).isEqualTo(200);
        }

        assertProblem(
                api.post(viewer, jobsPath(portfolio.id()), UUID.randomUUID().toString(), offboardAnn), 403);
        assertProblem(api.post(viewer, jobPath(portfolio.id(), job) + "/cancel", null, null), 403);
        assertProblem(api.post(viewer, jobsPath(portfolio.id()) + "/preview", null, offboardAnn), 403);
        assertThat(jobCount(portfolio.id())).isOne();
        assertThat(api.get(viewer, jobPath(portfolio.id(), job))
                        .body()
                        .path("status")
                        .asString())
                .isEqualTo("QUEUED");
    }

    @Test
    void aTokenWithoutAnyPermissionOnThePortfolioIsForbiddenEverywhere() {
        UUID job = accepted(portfolio.id(), offboardAnn);
        String nobody = TestTokens.token(UUID.randomUUID(), "nobody@agency.example", portfolio.id());

        for (String path : List.of(
                jobsPath(portfolio.id()),
                jobPath(portfolio.id(), job),
                jobPath(portfolio.id(), job) + "/tasks",
                "/api/v1/portfolios/" + portfolio.id() + "/accounts",
                "/api/v1/portfolios/" + portfolio.id() + "/users")) {
            assertProblem(api.get(nobody, path), 403);
        }
        assertProblem(
                api.post(nobody, jobsPath(portfolio.id()), UUID.randomUUID().toString(), offboardAnn), 403);
        assertProblem(api.post(nobody, jobPath(portfolio.id(), job) + "/cancel", null, null), 403);
        assertThat(jobCount(portfolio.id())).isOne();
    }

    @Test
    void unknownPermissionNamesGrantNothing() {
        String pretender = TestTokens.token(UUID.randomUUID(), "p@agency.example", portfolio.id(), "ADMIN", "owner");

        assertProblem(
                api.post(pretender, jobsPath(portfolio.id()), UUID.randomUUID().toString(), offboardAnn), 403);
        assertProblem(api.get(pretender, jobsPath(portfolio.id())), 403);
    }
}

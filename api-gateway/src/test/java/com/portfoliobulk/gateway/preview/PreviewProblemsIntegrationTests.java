package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request the submission refuses, the preview refuses with the very same problem; only the Owner
 * and editors may preview.
 */
class PreviewProblemsIntegrationTests extends PreviewIntegrationTest {

    private DirectorySeed.Portfolio portfolio;

    private UUID alpha;

    private UUID ann;

    @BeforeEach
    void arrange() {
        portfolio = directory.portfolio();
        alpha = portfolio.account("Alpha");
        ann = portfolio.user("ann");
        portfolio.member(alpha, ann, AccountRole.ANALYST);
    }

    @Test
    void unknownAndForeignUsersAndAccountsAreTheSubmissionsProblem() {
        UUID stranger = directory.portfolio().user("stranger");
        UUID foreignAccount = directory.portfolio().account("Someone else's");

        assertSameProblem(portfolio.id(), 422, """
                {"type":"OFFBOARD_USERS","userIds":["%s","%s","%s"]}
                """.formatted(ann, stranger, UUID.randomUUID()));
        assertSameProblem(portfolio.id(), 422, """
                {"type":"REMOVE_ACCESS","userIds":["%s"],"accountIds":["%s","%s"]}
                """.formatted(ann, foreignAccount, UUID.randomUUID()));
        assertSameProblem(portfolio.id(), 422, """
                {"type":"UPDATE_ROLES","assignments":[{"userId":"%s","accountId":"%s","role":"ADMIN"}]}
                """.formatted(stranger, UUID.randomUUID()));
        assertSameProblem(portfolio.id(), 422, """
                {"type":"INVITE_USERS","emails":["new@brand.example"],"accounts":[{"accountId":"%s"}]}
                """.formatted(foreignAccount));
    }

    @Test
    void invalidContentIsTheSubmissionsProblem() {
        assertSameProblem(portfolio.id(), 422, "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[]}");
        assertSameProblem(portfolio.id(), 422, """
                {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":["%s"],"role":"OWNER"}
                """.formatted(ann, alpha));
        assertSameProblem(portfolio.id(), 422, """
                {"type":"INVITE_USERS","emails":["new@brand.example","nope","NEW@brand.example"],
                 "accounts":[{"accountId":"%s"}],"expiresInDays":31}
                """.formatted(alpha));
        assertSameProblem(portfolio.id(), 400, "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[");
        assertSameProblem(portfolio.id(), 400, "{\"type\":\"DELETE_EVERYONE\"}");
        assertSameProblem(portfolio.id(), 400, "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"ann\"]}");
    }

    @Test
    void aPlanOverTheTaskCapIsTheSubmissionsProblem() {
        String ids = IntStream.range(0, 450)
                .mapToObj(i -> "\"" + UUID.randomUUID() + "\"")
                .collect(Collectors.joining(","));

        assertSameProblem(portfolio.id(), 413, """
                {"type":"REMOVE_ACCESS","userIds":[%s],"accountIds":[%s]}
                """.formatted(ids, ids));
    }

    /**
     * Una's only tie to the portfolio is an invitation a queued job is still to send, to an account the
     * Owner has unlinked since: offboarding her has nothing to do, and the preview says so as the
     * submission does rather than show an empty plan.
     */
    @Test
    void anOffboardingWithNothingToDoIsTheSubmissionsProblem() {
        UUID departing = portfolio.account("Departing");
        UUID una = portfolio.user("una");
        Answer invitation = submit(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(portfolio.email("una"), departing));
        assertThat(invitation.status()).as(invitation.text()).isEqualTo(202);
        directory.unlink(departing);

        assertSameProblem(portfolio.id(), 422, """
                {"type":"OFFBOARD_USERS","userIds":["%s"]}
                """.formatted(una));
    }

    @Test
    void aPortfolioThatDoesNotExistIsNotFound() {
        assertSameProblem(UUID.randomUUID(), 404, "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");
    }

    @Test
    void onlyTheOwnerAndEditorsMayPreview() {
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";

        assertProblem(api.post(viewer(portfolio.id()), previewPath(portfolio.id()), null, body), 403);
        assertProblem(api.post(outsider(), previewPath(portfolio.id()), null, body), 403);
        assertThat(api.post(null, previewPath(portfolio.id()), null, body).status())
                .isEqualTo(401);
        assertThat(api.post(editor(portfolio.id()), previewPath(portfolio.id()), null, body)
                        .status())
                .isEqualTo(200);
    }

    /** The preview answers {@code body} as the submission does: same status, type, title, detail, errors. */
    private void assertSameProblem(UUID portfolioId, int status, String body) {
        long jobsBefore = jobCount(portfolioId);
        Answer previewed = preview(portfolioId, "", body);
        Answer submitted = submit(portfolioId, body);

        assertProblem(previewed, status);
        assertProblem(submitted, status);
        for (String field : new String[] {"type", "title", "detail", "errors"}) {
            assertThat(previewed.body().path(field))
                    .as(field)
                    .isEqualTo(submitted.body().path(field));
        }
        assertThat(jobCount(portfolioId)).as("jobs created").isEqualTo(jobsBefore);
    }
}

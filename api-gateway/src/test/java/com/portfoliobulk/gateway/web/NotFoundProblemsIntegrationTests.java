package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Whatever was not found, the client gets the one 404 problem: same type, same title. */
class NotFoundProblemsIntegrationTests extends GatewayIntegrationTest {

    @Test
    void everyKindOfNotFoundIsTheSameProblem() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID ann = portfolio.user("ann");
        UUID account = portfolio.account("Brand Berlin");
        portfolio.member(account, ann, AccountRole.ANALYST);
        UUID missing = UUID.randomUUID();
        String token = admin(portfolio.id());
        String base = "/api/v1/portfolios/" + portfolio.id();
        String emptyPortfolio = "/api/v1/portfolios/" + missing;

        Map<String, Answer> answers = new LinkedHashMap<>();
        answers.put("job", api.get(token, jobPath(portfolio.id(), missing)));
        answers.put("job's tasks", api.get(token, jobPath(portfolio.id(), missing) + "/tasks"));
        answers.put("cancel", api.post(token, jobPath(portfolio.id(), missing) + "/cancel", null, null));
        answers.put("user", api.get(token, base + "/users/" + missing));
        answers.put("filtered account", api.get(token, base + "/users?accountId=" + missing));
        answers.put("activity log", api.get(token, base + "/accounts/" + missing + "/activity-log"));
        answers.put("portfolio", api.get(admin(missing), emptyPortfolio + "/accounts"));
        answers.put(
                "portfolio of a submission",
                api.post(
                        admin(missing),
                        jobsPath(missing),
                        UUID.randomUUID().toString(),
                        "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}"));
        answers.put("path", api.get(token, "/api/v1/no-such-thing"));

        answers.forEach((what, answer) -> {
            assertProblem(answer, 404);
            assertThat(answer.body().path("type").asString())
                    .as(what)
                    .isEqualTo("urn:portfolio-bulk:problem:not-found");
            assertThat(answer.body().path("title").asString()).as(what).isEqualTo("Not found");
        });
    }
}

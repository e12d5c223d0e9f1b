package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A field that a request body does not have is refused (400 naming it), not dropped: dropped, a
 * misspelt field would leave its default in place, and a field of another kind of request would let
 * the client believe it was obeyed, such as {@code accountIds} sent with an offboarding, which takes
 * none and removes the users from every account. So is a key given twice in one object, which would
 * otherwise leave the client to guess which of the two counted.
 */
class UnknownRequestFieldsIntegrationTests extends GatewayIntegrationTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            accounts narrowing an offboarding  | accountIds           | is not a field of this request; remove it | {"type":"OFFBOARD_USERS","userIds":["$USER"],"accountIds":["$ACCOUNT"]}
            an invitation's field on a removal | role                 | is not a field of this request; remove it | {"type":"REMOVE_ACCESS","userIds":["$USER"],"accountIds":["$ACCOUNT"],"role":"ANALYST"}
            a resend's field on a revocation   | expiresInDays        | is not a field of this request; remove it | {"type":"REVOKE_INVITATIONS","userIds":["$USER"],"accountIds":["$ACCOUNT"],"expiresInDays":3}
            a misspelt role of an invitation   | accounts[0].rol      | is not a field of this request; remove it | {"type":"INVITE_USERS","emails":["new@brand.example"],"accounts":[{"accountId":"$ACCOUNT","rol":"MANAGER"}]}
            a misspelt field of an assignment  | assignments[0].roles | is not a field of this request; remove it | {"type":"UPDATE_ROLES","assignments":[{"userId":"$USER","accountId":"$ACCOUNT","roles":"MANAGER"}]}
            a field of no request              | dryRun               | is not a field of this request; remove it | {"type":"OFFBOARD_USERS","userIds":["$USER"],"dryRun":true}
            the type twice                     | type                 | is given twice in one object; give it once | {"type":"OFFBOARD_USERS","type":"REMOVE_ACCESS","userIds":["$USER"]}
            an invitation's role twice         | accounts[0].role     | is given twice in one object; give it once | {"type":"INVITE_USERS","emails":["new@brand.example"],"accounts":[{"accountId":"$ACCOUNT","role":"ANALYST","role":"MANAGER"}]}
            a user id list twice               | userIds              | is given twice in one object; give it once | {"type":"OFFBOARD_USERS","userIds":["$USER"],"userIds":[]}
            """)
    void aJobRequestWithAFieldItDoesNotHaveOrHasTwiceIsRefusedNamingItAndCreatesNothing(
            String what, String field, String refusal, String body) {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Alpha");
        UUID user = portfolio.user("ann");
        portfolio.member(account, user, AccountRole.ANALYST);
        String sent = body.replace("$USER", user.toString()).replace("$ACCOUNT", account.toString());

        for (String path : new String[] {jobsPath(portfolio.id()), jobsPath(portfolio.id()) + "/preview"}) {
            Answer answer =
                    api.post(admin(portfolio.id()), path, UUID.randomUUID().toString(), sent);

            assertFieldProblem(answer, 400, field);
            assertThat(answer.body().path("errors").get(0).path("message").asString())
                    .as(path)
                    .startsWith(refusal);
            assertThat(answer.text()).doesNotContain("com.portfoliobulk", "tools.jackson");
        }
        assertThat(jobCount(portfolio.id())).isZero();
        assertThat(taskCount(portfolio.id())).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            an array                  | []                                       | The request body must be a JSON object with the request's fields.
            cut short                 | {"email":"ann@brand.example"             | The request body is not well-formed JSON at line 1, column 29: Unexpected end-of-input: expected close marker for Object
            a comma too many          | {"email":"ann@brand.example",}           | The request body is not well-formed JSON at line 1, column 30: Unexpected character ('}' (code 125))
            """)
    void aBodyThatIsNotAnObjectOfFieldsIsRefusedInPlainWords(String what, String body, String detail) {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String sent = what.startsWith("nested") ? body.replace("[[[", "[".repeat(600)) : body;

        Answer answer = api.post(
                admin(portfolio.id()), "/api/v1/portfolios/" + portfolio.id() + "/portfolio-users", null, sent);

        assertProblem(answer, 400);
        assertThat(answer.body().path("detail").asString()).startsWith(detail);
        assertThat(answer.text()).doesNotContain("com.portfoliobulk", "REDACTED", "StreamRead", "`", "Source");
    }

    @Test
    void anInvitationWhoseAccountIsNotAnObjectNamesTheElementInPlainWords() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Alpha");

        Answer answer = submit(
                portfolio.id(),
                "{\"type\":\"INVITE_USERS\",\"emails\":[\"new@brand.example\"],\"accounts\":[\"" + account + "\"]}");

        assertFieldProblem(answer, 400, "accounts[0]");
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .isEqualTo("must be a JSON object");
    }

    @Test
    void anAdministrativeBodyWithAMisspeltFieldIsRefusedAndChangesNothing() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String path = "/api/v1/portfolios/" + portfolio.id() + "/portfolio-roles";

        Answer answer = api.post(admin(portfolio.id()), path, null, """
                {"code":"REVIEWER","name":"Reviewer","description":"reads","permission":["USER_MANAGEMENT_VIEW"]}
                """);

        assertFieldProblem(answer, 400, "permission");
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .contains("code", "description", "name", "permissions");
        assertThat(api.get(admin(portfolio.id()), path).text()).doesNotContain("REVIEWER");
    }
}

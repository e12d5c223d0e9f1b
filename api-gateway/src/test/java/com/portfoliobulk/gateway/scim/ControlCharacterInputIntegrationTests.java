package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UnpairedSurrogates;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * A control character in text a client sends ({@code \u0000}, which PostgreSQL refuses, among them)
 * is refused where the text enters the gateway, naming the field, before anything is read or
 * written: in a query parameter, a paging cursor, a JSON body (a job's, an administration request's),
 * a SCIM attribute and a SCIM filter. SCIM filters are also bounded in length.
 */
class ControlCharacterInputIntegrationTests extends ScimIntegrationTest {

    private static final String FIX = "may not contain control characters";

    /** The longest SCIM filter read, as the README has it. */
    private static final int FILTER_CAP = 1000;

    private String portfolioPath() {
        return "/api/v1/portfolios/" + portfolio.id();
    }

    @Test
    void aQueryParameterWithANulIsRefusedNamingIt() {
        // The client percent-encodes the query: the gateway receives q=a%00b.
        Answer answer = api.get(admin(portfolio.id()), portfolioPath() + "/users?q=a\u0000b");

        assertFieldProblem(answer, 400, "q");
        assertThat(answer.body().path("title").asString()).isEqualTo("Invalid request parameter");
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .startsWith(FIX + " (U+0000 at position 2)");
    }

    @Test
    void aCursorWithANulInItsTextIsNoCursorOfTheList() {
        String users = "dXNlcnM.YQBi.MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDItMDAwMDAwMDAwMDM5"; // "users", "a\0b", an id
        String portfolioUsers = Cursor.of(
                        Cursor.list("portfolio-users", portfolio.id()), "a\u0000b@x.com", UUID.randomUUID())
                .encode();

        Answer onUsers = api.get(admin(portfolio.id()), portfolioPath() + "/users?cursor=" + users);
        Answer onPortfolioUsers =
                api.get(admin(portfolio.id()), portfolioPath() + "/portfolio-users?cursor=" + portfolioUsers);

        assertFieldProblem(onUsers, 400, "cursor");
        assertFieldProblem(onPortfolioUsers, 400, "cursor");
        assertThat(onUsers.body().path("errors").get(0).path("message").asString())
                .contains("send the nextCursor of the previous page");
    }

    @Test
    void aJobRequestFieldWithANulIsRefusedNamingItAndNoJobIsMade() {
        UUID account = portfolio.account("Brand Berlin");
        String body = """
                {"type":"INVITE_USERS","emails":["a\\u0000b@example.com"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(account);

        Answer preview = api.post(admin(portfolio.id()), jobsPath(portfolio.id()) + "/preview", null, body);
        Answer submitted = submit(portfolio.id(), body);

        assertFieldProblem(preview, 400, "emails[0]");
        assertFieldProblem(submitted, 400, "emails[0]");
        assertThat(submitted.body().path("errors").get(0).path("message").asString())
                .startsWith(FIX);
        assertThat(jobCount(portfolio.id())).isZero();
    }

    @Test
    void anAdministrationBodyWithANulIsRefusedNamingTheField() {
        String token = admin(portfolio.id());

        Answer role = api.post(token, portfolioPath() + "/portfolio-roles", null, """
                {"code":"NUL_ROLE","name":"a\\u0000b","description":"","permissions":["USER_MANAGEMENT_VIEW"]}
                """);
        Answer close = api.post(token, portfolioPath() + "/close", null, "{\"confirmation\":\"a\\u0000b\"}");
        Answer scimToken = api.post(token, tokensPath(portfolio.id()), null, "{\"name\":\"a\\u0000b\"}");

        assertFieldProblem(role, 400, "name");
        assertFieldProblem(close, 400, "confirmation");
        assertFieldProblem(scimToken, 400, "name");
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.portfolio_roles WHERE portfolio_id = :p")
                        .param("p", portfolio.id())
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void aScimUserWithANulInAnAttributeIsRefusedAndNothingIsCreated() {
        String email = "scim-nul-" + UUID.randomUUID() + "@example.com";

        Scim created = scim(HttpMethod.POST, users(), """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","externalId":"a\\u0000b"}
                """.formatted(email));

        assertScimError(created, 400, "invalidValue");
        assertThat(created.json().path("detail").asString()).contains("externalId", FIX);
        assertThat(jdbc.sql("SELECT count(*) FROM directory.users WHERE email = :email")
                        .param("email", email)
                        .query(Long.class)
                        .single())
                .isZero();
        Scim found = scim(HttpMethod.GET, users() + "?filter=userName%20eq%20%22" + email + "%22", null);
        assertThat(found.json().path("totalResults").asInt()).isZero();
    }

    /**
     * Half of a surrogate pair alone in a SCIM attribute is refused as a control character is: it is
     * no character, and the database would store it as '?'.
     */
    @Test
    void aScimUserWithALoneSurrogateInAnAttributeIsRefusedAndNothingIsCreated() {
        String email = "scim-lone-" + UUID.randomUUID() + "@example.com";

        Scim created = scim(HttpMethod.POST, users(), """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","displayName":"Ann\\ud800"}
                """.formatted(email));

        assertScimError(created, 400, "invalidValue");
        assertThat(created.json().path("detail").asString())
                .contains("displayName", UnpairedSurrogates.MESSAGE + " (U+D800 at position 4)");
        assertThat(jdbc.sql("SELECT count(*) FROM directory.users WHERE email = :email")
                        .param("email", email)
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void aScimPatchWithANulInAnAttributeIsRefusedAndChangesNothing() {
        Scim created = scim(HttpMethod.POST, users(), """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"scim-%s@example.com","displayName":"Ann"}
                """.formatted(UUID.randomUUID()));
        String user = users() + "/" + created.json().path("id").asString();

        Scim patched = scim(HttpMethod.PATCH, user, """
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                 "Operations":[{"op":"replace","path":"displayName","value":"A\\u0000nn"}]}
                """);

        assertScimError(patched, 400, "invalidValue");
        assertThat(patched.json().path("detail").asString()).contains("displayName", FIX);
        assertThat(scim(HttpMethod.GET, user, null).json().path("displayName").asString())
                .isEqualTo("Ann");
    }

    @Test
    void aScimFilterWithANulIsAnInvalidFilter() {
        Scim answer = scim(HttpMethod.GET, users() + "?filter=userName%20eq%20%22a%00b%22", null);

        assertScimError(answer, 400, "invalidFilter");
        assertThat(answer.json().path("detail").asString()).contains("filter", FIX);
    }

    /**
     * A filter whose value has half of a surrogate pair without the other, as a {@code \\ud800} escape
     * or as the character itself (a JSON escape in a SearchRequest), is an invalid filter: the database
     * keeps no such half and compares a '?' in its place, so {@code "\\ud800ops@..."} found the user
     * {@code ?ops@...}, and an externalId the same way. A whole pair is a character and is read.
     */
    @Test
    void aScimFilterWithHalfOfASurrogatePairIsAnInvalidFilter() {
        String address = portfolio.email("?ops");
        UUID ops = portfolio.user("?ops");
        portfolio.member(portfolio.account("Brand"), ops, AccountRole.ANALYST);
        Scim linked = scim(
                HttpMethod.PUT,
                users() + "/" + ops,
                "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"" + address
                        + "\",\"externalId\":\"?ext\"}");
        assertThat(linked.status()).as(linked.text()).isEqualTo(200);
        String search = "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:SearchRequest\"],\"filter\":";

        Scim[] answers = {
            scim(
                    HttpMethod.GET,
                    users() + "?filter=" + encode("userName eq \"\\ud800" + address.substring(1) + "\""),
                    null),
            scim(HttpMethod.GET, users() + "?filter=" + encode("externalId eq \"\\udc00ext\""), null),
            scim(
                    HttpMethod.POST,
                    users() + "/.search",
                    search + "\"userName eq \\\"\\ud800" + address.substring(1) + "\\\"\"}"),
            scim(HttpMethod.POST, users() + "/.search", search + "\"externalId eq \\\"\\\\ud800ext\\\"\"}")
        };

        for (Scim answer : answers) {
            assertScimError(answer, 400, "invalidFilter");
            assertThat(answer.json().path("detail").asString()).contains("'filter'", "half of a surrogate pair");
        }
        Scim pair = scim(HttpMethod.GET, users() + "?filter=" + encode("externalId eq \"\\ud83d\\ude00ext\""), null);
        assertThat(pair.status()).as(pair.text()).isEqualTo(200);
        assertThat(pair.json().path("totalResults").asInt()).isZero();
    }

    @Test
    void aScimFilterLongerThanTheCapIsAnInvalidFilterAndNoneOverflowsTheStack() {
        String atTheCap = "userName eq \"" + "a".repeat(FILTER_CAP - 14) + "\"";
        String escapes = "userName eq \"" + "\\\"".repeat((FILTER_CAP - 14) / 2) + "\"";

        Scim tooLong = scim(HttpMethod.GET, users() + "?filter=userName%20eq%20%22" + "a".repeat(3000) + "%22", null);
        Scim longest = scim(HttpMethod.GET, users() + "?filter=" + encode(atTheCap), null);
        Scim escaped = scim(HttpMethod.GET, users() + "?filter=" + encode(escapes), null);

        assertScimError(tooLong, 400, "invalidFilter");
        assertThat(tooLong.json().path("detail").asString()).contains("at most 1000 characters");
        assertThat(atTheCap).hasSize(FILTER_CAP);
        assertThat(longest.status()).as(longest.text()).isEqualTo(200);
        assertThat(longest.json().path("totalResults").asInt()).isZero();
        assertThat(escaped.status()).as(escaped.text()).isEqualTo(200);
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20");
    }
}

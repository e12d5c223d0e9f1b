package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.StampedWrites;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/** SCIM tokens: the Portfolio Owner's to create and revoke, shown once, stored hashed, kept apart from JWTs. */
class ScimTokenIntegrationTests extends ScimIntegrationTest {

    @Test
    void theOwnerCreatesATokenShownOnceAndStoredAsItsSha256() throws Exception {
        var created = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"Okta\"}");
        var listed = api.get(admin(portfolio.id()), tokensPath(portfolio.id()));

        String token = created.body().path("token").asString();
        assertThat(created.status()).isEqualTo(201);
        assertThat(token).startsWith("scim_").hasSizeGreaterThan(40);
        assertThat(created.body().path("scimBaseUrl").asString()).endsWith("/scim/v2/portfolios/" + portfolio.id());
        String hash = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        assertThat(jdbc.sql("SELECT token_hash FROM jobs.scim_tokens WHERE id = ?::uuid")
                        .params(created.body().path("tokenId").asString())
                        .query(String.class)
                        .single())
                .isEqualTo(hash);
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.text()).contains("Okta").doesNotContain(token).doesNotContain(hash);
        assertThat(scim(token, HttpMethod.GET, base() + "/ServiceProviderConfig", null)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void theListShowsTheNewestTokenFirstAndWhenEachWasLastUsed() {
        var okta = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"Okta\"}");
        String oktaToken = okta.body().path("token").asString();
        assertThat(scim(oktaToken, HttpMethod.GET, users(), null).status()).isEqualTo(200);
        var entra = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"Entra ID\"}");

        var listed = api.get(admin(portfolio.id()), tokensPath(portfolio.id()));

        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body().path("nextCursor").isNull()).isTrue();
        var first = listed.body().path("items").get(0);
        var second = listed.body().path("items").get(1);
        assertThat(first.path("tokenId").asString())
                .isEqualTo(entra.body().path("tokenId").asString());
        assertThat(first.path("createdAt").asString())
                .isEqualTo(entra.body().path("createdAt").asString());
        assertThat(first.path("createdBy").asString()).isNotBlank();
        assertThat(first.has("lastUsedAt")).isFalse();
        assertThat(second.path("tokenId").asString())
                .isEqualTo(okta.body().path("tokenId").asString());
        assertThat(second.path("name").asString()).isEqualTo("Okta");
        assertThat(second.path("lastUsedAt").asString()).isNotBlank();
    }

    /**
     * A token's creation time is the database's, the clock its last use and its revocation are noted
     * by: a trigger stamps the insert with the time of its transaction, and the stored creation time is
     * that time; the answer names it. Before, the gateway's clock set it, so on a gateway whose clock was
     * seconds off a token was shown created after its first use, or after a token created later.
     */
    @Test
    void aTokensCreationTimeIsTheDatabasesAndTheAnswerNamesIt() {
        try (StampedWrites stamps = StampedWrites.on(
                jdbc,
                "jobs.scim_tokens",
                "INSERT",
                "created_at",
                "transaction_timestamp()",
                "NEW.portfolio_id = '" + portfolio.id() + "'")) {
            var created = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"Okta\"}");

            assertThat(created.status()).as(created.text()).isEqualTo(201);
            assertThat(stamps.differences())
                    .as("the stored creation time less the database's time of the insert")
                    .containsExactly("00:00:00");
            OffsetDateTime stored = jdbc.sql("SELECT created_at FROM jobs.scim_tokens WHERE id = ?::uuid")
                    .param(created.body().path("tokenId").asString())
                    .query(OffsetDateTime.class)
                    .single();
            assertThat(Instant.parse(created.body().path("createdAt").asString()))
                    .as("the answer's createdAt")
                    .isEqualTo(stored.toInstant());
        }
    }

    @Test
    void theLocationOfACreatedTokenAnswersTheTokenAsTheListShowsItUntilItIsRevoked() {
        var created = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"Okta\"}");
        String location = URI.create(created.headers().getLocation().toString()).getRawPath();
        var other = directory.portfolio();

        var read = api.get(admin(portfolio.id()), location);
        var listed = api.get(admin(portfolio.id()), tokensPath(portfolio.id()));
        var byViewer = api.get(viewer(portfolio.id()), location);
        String tokenId = created.body().path("tokenId").asString();
        var elsewhere = api.get(admin(other.id()), tokensPath(other.id()) + "/" + tokenId);

        assertThat(created.status()).isEqualTo(201);
        assertThat(location).isEqualTo(tokensPath(portfolio.id()) + "/" + tokenId);
        assertThat(read.status()).as(read.text()).isEqualTo(200);
        assertThat(read.body()).isEqualTo(listed.body().path("items").get(0));
        assertThat(read.text()).doesNotContain(created.body().path("token").asString());
        assertProblem(byViewer, 403);
        assertProblem(elsewhere, 404);
        assertThat(api.delete(admin(portfolio.id()), location).status()).isEqualTo(204);
        assertProblem(api.get(admin(portfolio.id()), location), 404);
        assertProblem(api.get(admin(portfolio.id()), tokensPath(portfolio.id()) + "/" + UUID.randomUUID()), 404);
    }

    @Test
    void onlyThePortfolioOwnerManagesTokens() {
        var byEditor = api.post(editor(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"x\"}");
        var byViewer = api.get(viewer(portfolio.id()), tokensPath(portfolio.id()));
        var unnamed = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\" \"}");
        var noPortfolio = api.post(admin(UUID.randomUUID()), tokensPath(UUID.randomUUID()), null, "{\"name\":\"x\"}");

        assertProblem(byEditor, 403);
        assertProblem(byViewer, 403);
        assertFieldProblem(unnamed, 422, "name");
        assertProblem(noPortfolio, 403);
    }

    /** A name's limit counts characters as the reader (and the database) does: an emoji is one. */
    @Test
    void aNameOfAHundredEmojiIsAHundredCharacters() {
        String hundred = "\uD83D\uDE80".repeat(100);

        var created =
                api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"" + hundred + "\"}");
        var tooLong =
                api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"" + hundred + "x\"}");

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(api.get(admin(portfolio.id()), tokensPath(portfolio.id())).text())
                .contains(hundred);
        assertFieldProblem(tooLong, 422, "name");
    }

    /** A token's name is one line, without characters that turn the text's direction (it was kept). */
    @Test
    void aNameWithALineBreakOrADirectionControlIsRefused() {
        for (String name : List.of("Entra\\nID", "Entra\\u202EDI")) {
            var refused =
                    api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"" + name + "\"}");

            assertFieldProblem(refused, 422, "name");
            assertThat(refused.text()).contains("at position 6); remove it");
        }
    }

    @Test
    void aRevokedTokenIsRefused() {
        var listed = api.get(admin(portfolio.id()), tokensPath(portfolio.id()));
        String tokenId = listed.body().path("items").get(0).path("tokenId").asString();

        var revoked = api.delete(admin(portfolio.id()), tokensPath(portfolio.id()) + "/" + tokenId);
        var again = api.delete(admin(portfolio.id()), tokensPath(portfolio.id()) + "/" + tokenId);

        assertThat(revoked.status()).isEqualTo(204);
        assertProblem(again, 404);
        Scim refused = scim(HttpMethod.GET, users(), null);
        assertScimError(refused, 401, null);
        assertThat(refused.headers().getFirst("WWW-Authenticate")).startsWith("Bearer");
    }

    @Test
    void scimTokensAndAdministratorTokensAreNotInterchangeable() {
        Scim withJwt = scim(admin(portfolio.id()), HttpMethod.GET, users(), null);
        Scim withoutToken = scim(null, HttpMethod.GET, users(), null);
        var scimTokenOnTheApi = api.get(scimToken, "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs");

        assertScimError(withJwt, 401, null);
        assertScimError(withoutToken, 401, null);
        assertProblem(scimTokenOnTheApi, 401);
    }

    @Test
    void aTokenProvisionsItsOwnPortfolioOnly() {
        var other = directory.portfolio();
        UUID stranger = other.user("stranger");
        other.member(other.account("Theirs"), stranger, com.portfoliobulk.contracts.AccountRole.ANALYST);

        Scim answer = scim(
                HttpMethod.PATCH,
                "/scim/v2/portfolios/" + other.id() + "/Users/" + stranger,
                ScimRequestShapesIntegrationTests.OKTA_DISABLE);
        Scim notInThisPortfolio = scim(HttpMethod.GET, users() + "/" + stranger, null);

        assertScimError(answer, 403, null);
        assertScimError(notInThisPortfolio, 404, null);
        assertThat(jobCount(other.id())).isZero();
    }
    /**
     * Another portfolio's id spelt otherwise in the path (a character percent-encoded, a leading space)
     * names the same portfolio to the endpoints, so it is refused as the plain id is: neither its users
     * nor an offboarding of one are reachable with this portfolio's token.
     */
    @Test
    void anotherPortfoliosIdSpeltOtherwiseIsRefusedToo() {
        var other = directory.portfolio();
        UUID stranger = other.user("stranger");
        other.member(other.account("Theirs"), stranger, com.portfoliobulk.contracts.AccountRole.ANALYST);
        String id = other.id().toString();
        String encodedFirst = "%" + Integer.toHexString(id.charAt(0)).toUpperCase() + id.substring(1);

        List<String> paths = new ArrayList<>();
        for (String spelling : List.of(encodedFirst, "%20" + id, id.toUpperCase(), id + "%20")) {
            paths.add("/scim/v2/portfolios/" + spelling + "/Users");
        }
        // The path's fixed words spelt otherwise: the endpoints decode them too.
        paths.add("/scim/v2/%70ortfolios/" + id + "/Users");
        paths.add("/scim/v2/portfolio%73/" + id + "/Users");
        paths.add("/scim/%76" + "2/portfolios/" + id + "/Users");
        paths.add("/%73cim/v2/portfolios/" + id + "/Users");

        for (String path : paths) {
            Scim list = scim(HttpMethod.GET, path, null);
            Scim offboard = scim(HttpMethod.DELETE, path + "/" + stranger, null);

            assertThat(list.status()).as(path + ": " + list.text()).isIn(400, 401, 403, 404);
            assertThat(list.text()).as(path).doesNotContain(stranger.toString());
            assertThat(offboard.status()).as(path + ": " + offboard.text()).isIn(400, 401, 403, 404);
        }
        assertThat(jobCount(other.id())).isZero();
    }

    /** The token's own portfolio id in upper case is the same portfolio (ids are read in either case). */
    @Test
    void theOwnPortfoliosIdInUpperCaseIsThePortfolio() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, com.portfoliobulk.contracts.AccountRole.ANALYST);

        Scim list = scim(
                HttpMethod.GET,
                "/scim/v2/portfolios/" + portfolio.id().toString().toUpperCase() + "/Users",
                null);

        assertThat(list.status()).as(list.text()).isEqualTo(200);
        assertThat(list.text()).contains(ann.toString());
    }
}

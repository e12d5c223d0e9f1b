package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls;
import com.portfoliobulk.gateway.support.StampedWrites;
import com.portfoliobulk.testsupport.LockWaits;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpMethod;

/** SCIM tokens: the Portfolio Owner's to create and revoke, shown once, stored hashed, kept apart from JWTs. */
class ScimTokenIntegrationTests extends ScimIntegrationTest {

    @Autowired
    DataSource dataSource;

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

    /**
     * A creation sent again with its Idempotency-Key (its 201 lost to a client timeout) creates no second
     * token: the secret cannot be shown again, so the retry is refused (409) naming the token the key
     * created and saying what to do. Before, the key was ignored and the retry made a second live token
     * whose secret nobody saw.
     */
    @Test
    void aCreationSentAgainWithItsIdempotencyKeyCreatesNoSecondTokenAndNamesTheFirst() {
        String key = UUID.randomUUID().toString();
        var created = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), key, "{\"name\":\"Okta\"}");

        var again = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), key, "{\"name\":\"Okta\"}");
        var writtenOtherwise =
                api.post(admin(portfolio.id()), tokensPath(portfolio.id()), key, "{\"name\":\" Okta \"}");

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String tokenId = created.body().path("tokenId").asString();
        for (var retry : List.of(again, writtenOtherwise)) {
            assertFieldProblem(retry, 409, "Idempotency-Key");
            assertThat(retry.body().path("type").asString()).isEqualTo("urn:portfolio-bulk:problem:conflict");
            assertThat(retry.body().path("detail").asString())
                    .contains(
                            tokenId,
                            "\"Okta\"",
                            created.body().path("createdAt").asString())
                    .contains("shown only in the answer to that request")
                    .contains("DELETE " + tokensPath(portfolio.id()) + "/" + tokenId)
                    .contains("new Idempotency-Key")
                    .doesNotContain(created.body().path("token").asString());
        }
        assertThat(tokenNames(portfolio.id())).containsExactlyInAnyOrder("Entra ID", "Okta");
        assertThat(scim(created.body().path("token").asString(), HttpMethod.GET, users(), null)
                        .status())
                .isEqualTo(200);
    }

    /** The same key with another name is another request: refused as a job's key is (422), creating nothing. */
    @Test
    void anIdempotencyKeyUsedForATokenOfAnotherNameIsRefused() {
        String key = UUID.randomUUID().toString();
        var created = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), key, "{\"name\":\"Okta\"}");

        var other = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), key, "{\"name\":\"OneLogin\"}");

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertFieldProblem(other, 422, "Idempotency-Key");
        assertThat(other.body().path("type").asString()).isEqualTo("urn:portfolio-bulk:problem:idempotency-key-reused");
        assertThat(other.body().path("detail").asString())
                .contains(created.body().path("tokenId").asString());
        assertThat(tokenNames(portfolio.id())).containsExactlyInAnyOrder("Entra ID", "Okta");
    }

    /**
     * Without a key each creation makes a token, as before; a key is the portfolio's (another portfolio's
     * creation with it makes its own), and a blank or overlong one is refused before anything is made.
     */
    @Test
    void withoutAnIdempotencyKeyEachCreationMakesAToken() {
        var first = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"Okta\"}");
        var second = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"Okta\"}");
        String key = UUID.randomUUID().toString();
        var other = directory.portfolio();
        var here = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), key, "{\"name\":\"Okta\"}");
        var there = api.post(admin(other.id()), tokensPath(other.id()), key, "{\"name\":\"Okta\"}");
        var blank = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), " ", "{\"name\":\"Okta\"}");
        var overlong =
                api.post(admin(portfolio.id()), tokensPath(portfolio.id()), "k".repeat(256), "{\"name\":\"Okta\"}");

        assertThat(first.status()).as(first.text()).isEqualTo(201);
        assertThat(second.status()).as(second.text()).isEqualTo(201);
        assertThat(second.body().path("tokenId").asString())
                .isNotEqualTo(first.body().path("tokenId").asString());
        assertThat(here.status()).as(here.text()).isEqualTo(201);
        assertThat(there.status()).as(there.text()).isEqualTo(201);
        assertFieldProblem(blank, 400, "Idempotency-Key");
        assertFieldProblem(overlong, 400, "Idempotency-Key");
        assertThat(tokenNames(portfolio.id())).containsExactlyInAnyOrder("Entra ID", "Okta", "Okta", "Okta");
        assertThat(tokenNames(other.id())).containsExactly("Okta");
    }

    /** A key stays with its token once it is revoked: a retry creates none and says to use a new key. */
    @Test
    void theKeyOfARevokedTokenCreatesNoOther() {
        String key = UUID.randomUUID().toString();
        var created = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), key, "{\"name\":\"Okta\"}");
        String tokenId = created.body().path("tokenId").asString();
        assertThat(api.delete(admin(portfolio.id()), tokensPath(portfolio.id()) + "/" + tokenId)
                        .status())
                .isEqualTo(204);

        var again = api.post(admin(portfolio.id()), tokensPath(portfolio.id()), key, "{\"name\":\"Okta\"}");

        assertFieldProblem(again, 409, "Idempotency-Key");
        assertThat(again.body().path("detail").asString()).contains(tokenId, "was revoked", "new Idempotency-Key");
        assertThat(tokenNames(portfolio.id())).containsExactly("Entra ID");
    }

    /**
     * Two creations with one key: the second waits for the first's insert to commit (the unique index
     * decides) and is refused naming its token, so there is one token; had the first rolled back, the
     * second would have created it.
     */
    @Test
    void aCreationWaitsForAConcurrentOneWithTheSameKeyAndNamesItsToken() throws Exception {
        String key = UUID.randomUUID().toString();
        UUID firstToken = UUID.randomUUID();
        try (Connection first = dataSource.getConnection()) {
            first.setAutoCommit(false);
            try (PreparedStatement insert = first.prepareStatement("""
                    INSERT INTO jobs.scim_tokens
                        (id, portfolio_id, name, token_hash, created_by_user_id, created_by_email, idempotency_key)
                    VALUES (?, ?, 'Okta', ?, ?, 'owner@example.com', ?)
                    """)) {
                insert.setObject(1, firstToken);
                insert.setObject(2, portfolio.id());
                insert.setString(3, UUID.randomUUID().toString());
                insert.setObject(4, UUID.randomUUID());
                insert.setString(5, key);
                insert.executeUpdate();
            }

            CompletableFuture<GatewayCalls.Answer> second = CompletableFuture.supplyAsync(
                    () -> api.post(admin(portfolio.id()), tokensPath(portfolio.id()), key, "{\"name\":\"Okta\"}"));
            LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.scim_tokens", Duration.ofSeconds(10));
            first.commit();

            var answer = second.get();
            assertFieldProblem(answer, 409, "Idempotency-Key");
            assertThat(answer.body().path("detail").asString()).contains(firstToken.toString());
        }
        assertThat(tokenNames(portfolio.id())).containsExactlyInAnyOrder("Entra ID", "Okta");
    }

    private List<String> tokenNames(UUID portfolioId) {
        var listed = api.get(admin(portfolioId), tokensPath(portfolioId));
        assertThat(listed.status()).as(listed.text()).isEqualTo(200);
        return listed.body().path("items").values().stream()
                .map(item -> item.path("name").asString())
                .toList();
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

    /**
     * A token's name is not only spaces: a name of no-break, figure or ideographic spaces, or of a
     * character that shows nothing, is refused as no name (it used to be kept, and listed as a token
     * without a name), and an invisible character in a name is refused naming it. No-break spaces
     * around a name are left out, as spaces are.
     */
    @Test
    void aNameOfUnicodeSpacesOrInvisibleCharactersIsRefused() {
        List<String> before = tokenNames(portfolio.id());
        for (String name : List.of("\\u00A0", "\\u200B", " \\u3000\\u2007 ", "\\uFEFF\\u00A0")) {
            var refused =
                    api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"" + name + "\"}");

            assertFieldProblem(refused, 422, "name");
            assertThat(refused.body().path("errors").get(0).path("message").asString())
                    .as(name)
                    .isEqualTo("is required: 1 to 100 characters, not only spaces or invisible ones");
        }
        var invisible =
                api.post(admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"Entra\\u2060ID\"}");
        assertFieldProblem(invisible, 422, "name");
        assertThat(invisible.text()).contains("U+2060 at position 6");
        assertThat(tokenNames(portfolio.id())).isEqualTo(before);

        var spaced = api.post(
                admin(portfolio.id()), tokensPath(portfolio.id()), null, "{\"name\":\"\\u00A0Entra ID\\u3000\"}");

        assertThat(spaced.status()).as(spaced.text()).isEqualTo(201);
        assertThat(spaced.body().path("name").asString()).isEqualTo("Entra ID");
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

    /**
     * A revocation is written to the database alone, so a restore to a moment before it makes the token
     * work again: each gateway logs one INFO line for it, naming the portfolio, the token and the Owner
     * by user id, without their address, which the restore procedure greps to revoke it again. A
     * revocation of a token revoked already (404) logs none.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aRevocationIsLoggedOnceNamingThePortfolioTheTokenAndTheOwner(CapturedOutput output) {
        String tokenId = api.get(admin(portfolio.id()), tokensPath(portfolio.id()))
                .body()
                .path("items")
                .get(0)
                .path("tokenId")
                .asString();

        assertThat(api.delete(admin(portfolio.id()), tokensPath(portfolio.id()) + "/" + tokenId)
                        .status())
                .isEqualTo(204);
        assertProblem(api.delete(admin(portfolio.id()), tokensPath(portfolio.id()) + "/" + tokenId), 404);

        assertThat(output.getAll().lines().filter(line -> line.contains("SCIM token " + tokenId)))
                .singleElement()
                .asString()
                .contains(" INFO ")
                .contains("Change of portfolio " + portfolio.id() + " at the request of user " + ADMIN_ID
                        + ": SCIM token " + tokenId + " revoked")
                .doesNotContain(ADMIN_EMAIL);
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

package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every rejected submission answers a problem naming what is wrong, and creates nothing. */
class JobValidationIntegrationTests extends GatewayIntegrationTest {

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

    @AfterEach
    void nothingWasCreated() {
        assertThat(jobCount(portfolio.id())).isZero();
        assertThat(taskCount(portfolio.id())).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.idempotency_keys WHERE portfolio_id = :p")
                        .param("p", portfolio.id())
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void malformedJsonIsABadRequest() {
        assertProblem(submit(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":["), 400);
        assertProblem(submit(portfolio.id(), ""), 400);
    }

    @Test
    void anUnknownOrMissingTypeIsABadRequestNamingIt() {
        Answer unknown = submit(portfolio.id(), "{\"type\":\"DELETE_EVERYONE\",\"userIds\":[\"" + ann + "\"]}");
        assertFieldProblem(unknown, 400, "type");
        assertThat(unknown.body().path("errors").get(0).path("message").asString())
                .contains("INVITE_USERS", "UPDATE_ROLES", "REMOVE_ACCESS", "OFFBOARD_USERS");
        assertFieldProblem(submit(portfolio.id(), "{\"userIds\":[\"" + ann + "\"]}"), 400, "type");
    }

    @Test
    void wrongFieldTypesAreABadRequestNamingTheField() {
        assertFieldProblem(
                submit(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":\"" + ann + "\"}"), 400, "userIds");
        Answer notAnId = submit(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"ann\"]}");
        assertFieldProblem(notAnId, 400, "userIds[0]");
        assertThat(notAnId.body().path("errors").get(0).path("message").asString())
                .isEqualTo("must be a UUID");
        Answer unknownRole = submit(portfolio.id(), """
                {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":["%s"],"role":"SUPERUSER"}
                """.formatted(ann, alpha));
        // Well-formed, but neither a standard role nor one of this portfolio's custom roles.
        assertFieldProblem(unknownRole, 422, "role");
        assertThat(unknownRole.body().path("errors").get(0).path("message").asString())
                .contains("Unknown role 'SUPERUSER'");
        assertFieldProblem(submit(portfolio.id(), """
                        {"type":"INVITE_USERS","emails":["a@b.example"],"accounts":[{"accountId":"%s"}],
                         "expiresInDays":"soon"}
                        """.formatted(alpha)), 400, "expiresInDays");
        assertFieldProblem(submit(portfolio.id(), """
                        {"type":"UPDATE_ROLES","assignments":[],"userIds":["%s"],"accountIds":["%s"],"role":"ADMIN"}
                        """.formatted(ann, alpha)), 400, "assignments");
    }

    @Test
    void emptyListsAreRefused() {
        assertFieldProblem(submit(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[]}"), 422, "userIds");
        assertFieldProblem(
                submit(portfolio.id(), "{\"type\":\"INVITE_USERS\",\"emails\":[],\"accounts\":[]}"),
                422,
                "emails",
                "accounts");
        assertFieldProblem(
                submit(portfolio.id(), "{\"type\":\"REMOVE_ACCESS\",\"userIds\":[\"" + ann + "\"]}"),
                422,
                "accountIds");
    }

    @Test
    void malformedAndDuplicateAddressesAreRefused() {
        Answer answer = submit(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["new@brand.example","not-an-address","NEW@brand.example"],
                 "accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(alpha));

        assertFieldProblem(answer, 422, "emails[1]", "emails[2]");
        assertThat(answer.body().path("errors").get(1).path("message").asString())
                .contains("listed twice");
    }

    @Test
    void addressesAMailServerWouldRefuseAreRefusedBeforeAnyoneIsInvited() {
        Answer answer = submit(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["<script>alert(1)</script>@x.example","a\\"onmouseover=\\"x@x.example",
                 "a@<b>.example","=hyperlink(\\"http://evil\\")@x.example","ok.person@brand.example"],
                 "accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(alpha));

        assertFieldProblem(answer, 422, "emails[0]", "emails[1]", "emails[2]", "emails[3]");
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .contains("is not a valid e-mail address", "brand.example");
        assertThat(jobCount(portfolio.id())).isZero();
    }

    /**
     * An address with a character outside ASCII that lower-cases to an ASCII letter (U+212A KELVIN SIGN
     * to k, U+0130 to i and a dot) is refused as typed: it was lower-cased first, passed, and another
     * address than the one sent was invited.
     */
    @Test
    void anAddressIsCheckedAsTypedNotAsItLowerCases() {
        Answer answer = submit(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["\u212Aate@brand.example","ok.person@brand.example"],
                 "accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(alpha));

        assertFieldProblem(answer, 422, "emails[0]");
        assertThat(jobCount(portfolio.id())).isZero();
    }

    /**
     * A domain may be typed in Unicode (it is invited in its xn-- form, end to end in local-stack); the
     * name before @ may not, and the refusal says so, naming the field; nor may a domain that IDNA
     * versions write differently (sharp s), whose xn-- form the refusal asks for. Both were refused with
     * a rule of "letters, digits" that did not say which.
     */
    @Test
    void aNameBeforeTheAtOutsideAsciiIsRefusedSayingWhyAndADomainOutsideAsciiIsTaken() {
        Answer answer = submit(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["Anna@Müller.example","Änna@müller.example",
                 "anna@straße.example"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(alpha));

        assertFieldProblem(answer, 422, "emails[1]", "emails[2]");
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .contains("'Änna@müller.example' is not a valid e-mail address")
                .contains("the name before @ may only have ASCII characters (the domain may be in Unicode)");
        assertThat(answer.body().path("errors").get(1).path("message").asString())
                .contains("'anna@straße.example' is not a valid e-mail address")
                .contains("type the domain in its ASCII xn-- form");
        assertThat(jobCount(portfolio.id())).isZero();
    }

    /**
     * A long value the client sent is repeated cut short, so that the fix after it stays in the message
     * (a message is at most 500 characters), and the limits a value can break are stated.
     */
    @Test
    void aLongRefusedValueIsRepeatedCutShortAndTheFixFollowsIt() {
        // Every part as the rule allows it, 324 characters in all.
        String longAddress = "a".repeat(60) + "@" + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63) + "."
                + "e".repeat(63) + ".example";
        Answer answer = submit(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["%s","%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted("x".repeat(450), longAddress, alpha));
        Answer status = api.get(admin(portfolio.id()), jobsPath(portfolio.id()) + "?status=" + "X".repeat(1000));

        assertFieldProblem(answer, 422, "emails[0]", "emails[1]");
        for (JsonNode error : answer.body().path("errors")) {
            assertThat(error.path("message").asString())
                    .contains("…' is not a valid e-mail address", "254 characters at most in all")
                    .hasSizeLessThan(500);
        }
        assertFieldProblem(status, 400, "status");
        assertThat(status.body().path("errors").get(0).path("message").asString())
                .contains("X…' is not ", "COMPLETED");
        assertThat(jobCount(portfolio.id())).isZero();
    }

    @Test
    void duplicateIdsAndAssignmentsAreRefused() {
        assertFieldProblem(submit(portfolio.id(), """
                        {"type":"REMOVE_ACCESS","userIds":["%s","%s"],"accountIds":["%s"]}
                        """.formatted(ann, ann, alpha)), 422, "userIds[1]");
        assertFieldProblem(submit(portfolio.id(), """
                        {"type":"UPDATE_ROLES","assignments":[
                          {"userId":"%s","accountId":"%s","role":"ADMIN"},
                          {"userId":"%s","accountId":"%s","role":"MANAGER"}]}
                        """.formatted(ann, alpha, ann, alpha)), 422, "assignments[1]");
    }

    @Test
    void accountsNotLinkedToThePortfolioAreRefusedNamingThem() {
        UUID foreign = directory.portfolio().account("Someone else's");
        UUID unlinked = portfolio.unlinkedAccount("Unlinked");
        UUID unknown = UUID.randomUUID();

        Answer answer = submit(portfolio.id(), """
                {"type":"REMOVE_ACCESS","userIds":["%s"],"accountIds":["%s","%s","%s","%s"]}
                """.formatted(ann, alpha, foreign, unlinked, unknown));

        assertFieldProblem(answer, 422, "accountIds[1]", "accountIds[2]", "accountIds[3]");
        assertThat(answer.body().path("errors").values())
                .extracting(error -> error.path("message").asString())
                .allMatch(message -> message.contains("is not an account linked to this portfolio"))
                .anyMatch(message -> message.contains(foreign.toString()))
                .anyMatch(message -> message.contains(unknown.toString()));
        assertThat(answer.body().path("detail").asString()).contains("3 account id(s)");
    }

    @Test
    void usersWithoutAccessToThePortfolioAreRefusedNamingThem() {
        UUID stranger = directory.portfolio().user("stranger");
        UUID nobody = portfolio.user("nobody");

        Answer offboard = submit(portfolio.id(), """
                {"type":"OFFBOARD_USERS","userIds":["%s","%s","%s"]}
                """.formatted(ann, stranger, nobody));
        assertFieldProblem(offboard, 422, "userIds[1]", "userIds[2]");
        assertThat(offboard.body().path("errors").get(1).path("message").asString())
                .contains(nobody.toString(), "is not a user of this portfolio");

        assertFieldProblem(
                submit(portfolio.id(), """
                        {"type":"UPDATE_ROLES","assignments":[{"userId":"%s","accountId":"%s","role":"ADMIN"}]}
                        """.formatted(stranger, UUID.randomUUID())),
                422,
                "assignments[0].accountId",
                "assignments[0].userId");
    }

    /**
     * An invitation is no access from its expiry on, also while its row waits for the bulk-worker's
     * expiry sweep: a user whose only membership in the portfolio is one is refused as a user without
     * access, by a submission and its preview alike, as after the sweep; one whose invitation is still
     * ahead is a user of the portfolio.
     */
    @Test
    void aUserWhoseOnlyInvitationHasExpiredIsRefusedBeforeTheSweepDeletesIt() {
        UUID lapsed = portfolio.user("lapsed");
        portfolio.invited(alpha, lapsed, AccountRole.ANALYST, Instant.now().minus(Duration.ofMinutes(5)));
        UUID invitee = portfolio.user("invitee");
        portfolio.invited(alpha, invitee, AccountRole.ANALYST, Instant.now().plus(Duration.ofDays(7)));
        String preview = jobsPath(portfolio.id()) + "/preview";

        for (String request : List.of(
                "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"%s\"]}",
                "{\"type\":\"UPDATE_ROLES\",\"userIds\":[\"%s\"],\"accountIds\":[\"" + alpha
                        + "\"],\"role\":\"SUPPORT\"}",
                "{\"type\":\"REMOVE_ACCESS\",\"userIds\":[\"%s\"],\"accountIds\":[\"" + alpha + "\"]}",
                "{\"type\":\"RESEND_INVITATIONS\",\"userIds\":[\"%s\"],\"accountIds\":[\"" + alpha + "\"]}")) {
            String body = request.formatted(lapsed);
            for (Answer refused :
                    List.of(submit(portfolio.id(), body), api.post(admin(portfolio.id()), preview, null, body))) {
                assertFieldProblem(refused, 422, "userIds[0]");
                assertThat(refused.body().path("errors").get(0).path("message").asString())
                        .as(body)
                        .contains(lapsed.toString(), "is not a user of this portfolio");
            }
            Answer previewed = api.post(admin(portfolio.id()), preview, null, request.formatted(invitee));
            assertThat(previewed.status()).as(previewed.text()).isEqualTo(200);
        }
    }

    @Test
    void ownerIsNeverATargetRole() {
        assertFieldProblem(submit(portfolio.id(), """
                        {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":["%s"],"role":"OWNER"}
                        """.formatted(ann, alpha)), 422, "role");
        assertFieldProblem(submit(portfolio.id(), """
                        {"type":"INVITE_USERS","emails":["new@brand.example"],
                         "accounts":[{"accountId":"%s","role":"OWNER"}]}
                        """.formatted(alpha)), 422, "accounts[0].role");
        assertFieldProblem(submit(portfolio.id(), """
                        {"type":"UPDATE_ROLES","assignments":[{"userId":"%s","accountId":"%s","role":"owner"}]}
                        """.formatted(ann, alpha)), 422, "assignments[0].role");
    }

    @Test
    void invitationSettingsOutOfRangeAreRefused() {
        assertFieldProblem(submit(portfolio.id(), """
                        {"type":"INVITE_USERS","emails":["new@brand.example"],"language":"--",
                         "accounts":[{"accountId":"%s"}],"expiresInDays":0}
                        """.formatted(alpha)), 422, "expiresInDays", "language");
    }

    @Test
    void moreTasksThanAJobMayHaveIsTooLarge() {
        String users = ids(450);
        String accounts = ids(450);

        Answer answer = submit(portfolio.id(), """
                {"type":"REMOVE_ACCESS","userIds":[%s],"accountIds":[%s]}
                """.formatted(users, accounts));

        assertProblem(answer, 413);
        assertThat(answer.body().path("detail").asString()).contains("202500 tasks", "at most 200000");
    }

    @Test
    void aBodyOverTheLimitIsTooLargeWhetherItsLengthIsDeclaredOrNot() throws Exception {
        String padding = " ".repeat(5 * 1024 * 1024);
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]" + padding + "}";

        assertProblem(submit(portfolio.id(), body), 413);

        HttpRequest chunked = HttpRequest.newBuilder(URI.create("http://localhost:" + port + jobsPath(portfolio.id())))
                .header("Authorization", "Bearer " + admin(portfolio.id()))
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))))
                .build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(chunked, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
    }

    @Test
    void theIdempotencyKeyIsRequiredAndBounded() {
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";

        assertFieldProblem(
                api.post(admin(portfolio.id()), jobsPath(portfolio.id()), null, body), 400, "Idempotency-Key");
        assertFieldProblem(
                api.post(admin(portfolio.id()), jobsPath(portfolio.id()), " ", body), 400, "Idempotency-Key");
        assertFieldProblem(
                api.post(admin(portfolio.id()), jobsPath(portfolio.id()), "k".repeat(256), body),
                400,
                "Idempotency-Key");
    }

    @Test
    void onlyOwnersAndEditorsMaySubmit() {
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";
        String key = UUID.randomUUID().toString();

        assertProblem(api.post(viewer(portfolio.id()), jobsPath(portfolio.id()), key, body), 403);
        assertProblem(api.post(outsider(), jobsPath(portfolio.id()), key, body), 403);
        assertThat(api.post(null, jobsPath(portfolio.id()), key, body).status()).isEqualTo(401);
    }

    /**
     * A caller who may not submit, or preview, is refused before the body is read: a body they send is
     * not parsed (up to the 5 MB limit each time, with no rate limit, since only those who may submit
     * use up the portfolio's allowance). Their malformed JSON was answered 400 before, after parsing.
     */
    @Test
    void aCallerWhoMayNotSubmitIsRefusedBeforeTheBodyIsRead() {
        String malformed = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[";
        String key = UUID.randomUUID().toString();

        for (String path : new String[] {jobsPath(portfolio.id()), jobsPath(portfolio.id()) + "/preview"}) {
            assertProblem(api.post(viewer(portfolio.id()), path, key, malformed), 403);
            assertProblem(api.post(outsider(), path, key, malformed), 403);
        }
    }

    @Test
    void aPortfolioThatDoesNotExistIsNotFound() {
        UUID missing = UUID.randomUUID();

        Answer answer = api.post(
                admin(missing),
                jobsPath(missing),
                UUID.randomUUID().toString(),
                "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");

        assertProblem(answer, 404);
        assertThat(jobCount(missing)).isZero();
    }

    private static String ids(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> "\"" + UUID.randomUUID() + "\"")
                .collect(Collectors.joining(","));
    }
}

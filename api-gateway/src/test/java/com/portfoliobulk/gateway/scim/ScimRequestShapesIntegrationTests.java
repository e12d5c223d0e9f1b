package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * The exact request bodies Microsoft Entra ID and Okta document for finding, updating and
 * deprovisioning a user, sent to the running gateway; and the SCIM error format.
 */
class ScimRequestShapesIntegrationTests extends ScimIntegrationTest {

    /** The start of a PatchOp body, up to its operations. */
    static final String PATCH_OP = "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],";

    /** Entra ID's PATCH of a renamed user it disables: the new userName with active false. */
    private static final String RENAME_AND_DISABLE = PATCH_OP
            + "\"Operations\":[{\"op\":\"Replace\",\"path\":\"userName\","
            + "\"value\":\"ann.lee@renamed.example.test\"},"
            + "{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}]}";

    /** The start of a User resource body, up to its attributes. */
    static final String USER = "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],";

    /** Entra ID's deactivation: PATCH replace with a path and the boolean as the string "False". */
    static final String ENTRA_DISABLE = """
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {
                        "op": "Replace",
                        "path": "active",
                        "value": "False"
                    }
                ]
            }""";

    /** Entra ID's attribute update: several operations, attributes this service does not keep among them. */
    static final String ENTRA_UPDATE = """
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "Add", "path": "displayName", "value": "Ann Example"},
                    {"op": "Replace", "path": "emails[type eq \\"work\\"].value", "value": "ann@example.test"},
                    {"op": "Replace", "path": "name.givenName", "value": "Ann"},
                    {"op": "Replace", "path": "name.familyName", "value": "Example"},
                    {"op": "Replace", "path": "externalId", "value": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"},
                    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                     "value": "Marketing"}
                ]
            }""";

    /** Okta's deactivation: PATCH replace without a path, the attributes in the value. */
    static final String OKTA_DISABLE = """
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {
                        "op": "replace",
                        "value": {
                            "active": false
                        }
                    }
                ]
            }""";

    /** Okta's PUT with the full resource, active false. */
    static String oktaPut(UUID id, String userName) {
        return """
                {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "id": "%s",
                    "userName": "%s",
                    "name": {
                        "givenName": "Ann",
                        "familyName": "Example"
                    },
                    "emails": [{
                        "primary": true,
                        "value": "%s",
                        "type": "work"
                    }],
                    "active": false,
                    "groups": [],
                    "meta": {
                        "resourceType": "User"
                    }
                }""".formatted(id, userName, userName);
    }

    @Test
    void entraIdFindsTheUserByUserNameAndItsDeactivationOffboardsThemFromEveryLinkedAccount() {
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        UUID shop = portfolio.account("Shop");
        portfolio.member(brand, ann, AccountRole.ANALYST).member(shop, ann, AccountRole.MANAGER);

        Scim found = scim(
                HttpMethod.GET,
                users() + "?filter=userName%20eq%20%22" + portfolio.email("ann").toUpperCase() + "%22",
                null);
        Scim updated = scim(HttpMethod.PATCH, users() + "/" + ann, ENTRA_UPDATE);
        Scim disabled = scim(HttpMethod.PATCH, users() + "/" + ann, ENTRA_DISABLE);

        assertThat(found.status()).as(found.text()).isEqualTo(200);
        assertThat(found.headers().getContentType().toString()).startsWith(SCIM_JSON);
        assertThat(found.json().path("totalResults").asInt()).isEqualTo(1);
        assertThat(found.json().path("Resources").get(0).path("id").asString()).isEqualTo(ann.toString());
        assertThat(updated.status()).as(updated.text()).isEqualTo(200);
        assertThat(updated.json().path("displayName").asString()).isEqualTo("Ann Example");
        assertThat(updated.json().path("externalId").asString()).isEqualTo("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
        assertThat(updated.json().path("active").asBoolean()).isTrue();
        assertThat(disabled.status()).as(disabled.text()).isEqualTo(200);
        assertThat(disabled.json().path("active").asBoolean()).isFalse();
        String jobId = disabled.json()
                .path(ScimResources.ACCESS_EXTENSION)
                .path("lastOffboardingJobId")
                .asString();
        var job = api.get(admin(portfolio.id()), jobPath(portfolio.id(), jobId));
        assertThat(job.body().path("type").asString()).isEqualTo("OFFBOARD_USERS");
        assertThat(job.body().path("origin").asString()).isEqualTo("SCIM");
        assertThat(job.body().path("requestedBy").path("kind").asString()).isEqualTo("IDENTITY_PROVIDER");
        assertThat(job.body().path("requestedBy").path("email").asString()).isEqualTo("identity provider");
        assertThat(job.body().path("counts").path("total").asInt()).isEqualTo(2);
        assertThat(jdbc.sql("SELECT account_id FROM jobs.bulk_tasks WHERE job_id = ?::uuid AND action = 'REMOVE'")
                        .params(jobId)
                        .query(UUID.class)
                        .list())
                .containsExactlyInAnyOrder(brand, shop);
    }

    @Test
    void theSameDeprovisioningSentTwiceMakesOneJob() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);

        Scim first = scim(HttpMethod.PATCH, users() + "/" + ann, ENTRA_DISABLE);
        Scim retried = scim(HttpMethod.PATCH, users() + "/" + ann, ENTRA_DISABLE);
        Scim deleted = scim(HttpMethod.DELETE, users() + "/" + ann, null);

        assertThat(first.status()).isEqualTo(200);
        assertThat(retried.status()).isEqualTo(200);
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        assertThat(retried.json().path(ScimResources.ACCESS_EXTENSION).path("lastOffboardingJobId"))
                .isEqualTo(first.json().path(ScimResources.ACCESS_EXTENSION).path("lastOffboardingJobId"));
        assertThat(scim(HttpMethod.GET, users() + "/" + ann, null).status()).isEqualTo(404);
    }

    /**
     * The identity provider's keys are its own: an administrator's submission with one (it would make the
     * user's deprovisioning answer 422 for the key's lifetime) is refused, and the deprovisioning works.
     */
    @Test
    void anAdministratorCannotTakeTheKeyOfAnIdentityProvidersDeprovisioning() {
        UUID ann = portfolio.user("ann");
        UUID brand = portfolio.account("Brand");
        portfolio.member(brand, ann, AccountRole.ANALYST);

        Answer taken = api.post(
                admin(portfolio.id()),
                "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs",
                ScimProvisioning.idempotencyKey(ann, 1),
                """
                {"type":"INVITE_USERS","emails":["someone@brand.example"],"accounts":[{"accountId":"%s"}]}
                """.formatted(brand));
        Scim deleted = scim(HttpMethod.DELETE, users() + "/" + ann, null);

        assertThat(taken.status()).as(taken.text()).isEqualTo(400);
        assertThat(taken.text()).contains("Idempotency-Key", "scim-");
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
    }

    /** A user's meta.created is when the user was added, before and after the first change the identity provider makes. */
    @Test
    void aUsersCreationTimeStaysWhenTheIdentityProviderFirstChangesThem() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        Scim before = scim(HttpMethod.GET, users() + "/" + ann, null);

        Scim patched = scim(HttpMethod.PATCH, users() + "/" + ann, """
                {"schemas":["%s"],"Operations":[{"op":"replace","path":"displayName","value":"Ann Example"}]}
                """.formatted(PATCH_SCHEMA));

        assertThat(before.status()).as(before.text()).isEqualTo(200);
        assertThat(patched.status()).as(patched.text()).isEqualTo(200);
        assertThat(patched.json().path("displayName").asString()).isEqualTo("Ann Example");
        String created = before.json().path("meta").path("created").asString();
        assertThat(patched.json().path("meta").path("created").asString()).isEqualTo(created);
        assertThat(scim(HttpMethod.GET, users() + "/" + ann, null)
                        .json()
                        .path("meta")
                        .path("created")
                        .asString())
                .isEqualTo(created);
        assertThat(Instant.parse(
                        patched.json().path("meta").path("lastModified").asString()))
                .isAfter(Instant.parse(created));
    }

    /**
     * Creating a user whose address is a user of another portfolio links that directory user, and tells
     * nothing of them: meta.created is when this portfolio's identity provider created them, and so is
     * it when it creates them again after deleting them. Before, it was when the directory user was
     * added, and an old date told the identity provider that the address has been a user elsewhere, and
     * since when.
     */
    @Test
    void aUserCreatedWithTheAddressOfAnotherPortfoliosUserIsNewFromTheCreation() {
        String address = portfolio.email("ann");
        UUID ann = directory.user(address, false);
        var elsewhere = directory.portfolio();
        elsewhere.member(elsewhere.account("Elsewhere"), ann, AccountRole.ANALYST);
        jdbc.sql("UPDATE directory.users SET created_at = now() - interval '400 days' WHERE id = ?")
                .params(ann)
                .update();
        Instant beforeCreation = databaseNow();

        Scim created = scim(HttpMethod.POST, users(), USER + "\"userName\":\"" + address + "\"}");
        Scim read = scim(HttpMethod.GET, users() + "/" + ann, null);
        Scim deleted = scim(HttpMethod.DELETE, users() + "/" + ann, null);
        Instant beforeRecreation = databaseNow();
        Scim recreated = scim(HttpMethod.POST, users(), USER + "\"userName\":\"" + address + "\"}");

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.json().path("id").asString()).isEqualTo(ann.toString());
        Instant createdAt =
                Instant.parse(created.json().path("meta").path("created").asString());
        assertThat(createdAt).isAfterOrEqualTo(beforeCreation);
        assertThat(read.json().path("meta").path("created").asString())
                .isEqualTo(created.json().path("meta").path("created").asString());
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        assertThat(recreated.status()).as(recreated.text()).isEqualTo(201);
        assertThat(Instant.parse(recreated.json().path("meta").path("created").asString()))
                .isAfterOrEqualTo(beforeRecreation);
    }

    /**
     * A user the identity provider deletes keeps neither its {@code externalId} nor its {@code
     * displayName} here: not when the DELETE offboards them (an active user), nor when it follows their
     * deactivation. The row keeps the count of deactivations, which the next deprovisioning's key needs,
     * and the identity provider creates the user again with new attributes; their next deletion is a new
     * offboarding. Before, both attributes stayed in the database for good, though nothing read them.
     */
    @Test
    void aDeletedUsersExternalIdAndDisplayNameAreForgottenAndTheUserCanBeCreatedAgain() {
        UUID brand = portfolio.account("Brand");
        String annAddress = portfolio.email("ann");
        Scim ann = scim(HttpMethod.POST, users(), created(annAddress, "entra-ann", "Ann Smith"));
        Scim bob = scim(HttpMethod.POST, users(), created(portfolio.email("bob"), "entra-bob", "Bob Jones"));
        assertThat(ann.status()).as(ann.text()).isEqualTo(201);
        assertThat(bob.status()).as(bob.text()).isEqualTo(201);
        UUID annId = UUID.fromString(ann.json().path("id").asString());
        UUID bobId = UUID.fromString(bob.json().path("id").asString());
        portfolio.member(brand, annId, AccountRole.ANALYST).member(brand, bobId, AccountRole.SUPPORT);

        Scim annDeleted = scim(HttpMethod.DELETE, users() + "/" + annId, null);
        Scim bobDeactivated = scim(HttpMethod.PATCH, users() + "/" + bobId, ENTRA_DISABLE);
        Scim bobDeleted = scim(HttpMethod.DELETE, users() + "/" + bobId, null);

        assertThat(annDeleted.status()).as(annDeleted.text()).isEqualTo(204);
        assertThat(bobDeactivated.status()).as(bobDeactivated.text()).isEqualTo(200);
        assertThat(bobDeleted.status()).as(bobDeleted.text()).isEqualTo(204);
        assertThat(kept(annId)).as("ann, deleted while active").containsExactly(null, null, 1, true);
        assertThat(kept(bobId)).as("bob, deleted after his deactivation").containsExactly(null, null, 1, true);
        assertThat(scimJobs(portfolio.id())).isEqualTo(2);

        Scim recreated = scim(HttpMethod.POST, users(), created(annAddress, "entra-ann-2", "Ann Lee"));
        assertThat(recreated.status()).as(recreated.text()).isEqualTo(201);
        assertThat(recreated.json().path("id").asString()).isEqualTo(annId.toString());
        assertThat(recreated.json().path("externalId").asString()).isEqualTo("entra-ann-2");
        assertThat(recreated.json().path("displayName").asString()).isEqualTo("Ann Lee");
        assertThat(kept(annId)).containsExactly("entra-ann-2", "Ann Lee", 1, false);
        Scim deletedAgain = scim(HttpMethod.DELETE, users() + "/" + annId, null);
        assertThat(deletedAgain.status()).as(deletedAgain.text()).isEqualTo(204);
        assertThat(kept(annId)).containsExactly(null, null, 2, true);
        assertThat(scimJobs(portfolio.id()))
                .as("the second deletion offboards again")
                .isEqualTo(3);
    }

    private static String created(String userName, String externalId, String displayName) {
        return USER + "\"userName\":\"" + userName + "\",\"externalId\":\"" + externalId + "\",\"displayName\":\""
                + displayName + "\"}";
    }

    /** The user's SCIM row as stored: externalId, displayName, deactivations, and whether it is deleted. */
    private List<Object> kept(UUID userId) {
        return jdbc.sql("""
                        SELECT external_id, display_name, deactivations, deleted_at IS NOT NULL AS deleted
                          FROM jobs.scim_users WHERE portfolio_id = ? AND user_id = ?
                        """)
                .params(portfolio.id(), userId)
                .query((row, n) -> Arrays.<Object>asList(
                        row.getString("external_id"),
                        row.getString("display_name"),
                        row.getInt("deactivations"),
                        row.getBoolean("deleted")))
                .single();
    }

    private Instant databaseNow() {
        return jdbc.sql("SELECT clock_timestamp()")
                .query(OffsetDateTime.class)
                .single()
                .toInstant();
    }

    @Test
    void oktaDeactivatesWithAPatchWithoutPathAndWithAFullPut() {
        UUID ann = portfolio.user("ann");
        UUID bob = portfolio.user("bob");
        UUID brand = portfolio.account("Brand");
        portfolio.member(brand, ann, AccountRole.ANALYST).member(brand, bob, AccountRole.SUPPORT);

        Scim patched = scim(HttpMethod.PATCH, users() + "/" + ann, OKTA_DISABLE);
        Scim put = scim(HttpMethod.PUT, users() + "/" + bob, oktaPut(bob, portfolio.email("bob")));

        assertThat(patched.status()).as(patched.text()).isEqualTo(200);
        assertThat(patched.json().path("active").asBoolean()).isFalse();
        assertThat(put.status()).as(put.text()).isEqualTo(200);
        assertThat(put.json().path("active").asBoolean()).isFalse();
        assertThat(scimJobs(portfolio.id())).isEqualTo(2);
    }

    @Test
    void reactivationRestoresNothingAndSaysSo() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        scim(HttpMethod.PATCH, users() + "/" + ann, OKTA_DISABLE);

        Scim reactivated = scim(HttpMethod.PATCH, users() + "/" + ann, OKTA_DISABLE.replace("false", "true"));

        assertThat(reactivated.status()).isEqualTo(200);
        assertThat(reactivated.json().path("active").asBoolean()).isTrue();
        assertThat(reactivated
                        .json()
                        .path(ScimResources.ACCESS_EXTENSION)
                        .path("accessRestoredOnReactivation")
                        .asBoolean(true))
                .isFalse();
        assertThat(reactivated
                        .json()
                        .path(ScimResources.ACCESS_EXTENSION)
                        .path("note")
                        .asString())
                .contains("restores no access");
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
        assertThat(jobCount(portfolio.id())).isEqualTo(1);
    }

    @Test
    void aUserWithoutAccessIsDeactivatedWithoutAJob() {
        Scim created = scim(HttpMethod.POST, users(), """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","active":true}""".formatted(portfolio.email("newcomer")));
        String id = created.json().path("id").asString();

        Scim disabled = scim(HttpMethod.PATCH, users() + "/" + id, ENTRA_DISABLE);

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.headers().getLocation().toString()).endsWith(users() + "/" + id);
        assertThat(disabled.status()).isEqualTo(200);
        assertThat(disabled.json().path("active").asBoolean()).isFalse();
        assertThat(jobCount(portfolio.id())).isZero();
    }

    /**
     * Entra ID sends a renamed user's new userName (their UPN) with every later change of theirs: the
     * rename is refused, and the deactivation sent with it offboards them all the same.
     */
    @Test
    void aDeactivationSentWithARefusedRenameOffboardsTheUser() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        String path = users() + "/" + ann;

        Scim answer = scim(HttpMethod.PATCH, path, RENAME_AND_DISABLE);

        assertScimError(answer, 400, "mutability");
        assertThat(jobCount(portfolio.id())).isEqualTo(1);
        Scim read = scim(HttpMethod.GET, path, null);
        assertThat(read.json().path("active").asBoolean()).isFalse();
        assertThat(read.json().path("userName").asString()).isEqualTo(portfolio.email("ann"));
        // The identity provider retries the same request: no other job.
        assertScimError(scim(HttpMethod.PATCH, path, RENAME_AND_DISABLE), 400, "mutability");
        assertThat(jobCount(portfolio.id())).isEqualTo(1);
    }

    @Test
    void malformedRequestsAnswerTheScimErrorFormat() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        String path = users() + "/" + ann;

        assertScimError(scim(HttpMethod.PATCH, path, "{not json"), 400, "invalidSyntax");
        assertScimError(scim(HttpMethod.PATCH, path, PATCH_OP + "\"Operations\":[]}"), 400, "invalidSyntax");
        assertScimError(
                scim(HttpMethod.PATCH, path, PATCH_OP + "\"Operations\":[{\"op\":\"move\",\"path\":\"active\"}]}"),
                400,
                "invalidSyntax");
        assertScimError(
                scim(HttpMethod.PATCH, path, ENTRA_DISABLE.replace("\"False\"", "\"maybe\"")), 400, "invalidValue");
        assertScimError(
                scim(
                        HttpMethod.PATCH,
                        path,
                        PATCH_OP + "\"Operations\":[{\"op\":\"replace\",\"path\":\"userName\","
                                + "\"value\":\"someone.else@example.test\"}]}"),
                400,
                "mutability");
        assertScimError(scim(HttpMethod.GET, users() + "?filter=title%20co%20%22x%22", null), 400, "invalidFilter");
        assertScimError(scim(HttpMethod.GET, users() + "/" + UUID.randomUUID(), null), 404, null);
        assertScimError(scim(HttpMethod.GET, users() + "/not-an-id", null), 404, null);
        assertScimError(scim(HttpMethod.POST, users(), USER + "\"active\":true}"), 400, "invalidValue");
        assertScimError(scim(HttpMethod.PUT, path, USER + "\"active\":true}"), 400, "invalidValue");
        assertScimError(
                scim(HttpMethod.POST, users(), USER + "\"userName\":\"<script>alert(9)</script>@x.example\"}"),
                400,
                "invalidValue");
        assertThat(jdbc.sql("SELECT count(*) FROM directory.users WHERE email LIKE '%script%'")
                        .query(Long.class)
                        .single())
                .isZero();
        assertScimError(
                scim(HttpMethod.POST, users(), USER + "\"userName\":\"" + portfolio.email("ann") + "\"}"),
                409,
                "uniqueness");
        assertThat(jobCount(portfolio.id())).isZero();
    }

    @Test
    void aPatchWhosePathOrOpIsNotAStringIsAScimBadRequestAndChangesNothing() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        String path = users() + "/" + ann;

        Scim objectPath = scim(
                HttpMethod.PATCH,
                path,
                PATCH_OP + "\"Operations\":[{\"op\":\"replace\",\"path\":{\"attribute\":\"active\"},"
                        + "\"value\":{\"active\":false}}]}");
        Scim arrayPath = scim(
                HttpMethod.PATCH,
                path,
                PATCH_OP + "\"Operations\":[{\"op\":\"replace\",\"path\":[\"active\"],\"value\":false}]}");
        Scim numberPath = scim(
                HttpMethod.PATCH, path, PATCH_OP + "\"Operations\":[{\"op\":\"replace\",\"path\":5,\"value\":\"x\"}]}");
        Scim objectOp = scim(
                HttpMethod.PATCH,
                path,
                PATCH_OP + "\"Operations\":[{\"op\":{\"name\":\"replace\"},\"path\":\"active\",\"value\":false}]}");

        assertScimError(objectPath, 400, "invalidPath");
        assertScimError(arrayPath, 400, "invalidPath");
        assertScimError(numberPath, 400, "invalidPath");
        assertScimError(objectOp, 400, "invalidSyntax");
        Scim user = scim(HttpMethod.GET, path, null);
        assertThat(user.json().path("active").asBoolean()).isTrue();
        assertThat(jobCount(portfolio.id())).isZero();
    }

    @Test
    void listsPageWithStartIndexAndCount() {
        UUID brand = portfolio.account("Brand");
        for (String name : List.of("a", "b", "c")) {
            portfolio.member(brand, portfolio.user(name), AccountRole.SUPPORT);
        }

        Scim first = scim(HttpMethod.GET, users() + "?startIndex=1&count=2", null);
        Scim second = scim(HttpMethod.GET, users() + "?startIndex=3&count=2", null);

        assertThat(first.json().path("totalResults").asInt()).isEqualTo(3);
        assertThat(first.json().path("itemsPerPage").asInt()).isEqualTo(2);
        assertThat(first.json().path("startIndex").asInt()).isEqualTo(1);
        assertThat(second.json().path("itemsPerPage").asInt()).isEqualTo(1);
        assertThat(second.json().path("Resources").get(0).path("userName").asString())
                .isEqualTo(portfolio.email("c"));
        assertThat(first.json().path("schemas").get(0).asString())
                .isEqualTo("urn:ietf:params:scim:api:messages:2.0:ListResponse");
    }

    @Test
    void tooManyRequestsAreRefusedInTheScimFormatWithRetryAfter() {
        Scim last = null;
        for (int i = 0; i <= SCIM_LIMIT; i++) {
            last = scim(HttpMethod.GET, base() + "/ServiceProviderConfig", null);
        }

        assertScimError(last, 429, "tooMany");
        assertThat(Integer.parseInt(last.headers().getFirst("Retry-After"))).isBetween(1, 4);
    }
}

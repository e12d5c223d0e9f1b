package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Quoted;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * What RFC 7644 requires of a request body, sent to the running gateway: the {@code schemas} of a
 * PatchOp and of a User resource, and PATCH operations that the attributes' mutability forbids. Each
 * is a 400 that names what to fix, and changes nothing, except that a deactivation sent with a refused
 * {@code userName} offboards the user all the same.
 */
class ScimMessageRulesIntegrationTests extends ScimIntegrationTest {

    private static final String USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";

    /** Renames the user and deactivates them: would change the user and make a job if accepted. */
    private static final String CHANGES = """
            "Operations":[{"op":"replace","path":"displayName","value":"Renamed"},
                          {"op":"replace","path":"active","value":false}]}""";

    @Test
    void aPatchWhoseSchemasIsNotThePatchOpSchemaIsInvalidSyntaxAndChangesNothing() {
        UUID ann = annWithAccess();
        String path = users() + "/" + ann;

        Scim absent = scim(HttpMethod.PATCH, path, "{" + CHANGES);
        Scim userSchema = scim(HttpMethod.PATCH, path, "{\"schemas\":[\"" + USER_SCHEMA + "\"]," + CHANGES);
        Scim extra = scim(
                HttpMethod.PATCH, path, "{\"schemas\":[\"" + PATCH_SCHEMA + "\",\"" + USER_SCHEMA + "\"]," + CHANGES);
        Scim notAnArray = scim(HttpMethod.PATCH, path, "{\"schemas\":\"" + PATCH_SCHEMA + "\"," + CHANGES);

        for (Scim answer : new Scim[] {absent, userSchema, extra, notAnArray}) {
            assertScimError(answer, 400, "invalidSyntax");
            assertThat(answer.json().path("detail").asString()).contains("'schemas'", PATCH_SCHEMA);
        }
        assertUnchanged(ann);
        Scim accepted = scim(HttpMethod.PATCH, path, "{\"schemas\":[\"" + PATCH_SCHEMA + "\"]," + CHANGES);
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertThat(accepted.json().path("displayName").asString()).isEqualTo("Renamed");
    }

    @Test
    void aUserResourceWithoutTheUserSchemaIsInvalidSyntaxAndCreatesOrChangesNothing() {
        UUID ann = annWithAccess();
        String newcomer = portfolio.email("newcomer");

        Scim created = scim(HttpMethod.POST, users(), "{\"userName\":\"" + newcomer + "\"}");
        Scim otherSchema = scim(
                HttpMethod.POST,
                users(),
                "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"userName\":\"" + newcomer + "\"}");
        Scim replaced = scim(
                HttpMethod.PUT,
                users() + "/" + ann,
                "{\"userName\":\"" + portfolio.email("ann") + "\",\"displayName\":\"Renamed\",\"active\":false}");

        for (Scim answer : new Scim[] {created, otherSchema, replaced}) {
            assertScimError(answer, 400, "invalidSyntax");
            assertThat(answer.json().path("detail").asString()).contains("'schemas'", USER_SCHEMA);
        }
        assertThat(jdbc.sql("SELECT count(*) FROM directory.users WHERE email = ?")
                        .params(newcomer)
                        .query(Long.class)
                        .single())
                .isZero();
        assertUnchanged(ann);
    }

    @Test
    void removingTheRequiredUserNameIsAMutabilityErrorAndChangesNothing() {
        UUID ann = annWithAccess();

        Scim removed = patchKeepingActive(ann, "{\"op\":\"remove\",\"path\":\"userName\"}");
        Scim removedByUrn = patchKeepingActive(ann, "{\"op\":\"Remove\",\"path\":\"" + USER_SCHEMA + ":userName\"}");

        for (Scim answer : new Scim[] {removed, removedByUrn}) {
            assertScimError(answer, 400, "mutability");
            assertThat(answer.json().path("detail").asString()).contains("'userName'", "required");
        }
        assertUnchanged(ann);
        assertThat(scim(HttpMethod.GET, users() + "/" + ann, null)
                        .json()
                        .path("userName")
                        .asString())
                .isEqualTo(portfolio.email("ann"));
    }

    /** Replacing {@code userName} with nothing is removing it, whichever way it is written. */
    @Test
    void replacingTheUserNameWithNothingIsAMutabilityErrorAndChangesNothing() {
        UUID ann = annWithAccess();

        Scim[] answers = {
            patchKeepingActive(ann, "{\"op\":\"replace\",\"path\":\"userName\",\"value\":null}"),
            patchKeepingActive(ann, "{\"op\":\"replace\",\"path\":\"userName\",\"value\":\"  \"}"),
            patchKeepingActive(ann, "{\"op\":\"replace\",\"value\":{\"userName\":null}}")
        };

        for (Scim answer : answers) {
            assertScimError(answer, 400, "mutability");
            assertThat(answer.json().path("detail").asString()).contains("'userName'", "required");
        }
        assertUnchanged(ann);
    }

    /**
     * The one exception to "a refused request changes nothing": a deactivation sent with the removal of
     * {@code userName} (or its replacement with nothing) offboards the user, as one sent with a changed
     * {@code userName} does, and the answer is the refusal's 400; the request's other changes are not
     * kept. Before, the removal was refused before the deactivation was looked at, and the user kept
     * their access.
     */
    @Test
    void aDeactivationSentWithTheRemovalOfTheUserNameOffboardsTheUserAndIsAMutabilityError() {
        String[] removals = {
            "{\"op\":\"remove\",\"path\":\"userName\"}",
            "{\"op\":\"replace\",\"path\":\"userName\",\"value\":null}",
            "{\"op\":\"replace\",\"value\":{\"userName\":\"  \"}}"
        };
        for (int i = 0; i < removals.length; i++) {
            UUID user = portfolio.user("user" + i);
            portfolio.member(portfolio.account("Brand " + i), user, AccountRole.ANALYST);
            String path = users() + "/" + user;

            Scim answer = patch(user, removals[i]);

            assertScimError(answer, 400, "mutability");
            assertThat(answer.json().path("detail").asString()).contains("'userName'", "required");
            Scim read = assertOffboardedByTheIdentityProvider(path);
            assertThat(read.json().path("userName").asString()).isEqualTo(portfolio.email("user" + i));
            assertThat(read.json().has("displayName")).as(read.text()).isFalse();
            // The identity provider retries the same request: no other job.
            assertScimError(patch(user, removals[i]), 400, "mutability");
        }
        assertThat(scimJobs(portfolio.id())).isEqualTo(removals.length);
    }

    /**
     * A PUT without {@code userName} is refused (400 {@code invalidValue}: it replaces the whole
     * resource), and changes nothing; with {@code active: false} it offboards the user all the same, as
     * when the identity provider's directory cleared the address at a termination.
     */
    @Test
    void aPutWithoutTheUserNameIsInvalidAndStillAppliesItsDeactivation() {
        UUID ann = annWithAccess();
        String path = users() + "/" + ann;

        Scim renamedOnly =
                scim(HttpMethod.PUT, path, "{\"schemas\":[\"" + USER_SCHEMA + "\"],\"displayName\":\"Renamed\"}");
        assertScimError(renamedOnly, 400, "invalidValue");
        assertUnchanged(ann);

        Scim deactivated = scim(HttpMethod.PUT, path, "{\"schemas\":[\"" + USER_SCHEMA + "\"],\"active\":false}");

        assertScimError(deactivated, 400, "invalidValue");
        assertThat(deactivated.json().path("detail").asString()).contains("'userName'", "required");
        assertOffboardedByTheIdentityProvider(path);
    }

    /**
     * A {@code displayName} or {@code externalId} over 255 characters (Entra ID allows 256, a mapping
     * expression more) is 400 {@code invalidValue} naming it, but does not hold up the deactivation sent
     * with it: Entra ID sends all of a user's pending changes in one PATCH, the refused name again with
     * the disable, and Okta deactivates by PUT with the whole resource. The user is offboarded, the
     * request's other attributes are not kept, and a retry makes no other job. Before, the value was
     * refused while the body was read, before the deactivation was looked at, and the leaver kept their
     * access through every retry.
     */
    @Test
    void aDeactivationSentWithADisplayNameOrExternalIdTooLongOffboardsTheUserAndIsInvalidValue() {
        String longText = "n".repeat(256);
        UUID ann = annWithAccess();
        String annPath = users() + "/" + ann;
        String entraDisable = "{\"schemas\":[\"" + PATCH_SCHEMA + "\"],\"Operations\":["
                + "{\"op\":\"Replace\",\"path\":\"displayName\",\"value\":\"" + longText + "\"},"
                + "{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}]}";

        Scim patched = scim(HttpMethod.PATCH, annPath, entraDisable);

        assertScimError(patched, 400, "invalidValue");
        assertThat(patched.json().path("detail").asString()).contains("'displayName'", "255");
        Scim read = assertOffboardedByTheIdentityProvider(annPath);
        assertThat(read.json().has("displayName")).as(read.text()).isFalse();
        // The identity provider retries the same request: no other job.
        assertScimError(scim(HttpMethod.PATCH, annPath, entraDisable), 400, "invalidValue");
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);

        UUID bob = portfolio.user("bob");
        portfolio.member(portfolio.account("Brand B"), bob, AccountRole.ANALYST);
        String bobPath = users() + "/" + bob;

        Scim replaced = scim(
                HttpMethod.PUT,
                bobPath,
                "{\"schemas\":[\"" + USER_SCHEMA + "\"],\"userName\":\"" + portfolio.email("bob")
                        + "\",\"externalId\":\"" + longText + "\",\"displayName\":\"Bob\",\"active\":false}");

        assertScimError(replaced, 400, "invalidValue");
        assertThat(replaced.json().path("detail").asString()).contains("'externalId'", "255");
        Scim bobRead = assertOffboardedByTheIdentityProvider(bobPath);
        assertThat(bobRead.json().has("externalId")).as(bobRead.text()).isFalse();
        assertThat(bobRead.json().has("displayName")).as(bobRead.text()).isFalse();
        assertThat(scimJobs(portfolio.id())).isEqualTo(2);
    }

    /**
     * Without a deactivation, a {@code displayName} or {@code externalId} over 255 characters is 400
     * {@code invalidValue} and changes nothing, whatever else the request sets; a creation with one is
     * refused whole, also with {@code active: false} (a new user has no access to remove). 255 are kept.
     */
    @Test
    void aDisplayNameOrExternalIdTooLongWithoutADeactivationIsInvalidValueAndChangesNothing() {
        UUID ann = annWithAccess();
        String path = users() + "/" + ann;
        String longText = "n".repeat(256);
        String newcomer = portfolio.email("newcomer");

        Scim[] answers = {
            scim(
                    HttpMethod.PATCH,
                    path,
                    "{\"schemas\":[\"" + PATCH_SCHEMA + "\"],\"Operations\":[{\"op\":\"Replace\",\"path\":"
                            + "\"displayName\",\"value\":\"" + longText + "\"}]}"),
            patchKeepingActive(ann, "{\"op\":\"replace\",\"path\":\"externalId\",\"value\":\"" + longText + "\"}"),
            scim(
                    HttpMethod.PUT,
                    path,
                    "{\"schemas\":[\"" + USER_SCHEMA + "\"],\"userName\":\"" + portfolio.email("ann")
                            + "\",\"externalId\":\"" + longText + "\",\"active\":true}"),
            scim(
                    HttpMethod.POST,
                    users(),
                    "{\"schemas\":[\"" + USER_SCHEMA + "\"],\"userName\":\"" + newcomer + "\",\"displayName\":\""
                            + longText + "\",\"active\":false}")
        };

        for (Scim answer : answers) {
            assertScimError(answer, 400, "invalidValue");
            assertThat(answer.json().path("detail").asString()).contains("must be at most 255 characters");
        }
        assertUnchanged(ann);
        assertThat(jdbc.sql("SELECT count(*) FROM directory.users WHERE email = ?")
                        .params(newcomer)
                        .query(Long.class)
                        .single())
                .isZero();
        Scim atTheCap = scim(
                HttpMethod.PATCH,
                path,
                "{\"schemas\":[\"" + PATCH_SCHEMA + "\"],\"Operations\":[{\"op\":\"Replace\",\"path\":"
                        + "\"displayName\",\"value\":\"" + "n".repeat(255) + "\"}]}");
        assertThat(atTheCap.status()).as(atTheCap.text()).isEqualTo(200);
        assertThat(atTheCap.json().path("displayName").asString()).hasSize(255);
    }

    /** The user at {@code path} is inactive, and their last offboarding is the identity provider's job. */
    private Scim assertOffboardedByTheIdentityProvider(String path) {
        Scim read = scim(HttpMethod.GET, path, null);
        assertThat(read.json().path("active").asBoolean()).as(read.text()).isFalse();
        String jobId = read.json()
                .path(ScimResources.ACCESS_EXTENSION)
                .path("lastOffboardingJobId")
                .asString();
        var job = api.get(admin(portfolio.id()), jobPath(portfolio.id(), jobId));
        assertThat(job.status()).as(job.text()).isEqualTo(200);
        assertThat(job.body().path("type").asString()).isEqualTo("OFFBOARD_USERS");
        assertThat(job.body().path("origin").asString()).isEqualTo("SCIM");
        return read;
    }

    /** RFC 7644 section 3.5.2.1 and 3.5.2.3: an add or replace with a path carries the value to set. */
    @Test
    void anAddOrReplaceWithAPathButNoValueIsInvalidSyntaxAndChangesNothing() {
        UUID ann = annWithAccess();

        Scim added = patch(ann, "{\"op\":\"add\",\"path\":\"externalId\"}");
        Scim replaced = patch(ann, "{\"op\":\"replace\",\"path\":\"displayName\"}");

        for (Scim answer : new Scim[] {added, replaced}) {
            assertScimError(answer, 400, "invalidSyntax");
            assertThat(answer.json().path("detail").asString()).contains("'value'");
        }
        assertUnchanged(ann);
    }

    /** RFC 7643 section 2.1: attribute names, the PatchOp's members among them, are case-insensitive. */
    @Test
    void theMemberNamesOfAPatchOpAreReadInAnyCase() {
        UUID ann = annWithAccess();

        Scim answer = scim(
                HttpMethod.PATCH,
                users() + "/" + ann,
                "{\"SCHEMAS\":[\"" + PATCH_SCHEMA + "\"],\"operations\":["
                        + "{\"OP\":\"replace\",\"Path\":\"displayName\",\"VALUE\":\"Renamed\"}]}");

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.json().path("displayName").asString()).isEqualTo("Renamed");
    }

    @Test
    void changingTheReadOnlyIdOrMetaIsAMutabilityErrorAndChangesNothing() {
        UUID ann = annWithAccess();

        Scim[] answers = {
            patch(ann, "{\"op\":\"remove\",\"path\":\"id\"}"),
            patch(ann, "{\"op\":\"replace\",\"path\":\"id\",\"value\":\"" + UUID.randomUUID() + "\"}"),
            patch(ann, "{\"op\":\"replace\",\"path\":\"meta\",\"value\":{\"version\":\"W/\\\"9\\\"\"}}"),
            patch(ann, "{\"op\":\"add\",\"path\":\"meta.lastModified\",\"value\":\"2020-01-01T00:00:00Z\"}"),
            patch(ann, "{\"op\":\"remove\",\"path\":\"meta\"}"),
            patch(ann, "{\"op\":\"replace\",\"value\":{\"id\":\"" + UUID.randomUUID() + "\"}}")
        };

        for (Scim answer : answers) {
            assertScimError(answer, 400, "mutability");
            assertThat(answer.json().path("detail").asString()).contains("read only");
        }
        assertUnchanged(ann);
    }

    /**
     * A refusal that repeats a value of the request quotes at most its first 80 characters, as the
     * rest of the gateway does: a value of 50,000 characters (a SCIM body may be 64 KiB) in the
     * {@code schemas}, an operation's {@code op} or {@code path}, {@code active}, a string attribute,
     * a SearchRequest's member or sort, or in {@code If-Match} is not repeated whole.
     */
    @Test
    void aRefusalQuotesALongValueOfTheRequestCutShort() {
        UUID ann = annWithAccess();
        String longText = "v".repeat(50_000);
        String longJson = "\"" + longText + "\"";
        String userPath = users() + "/" + ann;
        String patchSchemas = "{\"schemas\":[\"" + PATCH_SCHEMA + "\"],\"Operations\":[";
        String searchSchemas = "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:SearchRequest\"],";

        Scim[] answers = {
            scim(HttpMethod.PATCH, userPath, "{\"schemas\":[\"x\"," + longJson + "]," + CHANGES),
            scim(HttpMethod.POST, users(), "{\"schemas\":[" + longJson + "],\"userName\":\"long@example.test\"}"),
            scim(HttpMethod.PATCH, userPath, patchSchemas + "{\"op\":[" + longJson + "]}]}"),
            scim(HttpMethod.PATCH, userPath, patchSchemas + "{\"op\":" + longJson + "}]}"),
            scim(HttpMethod.PATCH, userPath, patchSchemas + "{\"op\":\"replace\",\"path\":[" + longJson + "]}]}"),
            scim(HttpMethod.PATCH, userPath, patchSchemas + "{\"op\":\"add\",\"path\":" + longJson + "}]}"),
            scim(HttpMethod.PATCH, userPath, patchSchemas + "{\"op\":\"remove\",\"path\":\"meta." + longText + "\"}]}"),
            scim(
                    HttpMethod.PATCH,
                    userPath,
                    patchSchemas + "{\"op\":\"replace\",\"path\":\"active\",\"value\":{\"x\":" + longJson + "}}]}"),
            scim(
                    HttpMethod.PATCH,
                    userPath,
                    patchSchemas + "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":[" + longJson + "]}]}"),
            scim(HttpMethod.POST, users() + "/.search", "{\"schemas\":[" + longJson + "]}"),
            scim(HttpMethod.POST, users() + "/.search", searchSchemas + "\"filter\":[" + longJson + "]}"),
            scim(HttpMethod.POST, users() + "/.search", searchSchemas + "\"sortBy\":" + longJson + "}"),
            scim(HttpMethod.POST, users() + "/.search", searchSchemas + "\"sortOrder\":" + longJson + "}")
        };

        for (Scim answer : answers) {
            assertThat(answer.status()).as(answer.text()).isEqualTo(400);
            assertThat(answer.json().path("detail").asString())
                    .as(answer.text())
                    .contains("vvvvv…'")
                    .doesNotContain("v".repeat(Quoted.MAX_CODE_POINTS + 1))
                    .hasSizeLessThan(500);
        }
        Scim ifMatch = http.method(HttpMethod.PATCH)
                .uri(java.net.URI.create("http://localhost:" + port + userPath))
                .headers(headers -> {
                    headers.setBearerAuth(scimToken);
                    headers.set(org.springframework.http.HttpHeaders.IF_MATCH, "W/\"" + "v".repeat(4_000) + "\"");
                    headers.setContentType(org.springframework.http.MediaType.parseMediaType(SCIM_JSON));
                })
                .body("{\"schemas\":[\"" + PATCH_SCHEMA + "\"]," + CHANGES)
                .exchange((request, response) -> answer(response));
        assertThat(ifMatch.status()).as(ifMatch.text()).isEqualTo(412);
        assertThat(ifMatch.json().path("detail").asString())
                .contains("vvvvv…'")
                .doesNotContain("v".repeat(Quoted.MAX_CODE_POINTS + 1))
                .hasSizeLessThan(500);
        assertUnchanged(ann);
    }

    private UUID annWithAccess() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        return ann;
    }

    /** The operation, after one that would rename and deactivate the user, in a valid PatchOp. */
    private Scim patch(UUID user, String operation) {
        return scim(
                HttpMethod.PATCH,
                users() + "/" + user,
                "{\"schemas\":[\"" + PATCH_SCHEMA + "\"],\"Operations\":["
                        + "{\"op\":\"replace\",\"value\":{\"displayName\":\"Renamed\",\"active\":false}},"
                        + operation + "]}");
    }

    /** The operation, after one that would rename the user (their displayName only), in a valid PatchOp. */
    private Scim patchKeepingActive(UUID user, String operation) {
        return scim(
                HttpMethod.PATCH,
                users() + "/" + user,
                "{\"schemas\":[\"" + PATCH_SCHEMA + "\"],\"Operations\":["
                        + "{\"op\":\"replace\",\"value\":{\"displayName\":\"Renamed\"}}," + operation + "]}");
    }

    private void assertUnchanged(UUID user) {
        Scim read = scim(HttpMethod.GET, users() + "/" + user, null);
        assertThat(read.status()).as(read.text()).isEqualTo(200);
        assertThat(read.json().path("active").asBoolean()).isTrue();
        assertThat(read.json().has("displayName")).as(read.text()).isFalse();
        assertThat(jobCount(portfolio.id())).isZero();
    }
}

package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.LockWaits;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;

/**
 * Weak ETags (RFC 7644 section 3.14), as the ServiceProviderConfig announces them: a user's answers
 * carry {@code ETag} (their {@code meta.version}); {@code If-Match} on PUT, PATCH and DELETE answers 412
 * and changes nothing when the user changed since, while {@code *} goes on for any version of a user
 * who exists; {@code If-None-Match} on GET answers 304. A change that waits for a concurrent one of
 * the same user applies over what that one committed.
 */
class ScimETagIntegrationTests extends ScimIntegrationTest {

    private static final String RENAME = """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations":[{"op":"replace","path":"displayName","value":"%s"}]}""";

    private static final String DISABLE = """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations":[{"op":"replace","path":"active","value":false}]}""";

    @Autowired
    DataSource dataSource;

    @Test
    void theServiceProviderConfigSaysETagsAreSupportedAndAnswersCarryThem() {
        UUID ann = annWithAccess();

        Scim config = scim(HttpMethod.GET, base() + "/ServiceProviderConfig", null);
        Scim read = scim(HttpMethod.GET, users() + "/" + ann, null);
        Scim renamed = scim(HttpMethod.PATCH, users() + "/" + ann, RENAME.formatted("Ann"));

        assertThat(config.json().path("etag").path("supported").asBoolean()).isTrue();
        assertThat(read.headers().getETag()).startsWith("W/\"");
        assertThat(read.headers().getETag())
                .isEqualTo(read.json().path("meta").path("version").asString());
        assertThat(renamed.headers().getETag())
                .isEqualTo(renamed.json().path("meta").path("version").asString())
                .isNotEqualTo(read.headers().getETag());
    }

    @Test
    void aStaleIfMatchIsPreconditionFailedAndChangesNothing() {
        UUID ann = annWithAccess();
        String path = users() + "/" + ann;
        String stale = scim(HttpMethod.GET, path, null).headers().getETag();
        String current = send(HttpMethod.PATCH, path, RENAME.formatted("Ann"), "If-Match", stale)
                .headers()
                .getETag();

        Scim patched = send(HttpMethod.PATCH, path, DISABLE, "If-Match", stale);
        Scim replaced = send(HttpMethod.PUT, path, """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","active":false}""".formatted(portfolio.email("ann")), "If-Match", stale);
        Scim deleted = send(HttpMethod.DELETE, path, null, "If-Match", stale);

        for (Scim answer : List.of(patched, replaced, deleted)) {
            assertScimError(answer, 412, null);
            assertThat(answer.json().path("detail").asString()).contains("If-Match", current);
        }
        Scim read = scim(HttpMethod.GET, path, null);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.headers().getETag()).isEqualTo(current);
        assertThat(read.json().path("displayName").asString()).isEqualTo("Ann");
        assertThat(read.json().path("active").asBoolean()).isTrue();
        assertThat(jobCount(portfolio.id())).isZero();
    }

    @Test
    void anEmptyIfMatchIsPreconditionFailedAndChangesNothing() {
        UUID ann = annWithAccess();
        String path = users() + "/" + ann;

        Scim deleted = send(HttpMethod.DELETE, path, null, "If-Match", "");
        Scim patched = send(HttpMethod.PATCH, path, DISABLE, "If-Match", " ");

        for (Scim answer : List.of(deleted, patched)) {
            assertScimError(answer, 412, null);
            assertThat(answer.json().path("detail").asString()).startsWith("'If-Match' is empty");
        }
        Scim read = scim(HttpMethod.GET, path, null);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().path("active").asBoolean()).isTrue();
        assertThat(jobCount(portfolio.id())).isZero();
    }

    @Test
    void theCurrentIfMatchOrAStarGoesOn() {
        UUID ann = annWithAccess();
        String path = users() + "/" + ann;
        String current = scim(HttpMethod.GET, path, null).headers().getETag();

        Scim renamed = send(HttpMethod.PATCH, path, RENAME.formatted("Ann"), "If-Match", current);
        Scim anyVersion = send(HttpMethod.PATCH, path, RENAME.formatted("Ann E."), "If-Match", "*");
        Scim strongForm = send(
                HttpMethod.DELETE,
                path,
                null,
                "If-Match",
                anyVersion.headers().getETag().substring(2));

        assertThat(renamed.status()).as(renamed.text()).isEqualTo(200);
        assertThat(anyVersion.status()).as(anyVersion.text()).isEqualTo(200);
        assertThat(anyVersion.json().path("displayName").asString()).isEqualTo("Ann E.");
        assertThat(strongForm.status()).as(strongForm.text()).isEqualTo(204);
        assertThat(scimJobs(portfolio.id())).isEqualTo(1);
    }

    @Test
    void ifNoneMatchWithTheCurrentTagIsNotModified() {
        UUID ann = annWithAccess();
        String path = users() + "/" + ann;
        String before = scim(HttpMethod.GET, path, null).headers().getETag();

        Scim unchanged = send(HttpMethod.GET, path, null, "If-None-Match", before);
        scim(HttpMethod.PATCH, path, RENAME.formatted("Ann"));
        Scim changed = send(HttpMethod.GET, path, null, "If-None-Match", before);

        assertThat(unchanged.status()).isEqualTo(304);
        assertThat(unchanged.headers().getETag()).isEqualTo(before);
        assertThat(unchanged.text()).isNullOrEmpty();
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.json().path("displayName").asString()).isEqualTo("Ann");
    }

    @Test
    void ofConcurrentChangesWithTheSameIfMatchExactlyOneGoesOn() throws Exception {
        UUID ann = annWithAccess();
        String path = users() + "/" + ann;
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 3; round++) {
                String tag = scim(HttpMethod.GET, path, null).headers().getETag();
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<Scim>> answers = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    String name = "Ann " + round + "." + i;
                    answers.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return send(HttpMethod.PATCH, path, RENAME.formatted(name), "If-Match", tag);
                    }));
                }
                List<Integer> statuses = new ArrayList<>();
                String winner = null;
                for (Future<Scim> answer : answers) {
                    Scim done = answer.get(60, TimeUnit.SECONDS);
                    statuses.add(done.status());
                    if (done.status() == 200) {
                        winner = done.json().path("displayName").asString();
                    }
                }

                assertThat(statuses).as("round %d", round).containsOnly(200, 412);
                assertThat(statuses)
                        .as("round %d", round)
                        .filteredOn(status -> status == 200)
                        .hasSize(1);
                assertThat(scim(HttpMethod.GET, path, null)
                                .json()
                                .path("displayName")
                                .asString())
                        .isEqualTo(winner);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPatchWithoutIfMatchKeepsWhatAConcurrentChangeSetOfOtherAttributes() throws Exception {
        UUID ann = created("ann", "E1", "Ann D1");
        String path = users() + "/" + ann;

        // A profile update (displayName) commits while the deactivation, sent without If-Match as Entra
        // ID and Okta send it, waits for the user it read before that update.
        Scim deactivated =
                whileAChangeHolds(ann, "display_name = 'Ann D2'", () -> scim(HttpMethod.PATCH, path, DISABLE));

        assertThat(deactivated.status()).as(deactivated.text()).isEqualTo(200);
        Scim read = scim(HttpMethod.GET, path, null);
        assertThat(read.json().path("displayName").asString()).as(read.text()).isEqualTo("Ann D2");
        assertThat(read.json().path("externalId").asString()).isEqualTo("E1");
        assertThat(read.json().path("active").asBoolean()).isFalse();
        assertThat(deactivated.json().path("displayName").asString()).isEqualTo("Ann D2");
    }

    @Test
    void aStarGoesOnWhenAConcurrentChangeCommitsFirst() throws Exception {
        UUID ann = created("ann", "E1", "Ann");
        String path = users() + "/" + ann;

        Scim patched = whileAChangeHolds(
                ann,
                "display_name = 'Ann 2'",
                () -> send(HttpMethod.PATCH, path, RENAME.formatted("Ann P"), "If-Match", "*"));
        Scim replaced = whileAChangeHolds(
                ann,
                "display_name = 'Ann 3'",
                () -> send(HttpMethod.PUT, path, """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","displayName":"Ann R"}
                """.formatted(portfolio.email("ann")), "If-Match", "*"));
        Scim deleted = whileAChangeHolds(
                ann, "display_name = 'Ann 4'", () -> send(HttpMethod.DELETE, path, null, "If-Match", "*"));

        assertThat(patched.status()).as(patched.text()).isEqualTo(200);
        assertThat(patched.json().path("displayName").asString()).isEqualTo("Ann P");
        assertThat(replaced.status()).as(replaced.text()).isEqualTo(200);
        assertThat(replaced.json().path("displayName").asString()).isEqualTo("Ann R");
        assertThat(replaced.json().has("externalId")).as(replaced.text()).isFalse();
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        assertScimError(scim(HttpMethod.GET, path, null), 404, null);
    }

    @Test
    void aStarFindsNoUserWhenAConcurrentDeletionCommitsFirst() throws Exception {
        UUID ann = created("ann", "E1", "Ann");
        String path = users() + "/" + ann;

        Scim patched = whileAChangeHolds(
                ann,
                "deleted_at = now()",
                () -> send(HttpMethod.PATCH, path, RENAME.formatted("Ann P"), "If-Match", "*"));

        assertScimError(patched, 404, null);
        assertThat(jdbc.sql("SELECT display_name FROM jobs.scim_users WHERE user_id = :u")
                        .param("u", ann)
                        .query(String.class)
                        .single())
                .isEqualTo("Ann");
    }

    @Test
    void aChangeWithoutIfMatchFindsNoUserWhenAConcurrentDeletionCommitsFirst() throws Exception {
        UUID ann = created("ann", "E1", "Ann");
        UUID bob = created("bob", "E2", "Bob");

        // The identity provider's PATCH and PUT, sent without If-Match, read the user, then wait for
        // them while a DELETE of theirs commits.
        Scim patched = whileAChangeHolds(
                ann,
                "deleted_at = now()",
                () -> scim(HttpMethod.PATCH, users() + "/" + ann, RENAME.formatted("Ann P")));
        Scim replaced = whileAChangeHolds(
                bob,
                "deleted_at = now()",
                () -> scim(HttpMethod.PUT, users() + "/" + bob, """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","externalId":"E3",
                 "displayName":"Bob R"}""".formatted(portfolio.email("bob"))));

        assertScimError(patched, 404, null);
        assertScimError(replaced, 404, null);
        assertThat(linkRow(ann)).isEqualTo(List.of("E1", "Ann", 1L));
        assertThat(linkRow(bob)).isEqualTo(List.of("E2", "Bob", 1L));
    }

    /** The deleted user's row as the deletion left it: externalId, displayName, version. */
    private List<Object> linkRow(UUID userId) {
        return jdbc.sql("""
                        SELECT external_id, display_name, version FROM jobs.scim_users
                         WHERE portfolio_id = :p AND user_id = :u AND deleted_at IS NOT NULL
                        """)
                .param("p", portfolio.id())
                .param("u", userId)
                .query((row, n) -> List.<Object>of(row.getString(1), row.getString(2), row.getLong(3)))
                .single();
    }

    private UUID annWithAccess() {
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);
        return ann;
    }

    /** A user the identity provider created, with no access. */
    private UUID created(String name, String externalId, String displayName) {
        Scim created = scim(HttpMethod.POST, users(), """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
                 "userName":"%s","externalId":"%s","displayName":"%s"}""".formatted(portfolio.email(name), externalId, displayName));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return UUID.fromString(created.json().path("id").asString());
    }

    /**
     * The request's answer, sent while a concurrent change of the user ({@code set}, and their version
     * bumped, as a change through SCIM bumps it) holds their row uncommitted; the change commits once
     * the request waits for the row, having read the user as they were before it.
     */
    private Scim whileAChangeHolds(UUID userId, String set, Callable<Scim> request) throws Exception {
        try (ExecutorService client = Executors.newSingleThreadExecutor();
                Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement change = holder.prepareStatement("UPDATE jobs.scim_users SET " + set
                    + ", version = version + 1, updated_at = now() WHERE portfolio_id = ? AND user_id = ?")) {
                change.setObject(1, portfolio.id());
                change.setObject(2, userId);
                assertThat(change.executeUpdate()).isEqualTo(1);
            }
            Future<Scim> answer = client.submit(request);
            LockWaits.awaitLockWait(dataSource, "jobs.scim_users", Duration.ofSeconds(30));
            holder.commit();
            return answer.get(30, TimeUnit.SECONDS);
        }
    }

    private Scim send(HttpMethod method, String path, String body, String header, String value) {
        return http.method(method)
                .uri(URI.create("http://localhost:" + port + path))
                .headers(headers -> {
                    headers.setBearerAuth(scimToken);
                    headers.set(HttpHeaders.ACCEPT, SCIM_JSON);
                    headers.set(header, value);
                    if (body != null) {
                        headers.setContentType(MediaType.parseMediaType(SCIM_JSON));
                    }
                })
                .body(body == null ? "" : body)
                .exchange((request, response) -> answer(response));
    }
}

package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.gateway.security.AesGcm;
import com.portfoliobulk.gateway.web.InternalErrors;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.servlet.FlashMap;
import org.springframework.web.servlet.support.SessionFlashMapManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The integrations page of a portfolio: its SCIM tokens and webhook subscriptions as the API answers
 * the signed-in administrator, created, revoked and changed through the API, a new secret shown once.
 */
@ConsoleIntegrationTest
class ConsoleIntegrationsIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The session attribute that carries a message to the page a redirect leads to. */
    private static final String FLASH_MAPS = SessionFlashMapManager.class.getName() + ".FLASH_MAPS";

    /** The page's read of its portfolio, as the database shows the statement. */
    private static final String PORTFOLIO_READ = "FROM directory.portfolios WHERE id = ANY";

    private static final Pattern SCIM_TOKEN = Pattern.compile("id=\"scim-token-value\"[^>]*value=\"([^\"]+)\"");

    private static final Pattern SCIM_BASE_URL = Pattern.compile("id=\"scim-base-url\"[^>]*value=\"([^\"]+)\"");

    private static final Pattern WEBHOOK_SECRET = Pattern.compile("id=\"webhook-secret-value\"[^>]*value=\"([^\"]+)\"");

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private DataSource dataSource;

    /** How the gateways store and read session attributes, sealed. */
    @Autowired
    @Qualifier("springSessionConversionService")
    private ConversionService sessionAttributes;

    @Value("${bulk.gateway.webhooks.secret-key}")
    private String webhookSecretKey;

    private final HttpClient http = HttpClient.newHttpClient();

    private ConsoleBrowser browser;

    private DirectorySeed.Portfolio portfolio;

    private String page;

    @BeforeEach
    void freshBrowser() {
        browser = new ConsoleBrowser(port);
        portfolio = new DirectorySeed(jdbc).portfolio();
        page = "/console/portfolios/" + portfolio.id() + "/integrations";
    }

    @Test
    void theOwnerCreatesAScimTokenShownOnceThatTheScimApiAcceptsUntilItIsRevoked() throws Exception {
        String owner = "owner-" + UUID.randomUUID() + "@agency.test";
        browser.signIn(owner, "OWNER", portfolio);

        HttpResponse<String> empty = browser.get(page);
        assertThat(empty.statusCode()).isEqualTo(200);
        assertThat(empty.body())
                .contains("aria-current=\"page\">Integrations<", "id=\"scim-tokens\"", "No SCIM token.")
                .contains("id=\"create-scim-token\"", "id=\"create-webhook\"");

        HttpResponse<String> created =
                browser.post(page + "/scim-tokens", form(empty.body(), "panel create-token", "name", "Entra ID"));

        assertThat(created.statusCode()).isEqualTo(302);
        String location = created.headers().firstValue("Location").orElseThrow();
        assertThat(URI.create(location).getPath()).isEqualTo(page);
        assertThat(location).doesNotContain("scim_").doesNotContain("?");
        String stored = storedSession(owner);
        String shown = browser.get(page).body();
        String token = value(SCIM_TOKEN, shown);
        assertThat(token).startsWith("scim_");
        assertThat(stored)
                .as("the session in the database, with the token on its way to the page")
                .contains(FLASH_MAPS)
                .doesNotContain(token)
                .doesNotContain(owner);
        String scimBase = value(SCIM_BASE_URL, shown);
        assertThat(scimBase).isEqualTo("http://localhost:" + port + "/scim/v2/portfolios/" + portfolio.id());
        assertThat(shown).contains("id=\"new-scim-token\"", "shown only this once", "Entra ID", owner);
        assertThat(scim(token, scimBase + "/Users").statusCode()).isEqualTo(200);

        // Shown once: the page read again lists the token (last used now) without its secret.
        String again = browser.get(page).body();
        assertThat(again).doesNotContain(token).doesNotContain("id=\"new-scim-token\"");
        assertThat(again).contains("class=\"scim-token\"", "Entra ID").doesNotContain(">Never<");

        String tokenId = attribute(again, "data-token-id");
        HttpResponse<String> revoked = browser.post(
                page + "/scim-tokens/" + tokenId + "/revoke", confirmed(again, "/scim-tokens/" + tokenId + "/revoke"));

        assertThat(revoked.statusCode()).isEqualTo(302);
        assertThat(browser.get(page).body()).contains("id=\"done\"", "The SCIM token was revoked", "No SCIM token.");
        assertThat(scim(token, scimBase + "/Users").statusCode()).isEqualTo(401);
        // Sent again (Back, another tab): the list, saying it was revoked already.
        HttpResponse<String> twice =
                browser.post(page + "/scim-tokens/" + tokenId + "/revoke", Map.of("_csrf", browser.csrf()));
        assertThat(twice.statusCode()).as(twice.body()).isEqualTo(302);
        assertThat(location(twice)).isEqualTo(page);
        assertThat(browser.get(page).body())
                .contains("id=\"done\"", "The SCIM token Entra ID was revoked already")
                .contains("No SCIM token.");
        // A token the portfolio never had is still not found.
        UUID unknown = UUID.randomUUID();
        HttpResponse<String> never =
                browser.post(page + "/scim-tokens/" + unknown + "/revoke", Map.of("_csrf", browser.csrf()));
        assertThat(never.statusCode()).isEqualTo(404);
        assertThat(never.body()).contains("The portfolio has no SCIM token " + unknown + " that is not revoked.");
    }

    /**
     * Without affinity in the load balancer, each request of a session may reach another gateway, and
     * their clocks may differ. Any request of the session drops what waits for another page once that
     * is too old by the clock of the gateway serving it: another tab's (a running job's page asks every
     * second), or the error page's stylesheet after a failed page kept the token. The token is shown
     * all the same when such a request reached a gateway whose clock is 5 minutes ahead of the one that
     * created it (before, one 3 minutes ahead dropped it unshown, for good).
     */
    @Test
    void aNewScimTokenIsShownAfterAnotherTabsRequestReachedAGatewayWhoseClockIsMinutesAhead() throws Exception {
        String owner = "owner-" + UUID.randomUUID() + "@agency.test";
        browser.signIn(owner, "OWNER", portfolio);
        HttpResponse<String> created = browser.post(
                page + "/scim-tokens", form(browser.get(page).body(), "panel create-token", "name", "Entra ID"));
        assertThat(created.statusCode()).isEqualTo(302);

        readByAClockAhead(owner, Duration.ofMinutes(5));
        HttpResponse<String> otherTab = browser.get("/console/portfolios/" + portfolio.id() + "/jobs");
        assertThat(otherTab.statusCode()).isEqualTo(200);
        String shown = browser.get(location(created)).body();

        assertThat(shown).contains("id=\"new-scim-token\"", "shown only this once", "Entra ID");
        String token = value(SCIM_TOKEN, shown);
        assertThat(scim(token, value(SCIM_BASE_URL, shown) + "/Users").statusCode())
                .isEqualTo(200);
        assertThat(browser.get(page).body()).doesNotContain(token);
    }

    @Test
    void aTokenOlderThanTheFirstPageIsReachedThroughTheNextPageAndRevokedFromThere() throws Exception {
        int seeded = 52;
        for (int i = 0; i < seeded; i++) {
            jdbc.sql("INSERT INTO jobs.scim_tokens (id, portfolio_id, name, token_hash, created_by_user_id,"
                            + " created_by_email, created_at) VALUES (gen_random_uuid(), :p, :name,"
                            + " gen_random_uuid()::text, gen_random_uuid(), 'owner@agency.test',"
                            + " now() - make_interval(mins => :i))")
                    .param("p", portfolio.id())
                    .param("name", "token-" + i)
                    .param("i", i)
                    .update();
        }
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        String first = browser.get(page).body();
        Matcher older = Pattern.compile("id=\"tokens-next\" href=\"([^\"]+)\"").matcher(first);
        assertThat(older.find()).as(first).isTrue();
        String second = browser.get(older.group(1).replace("&amp;", "&")).body();

        String oldest = "token-" + (seeded - 1);
        assertThat(first).contains(">token-0<").doesNotContain(">" + oldest + "<");
        assertThat(second)
                .contains(">" + oldest + "<", "id=\"tokens-first\"")
                .doesNotContain(">token-0<", "id=\"tokens-next\"");
        UUID oldestId = jdbc.sql("SELECT id FROM jobs.scim_tokens WHERE portfolio_id = :p AND name = :name")
                .param("p", portfolio.id())
                .param("name", oldest)
                .query(UUID.class)
                .single();
        assertThat(second).contains("data-token-id=\"" + oldestId + "\"");
        HttpResponse<String> revoked = browser.post(
                page + "/scim-tokens/" + oldestId + "/revoke",
                confirmed(second, "/scim-tokens/" + oldestId + "/revoke"));
        assertThat(revoked.statusCode()).isEqualTo(302);
        assertThat(jdbc.sql("SELECT revoked_at IS NOT NULL FROM jobs.scim_tokens WHERE id = :id")
                        .param("id", oldestId)
                        .query(Boolean.class)
                        .single())
                .isTrue();
        // Back on the page of tokens it was revoked from: the older tokens, without the revoked one.
        String after = browser.get(location(revoked)).body();
        assertThat(after)
                .contains("was revoked", ">token-" + (seeded - 2) + "<", "id=\"tokens-first\"")
                .doesNotContain(">" + oldest + "<", ">token-0<");
    }

    @Test
    void eachSubscriptionNamesItsCreatorAlsoOnceTheyAreNoPortfolioUserAny() throws Exception {
        // An Admin still administering, an Admin who left (their directory user stays, their portfolio
        // user row is gone) and a creator the product knows nothing of.
        UUID admin = UUID.randomUUID();
        String adminEmail = "admin-" + admin + "@agency.test";
        UUID leaver = UUID.randomUUID();
        String leaverEmail = "leaver-" + leaver + "@agency.test";
        jdbc.sql("INSERT INTO directory.users (id, email) VALUES (:admin, :adminEmail), (:leaver, :leaverEmail)")
                .param("admin", admin)
                .param("adminEmail", adminEmail)
                .param("leaver", leaver)
                .param("leaverEmail", leaverEmail)
                .update();
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role) VALUES (:p, :u, :e, 'ADMIN')")
                .param("p", portfolio.id())
                .param("u", admin)
                .param("e", adminEmail)
                .update();
        Map<String, UUID> creators = new LinkedHashMap<>();
        creators.put("https://hooks.example.com/admin", admin);
        creators.put("https://hooks.example.com/leaver", leaver);
        creators.put("https://hooks.example.com/unknown", UUID.randomUUID());
        int age = creators.size();
        for (Map.Entry<String, UUID> creator : creators.entrySet()) {
            jdbc.sql("INSERT INTO jobs.webhook_subscriptions (id, portfolio_id, url, event_types, secret_ciphertext,"
                            + " status, created_by_user_id, created_at) VALUES (gen_random_uuid(), :p, :url,"
                            + " '{job.completed}', 'unused', 'ACTIVE', :creator, now() - make_interval(mins => :age))")
                    .param("p", portfolio.id())
                    .param("url", creator.getKey())
                    .param("creator", creator.getValue())
                    .param("age", age--)
                    .update();
        }

        JsonNode listed = api(portfolio, "OWNER", "/webhooks").path("items");

        assertThat(listed).hasSize(3);
        assertThat(listed.get(0).path("createdBy").asString()).isEqualTo(adminEmail);
        assertThat(listed.get(1).path("createdBy").asString()).isEqualTo(leaverEmail);
        assertThat(listed.get(2).has("createdBy")).as(listed.toString()).isFalse();
        String leavers = listed.get(1).path("subscriptionId").asString();
        assertThat(api(portfolio, "OWNER", "/webhooks/" + leavers)
                        .path("createdBy")
                        .asString())
                .isEqualTo(leaverEmail);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String shown = browser.get(page).body();
        assertThat(shown)
                .contains("by " + adminEmail, "by " + leaverEmail, "by an unknown administrator")
                .containsSubsequence(
                        "https://hooks.example.com/leaver", "by " + leaverEmail, "https://hooks.example.com/unknown");
    }

    @Test
    void aSubscriptionBeyondTheFirstPageIsDisabledFromItsPageAndShownThereDisabled() throws Exception {
        // More subscriptions than a page, as a portfolio allowed more than the console's page size has.
        int seeded = 52;
        for (int i = 0; i < seeded; i++) {
            jdbc.sql("INSERT INTO jobs.webhook_subscriptions (id, portfolio_id, url, event_types, secret_ciphertext,"
                            + " status, created_by_user_id, created_at) VALUES (gen_random_uuid(), :p, :url,"
                            + " '{job.completed}', 'unused', 'ACTIVE', gen_random_uuid(),"
                            + " now() - make_interval(mins => :age))")
                    .param("p", portfolio.id())
                    .param("url", "https://hooks.example.com/" + i)
                    .param("age", seeded - i)
                    .update();
        }
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String first = browser.get(page).body();
        Matcher next = Pattern.compile("id=\"webhooks-next\" href=\"([^\"]+)\"").matcher(first);
        assertThat(next.find()).as(first).isTrue();
        String second = browser.get(ConsoleBrowser.unescape(next.group(1))).body();
        String newest = "https://hooks.example.com/" + (seeded - 1);
        assertThat(second).contains(">" + newest + "<").doesNotContain(">https://hooks.example.com/0<");
        String subscriptionId = attribute(second, "data-subscription-id");

        HttpResponse<String> disabled = browser.post(
                page + "/webhooks/" + subscriptionId + "/disable", form(second, "inline-form disable-webhook"));

        assertThat(disabled.statusCode()).isEqualTo(302);
        assertThat(status(subscriptionId)).isEqualTo("DISABLED");
        String after = browser.get(location(disabled)).body();
        assertThat(after)
                .contains("was disabled", "id=\"webhooks-first\"")
                .contains("data-subscription-id=\"" + subscriptionId + "\"")
                .contains(">Disabled<")
                .doesNotContain(">https://hooks.example.com/0<");
    }

    @Test
    void aWebhookAddedOnThePageIsTheApisWithItsSecretShownOnceAndIsDisabledAndEnabledThroughIt() throws Exception {
        String owner = "owner-" + UUID.randomUUID() + "@agency.test";
        browser.signIn(owner, "OWNER", portfolio);
        String url = "https://127.0.0.1:8443/hooks/" + UUID.randomUUID();
        String empty = browser.get(page).body();
        assertThat(empty).contains("No webhook subscription.");
        Map<String, String> fields = form(empty, "panel create-webhook", "url", url);
        String body = encoded(fields) + "&eventTypes=job.completed&eventTypes=job.failed";

        HttpResponse<String> created = browser.postEncoded(page + "/webhooks", body);

        assertThat(created.statusCode()).isEqualTo(302);
        assertThat(created.headers().firstValue("Location").orElseThrow())
                .endsWith(page)
                .doesNotContain("whsec_");
        String stored = storedSession(owner);
        String shown = browser.get(page).body();
        String secret = value(WEBHOOK_SECRET, shown);
        assertThat(secret).startsWith("whsec_");
        assertThat(stored)
                .as("the session in the database, with the secret on its way to the page")
                .contains(FLASH_MAPS)
                .doesNotContain(secret)
                .doesNotContain(secret.substring("whsec_".length()))
                .doesNotContain(owner);
        assertThat(shown)
                .contains("id=\"new-webhook-secret\"", "shown only this once", url, "job.completed, job.failed");
        JsonNode listed = api(portfolio, "OWNER", "/webhooks").path("items");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).path("url").asString()).isEqualTo(url);
        assertThat(listed.get(0).path("status").asString()).isEqualTo("ACTIVE");
        assertThat(listed.get(0).has("secret")).isFalse();
        String subscriptionId = listed.get(0).path("subscriptionId").asString();

        String again = browser.get(page).body();
        assertThat(again).doesNotContain(secret).doesNotContain("id=\"new-webhook-secret\"");
        assertThat(again).contains("data-subscription-id=\"" + subscriptionId + "\"", ">Enabled<");

        String webhook = page + "/webhooks/" + subscriptionId;
        assertThat(browser.post(webhook + "/disable", form(again, "inline-form disable-webhook"))
                        .statusCode())
                .isEqualTo(302);
        assertThat(status(subscriptionId)).isEqualTo("DISABLED");
        String disabled = browser.get(page).body();
        assertThat(disabled).contains(">Disabled<", "class=\"inline-form enable-webhook\"", "was disabled");

        assertThat(browser.post(webhook + "/enable", form(disabled, "inline-form enable-webhook"))
                        .statusCode())
                .isEqualTo(302);
        assertThat(status(subscriptionId)).isEqualTo("ACTIVE");
        assertThat(browser.get(page).body()).contains(">Enabled<", "was enabled");

        // A rotated secret is shown once too, and differs from the first.
        assertThat(browser.post(webhook + "/rotate-secret", Map.of("_csrf", browser.csrf()))
                        .statusCode())
                .isEqualTo(302);
        String rotatedPage = browser.get(page).body();
        String rotated = value(WEBHOOK_SECRET, rotatedPage);
        assertThat(rotated).startsWith("whsec_").isNotEqualTo(secret);
        assertThat(rotatedPage).contains("the previous secret signs them too for <span>24 hours</span>");
        assertThat(previousSecretKept(subscriptionId)).isTrue();
        assertThat(browser.get(page).body()).doesNotContain(rotated);
        // A leaked secret: rotated with the old one ended at once.
        assertThat(browser.post(webhook + "/rotate-secret", Map.of("_csrf", browser.csrf(), "endPrevious", "true"))
                        .statusCode())
                .isEqualTo(302);
        assertThat(browser.get(page).body()).contains("the previous secret signs nothing any more");
        assertThat(previousSecretKept(subscriptionId)).isFalse();

        assertThat(browser.post(webhook + "/delete", Map.of("_csrf", browser.csrf()))
                        .statusCode())
                .isEqualTo(302);
        assertThat(api(portfolio, "OWNER", "/webhooks").path("items")).isEmpty();
        assertThat(browser.get(page).body()).contains("No webhook subscription.", "was deleted");
    }

    /**
     * The page a rotation returns to shows the new secret even when the API fails to list the
     * subscriptions (a 500): the flash that carried it is gone once the page is read, so the console's
     * error page in its place would lose it for good, and with the old secret ended nothing could
     * verify a message any more.
     */
    @Test
    void aRotatedSecretIsShownOnceEvenWhenTheSubscriptionsCannotBeListed() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        UUID subscriptionId = subscribeToJobCompleted();
        String listed = browser.get(page).body();
        HttpResponse<String> rotated = browser.post(
                page + "/webhooks/" + subscriptionId + "/rotate-secret",
                form(listed, "inline-form rotate-secret", "endPrevious", "true"));
        assertThat(rotated.statusCode()).isEqualTo(302);
        assertThat(previousSecretKept(subscriptionId.toString())).isFalse();

        UUID unreadable = unreadableSubscription();
        HttpResponse<String> shown;
        try {
            shown = browser.get(location(rotated));
        } finally {
            jdbc.sql("DELETE FROM jobs.webhook_subscriptions WHERE id = :id")
                    .param("id", unreadable)
                    .update();
        }

        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        String secret = value(WEBHOOK_SECRET, shown.body());
        assertThat(secret).startsWith("whsec_");
        assertThat(shown.body())
                .contains("id=\"new-webhook-secret\"", "the previous secret signs nothing any more")
                .contains("id=\"webhooks-refused\"", "The webhook subscriptions could not be read")
                .contains("internal error. Quote error id ", "Copy what this page shows only once, then reload it.")
                .doesNotContain("id=\"create-webhook\"");
        // Still shown once: the page read again lists the subscription without the secret.
        String again = browser.get(page).body();
        assertThat(again).doesNotContain(secret, "id=\"new-webhook-secret\"", "id=\"webhooks-refused\"");
        assertThat(again).contains("data-subscription-id=\"" + subscriptionId + "\"");
    }

    /**
     * Rotate secret sent twice from one page (its answer lost on a flaky network, then sent again; a
     * double click without the page script) rotates the secret once: the form carries a key made when
     * the page was shown. The page shows the secret that signs the messages now, once, and says the
     * form was sent again. Before, the second sending rotated again, and the page showed the first
     * sending's secret, which no longer signed anything (the old one ended at once).
     */
    @Test
    void rotateSecretSentTwiceFromOnePageRotatesOnceAndShowsTheCurrentSecret() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        UUID subscriptionId = subscribeToJobCompleted();
        String listed = browser.get(page).body();
        Map<String, String> fields = form(listed, "inline-form rotate-secret", "endPrevious", "true");
        String rotate = page + "/webhooks/" + subscriptionId + "/rotate-secret";

        HttpResponse<String> first = browser.post(rotate, fields);
        String rotated = currentSecret(subscriptionId);
        HttpResponse<String> second = browser.post(rotate, fields);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(302);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(302);
        assertThat(currentSecret(subscriptionId))
                .as("the secret that signs now")
                .isEqualTo(rotated);
        String shown = browser.get(location(second)).body();
        assertThat(value(WEBHOOK_SECRET, shown)).isEqualTo(rotated);
        assertThat(shown)
                .contains("id=\"new-webhook-secret\"", "the previous secret signs nothing any more")
                .contains("id=\"rotation-sent-again\"")
                .contains("Rotate secret was sent more than once from the same page: it rotated the secret once,"
                        + " to this one.");
        String again = browser.get(location(second)).body();
        assertThat(again)
                .doesNotContain(rotated, "id=\"new-webhook-secret\"")
                .contains("Rotate secret was sent more than once from the same page: it rotated the secret once.")
                .contains("if it was not copied, rotate the secret again.");
    }

    /**
     * A secret rotated twice from two showings of the page (two tabs), before either answer was shown:
     * the page shows the secret that signs now, the second one, once; not the first, which the second
     * rotation ended.
     */
    @Test
    void aSecretRotatedFromTwoPagesBeforeEitherAnswerIsShownIsShownAsItIsNow() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        UUID subscriptionId = subscribeToJobCompleted();
        String rotate = page + "/webhooks/" + subscriptionId + "/rotate-secret";
        Map<String, String> one = form(browser.get(page).body(), "inline-form rotate-secret", "endPrevious", "true");
        Map<String, String> other = form(browser.get(page).body(), "inline-form rotate-secret", "endPrevious", "true");

        assertThat(browser.post(rotate, one).statusCode()).isEqualTo(302);
        HttpResponse<String> second = browser.post(rotate, other);

        assertThat(second.statusCode()).as(second.body()).isEqualTo(302);
        String shown = browser.get(location(second)).body();
        assertThat(value(WEBHOOK_SECRET, shown)).isEqualTo(currentSecret(subscriptionId));
        assertThat(shown).doesNotContain("id=\"rotation-sent-again\"");
        assertThat(browser.get(page).body()).doesNotContain("id=\"new-webhook-secret\"");
    }

    /**
     * A rotation sent from a page of the subscriptions whose cursor has braces (as an address edited or
     * pasted by hand carries it) returns to that page with the cursor as it came, and the page shows the
     * new secret once. Before, the secret was rotated (the previous one ended at once) and the answer was
     * the console's error page (500) quoting an error id, with the new secret lost.
     */
    @Test
    void aSecretRotatedFromAPageWhoseCursorHasBracesIsShownOnceOnThatPage() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        UUID subscriptionId = subscribeToJobCompleted();
        String listed = browser.get(page).body();

        HttpResponse<String> rotated = browser.post(
                page + "/webhooks/" + subscriptionId + "/rotate-secret",
                form(listed, "inline-form rotate-secret", "endPrevious", "true", "webhooksCursor", "{x} & +"));

        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(302);
        assertThat(previousSecretKept(subscriptionId.toString())).isFalse();
        assertThat(location(rotated)).isEqualTo(page + "?webhooksCursor=%7Bx%7D%20%26%20%2B");
        HttpResponse<String> shown = browser.get(location(rotated));
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        String secret = value(WEBHOOK_SECRET, shown.body());
        assertThat(secret).startsWith("whsec_");
        assertThat(shown.body()).contains("id=\"new-webhook-secret\"", "the previous secret signs nothing any more");
        assertThat(browser.get(page).body()).doesNotContain(secret, "id=\"new-webhook-secret\"");
    }

    /**
     * The links to revoke a token or delete a subscription from a page whose cursor has braces ask first,
     * carrying the cursor back as it came, and the confirmed forms return to that page. Before, each link
     * answered the console's error page (500) quoting an error id.
     */
    @Test
    void revokingOrDeletingFromAPageWhoseCursorHasBracesAsksFirstAndReturnsToThatPage() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        assertThat(browser.post(
                                page + "/scim-tokens",
                                form(browser.get(page).body(), "panel create-token", "name", "Okta"))
                        .statusCode())
                .isEqualTo(302);
        UUID token = tokenId("Okta");
        UUID subscriptionId = subscribeToJobCompleted();

        HttpResponse<String> revoke = browser.get(page + "/scim-tokens/" + token + "/revoke?tokensCursor=%7Bx%7D");
        HttpResponse<String> delete =
                browser.get(page + "/webhooks/" + subscriptionId + "/delete?webhooksCursor=%7Bx%7D");

        assertThat(revoke.statusCode()).as(revoke.body()).isEqualTo(200);
        assertThat(revoke.body()).contains("Revoke the SCIM token Okta?");
        assertThat(link(revoke.body(), "id=\"confirm-cancel\"")).isEqualTo(page + "?tokensCursor=%7Bx%7D");
        Map<String, String> revokeForm = ConsoleBrowser.hiddenFields(revoke.body(), "confirm");
        assertThat(revokeForm).containsEntry("tokensCursor", "{x}");
        assertThat(delete.statusCode()).as(delete.body()).isEqualTo(200);
        assertThat(delete.body()).contains("Delete the subscription of https://127.0.0.1:8443/hooks/");
        assertThat(link(delete.body(), "id=\"confirm-cancel\"")).isEqualTo(page + "?webhooksCursor=%7Bx%7D");
        Map<String, String> deleteForm = ConsoleBrowser.hiddenFields(delete.body(), "confirm");
        assertThat(deleteForm).containsEntry("webhooksCursor", "{x}");

        HttpResponse<String> revoked = browser.post(page + "/scim-tokens/" + token + "/revoke", revokeForm);
        HttpResponse<String> deleted = browser.post(page + "/webhooks/" + subscriptionId + "/delete", deleteForm);

        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(302);
        assertThat(location(revoked)).isEqualTo(page + "?tokensCursor=%7Bx%7D");
        assertThat(revoked(token)).isTrue();
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(302);
        assertThat(location(deleted)).isEqualTo(page + "?webhooksCursor=%7Bx%7D");
        assertThat(subscriptions()).isZero();
    }

    /** A new SCIM token is shown too when a list of its page cannot be read. */
    @Test
    void aNewScimTokenIsShownOnceEvenWhenTheSubscriptionsCannotBeListed() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        HttpResponse<String> created = browser.post(
                page + "/scim-tokens", form(browser.get(page).body(), "panel create-token", "name", "Okta"));
        assertThat(created.statusCode()).isEqualTo(302);

        UUID unreadable = unreadableSubscription();
        HttpResponse<String> shown;
        try {
            shown = browser.get(location(created));
        } finally {
            jdbc.sql("DELETE FROM jobs.webhook_subscriptions WHERE id = :id")
                    .param("id", unreadable)
                    .update();
        }

        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        String token = value(SCIM_TOKEN, shown.body());
        assertThat(token).startsWith("scim_");
        assertThat(shown.body())
                .contains("id=\"new-scim-token\"", "id=\"scim-tokens\"", "Okta")
                .contains("id=\"webhooks-refused\"", "The webhook subscriptions could not be read");
        assertThat(browser.get(page).body()).doesNotContain(token, "id=\"new-scim-token\"");
    }

    /**
     * The page's own read of the database failing (here the database ends the session of its read of
     * the portfolio, which waits for a lock the test holds, as a failover ends the old primary's
     * sessions) answers the console's error page, 503 with {@code Retry-After}, saying to try again, one
     * WARN line in the log as the API's outage: also the page that shows a new SCIM token, which keeps
     * the token for the page opened again, there shown once. Before, the browser got the API's problem
     * JSON, and the token, taken from the session for the page that failed, was lost.
     */
    @Test
    void aPageWhoseDatabaseReadFailsIsTheConsolesErrorPageAndANewTokenIsShownWhenItOpensAgain() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        HttpResponse<String> created = browser.post(
                page + "/scim-tokens", form(browser.get(page).body(), "panel create-token", "name", "Okta"));
        assertThat(created.statusCode()).isEqualTo(302);

        HttpResponse<String> failed;
        List<ILoggingEvent> warnings;
        try (LogLines log = LogLines.of(ConsoleAdvice.class.getName());
                Connection holder = dataSource.getConnection();
                ExecutorService opening = Executors.newSingleThreadExecutor()) {
            holder.setAutoCommit(false);
            try (Statement lock = holder.createStatement()) {
                lock.execute("LOCK TABLE directory.portfolios IN ACCESS EXCLUSIVE MODE");
            }
            try {
                Future<HttpResponse<String>> opened = opening.submit(() -> browser.get(location(created)));
                LockWaits.awaitLockWait(dataSource, PORTFOLIO_READ, Duration.ofSeconds(10));
                for (LockWaits.Waiting read : LockWaits.in(dataSource, PORTFOLIO_READ)) {
                    jdbc.sql("SELECT pg_terminate_backend(:pid)")
                            .param("pid", read.pid())
                            .query(Boolean.class)
                            .single();
                }
                failed = opened.get(30, TimeUnit.SECONDS);
            } finally {
                holder.rollback();
            }
            warnings = log.lines();
        }

        assertConsoleErrorPage(failed, 503);
        assertThat(failed.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(ConsoleBrowser.unescape(failed.body()))
                .contains(
                        "<h1>Try again in a moment</h1>",
                        "The service cannot reach its database right now. Try again: opening a page changes nothing.",
                        "The new SCIM token this page was to show is kept for it: open the page again within 30"
                                + " minutes to see it, once.")
                .doesNotContain("scim_");
        assertThat(warnings).singleElement().satisfies(line -> {
            assertThat(line.getLevel()).isEqualTo(Level.WARN);
            assertThat(line.getFormattedMessage()).startsWith("Answering 503: ");
            assertThat(line.getThrowableProxy()).isNull();
        });
        HttpResponse<String> shown = browser.get(location(created));
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        String token = value(SCIM_TOKEN, shown.body());
        assertThat(token).startsWith("scim_");
        assertThat(browser.get(page).body()).doesNotContain(token, "id=\"new-scim-token\"");
    }

    /**
     * Any other failure of the page's own code (here its read of the portfolio is refused: a column it
     * reads is missing, as with a schema the gateway does not match) answers the console's error page,
     * 500, quoting the error id under which the log has the failure. Before, the browser got the API's
     * problem JSON.
     */
    @Test
    void aPageWhoseDatabaseReadIsRefusedIsTheConsolesErrorPageQuotingTheErrorIdOfItsLogLine() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        HttpResponse<String> failed;
        List<ILoggingEvent> errors;
        try (LogLines log = LogLines.of(InternalErrors.class.getName())) {
            jdbc.sql("ALTER TABLE directory.portfolios RENAME COLUMN name TO name_renamed_by_test")
                    .update();
            try {
                failed = browser.get(page);
            } finally {
                jdbc.sql("ALTER TABLE directory.portfolios RENAME COLUMN name_renamed_by_test TO name")
                        .update();
            }
            errors = log.lines();
        }

        assertConsoleErrorPage(failed, 500);
        Matcher quoted = Pattern.compile(
                        "<h1>Internal error</h1>\\s*<p role=\"alert\">The request could not be completed because of an"
                                + " internal error\\. Quote error id ([0-9a-f-]{36}) when reporting it\\.</p>")
                .matcher(failed.body());
        assertThat(quoted.find()).as(failed.body()).isTrue();
        assertThat(errors).singleElement().satisfies(line -> {
            assertThat(line.getFormattedMessage())
                    .isEqualTo("Unexpected error " + quoted.group(1) + " while handling a request");
            assertThat(line.getThrowableProxy()).isNotNull();
        });
        assertThat(browser.get(page).statusCode()).isEqualTo(200);
    }

    /** The console's HTML error page with this status, in English, not the API's problem JSON. */
    private static void assertConsoleErrorPage(HttpResponse<String> answer, int status) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(answer.headers().firstValue("Content-Language")).hasValue("en");
        assertThat(answer.body()).contains("Back to the console").doesNotContain("\"status\"", "Exception", "SELECT");
    }

    @Test
    void aSubscriptionsMessagesAreListedAndAFailedOneIsRedeliveredThroughTheApi() throws Exception {
        browser.signIn("editor-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_EDIT", portfolio);
        String url = "https://127.0.0.1:8443/hooks/" + UUID.randomUUID();
        assertThat(browser.postEncoded(
                                page + "/webhooks",
                                encoded(Map.of("url", url, "_csrf", browser.csrf())) + "&eventTypes=job.completed")
                        .statusCode())
                .isEqualTo(302);
        UUID subscriptionId = jdbc.sql("SELECT id FROM jobs.webhook_subscriptions WHERE portfolio_id = :p")
                .param("p", portfolio.id())
                .query(UUID.class)
                .single();
        // The message of a job that ended while the receiver was down, as the dispatcher leaves it.
        UUID deliveryId = UUID.randomUUID();
        UUID jobId = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.webhook_deliveries
                            (id, subscription_id, event_id, event_type, job_id, payload, status, attempts,
                             last_response_code, last_duration_ms, last_error, created_at, give_up_at)
                        VALUES (:id, :s, gen_random_uuid(), 'job.completed', :job, '{}', 'FAILED', 7,
                                503, 42, 'HTTP 503', now() - interval '1 day', now())
                        """)
                .param("id", deliveryId)
                .param("s", subscriptionId)
                .param("job", jobId)
                .update();
        String deliveries = page + "/webhooks/" + subscriptionId + "/deliveries";
        assertThat(browser.get(page).body()).contains("href=\"" + deliveries + "\"");

        HttpResponse<String> listed = browser.get(deliveries);

        assertThat(listed.statusCode()).isEqualTo(200);
        // The message outlives its job (deleted some time after it ended): named, not linked.
        String jobLink = page.replace("/integrations", "") + "/jobs/" + jobId;
        assertThat(listed.body()).doesNotContain(jobLink);
        assertThat(listed.body())
                .contains("data-delivery-id=\"" + deliveryId + "\"", url, jobId.toString())
                .contains(
                        "<td class=\"status\" data-label=\"Status\">Failed</td>",
                        "<td class=\"attempts\" data-label=\"Attempts\">7</td>",
                        "HTTP 503")
                .contains("class=\"inline-form redeliver\"");

        HttpResponse<String> redelivered = browser.post(
                deliveries + "/" + deliveryId + "/redeliver", form(listed.body(), "inline-form redeliver"));

        assertThat(redelivered.statusCode()).isEqualTo(302);
        assertThat(redelivered.headers().firstValue("Location").orElseThrow()).endsWith(deliveries);
        JsonNode message = api(portfolio, "OWNER", "/webhooks/" + subscriptionId + "/deliveries")
                .path("items")
                .get(0);
        assertThat(message.path("status").asString()).isEqualTo("PENDING");
        assertThat(browser.get(deliveries).body())
                .contains("id=\"done\"", "<td class=\"status\" data-label=\"Status\">Pending</td>")
                .doesNotContain("class=\"inline-form redeliver\"");

        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                               requested_by_email, total, pending, succeeded, completed_at)
                        VALUES (:id, :portfolio, 'UPDATE_ROLES', 'COMPLETED', :user, 'admin@agency.test', 1, 0, 1, now())
                        """)
                .param("id", jobId)
                .param("portfolio", portfolio.id())
                .param("user", UUID.randomUUID())
                .update();
        assertThat(browser.get(deliveries).body()).contains("href=\"" + jobLink + "\"");
    }

    /**
     * The API refuses to redeliver a disabled subscription's message (nothing is sent to it), so its
     * messages page offers no Redeliver but says why and offers Enable, which comes back to the page
     * with Redeliver offered again.
     */
    @Test
    void aDisabledSubscriptionsFailedMessageOffersEnableInsteadOfRedeliver() throws Exception {
        browser.signIn("editor-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_EDIT", portfolio);
        UUID subscriptionId = subscribeToJobCompleted();
        UUID deliveryId = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.webhook_deliveries
                            (id, subscription_id, event_id, event_type, job_id, payload, status, attempts,
                             last_response_code, last_error, created_at, give_up_at)
                        VALUES (:id, :s, gen_random_uuid(), 'job.completed', gen_random_uuid(), '{}', 'FAILED', 7,
                                503, 'HTTP 503', now() - interval '1 day', now())
                        """).param("id", deliveryId).param("s", subscriptionId).update();
        String listing = browser.get(page).body();
        assertThat(browser.post(
                                page + "/webhooks/" + subscriptionId + "/disable",
                                form(listing, "inline-form disable-webhook"))
                        .statusCode())
                .isEqualTo(302);
        String deliveries = page + "/webhooks/" + subscriptionId + "/deliveries";

        String disabled = browser.get(deliveries).body();

        assertThat(disabled)
                .contains("data-delivery-id=\"" + deliveryId + "\"", ">Disabled<")
                .doesNotContain("class=\"inline-form redeliver\"")
                .contains("id=\"disabled-notice\"", "class=\"inline-form enable-webhook\"");
        HttpResponse<String> enabled = browser.post(
                page + "/webhooks/" + subscriptionId + "/enable", form(disabled, "inline-form enable-webhook"));
        assertThat(enabled.statusCode()).isEqualTo(302);
        assertThat(enabled.headers().firstValue("Location").orElseThrow()).endsWith(deliveries);
        assertThat(status(subscriptionId.toString())).isEqualTo("ACTIVE");
        String again = browser.get(deliveries).body();
        assertThat(again)
                .contains("was enabled", ">Enabled<", "class=\"inline-form redeliver\"")
                .doesNotContain("id=\"disabled-notice\"");
        HttpResponse<String> redelivered =
                browser.post(deliveries + "/" + deliveryId + "/redeliver", form(again, "inline-form redeliver"));
        assertThat(redelivered.statusCode()).isEqualTo(302);
        assertThat(browser.get(location(redelivered)).body())
                .contains("<td class=\"status\" data-label=\"Status\">Pending</td>");
    }

    @Test
    void aMessageRedeliveredFromAnOlderPageComesBackToThatPage() throws Exception {
        browser.signIn("editor-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_EDIT", portfolio);
        UUID subscriptionId = subscribeToJobCompleted();
        // 52 messages, the oldest failed: it is on the second page.
        UUID failed = UUID.randomUUID();
        for (int i = 0; i < 52; i++) {
            jdbc.sql("""
                            INSERT INTO jobs.webhook_deliveries
                                (id, subscription_id, event_id, event_type, job_id, payload, status, attempts,
                                 created_at, give_up_at)
                            VALUES (:id, :s, gen_random_uuid(), 'job.completed', gen_random_uuid(), '{}', :status, 1,
                                    now() - make_interval(mins => :age), now())
                            """)
                    .param("id", i == 51 ? failed : UUID.randomUUID())
                    .param("s", subscriptionId)
                    .param("status", i == 51 ? "FAILED" : "SUCCEEDED")
                    .param("age", i + 1)
                    .update();
        }
        String deliveries = page + "/webhooks/" + subscriptionId + "/deliveries";
        String first = browser.get(deliveries).body();
        Matcher older =
                Pattern.compile("href=\"([^\"]+cursor=[^\"]+)\">Older messages").matcher(first);
        assertThat(older.find()).isTrue();
        assertThat(first).doesNotContain("Newest messages", "id=\"deliveries-first\"");
        String second = browser.get(ConsoleBrowser.unescape(older.group(1))).body();
        assertThat(second).contains("data-delivery-id=\"" + failed + "\"");
        // The older page leads back to the newest messages, as the other console lists do.
        assertThat(second).contains("id=\"deliveries-first\" href=\"" + deliveries + "\">Newest messages</a>");

        HttpResponse<String> redelivered =
                browser.post(deliveries + "/" + failed + "/redeliver", form(second, "inline-form redeliver"));

        assertThat(redelivered.statusCode()).isEqualTo(302);
        assertThat(browser.get(location(redelivered)).body())
                .contains("id=\"done\"", "data-delivery-id=\"" + failed + "\"")
                .contains("<td class=\"status\" data-label=\"Status\">Pending</td>");
    }

    /**
     * A demo sign-in as someone else in the same browser starts a session with a new CSRF token: a
     * form left open from the earlier sign-in's page (another tab) changes nothing as the new
     * administrator, and says it was sent from a page of an earlier sign-in.
     */
    @Test
    void aFormFromAPageOfAnEarlierSignInChangesNothingAfterSigningInAsSomeoneElse() throws Exception {
        browser.signIn("alice-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        UUID subscriptionId = subscribeToJobCompleted();
        Map<String, String> alicesForm = confirmed(browser.get(page).body(), "/webhooks/" + subscriptionId + "/delete");
        assertThat(alicesForm).containsKey("_csrf");

        browser.signIn("bob-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        HttpResponse<String> late = browser.post(page + "/webhooks/" + subscriptionId + "/delete", alicesForm);

        assertThat(late.statusCode()).as(late.body()).isEqualTo(403);
        assertThat(late.body()).contains("sent from a page of an earlier sign-in, so nothing was changed");
        assertThat(subscriptions()).isOne();
        // Bob's own page sends the form with his session's token.
        HttpResponse<String> bobs = browser.post(
                page + "/webhooks/" + subscriptionId + "/delete",
                confirmed(browser.get(page).body(), "/webhooks/" + subscriptionId + "/delete"));
        assertThat(bobs.statusCode()).as(bobs.body()).isEqualTo(302);
        assertThat(subscriptions()).isZero();
    }

    @Test
    void anEditorManagesWebhooksButSeesTheApisRefusalOfScimTokens() throws Exception {
        browser.signIn("editor-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_EDIT", portfolio);

        String shown = browser.get(page).body();

        assertThat(shown)
                .contains("id=\"scim-refused\"", "Only the Portfolio Owner of " + portfolio.id())
                .contains("id=\"create-webhook\"", "id=\"webhooks\"")
                .doesNotContain("id=\"create-scim-token\"", "id=\"scim-tokens\"");
        HttpResponse<String> forged =
                browser.post(page + "/scim-tokens", Map.of("name", "Okta", "_csrf", browser.csrf()));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("Only the Portfolio Owner of " + portfolio.id());
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.scim_tokens WHERE portfolio_id = :p")
                        .param("p", portfolio.id())
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void aViewOnlyAdministratorSeesTheApisRefusalsAndNoForms() throws Exception {
        browser.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> shown = browser.get(page);

        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(shown.body())
                .contains("id=\"scim-refused\"", "id=\"webhooks-refused\"")
                .contains("Changing access in portfolio " + portfolio.id() + " needs the Portfolio Owner")
                .doesNotContain("create-scim-token", "create-webhook", "revoke-token", "disable-webhook");
        HttpResponse<String> forged = browser.postEncoded(
                page + "/webhooks",
                encoded(Map.of("url", "https://127.0.0.1/hooks", "_csrf", browser.csrf()))
                        + "&eventTypes=job.completed");
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("needs the Portfolio Owner or User Management EDIT");
        assertThat(subscriptions()).isZero();
    }

    @Test
    void aUrlTheApiRefusesShowsItsProblemAndSubscribesNothing() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        HttpResponse<String> refused = browser.postEncoded(
                page + "/webhooks",
                encoded(Map.of("url", "ftp://hooks.example.com/x", "_csrf", browser.csrf()))
                        + "&eventTypes=job.completed");

        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.body())
                .contains("Invalid webhook subscription", "&#39;url&#39; must be an https:// URL")
                .doesNotContain("whsec_");
        assertThat(subscriptions()).isZero();
        // The Integrations page again, the problem next to the form and the form as it was filled in.
        assertThat(refused.body())
                .contains("id=\"webhook-problem\"", "id=\"create-webhook\"", "value=\"ftp://hooks.example.com/x\"")
                .containsPattern("value=\"job.completed\"[^>]*checked")
                .doesNotContainPattern("value=\"job.failed\"[^>]*checked");
        // The field the problem names says so, names the problem and takes the focus; the title says it too.
        assertThat(refused.body()).contains("<title>Error: Integrations");
        assertThat(tag(refused.body(), "input", "webhook-url"))
                .contains("aria-invalid=\"true\"", "aria-describedby=\"webhook-problem webhook-url-hint\"")
                .containsPattern("\\sautofocus[\\s=>]");
        assertThat(tag(refused.body(), "input", "webhook-interval")).doesNotContain("aria-invalid", "autofocus");

        HttpResponse<String> noEvents = browser.postEncoded(
                page + "/webhooks", encoded(Map.of("url", "https://127.0.0.1/hooks", "_csrf", browser.csrf())));
        assertThat(noEvents.statusCode()).isEqualTo(422);
        assertThat(noEvents.body()).contains("eventTypes", "is required: one or more of");
        assertThat(tag(noEvents.body(), "input", "webhook-url")).doesNotContain("aria-invalid", "autofocus");
        assertThat(tag(noEvents.body(), "fieldset", "webhook-events")).contains("aria-describedby=\"webhook-problem\"");
        assertThat(tag(noEvents.body(), "input", "event-0")).containsPattern("\\sautofocus[\\s=>]");
        assertThat(subscriptions()).isZero();
    }

    /**
     * A SCIM token name the API refuses (only spaces, which HTML's {@code required} lets through, or one
     * with a pasted direction mark) brings back the Integrations page, the API's problem next to the
     * form and the name as it was typed, as the Add webhook form does; no token is created.
     */
    @Test
    void aScimTokenNameTheApiRefusesShowsItsProblemNextToTheFormFilledInAsTyped() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String empty = browser.get(page).body();

        for (String name : new String[] {"   ", "Entra ID\u200f"}) {
            HttpResponse<String> refused =
                    browser.post(page + "/scim-tokens", form(empty, "panel create-token", "name", name));

            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
            Matcher field =
                    Pattern.compile("<input[^>]*id=\"scim-token-name\"[^>]*>").matcher(refused.body());
            assertThat(field.find()).as(refused.body()).isTrue();
            assertThat(field.group())
                    .contains("value=\"" + name + "\"", "aria-invalid=\"true\"")
                    .contains("aria-describedby=\"scim-problem scim-token-name-hint\"")
                    .containsPattern("\\sautofocus[\\s=>]");
            assertThat(refused.body())
                    .contains("<title>Error: Integrations")
                    .contains("id=\"scim-problem\"", "Invalid SCIM token request", "id=\"create-scim-token\"")
                    .contains("id=\"create-webhook\"")
                    .doesNotContain("id=\"new-scim-token\"");
        }
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.scim_tokens WHERE portfolio_id = :p")
                        .param("p", portfolio.id())
                        .query(Long.class)
                        .single())
                .isZero();
    }

    /**
     * Create SCIM token sent twice from one page (a double click without the page script, Enter twice,
     * a click once the script's guard has run out) creates one token: the form carries a key made when
     * the page was shown. The second sending leads to the page, which shows the token the first one
     * created, once, and says the form was sent again; read again, it says what to do with a token whose
     * secret was not copied.
     */
    @Test
    void createScimTokenSentTwiceFromOnePageCreatesOneTokenShownOnce() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        Map<String, String> fields = form(browser.get(page).body(), "panel create-token", "name", "Okta");

        HttpResponse<String> first = browser.post(page + "/scim-tokens", fields);
        HttpResponse<String> second = browser.post(page + "/scim-tokens", fields);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(302);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(302);
        assertThat(api(portfolio, "OWNER", "/scim-tokens").path("items"))
                .as("the portfolio's SCIM tokens, as the API lists them")
                .hasSize(1);
        HttpResponse<String> shown = browser.get(location(second));
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        String token = value(SCIM_TOKEN, shown.body());
        assertThat(token).startsWith("scim_");
        assertThat(shown.body())
                .contains("id=\"new-scim-token\"", "id=\"scim-token-sent-again\"")
                .contains("sent more than once from the same page: it created this one token, and no other.");
        assertThat(scim(token, value(SCIM_BASE_URL, shown.body()) + "/Users").statusCode())
                .isEqualTo(200);
        String again = browser.get(location(second)).body();
        assertThat(again)
                .doesNotContain(token, "id=\"new-scim-token\"")
                .contains("it created one token, the newest in the list, and no other.")
                .contains("if it was not copied, revoke that token and create a new one.");
    }

    /**
     * Add webhook sent twice from one page subscribes the URL once: the second sending is answered the
     * subscription the first created, with its secret, which the page shows once, as after one sending.
     * Before, it was refused (409, "already receives ...") and that was the page shown, the secret
     * never.
     */
    @Test
    void addWebhookSentTwiceFromOnePageSubscribesOnceAndShowsTheSecretOnce() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String url = "https://127.0.0.1:8443/hooks/" + UUID.randomUUID();
        String body = encoded(form(browser.get(page).body(), "panel create-webhook", "url", url))
                + "&eventTypes=job.completed";

        HttpResponse<String> first = browser.postEncoded(page + "/webhooks", body);
        HttpResponse<String> second = browser.postEncoded(page + "/webhooks", body);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(302);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(302);
        JsonNode listed = api(portfolio, "OWNER", "/webhooks").path("items");
        assertThat(listed)
                .as("the portfolio's subscriptions, as the API lists them")
                .hasSize(1);
        String shown = browser.get(location(second)).body();
        String secret = value(WEBHOOK_SECRET, shown);
        assertThat(secret).startsWith("whsec_");
        assertThat(shown).contains("id=\"new-webhook-secret\"", url).doesNotContain("id=\"webhook-problem\"");
        assertThat(browser.get(page).body()).doesNotContain(secret, "id=\"new-webhook-secret\"");
    }

    /**
     * A creation form sent again from its page with other values (the page come back from the history,
     * changed) creates nothing with that page's key, which made something else: it comes back filled
     * in as sent, saying so in the console's words, with a new key, so that sending it again makes it.
     */
    @Test
    void aCreationFormSentAgainWithChangesComesBackToBeSentAgain() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        Map<String, String> okta = form(browser.get(page).body(), "panel create-token", "name", "Okta");
        assertThat(browser.post(page + "/scim-tokens", okta).statusCode()).isEqualTo(302);
        Map<String, String> entra = new LinkedHashMap<>(okta);
        entra.put("name", "Entra ID");

        HttpResponse<String> refused = browser.post(page + "/scim-tokens", entra);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(ConsoleBrowser.unescape(refused.body()))
                .contains("id=\"scim-problem\"", "Sent again with changes")
                .contains("This form was sent from this page before, and created a SCIM token then.")
                .contains("value=\"Entra ID\"")
                .doesNotContain("Idempotency-Key");
        assertThat(api(portfolio, "OWNER", "/scim-tokens").path("items")).hasSize(1);
        Map<String, String> again = form(refused.body(), "panel create-token", "name", "Entra ID");
        assertThat(again.get("idempotencyKey")).isNotBlank().isNotEqualTo(okta.get("idempotencyKey"));
        assertThat(browser.post(page + "/scim-tokens", again).statusCode()).isEqualTo(302);
        assertThat(api(portfolio, "OWNER", "/scim-tokens").path("items")).hasSize(2);

        String url = "https://127.0.0.1:8443/hooks/" + UUID.randomUUID();
        Map<String, String> webhook = form(browser.get(page).body(), "panel create-webhook", "url", url);
        assertThat(browser.postEncoded(page + "/webhooks", encoded(webhook) + "&eventTypes=job.completed")
                        .statusCode())
                .isEqualTo(302);
        HttpResponse<String> changed =
                browser.postEncoded(page + "/webhooks", encoded(webhook) + "&eventTypes=job.failed");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(422);
        assertThat(ConsoleBrowser.unescape(changed.body()))
                .contains("id=\"webhook-problem\"", "Sent again with changes")
                .contains("and added a subscription then.")
                .doesNotContain("Idempotency-Key");
        assertThat(subscriptions()).isOne();
    }

    /**
     * Add webhook sent twice at once (a double click while the first is being answered): both sendings
     * lead to the page, which shows the one subscription's secret once. The second waits for the first
     * in the API and is answered its subscription; both store the secret on its way to the page in the
     * session at the same time.
     */
    @Test
    void addWebhookSentTwiceAtOnceSubscribesOnceAndShowsTheSecretOnce() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String url = "https://127.0.0.1:8443/hooks/" + UUID.randomUUID();
        String body = encoded(form(browser.get(page).body(), "panel create-webhook", "url", url))
                + "&eventTypes=job.completed";
        List<HttpResponse<String>> answers = new ArrayList<>();
        try (ExecutorService clicks = Executors.newFixedThreadPool(2);
                Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, ("webhook-subscriptions:" + portfolio.id()).hashCode());
                lock.execute();
            }
            List<Future<HttpResponse<String>>> sent = new ArrayList<>();
            try {
                for (int click = 0; click < 2; click++) {
                    sent.add(clicks.submit(() -> browser.postEncoded(page + "/webhooks", body)));
                }
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> LockWaits.in(dataSource, "pg_advisory_xact_lock").stream()
                                        .filter(waiting -> waiting.lock().equals("advisory"))
                                        .count()
                                >= 2);
            } finally {
                holder.commit();
            }
            for (Future<HttpResponse<String>> answer : sent) {
                answers.add(answer.get(30, TimeUnit.SECONDS));
            }
        }

        assertThat(answers)
                .allSatisfy(answer ->
                        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(302));
        assertThat(api(portfolio, "OWNER", "/webhooks").path("items")).hasSize(1);
        String secret = value(WEBHOOK_SECRET, browser.get(page).body());
        assertThat(secret).startsWith("whsec_");
        assertThat(browser.get(page).body()).doesNotContain(secret, "id=\"new-webhook-secret\"");
    }

    /**
     * Revoke of a SCIM token and Delete of a webhook subscription ask first, on a page that says what
     * is lost (the identity provider's provisioning when it is the last token; the delivery history),
     * reached by a link that changes nothing; only that page's form (with the CSRF token) changes it,
     * and Cancel goes back to the list.
     */
    @Test
    void revokingATokenOrDeletingASubscriptionAsksFirstSayingWhatIsLost() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        for (String name : new String[] {"Entra ID", "Okta"}) {
            assertThat(browser.post(
                                    page + "/scim-tokens",
                                    form(browser.get(page).body(), "panel create-token", "name", name))
                            .statusCode())
                    .isEqualTo(302);
        }
        UUID subscriptionId = subscribeToJobCompleted();
        String listed = browser.get(page).body();
        UUID okta = tokenId("Okta");
        UUID entra = tokenId("Entra ID");

        assertThat(link(listed, "/scim-tokens/" + okta + "/revoke"))
                .isEqualTo(page + "/scim-tokens/" + okta + "/revoke");
        HttpResponse<String> asked = browser.get(link(listed, "/scim-tokens/" + okta + "/revoke"));

        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(200);
        assertThat(asked.body())
                .contains("Revoke the SCIM token Okta?", "refused (401)", "other SCIM tokens go on provisioning")
                .doesNotContain("only SCIM token");
        assertThat(revoked(okta)).as("opening the question revokes nothing").isFalse();
        assertThat(link(asked.body(), "id=\"confirm-cancel\"")).isEqualTo(page);
        HttpResponse<String> revoked = browser.post(
                page + "/scim-tokens/" + okta + "/revoke", ConsoleBrowser.hiddenFields(asked.body(), "confirm"));
        assertThat(revoked.statusCode()).isEqualTo(302);
        assertThat(revoked(okta)).isTrue();

        String last = browser.get(link(browser.get(page).body(), "/scim-tokens/" + entra + "/revoke"))
                .body();
        assertThat(last)
                .contains("Revoke the SCIM token Entra ID?", "only SCIM token")
                .contains("provisioning and deprovisioning stop", "is not offboarded");
        assertThat(revoked(entra)).isFalse();

        String webhook = page + "/webhooks/" + subscriptionId + "/delete";
        HttpResponse<String> delete = browser.get(link(listed, "/webhooks/" + subscriptionId + "/delete"));
        assertThat(delete.statusCode()).as(delete.body()).isEqualTo(200);
        assertThat(delete.body())
                .contains("Delete the subscription of https://127.0.0.1:8443/hooks/", "delivery history")
                .contains("disable the subscription instead");
        assertThat(subscriptions()).as("opening the question deletes nothing").isOne();
        assertThat(browser.post(webhook, ConsoleBrowser.hiddenFields(delete.body(), "confirm"))
                        .statusCode())
                .isEqualTo(302);
        assertThat(subscriptions()).isZero();
    }

    /**
     * Revoke or Delete sent again (the question's page come back from the history, or open in two tabs)
     * after the first one made the change leads to the list's page it was sent from, saying the token
     * was revoked or the subscription deleted already, as a job's Cancel sent again does; so does the
     * question's page opened again. Before, each answered the console's 404 page. A token the portfolio
     * never had is not found, as before.
     */
    @Test
    void revokingOrDeletingAgainLeadsToTheListSayingItIsDoneAlready() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        assertThat(browser.post(
                                page + "/scim-tokens",
                                form(browser.get(page).body(), "panel create-token", "name", "Okta"))
                        .statusCode())
                .isEqualTo(302);
        assertThat(browser.get(page).body()).contains("id=\"new-scim-token\"");
        UUID subscriptionId = subscribeToJobCompleted();
        assertThat(browser.get(page).body()).contains("id=\"new-webhook-secret\"");
        UUID okta = tokenId("Okta");
        String revokeQuestion = page + "/scim-tokens/" + okta + "/revoke";
        String deleteQuestion = page + "/webhooks/" + subscriptionId + "/delete";
        Map<String, String> revokeForm =
                ConsoleBrowser.hiddenFields(browser.get(revokeQuestion).body(), "confirm");
        Map<String, String> deleteForm =
                ConsoleBrowser.hiddenFields(browser.get(deleteQuestion).body(), "confirm");
        assertThat(browser.post(revokeQuestion, revokeForm).statusCode()).isEqualTo(302);
        assertThat(browser.get(page).body()).contains("The SCIM token was revoked");
        assertThat(browser.post(deleteQuestion, deleteForm).statusCode()).isEqualTo(302);
        assertThat(browser.get(page).body()).contains("The subscription was deleted with its messages.");

        HttpResponse<String> revokedAgain = browser.post(revokeQuestion, revokeForm);

        String revokedAlready =
                "The SCIM token Okta was revoked already: the identity provider&#39;s calls with it are refused.";
        assertThat(revokedAgain.statusCode()).as(revokedAgain.body()).isEqualTo(302);
        assertThat(location(revokedAgain)).isEqualTo(page);
        assertThat(browser.get(location(revokedAgain)).body()).contains("id=\"done\"", revokedAlready);
        HttpResponse<String> deletedAgain = browser.post(deleteQuestion, deleteForm);
        String deletedAlready =
                "The subscription was deleted already: the portfolio has no such subscription any more.";
        assertThat(deletedAgain.statusCode()).as(deletedAgain.body()).isEqualTo(302);
        assertThat(location(deletedAgain)).isEqualTo(page);
        assertThat(browser.get(location(deletedAgain)).body()).contains("id=\"done\"", deletedAlready);
        // The question's page opened again (Back to it, its address reopened) leads there too.
        HttpResponse<String> revokeAskedAgain = browser.get(revokeQuestion);
        assertThat(revokeAskedAgain.statusCode()).as(revokeAskedAgain.body()).isEqualTo(302);
        assertThat(location(revokeAskedAgain)).isEqualTo(page);
        assertThat(browser.get(location(revokeAskedAgain)).body()).contains(revokedAlready);
        HttpResponse<String> deleteAskedAgain = browser.get(deleteQuestion);
        assertThat(deleteAskedAgain.statusCode()).as(deleteAskedAgain.body()).isEqualTo(302);
        assertThat(location(deleteAskedAgain)).isEqualTo(page);
        assertThat(browser.get(location(deleteAskedAgain)).body()).contains(deletedAlready);
        assertThat(revoked(okta)).isTrue();
        assertThat(subscriptions()).isZero();
        HttpResponse<String> never = browser.get(page + "/scim-tokens/" + UUID.randomUUID() + "/revoke");
        assertThat(never.statusCode()).isEqualTo(404);
    }

    /** The question the list's link leads to (for the action of this path), and the hidden fields of its form. */
    private Map<String, String> confirmed(String list, String action) throws Exception {
        HttpResponse<String> question = browser.get(link(list, action));
        assertThat(question.statusCode()).as(question.body()).isEqualTo(200);
        return ConsoleBrowser.hiddenFields(question.body(), "confirm");
    }

    /** The page's start tag of this element with this id. */
    private static String tag(String page, String element, String id) {
        Matcher tag = Pattern.compile("<" + element + "\\s[^>]*id=\"" + Pattern.quote(id) + "\"[^>]*>")
                .matcher(page);
        assertThat(tag.find()).as(id + " in " + page).isTrue();
        return tag.group();
    }

    /** The address of the page's first link whose tag contains {@code part}, as a browser follows it. */
    private static String link(String page, String part) {
        Matcher link = Pattern.compile("<a[^>]*href=\"([^\"]*)\"[^>]*>").matcher(page);
        while (link.find()) {
            if (link.group().contains(part)) {
                return ConsoleBrowser.unescape(link.group(1));
            }
        }
        throw new AssertionError("no link with " + part + " in " + page);
    }

    private UUID tokenId(String name) {
        return jdbc.sql("SELECT id FROM jobs.scim_tokens WHERE portfolio_id = :p AND name = :name")
                .param("p", portfolio.id())
                .param("name", name)
                .query(UUID.class)
                .single();
    }

    private boolean revoked(UUID tokenId) {
        return jdbc.sql("SELECT revoked_at IS NOT NULL FROM jobs.scim_tokens WHERE id = :id")
                .param("id", tokenId)
                .query(Boolean.class)
                .single();
    }

    /** The API's answer to the portfolio's administrator with this permission, as a client reads it. */
    private JsonNode api(DirectorySeed.Portfolio portfolio, String permission, String path) throws Exception {
        String token = TestTokens.token(UUID.randomUUID(), "api@agency.test", portfolio.id(), permission);
        HttpResponse<String> answer = http.send(
                HttpRequest.newBuilder(
                                URI.create("http://localhost:" + port + "/api/v1/portfolios/" + portfolio.id() + path))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private String status(String subscriptionId) throws Exception {
        return api(portfolio, "OWNER", "/webhooks/" + subscriptionId)
                .path("status")
                .asString();
    }

    private HttpResponse<String> scim(String token, String url) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + token)
                        .header("Accept", "application/scim+json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Every stored attribute of the administrator's console sessions, as the database holds them: each
     * name with its bytes.
     */
    private String storedSession(String email) {
        return jdbc
                .sql("""
                        SELECT a.attribute_name, a.attribute_bytes FROM jobs.console_sessions_attributes a
                          JOIN jobs.console_sessions s ON s.primary_id = a.session_primary_id
                         WHERE s.principal_name = ?""")
                .param(email)
                .query((row, n) -> row.getString(1) + "=" + new String(row.getBytes(2), StandardCharsets.ISO_8859_1))
                .list()
                .stream()
                .collect(Collectors.joining("\n"));
    }

    /**
     * What the administrator's session holds on its way to a page, as gateways whose clocks are {@code
     * ahead} of the one that stored it read it from now on: that much nearer its end.
     */
    private void readByAClockAhead(String email, Duration ahead) {
        Map<String, Object> stored = jdbc.sql("""
                        SELECT a.session_primary_id, a.attribute_bytes FROM jobs.console_sessions_attributes a
                          JOIN jobs.console_sessions s ON s.primary_id = a.session_primary_id
                         WHERE s.principal_name = :email AND a.attribute_name = :name""")
                .param("email", email)
                .param("name", FLASH_MAPS)
                .query()
                .singleRow();
        List<?> flashMaps = (List<?>) sessionAttributes.convert(
                stored.get("attribute_bytes"),
                TypeDescriptor.valueOf(byte[].class),
                TypeDescriptor.valueOf(Object.class));
        assertThat(flashMaps).isNotEmpty().allSatisfy(flash -> {
            FlashMap flashMap = (FlashMap) flash;
            flashMap.setExpirationTime(flashMap.getExpirationTime() - ahead.toMillis());
        });
        jdbc.sql("UPDATE jobs.console_sessions_attributes SET attribute_bytes = :bytes"
                        + " WHERE session_primary_id = :session AND attribute_name = :name")
                .param("bytes", sessionAttributes.convert(flashMaps, byte[].class))
                .param("session", stored.get("session_primary_id"))
                .param("name", FLASH_MAPS)
                .update();
    }

    private boolean previousSecretKept(String subscriptionId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM jobs.webhook_previous_secrets WHERE subscription_id = ?::uuid"
                        + " AND signs_until > now())")
                .param(subscriptionId)
                .query(Boolean.class)
                .single();
    }

    /** The subscription's signing secret as the gateway stores it to sign each message, opened. */
    private String currentSecret(UUID subscriptionId) {
        String stored = jdbc.sql("SELECT secret_ciphertext FROM jobs.webhook_subscriptions WHERE id = :id")
                .param("id", subscriptionId)
                .query(String.class)
                .single();
        assertThat(stored).startsWith("v1:");
        AesGcm cipher = new AesGcm(new SecretKeySpec(Base64.getDecoder().decode(webhookSecretKey), "AES"));
        return new String(
                cipher.open(Base64.getDecoder().decode(stored.substring("v1:".length())))
                        .orElseThrow(),
                StandardCharsets.UTF_8);
    }

    private long subscriptions() {
        return jdbc.sql("SELECT count(*) FROM jobs.webhook_subscriptions WHERE portfolio_id = :p")
                .param("p", portfolio.id())
                .query(Long.class)
                .single();
    }

    /** The hidden fields of the page's form of this class and the given ones, as the browser posts them. */
    private static Map<String, String> form(String page, String formClass, String... namesAndValues) {
        Map<String, String> fields = new LinkedHashMap<>(ConsoleBrowser.hiddenFields(page, formClass));
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return fields;
    }

    /** The page a redirect leads to, as a browser follows it. */
    private static String location(HttpResponse<String> redirect) {
        String location = redirect.headers().firstValue("Location").orElseThrow();
        return location.substring(location.indexOf("/console"));
    }

    private static String encoded(Map<String, String> fields) {
        return ConsoleBrowser.encode(fields);
    }

    private static String value(Pattern pattern, String page) {
        Matcher matcher = pattern.matcher(page);
        assertThat(matcher.find()).as(page).isTrue();
        return ConsoleBrowser.unescape(matcher.group(1));
    }

    private static String attribute(String page, String name) {
        Matcher matcher = Pattern.compile(name + "=\"([^\"]+)\"").matcher(page);
        assertThat(matcher.find()).as(page).isTrue();
        return matcher.group(1);
    }

    /**
     * A subscription of the portfolio that the API cannot read (an event type it does not know), so
     * that listing the portfolio's subscriptions fails with a 500; its id, to delete it again.
     */
    private UUID unreadableSubscription() {
        UUID id = UUID.randomUUID();
        jdbc.sql("INSERT INTO jobs.webhook_subscriptions (id, portfolio_id, url, event_types, secret_ciphertext,"
                        + " status, created_by_user_id) VALUES (:id, :p, 'https://hooks.example.com/unreadable',"
                        + " '{job.unknown}', 'unused', 'ACTIVE', gen_random_uuid())")
                .param("id", id)
                .param("p", portfolio.id())
                .update();
        return id;
    }

    /** Subscribes a new receiver to {@code job.completed} through the console; its id. */
    private UUID subscribeToJobCompleted() throws Exception {
        assertThat(browser.postEncoded(
                                page + "/webhooks",
                                encoded(Map.of(
                                                "url",
                                                "https://127.0.0.1:8443/hooks/" + UUID.randomUUID(),
                                                "_csrf",
                                                browser.csrf()))
                                        + "&eventTypes=job.completed")
                        .statusCode())
                .isEqualTo(302);
        return jdbc.sql("SELECT id FROM jobs.webhook_subscriptions WHERE portfolio_id = :p")
                .param("p", portfolio.id())
                .query(UUID.class)
                .single();
    }
}

package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.LockWaits;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpServer;
import com.unboundid.scim2.client.ScimService;
import com.unboundid.scim2.common.exceptions.ScimException;
import com.unboundid.scim2.common.messages.ListResponse;
import com.unboundid.scim2.common.types.UserResource;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.ClientRequestFilter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.PageLoadStrategy;
import org.openqa.selenium.WebElement;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console's Integrations page in a real headless Chromium against the started stack, checked from
 * the other side by clients written elsewhere: a SCIM token created in the browser works for
 * UnboundID's SCIM 2 client until it is revoked in the browser, and a webhook added in the browser
 * receives the console's job as a message that the Standard Webhooks library verifies with the signing
 * secret read off the page. Saves the README's screenshot of the page
 * ({@code -Dconsole.screenshots=../docs/screenshots} refreshes it).
 */
class WebConsoleIntegrationsSystemTests {

    /** The job, its event, the gateway's dispatcher (polling each second) and the receiver's answer. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String OWNER = "owner@agency.example";

    private final ServiceStack stack = TestStack.get();

    private final List<Message> received = new CopyOnWriteArrayList<>();

    private ConsoleBrowser browser;

    private HttpServer receiver;

    private Client scimClient;

    @BeforeEach
    void openBrowser() {
        browser = ConsoleBrowser.open(stack.gatewayUrl());
    }

    @AfterEach
    void close() {
        try {
            ConsoleBrowser.closeIfOpen(browser);
        } finally {
            if (receiver != null) {
                receiver.stop(0);
            }
            if (scimClient != null) {
                scimClient.close();
            }
        }
    }

    @Test
    void aScimTokenCreatedInTheBrowserServesAnIndependentScimClientUntilItIsRevokedInTheBrowser() throws ScimException {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, portfolio.accounts());
        browser.signIn(OWNER, "OWNER", portfolio.id());
        openIntegrationsFromTheNavigation(portfolio);
        assertThat(browser.text("#scim-tokens tbody")).isEqualTo("No SCIM token.");

        NewScimToken created = createScimToken("Entra ID");

        assertThat(created.token()).isNotBlank();
        assertThat(created.baseUrl()).isEqualTo(stack.gatewayUrl() + "/scim/v2/portfolios/" + portfolio.id());
        ScimService identityProvider = scimService(created);
        ListResponse<UserResource> found = identityProvider
                .searchRequest("Users")
                .filter("userName eq \"" + ann.email() + "\"")
                .invoke(UserResource.class);
        assertThat(found.getTotalResults()).isEqualTo(1);
        assertThat(found.getResources()).singleElement().satisfies(user -> {
            assertThat(user.getId()).isEqualTo(ann.userId().toString());
            assertThat(user.getUserName()).isEqualTo(ann.email());
        });
        ListResponse<UserResource> all =
                identityProvider.searchRequest("Users").page(1, 100).invoke(UserResource.class);
        assertThat(all.getResources()).extracting(UserResource::getUserName).contains(ann.email());

        // Read again, the page no longer shows the token, and notes that it was used.
        browser.driver().navigate().refresh();
        browser.awaitPage("Integrations");
        assertThat(browser.findAll("#new-scim-token")).isEmpty();
        assertThat(browser.driver().getPageSource()).doesNotContain(created.token());
        WebElement row = browser.find("tr.scim-token");
        assertThat(row.getText()).startsWith("Entra ID").contains("by " + OWNER).doesNotContain("Never");

        // Revoke asks first, saying what stops; only its Revoke the token button revokes.
        row.findElement(By.cssSelector("a.revoke-token")).click();
        browser.awaitPage("Revoke SCIM token");
        assertThat(browser.text("#confirm-losses")).contains("only SCIM token");
        browser.find("#confirm").click();
        await().atMost(PATIENCE)
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(browser.text("#done")).contains("The SCIM token was revoked"));
        assertThat(browser.text("#scim-tokens tbody")).isEqualTo("No SCIM token.");
        assertThatThrownBy(() -> identityProvider
                        .searchRequest("Users")
                        .filter("userName eq \"" + ann.email() + "\"")
                        .invoke(UserResource.class))
                .isInstanceOfSatisfying(
                        ScimException.class,
                        refused ->
                                assertThat(refused.getScimError().getStatus()).isEqualTo(401));
    }

    @Test
    void aWebhookAddedInTheBrowserReceivesTheConsolesJobSignedWithTheSecretShownOnce() throws Exception {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        UserRef leaver = portfolio.addUser("leaver", AccountRole.ANALYST, portfolio.accounts());
        String hook = startReceiver();
        browser.signIn(OWNER, "OWNER", portfolio.id());
        openIntegrationsFromTheNavigation(portfolio);
        createScimToken("Entra ID");

        browser.find("#webhook-url").sendKeys(hook);
        assertThat(browser.findAll("#create-webhook input[name=eventTypes]:checked"))
                .extracting(box -> box.getDomProperty("value"))
                .contains("job.completed")
                .doesNotContain("job.progress");
        browser.find("#create-webhook button[type=submit]").click();
        await().atMost(PATIENCE)
                .ignoreExceptions()
                .until(() -> !browser.findAll("#webhook-secret-value").isEmpty());
        String secret = browser.find("#webhook-secret-value").getDomProperty("value");
        assertThat(secret).startsWith("whsec_");
        assertThat(browser.text("#new-webhook-secret label")).contains(hook);
        assertThat(browser.findAll("#new-scim-token")).isEmpty();
        assertThat(browser.findAll("tr.webhook"))
                .singleElement()
                .satisfies(row -> assertThat(row.getText()).contains(hook).contains("Enabled"));

        browser.go("/console/portfolios/" + portfolio.id() + "/users?q=" + leaver.email());
        browser.reviewOffboardingOfTheListedUser();
        assertThat(browser.text("#changes")).isEqualTo("2");
        browser.find("#confirm").click();
        assertThat(browser.awaitJobEnd(PATIENCE)).isEqualTo("COMPLETED");
        String jobId = URI.create(browser.driver().getCurrentUrl()).getPath().replaceAll(".*/", "");

        await().atMost(PATIENCE).until(() -> !received.isEmpty());
        assertThat(received).hasSize(1);
        Message message = received.getFirst();
        new Webhook(secret).verify(message.body(), message.headers());
        assertThatThrownBy(() -> new Webhook(anotherSecret()).verify(message.body(), message.headers()))
                .isInstanceOf(WebhookVerificationException.class);
        JsonNode event = JSON.readTree(message.body());
        assertThat(event.path("type").asString()).isEqualTo("job.completed");
        assertThat(event.path("data").path("jobId").asString()).isEqualTo(jobId);
        assertThat(event.path("data").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(event.path("data").path("counts").path("succeeded").asInt()).isEqualTo(2);

        browser.find("nav a[href$='/integrations']").click();
        browser.awaitPage("Integrations");
        browser.find("tr.webhook a[href$='/deliveries']").click();
        browser.awaitPage("Webhook deliveries");
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
            browser.driver().navigate().refresh();
            assertThat(browser.findAll("tr.delivery")).singleElement().satisfies(row -> {
                assertThat(row.getText()).contains("job.completed").contains(jobId);
                assertThat(row.findElement(By.cssSelector("td.status")).getText())
                        .isEqualTo("Delivered");
                assertThat(row.findElement(By.cssSelector("td.attempts")).getText())
                        .isEqualTo("1");
                assertThat(row.findElement(By.cssSelector("td.last-answer")).getText())
                        .contains("HTTP 204")
                        .contains("delivered");
            });
        });
        assertThat(browser.findAll("form.redeliver")).isEmpty();
        browser.assertFits();
        browser.screenshot("webhook-deliveries");

        // Read again, the page shows the token and the subscription but neither secret.
        browser.find("main a[href$='/integrations']").click();
        browser.awaitPage("Integrations");
        assertThat(browser.findAll("#new-scim-token")).isEmpty();
        assertThat(browser.findAll("#new-webhook-secret")).isEmpty();
        assertThat(browser.driver().getPageSource()).doesNotContain(secret);
        assertThat(browser.findAll("tr.scim-token")).hasSize(1);
        assertThat(browser.findAll("tr.webhook")).hasSize(1);
        browser.assertFits();
        browser.documentationScreenshot("integrations");

        browser.width(390);
        browser.driver().navigate().refresh();
        browser.awaitPage("Integrations");
        browser.assertFits();
        browser.screenshot("integrations-phone");
        browser.find("tr.webhook a[href$='/deliveries']").click();
        browser.awaitPage("Webhook deliveries");
        browser.assertFits();
    }

    /**
     * A double click on Rotate secret while the first answer is on its way (the rotation waits behind a
     * lock this test holds on the subscription) sends one rotation, and the page shows the secret in
     * force: before, the second click rotated again and the page could show the replaced secret.
     */
    @Test
    void aDoubleClickOnRotateSecretRotatesOnce() throws Exception {
        ConsoleBrowser.closeIfOpen(browser);
        browser = ConsoleBrowser.open(stack.gatewayUrl(), PageLoadStrategy.NONE);
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 1);
        String hook = startReceiver();
        browser.signIn(OWNER, "OWNER", portfolio.id());
        String integrations = "/console/portfolios/" + portfolio.id() + "/integrations";
        browser.go(integrations);
        await().atMost(PATIENCE).ignoreExceptions().until(() -> browser.find("#webhook-url") != null);
        browser.find("#webhook-url").sendKeys(hook);
        browser.find("#create-webhook button[type=submit]").click();
        String created = await().atMost(PATIENCE)
                .ignoreExceptions()
                .until(() -> browser.find("#webhook-secret-value").getDomProperty("value"), value -> value != null);
        JdbcClient database = JdbcClient.create(TestStack.database());
        String createdCiphertext = database.sql(
                        "SELECT secret_ciphertext FROM jobs.webhook_subscriptions WHERE portfolio_id = ?")
                .param(portfolio.id())
                .query(String.class)
                .single();
        browser.go(integrations);
        // The page's script, which sends a form once, has run once the document is complete (the
        // browser does not wait for it: PageLoadStrategy.NONE).
        await().atMost(PATIENCE)
                .ignoreExceptions()
                .until(() -> browser.findAll("#new-webhook-secret").isEmpty()
                        && browser.find("tr.webhook form.rotate-secret button") != null
                        && "complete"
                                .equals(((JavascriptExecutor) browser.driver())
                                        .executeScript("return document.readyState")));

        try (Connection lock = TestStack.database().getConnection()) {
            lock.setAutoCommit(false);
            try (PreparedStatement hold = lock.prepareStatement(
                    "SELECT 1 FROM jobs.webhook_subscriptions WHERE portfolio_id = ? FOR UPDATE")) {
                hold.setObject(1, portfolio.id());
                hold.executeQuery().close();
            }
            // A double click: the second click a second after the first, while the page still shown
            // waits for the first answer (the driver runs no script in a page that is being replaced).
            ((JavascriptExecutor) browser.driver())
                    .executeScript("var rotate = document.querySelector('tr.webhook form.rotate-secret button');"
                            + " rotate.click(); setTimeout(function () { rotate.click(); }, 1000);");
            await().atMost(PATIENCE).until(() -> !rotationsWaiting().isEmpty());
            // The second click sends nothing: one rotation waits, for 3 s on end (polled as often as a
            // busy machine lets the test, hence the longer bound). A failure lists the waiting rotations.
            await().during(Duration.ofSeconds(3))
                    .atMost(PATIENCE)
                    .untilAsserted(() -> assertThat(rotationsWaiting()).hasSize(1));
            lock.rollback();
        }

        String shown = await().atMost(PATIENCE)
                .ignoreExceptions()
                .until(() -> browser.find("#webhook-secret-value").getDomProperty("value"), value -> value != null);
        assertThat(shown).startsWith("whsec_").isNotEqualTo(created);
        assertThat(database.sql("SELECT p.secret_ciphertext FROM jobs.webhook_previous_secrets p"
                                + " JOIN jobs.webhook_subscriptions s ON s.id = p.subscription_id"
                                + " WHERE s.portfolio_id = ?")
                        .param(portfolio.id())
                        .query(String.class)
                        .list())
                .as("rotated once: the secret it replaced is the one created")
                .containsExactly(createdCiphertext);
    }

    /**
     * The console's secret rotations waiting for the subscription this test holds: the rotation's
     * statement (it locks the subscription as {@code replaced}), not another reader of subscriptions
     * that may wait for the row as well.
     */
    private static List<LockWaits.Waiting> rotationsWaiting() {
        return LockWaits.in(TestStack.database(), "WITH replaced AS");
    }

    private void openIntegrationsFromTheNavigation(TestPortfolio portfolio) {
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        browser.find("nav a[href$='/integrations']").click();
        browser.awaitPage("Integrations");
        assertThat(browser.find("nav a[aria-current=page]").getText()).isEqualTo("Integrations");
    }

    /** Types a name, clicks the button and reads the token and the SCIM base URL off the page. */
    private NewScimToken createScimToken(String name) {
        browser.find("#scim-token-name").sendKeys(name);
        browser.find("#create-scim-token button[type=submit]").click();
        await().atMost(PATIENCE)
                .ignoreExceptions()
                .until(() -> !browser.findAll("#scim-token-value").isEmpty());
        assertThat(browser.find("#scim-token-value").getDomProperty("readOnly")).isEqualTo("true");
        assertThat(browser.find("#scim-base-url").getDomProperty("readOnly")).isEqualTo("true");
        return new NewScimToken(
                browser.find("#scim-token-value").getDomProperty("value"),
                browser.find("#scim-base-url").getDomProperty("value"));
    }

    /** UnboundID's SCIM 2 client, as an identity provider configured with the page's two values. */
    private ScimService scimService(NewScimToken token) {
        scimClient = ClientBuilder.newClient().register((ClientRequestFilter)
                request -> request.getHeaders().putSingle("Authorization", "Bearer " + token.token()));
        return new ScimService(scimClient.target(token.baseUrl()));
    }

    /** A receiver on this machine that keeps each message as it came and answers 204. */
    private String startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hooks/bulk-jobs", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Message(body, HttpHeaders.of(exchange.getRequestHeaders(), (name, value) -> true)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/bulk-jobs";
    }

    private static String anotherSecret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    private record NewScimToken(String token, String baseUrl) {}

    /** A message as the receiver got it. */
    private record Message(String body, HttpHeaders headers) {}
}

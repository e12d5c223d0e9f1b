package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.webhooks.WebhookReceiver.Received;
import com.portfoliobulk.gateway.webhooks.WebhookReceiver.Reply;
import com.portfoliobulk.testsupport.LockWaits;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import java.net.http.HttpHeaders;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The subscription API: create, list, read, disable, enable, rotate the secret, delete; who may. */
class WebhookSubscriptionsIntegrationTests extends WebhookIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    DataSource dataSource;

    @Test
    void theSecretIsShownOnceAtCreation() {
        JsonNode created = subscribe("/a", "job.completed", "job.progress");

        assertThat(created.path("secret").asString()).matches("whsec_[A-Za-z0-9+/]{32}");
        assertThat(created.path("status").asString()).isEqualTo("ACTIVE");
        assertThat(created.path("eventTypes").values())
                .extracting(JsonNode::asString)
                .containsExactly("job.completed", "job.progress");
        assertThat(created.path("progressIntervalSeconds").asInt()).isEqualTo(60);
        String id = created.path("subscriptionId").asString();
        Answer read = api.get(admin(portfolio.id()), webhooksPath() + "/" + id);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.body().has("secret")).isFalse();
        Answer list = api.get(editor(portfolio.id()), webhooksPath());
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body().path("items").values())
                .extracting(item -> item.path("subscriptionId").asString())
                .containsExactly(id);
        assertThat(list.text()).doesNotContain("whsec_");
        String stored = jdbc.sql("SELECT secret_ciphertext FROM jobs.webhook_subscriptions WHERE id = :id")
                .param("id", UUID.fromString(id))
                .query(String.class)
                .single();
        assertThat(stored).doesNotContain(created.path("secret").asString().substring(6));
    }

    @Test
    void aDisabledSubscriptionReceivesNothingUntilEnabledAgain() {
        String id = subscribe("/paused", "job.completed").path("subscriptionId").asString();
        Answer disabled = api.post(admin(portfolio.id()), webhooksPath() + "/" + id + "/disable", null, null);
        assertThat(disabled.status()).isEqualTo(200);
        assertThat(disabled.body().path("status").asString()).isEqualTo("DISABLED");

        UUID whileDisabled = job(1);
        finish(whileDisabled, false);

        // Its end fanned out to the subscriptions active then, none.
        await().atMost(PATIENCE)
                .until(() -> jdbc.sql("SELECT fanned_out_at IS NOT NULL FROM jobs.webhook_events WHERE job_id = :job")
                        .param("job", whileDisabled)
                        .query(Boolean.class)
                        .optional()
                        .orElse(false));
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .until(() -> receiver.received().isEmpty());
        assertThat(deliveries(id).size())
                .as("events while disabled are not kept for it")
                .isZero();
        Answer enabled = api.post(admin(portfolio.id()), webhooksPath() + "/" + id + "/enable", null, null);
        assertThat(enabled.body().path("status").asString()).isEqualTo("ACTIVE");
        UUID afterwards = job(1);
        finish(afterwards, false);
        await().atMost(PATIENCE).until(() -> receiver.received("/paused").size() == 1);
        assertThat(receiver.received("/paused").getFirst().signatureVerified()).isTrue();
        assertThat(receiver.received("/paused").getFirst().body()).contains(afterwards.toString());
    }

    /**
     * Enabling a subscription that is active already changes nothing: its run of failures goes on, and
     * with it the count towards disabling it. It used to end the run, so a script that enables its
     * subscriptions "to be sure" kept a dead receiver from ever being disabled.
     */
    @Test
    void enablingAnActiveSubscriptionKeepsItsRunOfFailures() {
        String id =
                subscribe("/failing", "job.completed").path("subscriptionId").asString();
        // As the dispatcher notes failures: failing for two hours, the last one a moment ago.
        jdbc.sql("UPDATE jobs.webhook_subscriptions SET failing_since = now() - interval '2 hours',"
                        + " last_failed_at = now() WHERE id = ?::uuid")
                .param(id)
                .update();

        Answer enabled = api.post(admin(portfolio.id()), webhooksPath() + "/" + id + "/enable", null, null);

        assertThat(enabled.status()).as(enabled.text()).isEqualTo(200);
        assertThat(enabled.body().path("failingSince").isMissingNode())
                .as(enabled.text())
                .isFalse();
        assertThat(jdbc.sql("SELECT last_failed_at IS NOT NULL FROM jobs.webhook_subscriptions WHERE id = ?::uuid")
                        .param(id)
                        .query(Boolean.class)
                        .single())
                .isTrue();
    }

    /**
     * Disabling a subscription that is disabled already changes nothing: the dispatcher's reason, which
     * tells the owner why, stays. It used to be replaced by "Disabled through the API", so an operator
     * who disabled a dead receiver's subscription "to be sure" hid that it had failed for a day.
     */
    @Test
    void disablingASubscriptionTheDispatcherDisabledKeepsItsReason() {
        receiver.otherwise(Reply.status(500));
        String id = subscribe("/dead", "job.completed").path("subscriptionId").asString();
        // A streak of a day with its last failed attempt moments ago: the next failure disables it.
        jdbc.sql("UPDATE jobs.webhook_subscriptions SET failing_since = now() - interval '25 hours',"
                        + " last_failed_at = now() WHERE id = ?::uuid")
                .param(id)
                .update();
        finish(job(1), false);
        await().atMost(PATIENCE)
                .until(() -> api.get(admin(portfolio.id()), webhooksPath() + "/" + id)
                        .body()
                        .path("status")
                        .asString()
                        .equals("DISABLED"));
        String reason = api.get(admin(portfolio.id()), webhooksPath() + "/" + id)
                .body()
                .path("disabledReason")
                .asString();
        assertThat(reason).isEqualTo("Every delivery failed for 24h");
        String updatedAt = updatedAt(id);

        Answer disabled = api.post(admin(portfolio.id()), webhooksPath() + "/" + id + "/disable", null, null);

        assertThat(disabled.status()).as(disabled.text()).isEqualTo(200);
        assertThat(disabled.body().path("status").asString()).isEqualTo("DISABLED");
        assertThat(disabled.body().path("disabledReason").asString()).isEqualTo(reason);
        assertThat(api.get(admin(portfolio.id()), webhooksPath() + "/" + id)
                        .body()
                        .path("disabledReason")
                        .asString())
                .isEqualTo(reason);
        assertThat(updatedAt(id)).isEqualTo(updatedAt);
    }

    private String updatedAt(String subscriptionId) {
        return jdbc.sql("SELECT updated_at::text FROM jobs.webhook_subscriptions WHERE id = ?::uuid")
                .param(subscriptionId)
                .query(String.class)
                .single();
    }

    /**
     * A rotated secret signs every later message, and the previous one signs them too for a day: a
     * receiver still verifying with it accepts them until it switches.
     */
    @Test
    void aRotatedSecretSignsEveryLaterMessageAndThePreviousOneAlongsideForADay() throws Exception {
        JsonNode created = subscribe("/rotated", "job.completed");
        String id = created.path("subscriptionId").asString();
        String oldSecret = created.path("secret").asString();

        Answer rotated = api.post(admin(portfolio.id()), webhooksPath() + "/" + id + "/rotate-secret", null, null);

        assertThat(rotated.status()).isEqualTo(200);
        String newSecret = rotated.body().path("secret").asString();
        assertThat(newSecret).startsWith("whsec_").isNotEqualTo(oldSecret);
        finish(job(1), false);
        await().atMost(PATIENCE).until(() -> receiver.received("/rotated").size() == 1);
        Received message = receiver.received("/rotated").getFirst();
        assertThat(message.signatureVerified())
                .as("verified with the previous secret")
                .isTrue();
        assertThat(message.header("webhook-signature").split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"));
        HttpHeaders headers = HttpHeaders.of(message.headers(), (name, value) -> true);
        new Webhook(newSecret).verify(message.body(), headers);
    }

    /**
     * A rotation is sent again (its answer lost to a timeout, a double click) while the receiver still
     * holds the first secret: every secret rotated out within the overlap signs too, so the receiver's
     * verifies. The second rotation used to end the first secret at once, and the receiver refused every
     * message (a 400 fails it for good).
     */
    @Test
    void aSecondRotationWithinTheOverlapKeepsTheFirstSecretSigning() throws Exception {
        JsonNode created = subscribe("/twice", "job.completed");
        String id = created.path("subscriptionId").asString();
        String first = created.path("secret").asString();

        String second = rotate(id);
        String third = rotate(id);
        receiver.verifying("/twice", first);
        finish(job(1), false);

        await().atMost(PATIENCE).until(() -> receiver.received("/twice").size() == 1);
        Received message = receiver.received("/twice").getFirst();
        assertThat(message.signatureVerified())
                .as("verified with the first secret")
                .isTrue();
        assertThat(message.header("webhook-signature").split(" ")).hasSize(3);
        HttpHeaders headers = HttpHeaders.of(message.headers(), (name, value) -> true);
        for (String secret : List.of(second, third)) {
            new Webhook(secret).verify(message.body(), headers);
        }
    }

    /**
     * During an upgrade a gateway of the version before rotates a secret: it keeps the replaced secret
     * only in the subscription's own columns. This version signs with it too (it read only its own table,
     * and the receiver that still held that secret refused every message for a day).
     */
    @Test
    void aSecretRotatedOutByAGatewayOfTheVersionBeforeSignsToo() throws Exception {
        JsonNode created = subscribe("/upgrade", "job.completed");
        String id = created.path("subscriptionId").asString();
        String first = created.path("secret").asString();
        rotate(id);
        // As the version before rotates: the replaced secret in the columns, none in the table.
        jdbc.sql("DELETE FROM jobs.webhook_previous_secrets WHERE subscription_id = ?::uuid")
                .param(id)
                .update();
        receiver.verifying("/upgrade", first);

        finish(job(1), false);

        await().atMost(PATIENCE).until(() -> receiver.received("/upgrade").size() == 1);
        assertThat(receiver.received("/upgrade").getFirst().signatureVerified())
                .as("verified with the secret the gateway of the version before rotated out")
                .isTrue();
    }

    /**
     * Rotated again and again within the overlap, a subscription signs with its current secret and the
     * newest four it rotated out, not with every one: each is a signature on every message.
     */
    @Test
    void theNewestFourRotatedOutSecretsSignBesideTheCurrentOne() throws Exception {
        JsonNode created = subscribe("/often", "job.completed");
        String id = created.path("subscriptionId").asString();
        List<String> secrets = new ArrayList<>(List.of(created.path("secret").asString()));
        for (int rotation = 0; rotation < 5; rotation++) {
            secrets.add(rotate(id));
        }
        receiver.verifying("/often", secrets.getLast());
        finish(job(1), false);

        await().atMost(PATIENCE).until(() -> receiver.received("/often").size() == 1);
        Received message = receiver.received("/often").getFirst();
        assertThat(message.header("webhook-signature").split(" ")).hasSize(5);
        HttpHeaders headers = HttpHeaders.of(message.headers(), (name, value) -> true);
        for (String secret : secrets.subList(1, secrets.size())) {
            new Webhook(secret).verify(message.body(), headers);
        }
        assertThatThrownBy(() -> new Webhook(secrets.getFirst()).verify(message.body(), headers))
                .isInstanceOf(WebhookVerificationException.class);
    }

    private String rotate(String subscriptionId) {
        Answer rotated =
                api.post(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId + "/rotate-secret", null, null);
        assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
        return rotated.body().path("secret").asString();
    }

    /** A leaked secret is rotated without keeping it: from then on it signs nothing. */
    @Test
    void aSecretRotatedWithoutKeepingThePreviousOneEndsItAtOnce() throws Exception {
        JsonNode created = subscribe("/leaked", "job.completed");
        String id = created.path("subscriptionId").asString();
        String oldSecret = created.path("secret").asString();

        Answer rotated = api.post(
                admin(portfolio.id()), webhooksPath() + "/" + id + "/rotate-secret?keepPrevious=false", null, null);

        assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
        String newSecret = rotated.body().path("secret").asString();
        receiver.verifying("/leaked", newSecret);
        finish(job(1), false);
        await().atMost(PATIENCE).until(() -> receiver.received("/leaked").size() == 1);
        Received message = receiver.received("/leaked").getFirst();
        assertThat(message.signatureVerified()).isTrue();
        assertThat(message.header("webhook-signature").split(" ")).hasSize(1);
        HttpHeaders headers = HttpHeaders.of(message.headers(), (name, value) -> true);
        assertThatThrownBy(() -> new Webhook(oldSecret).verify(message.body(), headers))
                .isInstanceOf(WebhookVerificationException.class);
    }

    /**
     * Rotate-secret reads its option from the query: a body asking to end the old secret is refused,
     * not ignored (which kept a leaked secret signing for the overlap while the client believed it ended).
     */
    @Test
    void aBodySentToRotateSecretIsRefusedAndRotatesNothing() {
        JsonNode created = subscribe("/body", "job.completed");
        String id = created.path("subscriptionId").asString();
        String before = jdbc.sql("SELECT secret_ciphertext FROM jobs.webhook_subscriptions WHERE id = ?::uuid")
                .param(id)
                .query(String.class)
                .single();

        Answer refused = api.post(
                admin(portfolio.id()), webhooksPath() + "/" + id + "/rotate-secret", null, "{\"keepPrevious\":false}");

        assertFieldProblem(refused, 400, "body");
        assertThat(refused.body().path("errors").get(0).path("message").asString())
                .contains("query parameters (keepPrevious)");
        assertThat(jdbc.sql("SELECT secret_ciphertext FROM jobs.webhook_subscriptions WHERE id = ?::uuid")
                        .param(id)
                        .query(String.class)
                        .single())
                .isEqualTo(before);
    }

    /**
     * An empty or blank string is no number of seconds: it is refused naming the field, and not read
     * as absent (which made the interval the default 60 seconds).
     */
    @Test
    void anEmptyOrBlankProgressIntervalIsRefusedNamingIt() {
        for (String value : List.of("\"\"", "\"   \"")) {
            Answer refused = api.post(
                    admin(portfolio.id()),
                    webhooksPath(),
                    null,
                    "{\"url\":\"" + receiver.url("/empty") + "\",\"eventTypes\":[\"job.progress\"],"
                            + "\"progressIntervalSeconds\":" + value + "}");

            assertFieldProblem(refused, 400, "progressIntervalSeconds");
            assertThat(refused.body().path("errors").get(0).path("message").asString())
                    .isEqualTo("must be a whole number");
        }
        assertThat(api.get(admin(portfolio.id()), webhooksPath())
                        .body()
                        .path("items")
                        .size())
                .isZero();
    }

    /**
     * A client generated from the served description (openapi-generator's Java, Kotlin or Python models)
     * sets each field the description gives a default to that default and sends it: its subscription to
     * job.completed alone is created. Before, the description gave progressIntervalSeconds the default
     * 60, which such a client sent, and the subscription was refused 400 (the interval applies only with
     * job.progress).
     */
    @Test
    void aSubscriptionSentAsAClientGeneratedFromTheDescriptionSendsItIsCreated() {
        JsonNode schema = api.get(null, "/v3/api-docs")
                .body()
                .path("components")
                .path("schemas")
                .path("WebhookSubscriptionRequest");
        ObjectNode body = JSON.createObjectNode();
        body.put("url", receiver.url("/generated"));
        body.putArray("eventTypes").add("job.completed");
        JsonNode properties = schema.path("properties");
        for (String field : properties.propertyNames()) {
            if (properties.path(field).has("default") && !body.has(field)) {
                body.set(field, properties.path(field).path("default"));
            }
        }

        Answer created = api.post(admin(portfolio.id()), webhooksPath(), null, body.toString());

        assertThat(created.status()).as(body + " answered " + created.text()).isEqualTo(201);
        assertThat(created.body().has("progressIntervalSeconds")).isFalse();
        JsonNode interval = properties.path("progressIntervalSeconds");
        assertThat(interval.has("default")).isFalse();
        assertThat(interval.path("description").asString()).contains("default 60", "Only with job.progress");
        assertThat(subscribe("/progress", "job.progress")
                        .path("progressIntervalSeconds")
                        .asInt())
                .isEqualTo(60);
    }

    @Test
    void aUrlSubscribedTwiceToAnEventTypeIsRefusedSoNoMessageIsSentToItTwice() {
        String first = subscribe("/twice", "job.completed", "job.failed")
                .path("subscriptionId")
                .asString();
        String body = "{\"url\":\"" + receiver.url("/twice") + "\",\"eventTypes\":[\"job.failed\"]}";

        Answer again = api.post(admin(portfolio.id()), webhooksPath(), null, body);

        assertFieldProblem(again, 409, "url");
        assertThat(again.body().path("errors").get(0).path("message").asString())
                .contains("job.failed", first);
        assertThat(api.get(admin(portfolio.id()), webhooksPath())
                        .body()
                        .path("items")
                        .size())
                .isEqualTo(1);
        // Other event types to the same URL are another subscription.
        assertThat(api.post(admin(portfolio.id()), webhooksPath(), null, body.replace("job.failed", "job.cancelled"))
                        .status())
                .isEqualTo(201);
    }

    @Test
    void theSameReceiverSpelledAnotherWayIsRefusedAsTheSameUrl() {
        String first = subscribe("", "job.completed").path("subscriptionId").asString();
        String root = receiver.url("");

        // The scheme in capitals and the empty path written as "/": the same receiver.
        Answer again = api.post(
                admin(portfolio.id()),
                webhooksPath(),
                null,
                "{\"url\":\"" + root.replace("http://", "HTTP://") + "/\",\"eventTypes\":[\"job.completed\"]}");

        assertFieldProblem(again, 409, "url");
        assertThat(again.body().path("errors").get(0).path("message").asString())
                .contains("job.completed", first);
        // Another path is another receiver.
        assertThat(api.post(
                                admin(portfolio.id()),
                                webhooksPath(),
                                null,
                                "{\"url\":\"" + root + "/other\",\"eventTypes\":[\"job.completed\"]}")
                        .status())
                .isEqualTo(201);
    }

    /** As the API description says of both its 409s, the refusal names {@code url}. */
    @Test
    void aSubscriptionBeyondThePortfoliosLimitIsRefusedNamingTheUrl() {
        for (int i = 0; i < 20; i++) {
            subscribe("/limit-" + i, "job.completed");
        }

        Answer refused = api.post(
                admin(portfolio.id()),
                webhooksPath(),
                null,
                "{\"url\":\"" + receiver.url("/one-more") + "\",\"eventTypes\":[\"job.completed\"]}");

        assertFieldProblem(refused, 409, "url");
        assertThat(refused.body().path("errors").get(0).path("message").asString())
                .contains("20 webhook subscriptions");
        assertThat(api.get(admin(portfolio.id()), webhooksPath() + "?limit=100")
                        .body()
                        .path("items")
                        .size())
                .isEqualTo(20);
    }

    /**
     * A creation whose 201 was lost (a client timeout) is sent again with its Idempotency-Key: it is
     * answered as the first was, the same subscription with its secret, which verifies the messages sent
     * to it, and no second subscription is made. The key used to be ignored: the retry was refused 409
     * "already receives ... through subscription", and the secret, shown once, was lost. Without a key
     * the same request is still refused so.
     */
    @Test
    void aCreationSentAgainWithItsKeyAnswersTheSameSubscriptionAndItsSecret() throws Exception {
        String body =
                "{\"url\":\"" + receiver.url("/retried") + "\",\"eventTypes\":[\"job.completed\",\"job.failed\"]}";
        Answer first = api.post(admin(portfolio.id()), webhooksPath(), "subscribe-retried", body);
        assertThat(first.status()).as(first.text()).isEqualTo(201);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        String id = first.body().path("subscriptionId").asString();

        // The answer was lost; the client sends the request again, its event types in another order.
        Answer again = api.post(
                admin(portfolio.id()),
                webhooksPath(),
                "subscribe-retried",
                body.replace("\"job.completed\",\"job.failed\"", "\"job.failed\",\"job.completed\""));

        assertThat(again.status()).as(again.text()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.header("Location")).isEqualTo(first.header("Location"));
        assertThat(again.body().path("subscriptionId").asString()).isEqualTo(id);
        String secret = again.body().path("secret").asString();
        assertThat(secret)
                .startsWith("whsec_")
                .isEqualTo(first.body().path("secret").asString());
        assertThat(api.get(admin(portfolio.id()), webhooksPath())
                        .body()
                        .path("items")
                        .values())
                .extracting(item -> item.path("subscriptionId").asString())
                .containsExactly(id);
        finish(job(1), false);
        await().atMost(PATIENCE).until(() -> receiver.received("/retried").size() == 1);
        Received message = receiver.received("/retried").getFirst();
        new Webhook(secret).verify(message.body(), HttpHeaders.of(message.headers(), (name, value) -> true));

        Answer withoutKey = api.post(admin(portfolio.id()), webhooksPath(), null, body);

        assertFieldProblem(withoutKey, 409, "url");
        assertThat(withoutKey.body().path("errors").get(0).path("message").asString())
                .contains("already receives", id);
    }

    /**
     * A creation whose 201 was lost is sent again with its key while the receiver's host does not
     * resolve (the network trouble that lost the answer often keeps names from resolving too): it is
     * answered as the first was, with the subscription and its secret. It used to be refused 422 naming
     * {@code url} ("names a host without a public address"), the key being looked up only once the
     * host had resolved: the secret was lost, and the request without its key was refused 409. Another
     * request with the key is refused as reused, on whichever host.
     */
    @Test
    void aCreationSentAgainWithItsKeyIsAnsweredWhenItsHostNoLongerResolves() throws Exception {
        hosts.resolve("hooks.retry.example", "203.0.113.10");
        String body = "{\"url\":\"https://hooks.retry.example/hook\",\"eventTypes\":[\"job.completed\"]}";
        Answer first = api.post(admin(portfolio.id()), webhooksPath(), "subscribe-unresolved", body);
        assertThat(first.status()).as(first.text()).isEqualTo(201);
        String id = first.body().path("subscriptionId").asString();
        hosts.stopResolving("hooks.retry.example");
        // A new subscription to that host is refused now.
        assertFieldProblem(
                api.post(admin(portfolio.id()), webhooksPath(), null, body.replace("/hook", "/other")), 422, "url");

        Answer again = api.post(admin(portfolio.id()), webhooksPath(), "subscribe-unresolved", body);

        assertThat(again.status()).as(again.text()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.header("Location")).isEqualTo(first.header("Location"));
        assertThat(again.body().path("subscriptionId").asString()).isEqualTo(id);
        assertThat(again.body().path("url").asString()).isEqualTo("https://hooks.retry.example/hook");
        assertThat(again.body().path("secret").asString())
                .startsWith("whsec_")
                .isEqualTo(first.body().path("secret").asString());
        for (String other : List.of(
                body.replace("/hook", "/elsewhere"),
                body.replace("https://hooks.retry.example/hook", receiver.url("/x")))) {
            Answer refused = api.post(admin(portfolio.id()), webhooksPath(), "subscribe-unresolved", other);

            assertFieldProblem(refused, 422, "Idempotency-Key");
            assertThat(refused.body().path("type").asString())
                    .isEqualTo("urn:portfolio-bulk:problem:idempotency-key-reused");
            assertThat(refused.text()).doesNotContain("whsec_");
        }
        assertThat(api.get(admin(portfolio.id()), webhooksPath())
                        .body()
                        .path("items")
                        .values())
                .extracting(item -> item.path("subscriptionId").asString())
                .containsExactly(id);
    }

    /**
     * A URL pasted with spaces around it or a line break after it is the URL without them: the
     * subscription is created with it stored so, its messages reach the receiver, and the creation sent
     * again with its key and the URL spelled so once more is the same request. It used to be refused 400
     * "url: is not a valid URL", although a creation stores the URL without its surrounding spaces and a
     * retry compares it so.
     */
    @Test
    void aUrlWithSpacesAroundItIsTheUrlWithout() throws Exception {
        String url = receiver.url("/pasted");
        Answer created = api.post(
                admin(portfolio.id()),
                webhooksPath(),
                "subscribe-pasted",
                "{\"url\":\" " + url + "\\n\",\"eventTypes\":[\"job.completed\"]}");

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.body().path("url").asString()).isEqualTo(url);
        String id = created.body().path("subscriptionId").asString();
        assertThat(api.get(admin(portfolio.id()), webhooksPath() + "/" + id)
                        .body()
                        .path("url")
                        .asString())
                .isEqualTo(url);

        Answer again = api.post(
                admin(portfolio.id()),
                webhooksPath(),
                "subscribe-pasted",
                "{\"url\":\"\\t" + url + "  \",\"eventTypes\":[\"job.completed\"]}");

        assertThat(again.status()).as(again.text()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.body().path("subscriptionId").asString()).isEqualTo(id);
        finish(job(1), false);
        await().atMost(PATIENCE).until(() -> receiver.received("/pasted").size() == 1);
    }

    /** The key of a subscription sent with another request creates nothing and shows no secret. */
    @Test
    void aKeySentAgainWithAnotherRequestIsRefusedAsReused() {
        String body = "{\"url\":\"" + receiver.url("/reused") + "\",\"eventTypes\":[\"job.completed\"]}";
        String id = api.post(admin(portfolio.id()), webhooksPath(), "subscribe-reused", body)
                .body()
                .path("subscriptionId")
                .asString();

        for (String other : List.of(
                body.replace("/reused", "/elsewhere"),
                body.replace("\"job.completed\"", "\"job.failed\""),
                body.replace("\"job.completed\"", "\"job.completed\",\"job.progress\""))) {
            Answer refused = api.post(admin(portfolio.id()), webhooksPath(), "subscribe-reused", other);

            assertFieldProblem(refused, 422, "Idempotency-Key");
            assertThat(refused.body().path("type").asString())
                    .isEqualTo("urn:portfolio-bulk:problem:idempotency-key-reused");
            assertThat(refused.body().path("detail").asString()).contains(id);
            assertThat(refused.text()).doesNotContain("whsec_");
        }
        assertFieldProblem(
                api.post(admin(portfolio.id()), webhooksPath(), "k".repeat(256), body), 400, "Idempotency-Key");
        assertThat(api.get(admin(portfolio.id()), webhooksPath())
                        .body()
                        .path("items")
                        .values())
                .extracting(item -> item.path("subscriptionId").asString())
                .containsExactly(id);
    }

    /**
     * Once the secret was rotated, the secret the creation answered is not the subscription's any more:
     * a retry of the creation is refused, naming the subscription and the rotation, and shows no secret.
     */
    @Test
    void aCreationSentAgainAfterItsSecretWasRotatedIsRefusedNamingTheSubscription() {
        String body = "{\"url\":\"" + receiver.url("/rotated-first") + "\",\"eventTypes\":[\"job.completed\"]}";
        Answer first = api.post(admin(portfolio.id()), webhooksPath(), "subscribe-rotated", body);
        assertThat(first.status()).as(first.text()).isEqualTo(201);
        String id = first.body().path("subscriptionId").asString();
        rotate(id);

        Answer again = api.post(admin(portfolio.id()), webhooksPath(), "subscribe-rotated", body);

        assertFieldProblem(again, 409, "Idempotency-Key");
        assertThat(again.body().path("detail").asString()).contains(id, "rotated since", "/rotate-secret");
        assertThat(again.text()).doesNotContain("whsec_");
        assertThat(api.get(admin(portfolio.id()), webhooksPath())
                        .body()
                        .path("items")
                        .values())
                .extracting(item -> item.path("subscriptionId").asString())
                .containsExactly(id);
    }

    /**
     * Two creations with one key at once (a retry sent while the first is still being created) make one
     * subscription: the second waits for the portfolio, then answers the first's, with its secret.
     */
    @Test
    void twoCreationsWithOneKeyAtOnceMakeOneSubscription() throws Exception {
        String body = "{\"url\":\"" + receiver.url("/once") + "\",\"eventTypes\":[\"job.completed\"]}";
        List<Answer> answers = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(2);
                Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, ("webhook-subscriptions:" + portfolio.id()).hashCode());
                lock.execute();
            }
            List<Future<Answer>> creating = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                creating.add(
                        clients.submit(() -> api.post(admin(portfolio.id()), webhooksPath(), "subscribe-once", body)));
            }
            await().atMost(PATIENCE)
                    .until(() -> LockWaits.in(dataSource, "pg_advisory_xact_lock").stream()
                                    .filter(waiting -> waiting.lock().equals("advisory"))
                                    .count()
                            >= 2);
            holder.commit();
            for (Future<Answer> answer : creating) {
                answers.add(answer.get(30, TimeUnit.SECONDS));
            }
        }

        assertThat(answers)
                .allSatisfy(
                        answer -> assertThat(answer.status()).as(answer.text()).isEqualTo(201));
        assertThat(answers)
                .extracting(answer -> answer.header("Idempotent-Replayed"))
                .containsExactlyInAnyOrder(null, "true");
        assertThat(answers)
                .extracting(answer -> answer.body().path("subscriptionId").asString())
                .containsOnly(answers.getFirst().body().path("subscriptionId").asString());
        assertThat(answers)
                .extracting(answer -> answer.body().path("secret").asString())
                .containsOnly(answers.getFirst().body().path("secret").asString());
        assertThat(api.get(admin(portfolio.id()), webhooksPath())
                        .body()
                        .path("items")
                        .size())
                .isEqualTo(1);
    }

    /** A deleted subscription's row is gone, and its key with it: the key creates a new subscription. */
    @Test
    void theKeyOfADeletedSubscriptionCreatesANewOne() {
        String body = "{\"url\":\"" + receiver.url("/again") + "\",\"eventTypes\":[\"job.completed\"]}";
        Answer first = api.post(admin(portfolio.id()), webhooksPath(), "subscribe-again", body);
        String id = first.body().path("subscriptionId").asString();
        assertThat(api.delete(admin(portfolio.id()), webhooksPath() + "/" + id).status())
                .isEqualTo(204);

        Answer again = api.post(admin(portfolio.id()), webhooksPath(), "subscribe-again", body);

        assertThat(again.status()).as(again.text()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isNull();
        assertThat(again.body().path("subscriptionId").asString()).isNotEqualTo(id);
        assertThat(again.body().path("secret").asString())
                .isNotEqualTo(first.body().path("secret").asString());
    }

    /**
     * A disable, a rotation and a deletion are written to the database alone, so a restore to a moment
     * before them undoes them (the old secret signs again, the subscription is back): each gateway logs
     * one INFO line for each, naming the portfolio, the subscription and the caller by user id, without
     * their address, which the restore procedure greps to make them again. One refused (404) logs none.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aDisableAnEnableARotationAndADeletionAreEachLoggedOnceNamingThePortfolioTheSubscriptionAndTheCaller(
            CapturedOutput output) {
        String id =
                subscribe("/restored", "job.completed").path("subscriptionId").asString();
        String change = "Change of portfolio " + portfolio.id() + " at the request of user " + ADMIN_ID
                + ": webhook subscription " + id;

        assertThat(api.post(admin(portfolio.id()), webhooksPath() + "/" + id + "/disable", null, null)
                        .status())
                .isEqualTo(200);
        assertThat(api.post(admin(portfolio.id()), webhooksPath() + "/" + id + "/enable", null, null)
                        .status())
                .isEqualTo(200);
        assertThat(api.post(
                                admin(portfolio.id()),
                                webhooksPath() + "/" + id + "/rotate-secret?keepPrevious=false",
                                null,
                                null)
                        .status())
                .isEqualTo(200);
        assertThat(api.delete(admin(portfolio.id()), webhooksPath() + "/" + id).status())
                .isEqualTo(204);
        assertProblem(api.delete(admin(portfolio.id()), webhooksPath() + "/" + id), 404);
        assertProblem(api.post(admin(portfolio.id()), webhooksPath() + "/" + id + "/disable", null, null), 404);
        assertProblem(api.post(admin(portfolio.id()), webhooksPath() + "/" + id + "/enable", null, null), 404);

        assertThat(output.getAll().lines().filter(line -> line.contains("webhook subscription " + id)))
                .satisfiesExactly(
                        line -> assertThat(line).contains(" INFO ", change + " disabled"),
                        line -> assertThat(line).contains(" INFO ", change + " enabled"),
                        line -> assertThat(line)
                                .contains(" INFO ", change + " secret rotated, the previous secrets ended at once"),
                        line -> assertThat(line).contains(" INFO ", change + " deleted"))
                .allSatisfy(line -> assertThat(line).doesNotContain(ADMIN_EMAIL));
    }

    @Test
    void aDeletedSubscriptionIsGone() {
        String id =
                subscribe("/deleted", "job.completed").path("subscriptionId").asString();

        Answer deleted = api.delete(admin(portfolio.id()), webhooksPath() + "/" + id);

        assertThat(deleted.status()).isEqualTo(204);
        assertProblem(api.get(admin(portfolio.id()), webhooksPath() + "/" + id), 404);
        assertProblem(api.delete(admin(portfolio.id()), webhooksPath() + "/" + id), 404);
        assertProblem(api.get(admin(portfolio.id()), webhooksPath() + "/" + id + "/deliveries"), 404);
        UUID ended = job(1);
        finish(ended, false);

        // Its end fanned out to the subscriptions there are then, none; only then is silence telling.
        await().atMost(PATIENCE)
                .until(() -> jdbc.sql("SELECT fanned_out_at IS NOT NULL FROM jobs.webhook_events WHERE job_id = :job")
                        .param("job", ended)
                        .query(Boolean.class)
                        .optional()
                        .orElse(false));
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .until(() -> receiver.received().isEmpty());
    }

    @Test
    void onlyTheOwnerOrAnEditorMayManageSubscriptions() {
        String body = "{\"url\":\"" + receiver.url("/x") + "\",\"eventTypes\":[\"job.completed\"]}";
        String id = subscribe("/x", "job.completed").path("subscriptionId").asString();

        assertProblem(api.post(viewer(portfolio.id()), webhooksPath(), null, body), 403);
        assertProblem(api.get(viewer(portfolio.id()), webhooksPath()), 403);
        assertProblem(api.post(viewer(portfolio.id()), webhooksPath() + "/" + id + "/rotate-secret", null, null), 403);
        assertProblem(api.get(outsider(), webhooksPath() + "/" + id), 403);
        assertProblem(api.post(null, webhooksPath(), null, body), 401);
        Answer byEditor = api.post(
                editor(portfolio.id()), webhooksPath(), null, body.replace(receiver.url("/x"), receiver.url("/y")));
        assertThat(byEditor.status()).isEqualTo(201);
        UUID otherPortfolio = directory.portfolio().id();
        assertProblem(api.get(admin(otherPortfolio), "/api/v1/portfolios/" + otherPortfolio + "/webhooks/" + id), 404);
    }

    @Test
    void theDeliveryListIsPagedNewestFirst() {
        String id = subscribe("/paged", "job.completed").path("subscriptionId").asString();
        List<UUID> jobs = List.of(job(1), job(1), job(1));
        jobs.forEach(jobId -> finish(jobId, false));
        await().atMost(PATIENCE).until(() -> receiver.received("/paged").size() == 3);

        Answer first = api.get(admin(portfolio.id()), webhooksPath() + "/" + id + "/deliveries?limit=2");
        Answer second = api.get(
                admin(portfolio.id()),
                webhooksPath() + "/" + id + "/deliveries?limit=2&cursor="
                        + first.body().path("nextCursor").asString());

        assertThat(first.body().path("items").size()).isEqualTo(2);
        assertThat(second.body().path("items").size()).isEqualTo(1);
        assertThat(second.body().get("nextCursor").isNull()).isTrue();
        assertThat(List.of(
                        first.body().path("items").get(0).path("jobId").asString(),
                        first.body().path("items").get(1).path("jobId").asString(),
                        second.body().path("items").get(0).path("jobId").asString()))
                .containsExactlyInAnyOrderElementsOf(
                        jobs.stream().map(UUID::toString).toList());
        assertFieldProblem(
                api.get(admin(portfolio.id()), webhooksPath() + "/" + id + "/deliveries?cursor=nonsense"),
                400,
                "cursor");
        assertFieldProblem(
                api.get(admin(portfolio.id()), webhooksPath() + "/" + id + "/deliveries?limit=0"), 400, "limit");
    }

    /**
     * A subscription whose creation waited for the portfolio while others were created and committed
     * comes after them in the list (oldest first), where a client paging through it meanwhile looks
     * for what is new: not before them, where that client has passed already.
     */
    @Test
    void aSubscriptionCreatedWhileOthersHoldThePortfolioIsListedAfterThem() throws Exception {
        Answer page;
        List<String> later = new ArrayList<>();
        String waited;
        try (ExecutorService client = Executors.newSingleThreadExecutor();
                Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, ("webhook-subscriptions:" + portfolio.id()).hashCode());
                lock.execute();
            }
            Future<JsonNode> creating = client.submit(() -> subscribe("/waited", "job.completed"));
            LockWaits.awaitLockWait(
                    dataSource,
                    "waiting for an advisory lock in pg_advisory_xact_lock",
                    waiting ->
                            waiting.lock().equals("advisory") && waiting.query().contains("pg_advisory_xact_lock"),
                    PATIENCE);
            // Two creations that took the portfolio first, each committed as a creation commits.
            for (String path : List.of("/first", "/second")) {
                jdbc.sql("INSERT INTO jobs.webhook_subscriptions (id, portfolio_id, url, event_types,"
                                + " secret_ciphertext, status, created_by_user_id, created_at, updated_at)"
                                + " VALUES (gen_random_uuid(), :p, :url, '{job.completed}', 'unused', 'ACTIVE',"
                                + " gen_random_uuid(), clock_timestamp(), clock_timestamp())")
                        .param("p", portfolio.id())
                        .param("url", receiver.url(path))
                        .update();
            }
            // A client pages through the list, up to the first of them.
            page = api.get(admin(portfolio.id()), webhooksPath() + "?limit=1");
            holder.commit();
            waited = creating.get(30, TimeUnit.SECONDS).path("subscriptionId").asString();
        }
        String cursor = page.body().path("nextCursor").asString();
        while (cursor != null) {
            Answer next = api.get(admin(portfolio.id()), webhooksPath() + "?limit=1&cursor=" + cursor);
            next.body()
                    .path("items")
                    .values()
                    .forEach(item -> later.add(item.path("url").asString()));
            cursor = next.body().path("nextCursor").isNull()
                    ? null
                    : next.body().path("nextCursor").asString();
        }

        assertThat(page.body().path("items").get(0).path("url").asString()).isEqualTo(receiver.url("/first"));
        assertThat(later).containsExactly(receiver.url("/second"), receiver.url("/waited"));
        assertThat(api.get(admin(portfolio.id()), webhooksPath() + "/" + waited)
                        .body()
                        .path("url")
                        .asString())
                .isEqualTo(receiver.url("/waited"));
    }
}

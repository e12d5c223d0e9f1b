package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.HeldWrites;
import com.portfoliobulk.gateway.webhooks.WebhookReceiver.Received;
import com.portfoliobulk.gateway.webhooks.WebhookReceiver.Reply;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.RetryStamps;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Job events reach the receiver signed, at least once, retried as the receiver asks, never beyond. */
class WebhookDeliveryIntegrationTests extends WebhookIntegrationTest {

    @Autowired
    private EventFanOut fanOut;

    @Autowired
    private Deliveries deliveries;

    @Autowired
    private DataSource dataSource;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void anEndedJobIsDeliveredOnceSignedWithTheJobAsItsStatusShowsIt() {
        String subscriptionId = subscribe("/hooks/jobs", "job.completed", "job.failed", "job.cancelled")
                .path("subscriptionId")
                .asString();
        UUID jobId = job(3);

        finish(jobId, false);

        JsonNode delivery = settledDelivery(subscriptionId);
        assertThat(delivery.path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(delivery.path("eventType").asString()).isEqualTo("job.completed");
        assertThat(delivery.path("jobId").asString()).isEqualTo(jobId.toString());
        // Once: a second send would follow the first, so the count is held for a while, not read at once.
        awaitReceivedOnly("/hooks/jobs", 1);
        Received message = receiver.received("/hooks/jobs").getFirst();
        assertThat(message.signatureVerified())
                .as("verified by the Standard Webhooks library")
                .isTrue();
        assertThat(message.header("webhook-id"))
                .isEqualTo("msg_" + delivery.path("deliveryId").asString().replace("-", ""));
        assertThat(message.header("content-type")).startsWith("application/json");
        JsonNode body = JSON.readTree(message.body());
        assertThat(body.path("type").asString()).isEqualTo("job.completed");
        assertThat(body.path("timestamp").asString()).isNotBlank();
        assertThat(body.path("data")).isEqualTo(jobStatus(jobId));
        assertThat(body.path("data").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(eventCount(jobId)).as("one event per ended job").isEqualTo(1);
    }

    /**
     * A closed portfolio's subscriptions go, with their signing secrets and messages, once they have
     * nothing left to send: the close's own job.cancelled reaches the receiver first, signed, and
     * nothing follows it. A disabled one goes at once, as no one can enable it again. Before, both stayed
     * for good, active, with the receiver's URL and the secrets, and no one could delete them: every
     * request to a closed portfolio is refused (403).
     */
    @Test
    void aClosedPortfoliosSubscriptionsGoWithTheirSecretsOnceTheClosesCancellationsAreDelivered() {
        String subscriptionId =
                subscribe("/closing", "job.cancelled").path("subscriptionId").asString();
        Answer rotated =
                api.post(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId + "/rotate-secret", null, null);
        assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
        String disabledId = subscribe("/closing-disabled", "job.cancelled")
                .path("subscriptionId")
                .asString();
        Answer disabled = api.post(admin(portfolio.id()), webhooksPath() + "/" + disabledId + "/disable", null, null);
        assertThat(disabled.status()).as(disabled.text()).isEqualTo(200);
        UUID jobId = job(1);
        String portfolioPath = "/api/v1/portfolios/" + portfolio.id();
        Answer closure = api.post(admin(portfolio.id()), portfolioPath + "/closure", null, null);
        assertThat(closure.status()).as(closure.text()).isEqualTo(201);
        String confirmation = closure.body().path("confirmation").asString();

        Answer closed = api.post(
                admin(portfolio.id()), portfolioPath + "/close", null, "{\"confirmation\":\"" + confirmation + "\"}");

        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(closed.body().path("cancelledJobs").asLong()).isEqualTo(1);
        await().atMost(PATIENCE).until(() -> receiver.received("/closing").size() == 1);
        Received message = receiver.received("/closing").getFirst();
        assertThat(message.signatureVerified()).isTrue();
        JsonNode body = JSON.readTree(message.body());
        assertThat(body.path("type").asString()).isEqualTo("job.cancelled");
        assertThat(body.path("data").path("jobId").asString()).isEqualTo(jobId.toString());
        await().atMost(PATIENCE).until(() -> {
            deliveries.removeOld(() -> true);
            return subscriptionRows("webhook_subscriptions", "id", subscriptionId, disabledId) == 0;
        });
        assertThat(subscriptionRows("webhook_previous_secrets", "subscription_id", subscriptionId))
                .as("the secret the rotation replaced")
                .isZero();
        assertThat(subscriptionRows("webhook_deliveries", "subscription_id", subscriptionId, disabledId))
                .isZero();
        awaitReceivedOnly("/closing", 1);
        assertThat(receiver.received("/closing-disabled")).isEmpty();
        Answer listed = api.get(admin(portfolio.id()), webhooksPath());
        assertThat(listed.status()).as(listed.text()).isEqualTo(403);
    }

    /** The rows of {@code table} whose {@code column} names one of the subscriptions. */
    private long subscriptionRows(String table, String column, String... subscriptionIds) {
        return jdbc.sql("SELECT count(*) FROM jobs." + table + " WHERE " + column + " IN (:ids)")
                .param(
                        "ids",
                        List.of(subscriptionIds).stream().map(UUID::fromString).toList())
                .query(Long.class)
                .single();
    }

    /**
     * A receiver's support asks about a message by the {@code webhook-id} it got: the API finds the
     * message by it as by its {@code deliveryId}, and redelivers it under it. Before, only the
     * {@code deliveryId} was read, and a {@code webhook-id} was a 400.
     */
    @Test
    void aMessageIsFoundAndRedeliveredByTheWebhookIdItsReceiverGot() {
        String subscriptionId = subscribe("/by-webhook-id", "job.completed")
                .path("subscriptionId")
                .asString();
        finish(job(1), false);
        String deliveryId = settledDelivery(subscriptionId).path("deliveryId").asString();
        awaitReceivedOnly("/by-webhook-id", 1);
        String webhookId = receiver.received("/by-webhook-id").getFirst().header("webhook-id");
        String messagePath = webhooksPath() + "/" + subscriptionId + "/deliveries/";

        Answer found = api.get(admin(portfolio.id()), messagePath + webhookId);

        assertThat(found.status()).as(found.text()).isEqualTo(200);
        assertThat(found.body().path("deliveryId").asString()).isEqualTo(deliveryId);
        assertThat(found.body().path("history").values()).hasSize(1);
        Answer redelivered =
                redeliver(subscriptionId, webhookId.toUpperCase(Locale.ROOT).replace("MSG_", "msg_"));
        assertThat(redelivered.status()).as(redelivered.text()).isEqualTo(202);
        await().atMost(PATIENCE).until(() -> receiver.received("/by-webhook-id").size() == 2);
        assertThat(receiver.received("/by-webhook-id").get(1).header("webhook-id"))
                .isEqualTo(webhookId);

        Answer unknown = api.get(admin(portfolio.id()), messagePath + "msg_" + "0".repeat(32));
        assertThat(unknown.status()).as(unknown.text()).isEqualTo(404);
        Answer malformed = api.get(admin(portfolio.id()), messagePath + webhookId.substring(0, 20));
        assertThat(malformed.status()).as(malformed.text()).isEqualTo(400);
        assertThat(malformed.body().path("errors").get(0).path("field").asString())
                .isEqualTo("deliveryId");
    }

    /**
     * A database restored to a moment before a job's end event was fanned out holds the event unfanned
     * and none of its messages, though the receiver got them: the event is fanned out again, and its
     * message reaches the receiver a second time under the same {@code webhook-id}, which the receiver's
     * deduplication drops. Before, each fan-out made a random id, so the receiver took it for a new message.
     */
    @Test
    void anEventFannedOutAgainAfterARestoreReachesTheReceiverUnderTheSameWebhookId() {
        String subscriptionId =
                subscribe("/restored", "job.completed").path("subscriptionId").asString();
        UUID jobId = job(1);
        finish(jobId, false);
        assertThat(settledDelivery(subscriptionId).path("status").asString()).isEqualTo("SUCCEEDED");
        awaitReceivedOnly("/restored", 1);

        // What the restore leaves: the event not fanned out, its message and attempts gone.
        jdbc.sql("""
                        WITH gone AS (DELETE FROM jobs.webhook_deliveries WHERE subscription_id = :subscription)
                        UPDATE jobs.webhook_events SET fanned_out_at = NULL WHERE job_id = :job
                        """)
                .param("subscription", UUID.fromString(subscriptionId))
                .param("job", jobId)
                .update();

        await().atMost(PATIENCE).until(() -> receiver.received("/restored").size() == 2);
        List<Received> received = receiver.received("/restored");
        assertThat(received).allMatch(Received::signatureVerified);
        assertThat(received.get(1).header("webhook-id"))
                .as("the same message as before the restore")
                .isEqualTo(received.get(0).header("webhook-id"));
        assertThat(received.get(1).body()).isEqualTo(received.get(0).body());
        assertThat(settledDelivery(subscriptionId).path("deliveryId").asString().replace("-", ""))
                .isEqualTo(received.get(0).header("webhook-id").substring("msg_".length()));
        awaitReceivedOnly("/restored", 2);
    }

    @Test
    void aReceiverFailingThreeTimesWith503GetsExactlyOneSuccessfulDelivery() {
        receiver.thenReply(
                Reply.status(503), new Reply(503, Map.of("Retry-After", "1"), "try later"), Reply.status(503));
        String subscriptionId =
                subscribe("/flaky", "job.completed").path("subscriptionId").asString();
        UUID jobId = job(1);

        finish(jobId, false);

        JsonNode delivery = settledDelivery(subscriptionId);
        assertThat(delivery.path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(delivery.path("attempts").asInt()).isEqualTo(4);
        assertThat(delivery.path("history").values())
                .extracting(a -> a.path("outcome").asString() + "/"
                        + a.path("responseCode").asInt())
                .containsExactly("WILL_RETRY/503", "WILL_RETRY/503", "WILL_RETRY/503", "SUCCEEDED/200");
        assertThat(delivery.path("history").get(1).path("responseExcerpt").asString())
                .isEqualTo("try later");
        assertThat(delivery.path("history").get(0).path("nextAttemptAt").asString())
                .isNotBlank();
        List<Received> received = receiver.received("/flaky");
        assertThat(received).hasSize(4).allMatch(Received::signatureVerified);
        assertThat(received)
                .extracting(r -> r.header("webhook-id"))
                .containsOnly(received.getFirst().header("webhook-id"));
        assertThat(received).filteredOn(r -> r.answeredWith() == 200).hasSize(1);
        assertThat(Duration.between(received.get(1).at(), received.get(2).at()))
                .as("Retry-After: 1 is honoured")
                .isGreaterThanOrEqualTo(Duration.ofMillis(950));
        await().during(Duration.ofMillis(800))
                .atMost(Duration.ofSeconds(3))
                .until(() -> receiver.received("/flaky").size() == 4);
    }

    /**
     * A retry is due its wait after the failed attempt by the database's clock, which the claim of due
     * messages and the end of the retry period go by: the transaction that stores the attempt is stamped
     * by a trigger with its database time, and the next attempt is exactly the wait (the receiver's
     * {@code Retry-After: 2}, longer than any back-off here) after it. Before, the gateway's clock set
     * it, read before that transaction, so it was never exactly the wait after the database's time, and
     * a gateway whose clock ran minutes behind the database's made every retry due at once.
     */
    @Test
    void aRetryIsDueItsWaitAfterTheFailedAttemptByTheDatabasesClock() {
        receiver.thenReply(new Reply(503, Map.of("Retry-After", "2"), "try later"));
        String subscriptionId =
                subscribe("/clock", "job.completed").path("subscriptionId").asString();
        try (RetryStamps stamps = new RetryStamps(
                jdbc,
                "jobs",
                "webhook_deliveries",
                "NEW.subscription_id = '" + subscriptionId + "'",
                "transaction_timestamp()")) {
            finish(job(1), false);

            JsonNode delivery = settledDelivery(subscriptionId);
            assertThat(delivery.path("status").asString()).isEqualTo("SUCCEEDED");
            List<String> waits = stamps.waits();
            assertThat(waits).containsExactly("1: 00:00:02");
            // The delivery log shows both attempts by that clock: the retry not before it was due.
            List<JsonNode> history = delivery.path("history").values().stream().toList();
            assertThat(history).hasSize(2);
            assertThat(Instant.parse(history.get(1).path("attemptedAt").asString()))
                    .isAfterOrEqualTo(
                            Instant.parse(history.get(0).path("nextAttemptAt").asString()));
        }
    }

    /**
     * A gateway whose clock runs 10 minutes behind the database's dates its messages by the database's
     * clock, as everything else about them: the receiver, whose clock agrees with the database's and
     * which refuses a message dated more than 5 minutes off its own clock (400, as a receiver using the
     * Standard Webhooks library does), accepts it. Before, the gateway's own clock dated it, so such a
     * gateway had every message refused, and the 400 failed each at once.
     */
    @Test
    void aGatewayWhoseClockRunsBehindTheDatabasesDatesItsMessagesByTheDatabasesClock() {
        receiver.refusingUnverified();
        String subscriptionId =
                subscribe("/behind", "job.completed").path("subscriptionId").asString();
        UUID jobId = job(1);
        gatewayClock.shift(Duration.ofMinutes(-10));

        finish(jobId, false);

        JsonNode delivery = settledDelivery(subscriptionId);
        assertThat(delivery.path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(delivery.path("attempts").asInt()).isEqualTo(1);
        awaitReceivedOnly("/behind", 1);
        Received message = receiver.received("/behind").getFirst();
        assertThat(message.signatureVerified()).isTrue();
        Instant attemptedAt = Instant.parse(
                delivery.path("history").get(0).path("attemptedAt").asString());
        assertThat(Instant.ofEpochSecond(Long.parseLong(message.header("webhook-timestamp"))))
                .as("dated by the database's clock, as the attempt in the delivery log")
                .isCloseTo(attemptedAt, within(1, ChronoUnit.MINUTES));
    }

    @Test
    void anAnswerOfAnother4xxIsNotRetried() {
        receiver.otherwise(new Reply(410, Map.of(), "gone"));
        String subscriptionId =
                subscribe("/gone", "job.completed").path("subscriptionId").asString();
        UUID jobId = job(1);

        finish(jobId, false);

        JsonNode delivery = settledDelivery(subscriptionId);
        assertThat(delivery.path("status").asString()).isEqualTo("FAILED");
        assertThat(delivery.path("attempts").asInt()).isEqualTo(1);
        assertThat(delivery.path("lastResponseCode").asInt()).isEqualTo(410);
        assertThat(delivery.path("history").values())
                .extracting(a -> a.path("outcome").asString())
                .containsExactly("FAILED");
        awaitReceivedOnly("/gone", 1);
    }

    @Test
    void anAnswerWithControlCharactersIsDeliveredOnceAndShownWithoutThem() {
        // PostgreSQL cannot store U+0000: storing the answer as it came failed, and the message went out again.
        receiver.otherwise(new Reply(200, Map.of(), "ok\u0000\u001b[2J"));
        String subscriptionId =
                subscribe("/binary", "job.completed").path("subscriptionId").asString();
        UUID jobId = job(1);

        finish(jobId, false);

        JsonNode delivery = settledDelivery(subscriptionId);
        assertThat(delivery.path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(delivery.path("history").values())
                .extracting(a -> a.path("responseExcerpt").asString())
                .containsExactly("ok\uFFFD\uFFFD[2J");
        awaitReceivedOnly("/binary", 1);
    }

    @Test
    void aRetryAfterBeyondTheRetryPeriodFailsTheMessageAtOnce() {
        receiver.otherwise(new Reply(503, Map.of("Retry-After", "9223372036854775807"), "come back never"));
        String subscriptionId =
                subscribe("/never", "job.completed").path("subscriptionId").asString();
        UUID jobId = job(1);

        finish(jobId, false);

        JsonNode delivery = settledDelivery(subscriptionId);
        assertThat(delivery.path("status").asString()).isEqualTo("FAILED");
        assertThat(delivery.path("attempts").asInt()).isEqualTo(1);
        assertThat(delivery.path("lastResponseCode").asInt()).isEqualTo(503);
        assertThat(delivery.path("history").values())
                .extracting(a -> a.path("outcome").asString())
                .containsExactly("FAILED");
        assertThat(receiver.received("/never")).hasSize(1).allMatch(Received::signatureVerified);
        awaitReceivedOnly("/never", 1);
    }

    /** Seconds too many to be a number of the gateway are still seconds, past the 24 hours. */
    @Test
    void aRetryAfterTooLargeToReadFailsTheMessageAtOnce() {
        receiver.thenReply(new Reply(503, Map.of("Retry-After", "99999999999999999999"), "come back never"))
                .otherwise(new Reply(200, Map.of(), "ok"));
        String subscriptionId =
                subscribe("/much-later", "job.completed").path("subscriptionId").asString();

        finish(job(1), false);

        JsonNode delivery = settledDelivery(subscriptionId);
        assertThat(delivery.path("status").asString()).isEqualTo("FAILED");
        assertThat(delivery.path("attempts").asInt()).isEqualTo(1);
        assertThat(delivery.path("history").values())
                .extracting(a -> a.path("outcome").asString())
                .containsExactly("FAILED");
        awaitReceivedOnly("/much-later", 1);
    }

    @Test
    void redeliverSendsTheSameMessageAgain() {
        String subscriptionId =
                subscribe("/again", "job.completed").path("subscriptionId").asString();
        UUID jobId = job(1);
        finish(jobId, false);
        JsonNode delivery = settledDelivery(subscriptionId);
        String deliveryId = delivery.path("deliveryId").asString();

        Answer redelivered = redeliver(subscriptionId, deliveryId);

        assertThat(redelivered.status()).as(redelivered.text()).isEqualTo(202);
        await().atMost(PATIENCE).until(() -> receiver.received("/again").size() == 2);
        List<Received> received = receiver.received("/again");
        assertThat(received).allMatch(Received::signatureVerified);
        assertThat(received.get(1).header("webhook-id"))
                .isEqualTo(received.get(0).header("webhook-id"));
        assertThat(received.get(1).body()).isEqualTo(received.get(0).body());
    }

    /**
     * A delivered message sent again is not delivered until the receiver accepts it again: the time of
     * the earlier acceptance goes, and a redelivery that fails leaves the message failed without one.
     */
    @Test
    void aRedeliveredMessageShowsNoDeliveryTimeUntilAcceptedAgain() {
        String subscriptionId = subscribe("/refused-later", "job.completed")
                .path("subscriptionId")
                .asString();
        finish(job(1), false);
        JsonNode delivered = settledDelivery(subscriptionId);
        assertThat(delivered.path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(delivered.path("deliveredAt").asString()).isNotBlank();
        receiver.otherwise(new Reply(410, Map.of(), "gone"));

        Answer redelivered =
                redeliver(subscriptionId, delivered.path("deliveryId").asString());

        assertThat(redelivered.status()).as(redelivered.text()).isEqualTo(202);
        assertThat(redelivered.body().path("status").asString()).isEqualTo("PENDING");
        assertThat(redelivered.body().has("deliveredAt")).isFalse();
        JsonNode failed = settledDelivery(subscriptionId);
        assertThat(failed.path("status").asString()).isEqualTo("FAILED");
        assertThat(failed.path("attempts").asInt()).isEqualTo(2);
        assertThat(failed.has("deliveredAt")).as(failed.toString()).isFalse();
    }

    /** How late the gateways deliver: a message redelivered on request days later does not count. */
    @Test
    void aMessageRedeliveredDaysLaterDoesNotCountAsLateDelivery() {
        String subscriptionId =
                subscribe("/days-later", "job.completed").path("subscriptionId").asString();
        finish(job(1), false);
        String deliveryId = settledDelivery(subscriptionId).path("deliveryId").asString();
        jdbc.sql("UPDATE jobs.webhook_deliveries SET created_at = now() - interval '2 days' WHERE id = :id")
                .param("id", UUID.fromString(deliveryId))
                .update();

        assertThat(redeliver(subscriptionId, deliveryId).status()).isEqualTo(202);

        await().atMost(PATIENCE)
                .until(() -> deliveries(subscriptionId).path(0).path("attempts").asInt() == 2
                        && deliveries(subscriptionId)
                                .path(0)
                                .path("status")
                                .asString()
                                .equals("SUCCEEDED"));
        assertThat(metric("bulk_webhooks_delivery_lag_seconds_max{"))
                .isLessThan(Duration.ofDays(1).toSeconds());
    }

    /**
     * A message a receiver accepts two hours after its event (retried meanwhile) lands in a bucket of
     * its own, below the next larger one, so that the lag's quantiles can show it: the histogram reaches
     * as far as messages are retried. The first attempt is held while the message is made two hours old.
     */
    @Test
    void aMessageAcceptedTwoHoursLateFallsInAFiniteBucketOfTheLagHistogram() {
        receiver.holding("/late").thenReply(Reply.status(503));
        String subscriptionId =
                subscribe("/late", "job.completed").path("subscriptionId").asString();
        finish(job(1), false);
        await().atMost(PATIENCE).until(() -> receiver.received("/late").size() == 1);
        jdbc.sql("UPDATE jobs.webhook_deliveries SET created_at = created_at - interval '2 hours'"
                        + " WHERE subscription_id = :id")
                .param("id", UUID.fromString(subscriptionId))
                .update();

        receiver.release("/late");

        JsonNode delivery = settledDelivery(subscriptionId);
        assertThat(delivery.path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(delivery.path("attempts").asInt()).isEqualTo(2);
        // Observations from two hours on (this one) and below them (other messages): some lies in the
        // finite buckets between two hours and two hours and ten minutes.
        String series = "bulk_webhooks_delivery_lag_seconds_bucket{application=\"api-gateway\",le=\"";
        await().atMost(PATIENCE).untilAsserted(() -> {
            Map<Double, Double> buckets = new TreeMap<>();
            metrics().lines().filter(line -> line.startsWith(series)).forEach(line -> {
                String le = line.substring(series.length(), line.indexOf('"', series.length()));
                buckets.put(
                        "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le),
                        Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            });
            Double above = buckets.keySet().stream()
                    .filter(le -> le >= Duration.ofMinutes(130).toSeconds() && le < Double.POSITIVE_INFINITY)
                    .min(Double::compare)
                    .orElse(null);
            assertThat(above)
                    .as("a finite bucket above two hours and ten minutes among %s", buckets.keySet())
                    .isNotNull();
            double below = buckets.entrySet().stream()
                    .filter(bucket -> bucket.getKey() < Duration.ofHours(2).toSeconds())
                    .mapToDouble(Map.Entry::getValue)
                    .max()
                    .orElse(0);
            assertThat(buckets.get(above) - below).isGreaterThanOrEqualTo(1);
        });
    }

    /**
     * A redelivered message starts its back-off again: it failed five times (the back-off had reached its
     * longest, 1 s here), and after the redelivery its next failure is retried after the first interval.
     * The wait is read as the dispatcher scheduled it, from the time of the transaction that stored the
     * failure (by the database's clock, which the retry is due by): the history's times also count what
     * the attempt spent outside its request (the secret decrypted, a connection waited for).
     */
    @Test
    void aRedeliveredMessageThatFailsIsRetriedAfterTheFirstInterval() {
        receiver.thenReply(Reply.status(503), Reply.status(503), Reply.status(503), Reply.status(503))
                .otherwise(new Reply(410, Map.of(), "gone"));
        String subscriptionId =
                subscribe("/backoff", "job.completed").path("subscriptionId").asString();
        finish(job(1), false);
        JsonNode failed = settledDelivery(subscriptionId);
        assertThat(failed.path("attempts").asInt()).isEqualTo(5);
        String deliveryId = failed.path("deliveryId").asString();
        receiver.thenReply(Reply.status(503)).otherwise(new Reply(200, Map.of(), "ok"));
        try (RetryStamps stamps = new RetryStamps(
                jdbc,
                "jobs",
                "webhook_deliveries",
                "NEW.subscription_id = '" + subscriptionId + "'",
                "transaction_timestamp()")) {

            Answer redelivered = redeliver(subscriptionId, deliveryId);

            assertThat(redelivered.status()).as(redelivered.text()).isEqualTo(202);
            JsonNode delivery = settledDelivery(subscriptionId);
            assertThat(delivery.path("status").asString()).isEqualTo("SUCCEEDED");
            List<JsonNode> history = delivery.path("history").values().stream().toList();
            assertThat(history).hasSize(7);
            assertThat(history.get(5).path("outcome").asString()).isEqualTo("WILL_RETRY");
            List<String> waits = stamps.waits();
            assertThat(waits).hasSize(1).allSatisfy(wait -> assertThat(wait).startsWith("6: "));
            Duration backoff = Duration.ofNanos(
                    LocalTime.parse(waits.getFirst().substring("6: ".length())).toNanoOfDay());
            assertThat(backoff)
                    .as("the first interval (200 ms, jittered down to half), not the longest (1 s)")
                    .isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
        }
    }

    /**
     * A message redelivered again and again (automation redelivering to a receiver that answers 400)
     * gathers attempts without end, and keeps them 30 days after its last redelivery: reading it answers
     * its newest 100 attempts, oldest first, and counts every one. Before, it answered every attempt, and
     * reading a message of a month of them filled the gateway's memory.
     */
    @Test
    void aMessageWithMoreAttemptsThanItsHistoryShowsAnswersTheNewestAndCountsThemAll() {
        receiver.otherwise(new Reply(400, Map.of(), "bad request"));
        String subscriptionId =
                subscribe("/refusing", "job.completed").path("subscriptionId").asString();
        finish(job(1), false);
        String deliveryId = settledDelivery(subscriptionId).path("deliveryId").asString();
        // The failures of 149 earlier redeliveries, as the dispatcher stores them.
        jdbc.sql("""
                        INSERT INTO jobs.webhook_attempts
                            (delivery_id, attempted_at, outcome, response_code, duration_ms, error, response_excerpt)
                        SELECT :id, now(), 'FAILED', 400, 5, 'attempt ' || n, 'bad request'
                        FROM generate_series(2, 150) n ORDER BY n
                        """).param("id", UUID.fromString(deliveryId)).update();
        jdbc.sql("UPDATE jobs.webhook_deliveries SET attempts = attempts + 149 WHERE id = :id")
                .param("id", UUID.fromString(deliveryId))
                .update();
        receiver.otherwise(new Reply(200, Map.of(), "ok"));
        assertThat(redeliver(subscriptionId, deliveryId).status()).isEqualTo(202);

        JsonNode delivery = settledDelivery(subscriptionId);

        assertThat(delivery.path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(delivery.path("attempts").asInt()).as("every attempt").isEqualTo(151);
        List<JsonNode> history = delivery.path("history").values().stream().toList();
        assertThat(history).hasSize(100);
        assertThat(history.getFirst().path("error").asString())
                .as("the oldest of the newest 100")
                .isEqualTo("attempt 52");
        assertThat(history.get(98).path("error").asString()).isEqualTo("attempt 150");
        assertThat(history.getLast().path("outcome").asString() + "/"
                        + history.getLast().path("responseCode").asInt())
                .as("the redelivery, last")
                .isEqualTo("SUCCEEDED/200");
    }

    @Test
    void aMessageOfADisabledSubscriptionIsNotRedelivered() {
        receiver.otherwise(new Reply(410, Map.of(), "gone"));
        String subscriptionId =
                subscribe("/disabled", "job.completed").path("subscriptionId").asString();
        finish(job(1), false);
        String deliveryId = settledDelivery(subscriptionId).path("deliveryId").asString();
        receiver.otherwise(new Reply(200, Map.of(), "ok"));
        Answer disabled =
                api.post(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId + "/disable", null, null);
        assertThat(disabled.status()).as(disabled.text()).isEqualTo(200);

        Answer redelivered = redeliver(subscriptionId, deliveryId);

        assertThat(redelivered.status()).as(redelivered.text()).isEqualTo(409);
        assertThat(redelivered.body().path("detail").asString())
                .contains("is disabled", "/webhooks/" + subscriptionId + "/enable");
        assertThat(settledDelivery(subscriptionId).path("status").asString()).isEqualTo("FAILED");
    }

    /**
     * A redelivery asked for while the subscription is being disabled, in a transaction not committed
     * yet, waits for it and is refused (409): it used to read the subscription as active, make the
     * message pending and answer 202, though nothing is sent to a disabled subscription. A connection of
     * the test disables the subscription and holds the transaction open until the redelivery waits for
     * it, or has answered already.
     */
    @Test
    void aRedeliveryWhileTheSubscriptionIsBeingDisabledIsRefused() throws Exception {
        String subscriptionId =
                subscribe("/disabling", "job.completed").path("subscriptionId").asString();
        finish(job(1), false);
        String deliveryId = settledDelivery(subscriptionId).path("deliveryId").asString();

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection disabling = dataSource.getConnection()) {
            disabling.setAutoCommit(false);
            int disabler;
            try (PreparedStatement disable =
                            disabling.prepareStatement("UPDATE jobs.webhook_subscriptions SET status = 'DISABLED',"
                                    + " disabled_reason = 'Disabled through the API', updated_at = now()"
                                    + " WHERE id = ?");
                    PreparedStatement pid = disabling.prepareStatement("SELECT pg_backend_pid()")) {
                disable.setObject(1, UUID.fromString(subscriptionId));
                assertThat(disable.executeUpdate()).isOne();
                try (ResultSet row = pid.executeQuery()) {
                    row.next();
                    disabler = row.getInt(1);
                }
            }
            Future<Answer> redelivered = requests.submit(() -> redeliver(subscriptionId, deliveryId));
            await().atMost(PATIENCE)
                    .until(() -> redelivered.isDone()
                            || jdbc.sql("SELECT count(*) > 0 FROM pg_stat_activity"
                                            + " WHERE :disabler = ANY(pg_blocking_pids(pid))")
                                    .param("disabler", disabler)
                                    .query(Boolean.class)
                                    .single());
            disabling.commit();

            Answer answer = redelivered.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(answer.status()).as(answer.text()).isEqualTo(409);
        }
        assertThat(settledDelivery(subscriptionId).path("status").asString()).isEqualTo("SUCCEEDED");
    }

    /**
     * A subscription at {@code path} whose receiver failed the first message, then disabled: its
     * message pending, the attempt that was on its way when it was disabled come back and recorded.
     */
    private String disabledAfterAFailedAttempt(String path) {
        receiver.otherwise(Reply.status(500));
        String subscriptionId =
                subscribe(path, "job.completed").path("subscriptionId").asString();
        finish(job(1), false);
        await().atMost(PATIENCE).until(() -> !receiver.received(path).isEmpty());
        Answer disabled =
                api.post(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId + "/disable", null, null);
        assertThat(disabled.status()).as(disabled.text()).isEqualTo(200);
        await().atMost(PATIENCE)
                .until(() -> jdbc.sql("SELECT leased_until IS NULL AND attempts = :received"
                                + " FROM jobs.webhook_deliveries WHERE subscription_id = :id")
                        .param("received", receiver.received(path).size())
                        .param("id", UUID.fromString(subscriptionId))
                        .query(Boolean.class)
                        .single());
        return subscriptionId;
    }

    /**
     * A message whose retry period passed while no gateway could send it (all of them stopped, or its
     * subscription disabled) fails instead of reaching the receiver days late: the first pass after
     * the gap claimed it before failing the expired ones.
     */
    @Test
    void aMessagePastItsRetryPeriodIsNotSentAnyMore() {
        String subscriptionId = disabledAfterAFailedAttempt("/expired");
        int attempts = receiver.received("/expired").size();

        // Back after the retry period, with the message due: one transaction, as the first pass finds it.
        jdbc.sql("""
                        WITH late AS (
                            UPDATE jobs.webhook_deliveries
                               SET give_up_at = now() - interval '1 hour', next_attempt_at = now() - interval '1 hour'
                             WHERE subscription_id = :id AND status = 'PENDING')
                        UPDATE jobs.webhook_subscriptions SET status = 'ACTIVE', disabled_reason = NULL WHERE id = :id
                        """).param("id", UUID.fromString(subscriptionId)).update();

        JsonNode delivery = settledDelivery(subscriptionId);
        assertThat(delivery.path("status").asString()).isEqualTo("FAILED");
        awaitReceivedOnly("/expired", attempts);
        // Why it failed, not the receiver's last answer; and the history ends with that, not a retry never made.
        assertThat(delivery.path("lastError").asString())
                .startsWith("Not delivered within the retry period: no attempt was made before it ended");
        assertThat(delivery.path("attempts").asInt()).as("the requests sent").isEqualTo(attempts);
        List<JsonNode> history = delivery.path("history").values().stream().toList();
        assertThat(history).hasSize(attempts + 1);
        assertThat(history.subList(0, attempts))
                .extracting(a -> a.path("outcome").asString() + "/"
                        + a.path("responseCode").asInt())
                .containsOnly("WILL_RETRY/500");
        JsonNode end = history.getLast();
        assertThat(end.path("outcome").asString()).isEqualTo("FAILED");
        assertThat(end.path("responseCode").isMissingNode()
                        || end.path("responseCode").isNull())
                .as("nothing was sent")
                .isTrue();
        assertThat(end.path("error").asString())
                .isEqualTo(delivery.path("lastError").asString());
        assertThat(end.path("nextAttemptAt").isMissingNode()
                        || end.path("nextAttemptAt").isNull())
                .isTrue();
    }

    /**
     * A message whose retry period passed while its subscription was disabled fails even while the
     * dispatcher is never idle: here another portfolio's job events keep every pass fanning out a full
     * batch (each event held a moment as it is marked, so that the events last the whole test).
     */
    @Test
    void aMessagePastItsRetryPeriodFailsWhileTheDispatcherIsBusy() {
        String subscriptionId = disabledAfterAFailedAttempt("/expiring");
        UUID busyPortfolio = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.webhook_events (job_id, portfolio_id, type)
                        SELECT gen_random_uuid(), :portfolio, 'job.progress' FROM generate_series(1, 5000)
                        """).param("portfolio", busyPortfolio).update();
        try (HeldWrites held = HeldWrites.on(
                jdbc,
                "jobs.webhook_events",
                "UPDATE",
                "NEW.portfolio_id = '" + busyPortfolio + "'",
                Duration.ofMillis(10))) {
            held.awaitHeld();

            jdbc.sql("UPDATE jobs.webhook_deliveries SET give_up_at = now() - interval '1 minute'"
                            + " WHERE subscription_id = :id AND status = 'PENDING'")
                    .param("id", UUID.fromString(subscriptionId))
                    .update();

            await().atMost(PATIENCE)
                    .until(() -> deliveries(subscriptionId)
                            .path(0)
                            .path("status")
                            .asString()
                            .equals("FAILED"));
            assertThat(jdbc.sql("SELECT count(*) FROM jobs.webhook_events WHERE portfolio_id = :portfolio"
                                    + " AND fanned_out_at IS NULL")
                            .param("portfolio", busyPortfolio)
                            .query(Long.class)
                            .single())
                    .as("events still to fan out: the dispatcher was busy all along")
                    .isGreaterThan(0);
        } finally {
            jdbc.sql("DELETE FROM jobs.webhook_events WHERE portfolio_id = :portfolio")
                    .param("portfolio", busyPortfolio)
                    .update();
        }
        awaitReceivedOnly("/expiring", receiver.received("/expiring").size());
    }

    /**
     * The last retry of a message, scheduled by its back-off a moment before the retry period ends (here
     * one microsecond), is made when the receiver came back by then, and the history ends with it. Before,
     * no pass of the dispatcher (one per poll interval) fell between the two: the message was failed as
     * past its retry period without that attempt, and its history ended with a retry that never came.
     */
    @Test
    void aRetryDueJustBeforeTheRetryPeriodEndsIsMade() {
        receiver.thenReply(Reply.status(503), Reply.status(503)).otherwise(new Reply(200, Map.of(), "ok"));
        String subscriptionId =
                subscribe("/last-try", "job.completed").path("subscriptionId").asString();

        JsonNode delivery = withTheRetryPeriodEndingJustAfterTheSecondRetry(subscriptionId);

        assertThat(delivery.path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(delivery.path("history").values())
                .extracting(a -> a.path("outcome").asString() + "/"
                        + a.path("responseCode").asInt())
                .containsExactly("WILL_RETRY/503", "WILL_RETRY/503", "SUCCEEDED/200");
        awaitReceivedOnly("/last-try", 3);
    }

    /**
     * A receiver that keeps failing still has its message failed once its retry period ends: the retry
     * due just before the end is made, fails, and is the last one, shown as {@code FAILED}.
     */
    @Test
    void aRetryDueJustBeforeTheRetryPeriodEndsThatFailsIsTheLast() {
        receiver.otherwise(Reply.status(503));
        String subscriptionId = subscribe("/last-failure", "job.completed")
                .path("subscriptionId")
                .asString();

        JsonNode delivery = withTheRetryPeriodEndingJustAfterTheSecondRetry(subscriptionId);

        assertThat(delivery.path("status").asString()).isEqualTo("FAILED");
        assertThat(delivery.path("attempts").asInt()).isEqualTo(3);
        assertThat(delivery.path("history").values())
                .extracting(a -> a.path("outcome").asString() + "/"
                        + a.path("responseCode").asInt())
                .containsExactly("WILL_RETRY/503", "WILL_RETRY/503", "FAILED/503");
        assertThat(delivery.path("history").get(2).path("nextAttemptAt").isMissingNode()
                        || delivery.path("history").get(2).path("nextAttemptAt").isNull())
                .as("no attempt after the last")
                .isTrue();
        awaitReceivedOnly("/last-failure", 3);
    }

    /**
     * Ends a job for the subscription and, as the dispatcher schedules the message's second retry (after
     * its second failed attempt), moves the end of its retry period to one microsecond after that retry
     * is due, in the same update (the way these tests move the message's times, instead of waiting a day);
     * answers the message once it is no longer pending.
     */
    private JsonNode withTheRetryPeriodEndingJustAfterTheSecondRetry(String subscriptionId) {
        jdbc.sql("""
                        CREATE FUNCTION jobs.test_retry_period_ends() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            NEW.give_up_at := NEW.next_attempt_at + interval '1 microsecond';
                            RETURN NEW;
                        END $$
                        """).update();
        try {
            jdbc.sql("CREATE TRIGGER test_retry_period_ends BEFORE UPDATE ON jobs.webhook_deliveries FOR EACH ROW"
                            + " WHEN (NEW.subscription_id = '" + UUID.fromString(subscriptionId) + "'"
                            + " AND NEW.status = 'PENDING' AND NEW.attempts = 2 AND OLD.attempts = 1)"
                            + " EXECUTE FUNCTION jobs.test_retry_period_ends()")
                    .update();
            finish(job(1), false);
            return settledDelivery(subscriptionId);
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_retry_period_ends ON jobs.webhook_deliveries")
                    .update();
            jdbc.sql("DROP FUNCTION jobs.test_retry_period_ends()").update();
        }
    }

    /**
     * More messages and events past their retention than one delete statement removes, as a busy
     * installation has after ten minutes: one cleanup removes them all, batch after batch, and keeps
     * the younger ones. A message goes 30 days after its retry period (here a day) ended, not 30 days
     * after its creation.
     */
    @Test
    void oneCleanupRemovesEveryMessageAndEventPastItsRetentionHoweverMany() {
        UUID subscriptionId = UUID.fromString(
                subscribe("/old", "job.completed").path("subscriptionId").asString());
        UUID portfolioId = UUID.randomUUID();
        int many = Deliveries.REMOVAL_BATCH + 1;
        oldMessages(subscriptionId, many, "32 days");
        oldMessages(subscriptionId, 1, "30 days");
        oldEvents(portfolioId, many, "8 days");
        oldEvents(portfolioId, 1, "6 days");

        assertThat(deliveries.removeOld(() -> false))
                .as("a run whose time is spent before its first batch has more left")
                .isFalse();
        assertThat(deliveries.removeOld(() -> true))
                .as("a run that may go on removes all")
                .isTrue();

        assertThat(jdbc.sql("SELECT count(*) FROM jobs.webhook_deliveries WHERE subscription_id = :id"
                                + " AND give_up_at < now() - interval '30 days'")
                        .param("id", subscriptionId)
                        .query(Long.class)
                        .single())
                .as("messages whose retry period ended more than 30 days ago")
                .isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.webhook_deliveries WHERE subscription_id = :id")
                        .param("id", subscriptionId)
                        .query(Long.class)
                        .single())
                .as("the message of 30 days, whose retry period ended 29 days ago")
                .isEqualTo(1);
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.webhook_events WHERE portfolio_id = :id"
                                + " AND fanned_out_at < now() - interval '7 days'")
                        .param("id", portfolioId)
                        .query(Long.class)
                        .single())
                .as("events fanned out more than 7 days ago")
                .isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.webhook_events WHERE portfolio_id = :id")
                        .param("id", portfolioId)
                        .query(Long.class)
                        .single())
                .as("the event of 6 days")
                .isEqualTo(1);
    }

    /**
     * The cleanup counts its days as 24 hours each, whatever the time zone of the session it runs in (the
     * JVM's, which the driver sets): a message goes 720 hours after its retry period ended, an event 168
     * hours after its fan-out. Here the session's zone put its clocks forward an hour three days ago, so
     * that 30 and 7 of its days back from now are 719 and 167 hours. Before, the cleanup counted those
     * days and removed messages and events an hour early there (an hour late across the autumn change),
     * and gateways in different zones removed them at different times. Rolled back: nothing is removed.
     */
    @Test
    void theCleanupCountsItsDaysAs24HoursWhateverTheSessionsTimeZone() throws Exception {
        UUID subscriptionId = UUID.fromString(subscribe("/retention-hours", "job.completed")
                .path("subscriptionId")
                .asString());
        UUID portfolioId = UUID.randomUUID();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        // POSIX: standard time at UTC, summer time an hour ahead from three days ago for half a year
        // (zero-based days of the year, midnight).
        String zone = "XST0XDT," + (today.minusDays(3).getDayOfYear() - 1) + "/0,"
                + (today.plusDays(180).getDayOfYear() - 1) + "/0";
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            try {
                JdbcClient session = JdbcClient.create(new SingleConnectionDataSource(db, true));
                session.sql("SELECT set_config('TimeZone', :zone, true)")
                        .param("zone", zone)
                        .query()
                        .singleValue();
                assertThat(session.sql("""
                                        SELECT extract(epoch FROM now() - (now() - interval '30 days')) / 3600,
                                               extract(epoch FROM now() - (now() - interval '7 days')) / 3600
                                        """)
                                .query((row, n) -> List.of(row.getDouble(1), row.getDouble(2)))
                                .single())
                        .as("the hours of 30 and of 7 days of the session's time zone back from now")
                        .containsExactly(719.0, 167.0);
                // Half an hour younger and half an hour older than the retention each.
                for (String age : List.of("719.5 hours", "720.5 hours")) {
                    session.sql("""
                                    INSERT INTO jobs.webhook_deliveries
                                        (id, subscription_id, event_id, event_type, job_id, payload, status, attempts,
                                         created_at, give_up_at, delivered_at)
                                    VALUES (gen_random_uuid(), :subscription, gen_random_uuid(), 'job.completed',
                                            gen_random_uuid(), '{}', 'SUCCEEDED', 1, now() - CAST(:age AS interval),
                                            now() - CAST(:age AS interval), now() - CAST(:age AS interval))
                                    """)
                            .param("subscription", subscriptionId)
                            .param("age", age)
                            .update();
                }
                for (String age : List.of("167.5 hours", "168.5 hours")) {
                    session.sql("""
                                    INSERT INTO jobs.webhook_events (job_id, portfolio_id, type, occurred_at, fanned_out_at)
                                    VALUES (gen_random_uuid(), :portfolio, 'job.progress', now() - CAST(:age AS interval),
                                            now() - CAST(:age AS interval))
                                    """)
                            .param("portfolio", portfolioId)
                            .param("age", age)
                            .update();
                }

                assertThat(new Deliveries(session).removeOld(() -> true)).isTrue();

                assertThat(session.sql("""
                                        SELECT extract(epoch FROM now() - give_up_at) / 3600 FROM jobs.webhook_deliveries
                                        WHERE subscription_id = :id
                                        """)
                                .param("id", subscriptionId)
                                .query(Double.class)
                                .list())
                        .as("the hours since the kept messages' retry period ended")
                        .containsExactly(719.5);
                assertThat(session.sql("""
                                        SELECT extract(epoch FROM now() - fanned_out_at) / 3600 FROM jobs.webhook_events
                                        WHERE portfolio_id = :id
                                        """)
                                .param("id", portfolioId)
                                .query(Double.class)
                                .list())
                        .as("the hours since the kept events' fan-out")
                        .containsExactly(167.5);
            } finally {
                db.rollback();
            }
        }
    }

    /**
     * A message an operator redelivers long after its creation is kept as a new one would be, 30 days
     * after the redelivery's retry period: the message and the attempts that prove the redelivery do
     * not go minutes after they end because the message was made more than 30 days before.
     */
    @Test
    void aMessageRedeliveredLongAfterItsCreationIsKeptWithItsNewAttempts() {
        String subscriptionId = subscribe("/redelivered-late", "job.completed")
                .path("subscriptionId")
                .asString();
        finish(job(1), false);
        String deliveryId = settledDelivery(subscriptionId).path("deliveryId").asString();
        // Made and delivered 40 days ago, with the retry period of a day it had then.
        jdbc.sql("""
                        UPDATE jobs.webhook_deliveries
                           SET created_at = created_at - interval '40 days', give_up_at = give_up_at - interval '40 days',
                               delivered_at = delivered_at - interval '40 days'
                         WHERE id = :id
                        """).param("id", UUID.fromString(deliveryId)).update();
        assertThat(redeliver(subscriptionId, deliveryId).status()).isEqualTo(202);
        await().atMost(PATIENCE)
                .until(() -> deliveries(subscriptionId).path(0).path("attempts").asInt() == 2
                        && deliveries(subscriptionId)
                                .path(0)
                                .path("status")
                                .asString()
                                .equals("SUCCEEDED"));
        // Redelivered a day ago: its retry period ends now.
        jdbc.sql("UPDATE jobs.webhook_deliveries SET give_up_at = give_up_at - interval '1 day' WHERE id = :id")
                .param("id", UUID.fromString(deliveryId))
                .update();

        assertThat(deliveries.removeOld(() -> true)).isTrue();

        Answer kept =
                api.get(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId + "/deliveries/" + deliveryId);
        assertThat(kept.status()).as(kept.text()).isEqualTo(200);
        assertThat(kept.body().path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(kept.body().path("attempts").asInt()).as("both attempts").isEqualTo(2);
    }

    /**
     * The cleanup finds the old messages and events in the order of an index of the ended messages (of
     * the fanned-out events), and reads neither table whole on the dispatcher's thread, the one that
     * sends: a month of messages (millions with job.progress) every 10 minutes. Its statements are
     * recorded as it runs and planned with sequential scans ruled out: whether an index serves them at
     * all (read in its order, or as a bitmap of the old enough rows, as the statistics make cheaper),
     * not whether the tests' few rows make reading them all cheaper. The ended messages of closed
     * portfolios' subscriptions are read through an index too, not from the whole table: by subscription
     * (its own index or the unique key of subscription and event, which leads with it), or, as the
     * statistics of the tests' few rows may make cheaper, the index of ended messages.
     */
    @Test
    void theCleanupReadsOldMessagesAndEventsByAnIndexNotTheWholeTables() throws Exception {
        List<String> statements = new ArrayList<>();
        List<String> plans = new ArrayList<>();
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            Connection recording = (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("prepareStatement")) {
                            statements.add((String) args[0]);
                        }
                        try {
                            return method.invoke(db, args);
                        } catch (InvocationTargetException ex) {
                            throw ex.getCause();
                        }
                    });
            new Deliveries(JdbcClient.create(new SingleConnectionDataSource(recording, true))).removeOld(() -> true);
            try (Statement settings = db.createStatement()) {
                settings.execute("SET LOCAL enable_seqscan = off");
            }
            for (String sql : statements.stream().distinct().toList()) {
                if (!sql.contains("DELETE FROM jobs.webhook_events")
                        && !sql.contains("DELETE FROM jobs.webhook_deliveries")) {
                    continue;
                }
                try (PreparedStatement explain = db.prepareStatement("EXPLAIN " + sql)) {
                    // Every parameter is the batch's size.
                    for (int i = 1; i <= sql.chars().filter(c -> c == '?').count(); i++) {
                        explain.setInt(i, Deliveries.REMOVAL_BATCH);
                    }
                    List<String> lines = new ArrayList<>();
                    try (ResultSet plan = explain.executeQuery()) {
                        while (plan.next()) {
                            lines.add(plan.getString(1));
                        }
                    }
                    plans.add(String.join("\n", lines));
                }
            }
            db.rollback();
        }

        assertThat(plans).hasSize(3);
        assertThat(plans.get(0))
                .as("the events' removal")
                .contains("webhook_events_fanned_out")
                .contains("Index Cond: (fanned_out_at < ")
                .doesNotContain("Seq Scan");
        assertThat(plans.get(1))
                .as("the messages' removal")
                .contains("webhook_deliveries_ended_by_give_up")
                .contains("Index Cond: (give_up_at < ")
                .doesNotContain("Seq Scan");
        assertThat(plans.get(2))
                .as("the removal of closed portfolios' ended messages, through an index")
                .containsAnyOf(
                        "webhook_deliveries_by_subscription",
                        "webhook_deliveries_subscription_id_event_id_key",
                        "webhook_deliveries_ended_by_give_up")
                .doesNotContain("Seq Scan");
    }

    /**
     * A claim reads, of each subscription, the first due messages it may claim, not every due message:
     * receivers that answer slowly but succeed are never disabled, and their portfolio's messages pile
     * up due (toward 1.7 million within the retry period); every pass of every gateway's dispatcher,
     * whose thread sends every portfolio's messages, read and sorted all of them. The claim still takes
     * each subscription's oldest due messages, at most {@code perSubscription}, and of each portfolio
     * at most {@code perPortfolio}, oldest first. The rows read are those PostgreSQL fetched in the
     * claim's transaction (its statistics of the transaction so far, {@code pg_stat_xact_user_tables}).
     */
    @Test
    void aClaimReadsEachSubscriptionsFirstDueMessagesNotThePortfoliosWholeBacklog() throws Exception {
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(db, true));
            UUID behind = UUID.randomUUID();
            List<UUID> slow = new ArrayList<>();
            for (int subscription = 1; subscription <= 5; subscription++) {
                UUID subscriptionId = activeSubscription(jdbc, behind);
                slow.add(subscriptionId);
                // Due one after the other, across the subscriptions: the n-th of each, then the (n+1)-th.
                jdbc.sql("""
                                INSERT INTO jobs.webhook_deliveries
                                    (id, subscription_id, event_id, event_type, job_id, payload, status,
                                     next_attempt_at, give_up_at)
                                SELECT gen_random_uuid(), :subscription, gen_random_uuid(), 'job.progress',
                                       gen_random_uuid(), '{}', 'PENDING',
                                       now() - interval '1 hour' + (g * 5 + :position) * interval '100 milliseconds',
                                       now() + interval '1 day'
                                FROM generate_series(1, 2000) AS g
                                """)
                        .param("subscription", subscriptionId)
                        .param("position", subscription)
                        .update();
            }
            UUID other = activeSubscription(jdbc, UUID.randomUUID());
            jdbc.sql("""
                            INSERT INTO jobs.webhook_deliveries
                                (id, subscription_id, event_id, event_type, job_id, payload, status, next_attempt_at,
                                 give_up_at)
                            VALUES (gen_random_uuid(), :subscription, gen_random_uuid(), 'job.completed',
                                    gen_random_uuid(), '{}', 'PENDING', now(), now() + interval '1 day')
                            """).param("subscription", other).update();

            // Statistics that describe the backlog, as autovacuum keeps them: the rows above are this
            // transaction's, which autovacuum never sees, and the table's statistics are otherwise those of
            // whatever earlier tests left (with none pending, PostgreSQL reads every pending message).
            jdbc.sql("ANALYZE jobs.webhook_deliveries").update();
            long readBefore = messagesRead(jdbc);
            List<Deliveries.Claimed> claimed =
                    new Deliveries(jdbc).claimDue(1_000, 4, 16, Map.of(), Duration.ofMinutes(1));
            long read = messagesRead(jdbc) - readBefore;
            Map<UUID, List<UUID>> oldest = new TreeMap<>();
            for (UUID subscriptionId : slow) {
                oldest.put(
                        subscriptionId,
                        jdbc.sql("""
                                        SELECT id FROM jobs.webhook_deliveries WHERE subscription_id = :subscription
                                        ORDER BY next_attempt_at LIMIT 4
                                        """)
                                .param("subscription", subscriptionId)
                                .query(UUID.class)
                                .list());
            }
            db.rollback();

            assertThat(claimed)
                    .filteredOn(message -> message.subscriptionId().equals(other))
                    .as("the other portfolio's message")
                    .hasSize(1);
            Map<UUID, List<UUID>> claimedOfSlow = new TreeMap<>();
            claimed.stream()
                    .filter(message -> slow.contains(message.subscriptionId()))
                    .forEach(message -> claimedOfSlow
                            .computeIfAbsent(message.subscriptionId(), key -> new ArrayList<>())
                            .add(message.id()));
            assertThat(claimedOfSlow.values().stream().mapToInt(List::size).sum())
                    .as("the portfolio's share")
                    .isEqualTo(16);
            // The 16 due first: the first three of each subscription, and the first one's fourth.
            claimedOfSlow.forEach((subscriptionId, ids) -> assertThat(ids)
                    .as("subscription %s: its oldest due messages", subscriptionId)
                    .containsExactlyInAnyOrderElementsOf(
                            oldest.get(subscriptionId).subList(0, subscriptionId.equals(slow.getFirst()) ? 4 : 3)));
            assertThat(claimedOfSlow).hasSize(5);
            assertThat(read).as("messages read to claim 17, with 10,001 due").isLessThan(1_000);
        }
    }

    /**
     * A claim made while the table's statistics say no message is pending (analyzed before a burst of
     * them, as happens before autovacuum analyzes it again) chooses and locks its messages once: with
     * the chosen messages as an {@code IN} subquery, PostgreSQL chose and locked them again for each of
     * the pending messages.
     */
    @Test
    void aClaimWhileTheStatisticsKnowNoPendingMessageChoosesItsMessagesOnce() throws Exception {
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(db, true));
            UUID ended = activeSubscription(jdbc, UUID.randomUUID());
            jdbc.sql("""
                            INSERT INTO jobs.webhook_deliveries
                                (id, subscription_id, event_id, event_type, job_id, payload, status, attempts,
                                 created_at, give_up_at, delivered_at)
                            SELECT gen_random_uuid(), :subscription, gen_random_uuid(), 'job.completed',
                                   gen_random_uuid(), '{}', 'SUCCEEDED', 1, now() - interval '2 days',
                                   now() - interval '1 day', now() - interval '2 days'
                            FROM generate_series(1, 20000)
                            """).param("subscription", ended).update();
            jdbc.sql("ANALYZE jobs.webhook_deliveries").update();
            UUID portfolio = UUID.randomUUID();
            for (int subscription = 1; subscription <= 3; subscription++) {
                jdbc.sql("""
                                INSERT INTO jobs.webhook_deliveries
                                    (id, subscription_id, event_id, event_type, job_id, payload, status,
                                     next_attempt_at, give_up_at)
                                SELECT gen_random_uuid(), :subscription, gen_random_uuid(), 'job.progress',
                                       gen_random_uuid(), '{}', 'PENDING',
                                       now() - interval '1 hour' + g * interval '100 milliseconds',
                                       now() + interval '1 day'
                                FROM generate_series(1, 2000) AS g
                                """)
                        .param("subscription", activeSubscription(jdbc, portfolio))
                        .update();
            }

            long fetchedBefore = fetchedByPrimaryKey(jdbc);
            List<Deliveries.Claimed> claimed =
                    new Deliveries(jdbc).claimDue(1_000, 4, 16, Map.of(), Duration.ofMinutes(1));
            long fetched = fetchedByPrimaryKey(jdbc) - fetchedBefore;
            db.rollback();

            assertThat(claimed).hasSize(12);
            assertThat(fetched)
                    .as("messages fetched by id to lock and lease the 12 claimed, with 6,000 pending")
                    .isLessThanOrEqualTo(100);
        }
    }

    /** The rows of {@code webhook_deliveries} the current transaction has fetched by its primary key. */
    private static long fetchedByPrimaryKey(JdbcClient jdbc) {
        return jdbc.sql("""
                        SELECT pg_stat_get_xact_tuples_fetched('jobs.webhook_deliveries_pkey'::regclass)
                        """).query(Long.class).single();
    }

    private static UUID activeSubscription(JdbcClient jdbc, UUID portfolioId) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.webhook_subscriptions
                            (id, portfolio_id, url, event_types, secret_ciphertext, status, created_by_user_id)
                        VALUES (:id, :portfolio, 'https://receiver.example/' || :id, '{job.completed,job.progress}',
                                'not read here', 'ACTIVE', gen_random_uuid())
                        """).param("id", id).param("portfolio", portfolioId).update();
        return id;
    }

    /** The rows of {@code webhook_deliveries} the current transaction has read so far. */
    private static long messagesRead(JdbcClient jdbc) {
        return jdbc.sql("""
                        SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables
                        WHERE schemaname = 'jobs' AND relname = 'webhook_deliveries'
                        """).query(Long.class).single();
    }

    private void oldMessages(UUID subscriptionId, int count, String age) {
        jdbc.sql("""
                        INSERT INTO jobs.webhook_deliveries
                            (id, subscription_id, event_id, event_type, job_id, payload, status, attempts,
                             created_at, give_up_at, delivered_at)
                        SELECT gen_random_uuid(), :subscription, gen_random_uuid(), 'job.completed', gen_random_uuid(),
                               '{}', 'SUCCEEDED', 1, now() - CAST(:age AS interval),
                               now() - CAST(:age AS interval) + interval '1 day', now() - CAST(:age AS interval)
                        FROM generate_series(1, :count)
                        """)
                .param("subscription", subscriptionId)
                .param("age", age)
                .param("count", count)
                .update();
    }

    /** Progress events (a job may have many), fanned out long ago to a portfolio without subscriptions. */
    private void oldEvents(UUID portfolioId, int count, String age) {
        jdbc.sql("""
                        INSERT INTO jobs.webhook_events (job_id, portfolio_id, type, occurred_at, fanned_out_at)
                        SELECT gen_random_uuid(), :portfolio, 'job.progress', now() - CAST(:age AS interval),
                               now() - CAST(:age AS interval)
                        FROM generate_series(1, :count)
                        """)
                .param("portfolio", portfolioId)
                .param("age", age)
                .param("count", count)
                .update();
    }

    /**
     * A redelivery asked for while an attempt of the message is in flight is not undone by that attempt:
     * its failure (here final, a 410) is in the history, and the message is sent again.
     */
    @Test
    void aRedeliveryAskedForDuringAnAttemptIsNotUndoneByIt() {
        receiver.holding("/busy").otherwise(new Reply(410, Map.of(), "gone"));
        String subscriptionId =
                subscribe("/busy", "job.completed").path("subscriptionId").asString();
        finish(job(1), false);
        await().atMost(PATIENCE).until(() -> receiver.received("/busy").size() == 1);
        String deliveryId = deliveries(subscriptionId).get(0).path("deliveryId").asString();

        Answer redelivered = redeliver(subscriptionId, deliveryId);
        receiver.release("/busy");

        assertThat(redelivered.status()).as(redelivered.text()).isEqualTo(202);
        await().atMost(PATIENCE).until(() -> receiver.received("/busy").size() == 2);
        JsonNode delivery = settledDelivery(subscriptionId);
        assertThat(delivery.path("status").asString()).isEqualTo("FAILED");
        assertThat(delivery.path("attempts").asInt()).isEqualTo(2);
        assertThat(receiver.received("/busy").get(1).header("webhook-id"))
                .isEqualTo(receiver.received("/busy").get(0).header("webhook-id"));
    }

    /**
     * A subscription deleted while a failed attempt of its message is being recorded: the deletion locks
     * the subscription, then its messages (by cascade); recording updated the message, then the
     * subscription's failure streak, and the two deadlocked (the deletion answered 503, or the attempt
     * was not recorded). A connection of the test holds the message's row while the attempt is
     * recorded, until the deletion waits too, so that the two meet every time.
     */
    @Test
    void aSubscriptionDeletedWhileAFailedAttemptIsRecordedIsDeleted() throws Exception {
        receiver.holding("/deleted").otherwise(Reply.status(500));
        String subscriptionId =
                subscribe("/deleted", "job.completed").path("subscriptionId").asString();
        finish(job(1), false);
        await().atMost(PATIENCE).until(() -> receiver.received("/deleted").size() == 1);
        UUID deliveryId = UUID.fromString(
                deliveries(subscriptionId).get(0).path("deliveryId").asString());

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                LogLines dispatcher = LogLines.of(WebhookDispatcher.class.getName());
                Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement hold =
                    holder.prepareStatement("SELECT 1 FROM jobs.webhook_deliveries WHERE id = ? FOR UPDATE")) {
                hold.setObject(1, deliveryId);
                hold.executeQuery().close();
            }
            receiver.release("/deleted");
            LockWaits.awaitLockWait(dataSource, "SET status = CASE WHEN redeliveries", PATIENCE);
            Future<Answer> deleted =
                    requests.submit(() -> api.delete(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId));
            LockWaits.awaitLockWait(dataSource, "DELETE FROM jobs.webhook_subscriptions", PATIENCE);
            holder.rollback();

            Answer answer = deleted.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(answer.status()).as(answer.text()).isEqualTo(204);
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(dispatcher.lines())
                            .extracting(ILoggingEvent::getFormattedMessage)
                            .noneMatch(line -> line.contains(deliveryId.toString())));
        }
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.webhook_deliveries WHERE id = :id")
                        .param("id", deliveryId)
                        .query(Long.class)
                        .single())
                .isZero();
    }

    /**
     * A subscription deleted while the dispatcher fans a job's end out to it: the fan-out had read it
     * as active, the deletion committed before its message was inserted, and the insert broke the
     * message's foreign key, rolling back the whole batch, every portfolio's messages with it ("Webhook
     * dispatcher pass failed", the others' messages a back-off late). The deletion now waits for the
     * fan-out and takes the new message with it.
     */
    @Test
    void aSubscriptionDeletedWhileAnEventIsFannedOutToItDelaysNoOtherMessage() throws Exception {
        String deletedId = subscribe("/deleted-end", "job.completed")
                .path("subscriptionId")
                .asString();
        subscribe("/kept-end", "job.completed");

        deleteWhileFannedOutTo(deletedId, "/kept-end", () -> finish(job(1), false));
    }

    /** The same for a progress message of a running job, which is queued the same way. */
    @Test
    void aSubscriptionDeletedWhileProgressIsQueuedForItDelaysNoOtherMessage() throws Exception {
        String deletedId = subscribe("/deleted-progress", "job.progress")
                .path("subscriptionId")
                .asString();
        subscribe("/kept-progress", "job.progress");
        UUID jobId = job(2);

        deleteWhileFannedOutTo(
                deletedId,
                "/kept-progress",
                () -> worker.apply(worker.taskIds(jobId).get(0), "SUCCEEDED", null, "ANALYST"));
    }

    /**
     * Makes {@code event} give the subscription a message and deletes the subscription through the API
     * while the dispatcher is between reading the subscriptions and inserting their messages: a trigger
     * holds the insert of this subscription's message on an advisory lock of the test until the
     * deletion waits, or has answered. The deletion answers 204 and leaves no message of the
     * subscription; the pass that fanned out goes on without failing, and the message of the subscription
     * at {@code keptPath} arrives.
     */
    private void deleteWhileFannedOutTo(String subscriptionId, String keptPath, Runnable event) throws Exception {
        long heldKey = 7_310_042L;
        jdbc.sql("""
                        CREATE FUNCTION jobs.test_held_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            PERFORM pg_advisory_xact_lock(CAST(TG_ARGV[0] AS bigint));
                            RETURN NEW;
                        END $$
                        """).update();
        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                LogLines dispatcher = LogLines.of(WebhookDispatcher.class.getName());
                Connection holder = dataSource.getConnection()) {
            jdbc.sql("CREATE TRIGGER test_held_fan_out BEFORE INSERT ON jobs.webhook_deliveries FOR EACH ROW"
                            + " WHEN (NEW.subscription_id = '" + UUID.fromString(subscriptionId) + "')"
                            + " EXECUTE FUNCTION jobs.test_held_fan_out('" + heldKey + "')")
                    .update();
            holder.setAutoCommit(false);
            try (PreparedStatement hold = holder.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                hold.setLong(1, heldKey);
                hold.execute();
            }
            event.run();
            LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.webhook_deliveries", PATIENCE);
            Future<Answer> deleted =
                    requests.submit(() -> api.delete(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId));
            await().atMost(PATIENCE)
                    .until(() ->
                            deleted.isDone() || LockWaits.anyIn(dataSource, "DELETE FROM jobs.webhook_subscriptions"));
            holder.rollback();

            Answer answer = deleted.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(answer.status()).as(answer.text()).isEqualTo(204);
            // Sent by the pass that fanned it out, or, when that pass failed, by the next one after the warning.
            await().atMost(PATIENCE).until(() -> receiver.received(keptPath).size() == 1);
            assertThat(dispatcher.lines())
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .noneMatch(line -> line.contains("pass failed"));
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_held_fan_out ON jobs.webhook_deliveries")
                    .update();
            jdbc.sql("DROP FUNCTION jobs.test_held_fan_out()").update();
        }
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.webhook_deliveries WHERE subscription_id = :id")
                        .param("id", UUID.fromString(subscriptionId))
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void eachSubscriptionGetsOnlyTheEventsItChose() {
        String cancelledOnly =
                subscribe("/cancelled", "job.cancelled").path("subscriptionId").asString();
        String failedOnly =
                subscribe("/failed", "job.failed").path("subscriptionId").asString();
        UUID completed = job(1);
        UUID withErrors = job(2);
        UUID cancelled = job(2);

        finish(completed, false);
        finish(withErrors, true);
        Answer cancel = api.post(admin(portfolio.id()), jobPath(portfolio.id(), cancelled) + "/cancel", null, null);
        assertThat(cancel.status()).isEqualTo(202);

        assertThat(settledDelivery(cancelledOnly).path("jobId").asString()).isEqualTo(cancelled.toString());
        assertThat(settledDelivery(failedOnly).path("jobId").asString()).isEqualTo(withErrors.toString());
        assertThat(JSON.readTree(receiver.received("/failed").getFirst().body())
                        .path("data")
                        .path("status")
                        .asString())
                .isEqualTo("COMPLETED_WITH_ERRORS");
        assertThat(JSON.readTree(receiver.received("/cancelled").getFirst().body())
                        .path("type")
                        .asString())
                .isEqualTo("job.cancelled");
        assertThat(receiver.received()).hasSize(2).allMatch(Received::signatureVerified);
    }

    @Test
    void aHangingReceiverDoesNotDelayTheOthers() {
        receiver.holding("/slow");
        subscribe("/slow", "job.completed");
        subscribe("/fast", "job.completed");
        List<UUID> jobs = List.of(job(1), job(1), job(1), job(1), job(1), job(1));
        finish(jobs.getFirst(), false);
        await().atMost(PATIENCE).until(() -> receiver.received("/slow").size() == 1);

        jobs.stream().skip(1).forEach(jobId -> finish(jobId, false));

        await().atMost(Duration.ofSeconds(5))
                .until(() -> receiver.received("/fast").size() == jobs.size());
        assertThat(receiver.received("/slow"))
                .as("at most max-concurrent-per-subscription held at once")
                .hasSizeLessThanOrEqualTo(2);
        receiver.release("/slow");
    }

    /**
     * Three hanging receivers of one portfolio could hold all six slots (two each); the portfolio's
     * share (four) leaves the others' messages slots to go out in.
     */
    @Test
    void aPortfolioWithManyHangingReceiversDoesNotDelayAnother() {
        List<String> slow = List.of("/slow-1", "/slow-2", "/slow-3");
        slow.forEach(path -> {
            receiver.holding(path);
            subscribe(path, "job.completed");
        });
        List<UUID> jobs = List.of(job(1), job(1), job(1));
        jobs.forEach(jobId -> finish(jobId, false));
        await().atMost(PATIENCE)
                .until(() -> slow.stream()
                                .mapToInt(path -> receiver.received(path).size())
                                .sum()
                        >= 4);
        var other = directory.portfolio();
        UUID bea = other.user("bea");
        other.member(other.accounts(1).getFirst(), bea, AccountRole.ANALYST);
        Answer created = api.post(
                admin(other.id()),
                "/api/v1/portfolios/" + other.id() + "/webhooks",
                null,
                "{\"url\":\"" + receiver.url("/other") + "\",\"eventTypes\":[\"job.completed\"]}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        receiver.verifying("/other", created.body().path("secret").asString());

        finish(accepted(other.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bea + "\"]}"), false);

        await().atMost(Duration.ofSeconds(5))
                .until(() -> receiver.received("/other").size() == 1);
        assertThat(slow.stream()
                        .mapToInt(path -> receiver.received(path).size())
                        .sum())
                .as("the portfolio's share of the slots")
                .isEqualTo(4);
        slow.forEach(receiver::release);
    }

    @Test
    void aSubscriptionFailingForADayIsDisabled() {
        receiver.otherwise(Reply.status(500));
        String subscriptionId =
                subscribe("/down", "job.completed").path("subscriptionId").asString();
        // A streak of a day with its last failed attempt moments ago: the receiver is down.
        jdbc.sql("UPDATE jobs.webhook_subscriptions SET failing_since = now() - interval '25 hours',"
                        + " last_failed_at = now() WHERE id = :id")
                .param("id", UUID.fromString(subscriptionId))
                .update();
        UUID jobId = job(1);

        finish(jobId, false);

        await().atMost(PATIENCE)
                .until(() -> api.get(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId)
                        .body()
                        .path("status")
                        .asString()
                        .equals("DISABLED"));
        JsonNode subscription = api.get(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId)
                .body();
        assertThat(subscription.path("disabledReason").asString()).contains("failed");
        int attempts = receiver.received("/down").size();
        awaitReceivedOnly("/down", attempts);
    }

    @Test
    void aFailureLongAfterTheLastOneStartsANewStreakAndDisablesNothing() {
        receiver.otherwise(Reply.status(500));
        String subscriptionId =
                subscribe("/flaky", "job.completed").path("subscriptionId").asString();
        UUID id = UUID.fromString(subscriptionId);
        // One message failed for good a week ago; nothing was sent to the receiver since.
        jdbc.sql("UPDATE jobs.webhook_subscriptions SET failing_since = now() - interval '7 days',"
                        + " last_failed_at = now() - interval '7 days' WHERE id = :id")
                .param("id", id)
                .update();
        UUID jobId = job(1);

        finish(jobId, false);

        await().atMost(PATIENCE).until(() -> !receiver.received("/flaky").isEmpty());
        await().atMost(PATIENCE)
                .until(() -> deliveries(subscriptionId).path(0).path("attempts").asInt() >= 1);
        assertThat(api.get(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId)
                        .body()
                        .path("status")
                        .asString())
                .isEqualTo("ACTIVE");
        assertThat(jdbc.sql("SELECT failing_since > now() - interval '1 minute' FROM jobs.webhook_subscriptions"
                                + " WHERE id = :id")
                        .param("id", id)
                        .query(Boolean.class)
                        .single())
                .as("the streak starts at this failure")
                .isTrue();
        receiver.otherwise(Reply.status(200));
        assertThat(settledDelivery(subscriptionId).path("status").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void aMessageTheGatewayCannotSignIsRetriedWithoutCountingAgainstTheSubscription() {
        String subscriptionId =
                subscribe("/unsigned", "job.completed").path("subscriptionId").asString();
        UUID id = UUID.fromString(subscriptionId);
        String sealed = jdbc.sql("SELECT secret_ciphertext FROM jobs.webhook_subscriptions WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .single();
        // Sealed under another secret key (a gateway deployed with a different one), and a day of
        // failures with the last one just now: one more failure of the receiver would disable it.
        byte[] otherSeal = new byte[60];
        new SecureRandom().nextBytes(otherSeal);
        jdbc.sql("UPDATE jobs.webhook_subscriptions SET secret_ciphertext = :other,"
                        + " failing_since = now() - interval '25 hours', last_failed_at = now() WHERE id = :id")
                .param("other", "v1:" + Base64.getEncoder().encodeToString(otherSeal))
                .param("id", id)
                .update();
        UUID jobId = job(1);

        finish(jobId, false);

        await().atMost(PATIENCE)
                .until(() -> deliveries(subscriptionId).path(0).path("attempts").asInt() >= 1);
        JsonNode waiting = deliveries(subscriptionId).path(0);
        assertThat(waiting.path("status").asString()).isEqualTo("PENDING");
        assertThat(waiting.path("lastError").asString()).contains("secret key");
        assertThat(receiver.received("/unsigned")).isEmpty();
        assertThat(api.get(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId)
                        .body()
                        .path("status")
                        .asString())
                .isEqualTo("ACTIVE");

        // The secret readable again (the right key, or the secret rotated): the retry is sent and verifies.
        jdbc.sql("UPDATE jobs.webhook_subscriptions SET secret_ciphertext = :sealed WHERE id = :id")
                .param("sealed", sealed)
                .param("id", id)
                .update();

        assertThat(settledDelivery(subscriptionId).path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(receiver.received("/unsigned"))
                .singleElement()
                .satisfies(message -> assertThat(message.signatureVerified()).isTrue());
    }

    /**
     * The held message is in the backlog until its receiver answers, then out of it, and its answer is
     * one more successful attempt. The backlog counts the whole shared database's outbox (earlier
     * tests' messages to receivers since closed may still be pending) and the counter every attempt of
     * the context, so only their moves around this message say anything: the backlog is first read
     * once the gauge agrees with the outbox.
     */
    @Test
    void theBacklogIsExposedAsAMetric() {
        await().atMost(PATIENCE)
                .until(() ->
                        metric("bulk_webhooks_backlog{") == deliveries.backlog().size());
        double backlogBefore = metric("bulk_webhooks_backlog{");
        double succeededBefore = succeededAttempts();
        receiver.holding("/held");
        String subscriptionId =
                subscribe("/held", "job.completed").path("subscriptionId").asString();
        finish(job(1), false);
        await().atMost(PATIENCE).until(() -> receiver.received("/held").size() == 1);

        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(metric("bulk_webhooks_backlog{"))
                        .as("the held message in the backlog")
                        .isEqualTo(backlogBefore + 1));
        assertThat(succeededAttempts()).as("no answer yet").isEqualTo(succeededBefore);
        receiver.release("/held");
        assertThat(settledDelivery(subscriptionId).path("status").asString()).isEqualTo("SUCCEEDED");
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(metric("bulk_webhooks_backlog{"))
                        .as("the delivered message out of the backlog")
                        .isEqualTo(backlogBefore));
        // Counted just after the attempt is stored.
        await().atMost(PATIENCE).until(() -> succeededAttempts() > succeededBefore);
        assertThat(succeededAttempts()).as("one successful attempt").isEqualTo(succeededBefore + 1);
    }

    /** {@code bulk_webhooks_deliveries_total{outcome="succeeded"}}. */
    private double succeededAttempts() {
        return metrics()
                .lines()
                .filter(line ->
                        line.startsWith("bulk_webhooks_deliveries_total{") && line.contains("outcome=\"succeeded\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .reduce((first, second) -> {
                    throw new IllegalStateException("more than one series");
                })
                .orElseThrow();
    }

    /**
     * More (subscription, job) pairs are due a progress message than one pass queues: the one that has
     * waited longest goes first (not the oldest job), so a busy system delays each pair a little rather
     * than one for ever. Rolled back: the running fan-out never sees these rows.
     */
    @Test
    void theProgressMessageDueLongestIsQueuedFirstWhenMoreAreDueThanAPassTakes() {
        UUID portfolioId = UUID.randomUUID();
        new TransactionTemplate(transactions).executeWithoutResult(tx -> {
            tx.setRollbackOnly();
            UUID subscription = UUID.randomUUID();
            jdbc.sql("INSERT INTO jobs.webhook_subscriptions (id, portfolio_id, url, event_types,"
                            + " progress_interval_seconds, secret_ciphertext, status, created_by_user_id)"
                            + " VALUES (:id, :p, 'https://hooks.example.com/progress', '{job.progress}', 60,"
                            + " 'unused', 'ACTIVE', gen_random_uuid())")
                    .param("id", subscription)
                    .param("p", portfolioId)
                    .update();
            // Thirty jobs that started ten minutes ago and were never reported: due a first message since.
            for (int i = 0; i < 30; i++) {
                runningJob(portfolioId, "now() - interval '10 minutes'");
            }
            // A job reported an hour ago that changed since: due again for 59 minutes, so first.
            UUID waiting = runningJob(portfolioId, "now() - interval '2 hours'");
            reported(subscription, waiting, "1 hour");
            // The oldest job, reported two minutes ago and changed since: due for one minute, so last.
            UUID recent = runningJob(portfolioId, "now() - interval '3 hours'");
            reported(subscription, recent, "2 minutes");

            // Other tests' subscriptions may have pairs due too: this one's come in the order asked for.
            List<UUID> due = deliveries.dueProgress(1000).stream()
                    .filter(pair -> pair.subscriptionId().equals(subscription))
                    .map(Deliveries.ProgressDue::jobId)
                    .toList();
            assertThat(due).hasSize(32).startsWith(waiting).endsWith(recent);
        });
    }

    private void reported(UUID subscription, UUID job, String ago) {
        jdbc.sql("INSERT INTO jobs.webhook_progress (subscription_id, job_id, job_version, sent_at)"
                        + " VALUES (:s, :j, -1, now() - CAST(:ago AS interval))")
                .param("s", subscription)
                .param("j", job)
                .param("ago", ago)
                .update();
    }

    private UUID runningJob(UUID portfolioId, String createdAt) {
        UUID job = UUID.randomUUID();
        jdbc.sql("INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,"
                        + " requested_by_email, total, pending, created_at)"
                        + " VALUES (:id, :p, 'REMOVE_ACCESS', 'IN_PROGRESS', gen_random_uuid(), 'admin@agency.test',"
                        + " 2, 2, " + createdAt + ")")
                .param("id", job)
                .param("p", portfolioId)
                .update();
        return job;
    }

    @Test
    void progressMessagesComeAtMostOncePerIntervalWhileTheJobChanges() {
        Answer created = api.post(
                admin(portfolio.id()),
                webhooksPath(),
                null,
                "{\"url\":\"" + receiver.url("/progress") + "\",\"eventTypes\":[\"job.progress\",\"job.completed\"],"
                        + "\"progressIntervalSeconds\":10}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        receiver.verifying("/progress", created.body().path("secret").asString());
        UUID jobId = job(3);
        List<UUID> tasks = worker.taskIds(jobId);

        worker.apply(tasks.get(0), "SUCCEEDED", null, "ANALYST");
        await().atMost(PATIENCE).until(() -> receiver.received("/progress").size() == 1);
        worker.apply(tasks.get(1), "SUCCEEDED", null, "ANALYST");
        // The job changed: its next message waits for the interval, counted from when the first was queued.
        // The first one's delivery and this test's wait for it take some of that (a few seconds on a loaded
        // machine), so the quiet time asked for is well short of the interval.
        await().alias("no second progress message within the interval")
                .during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(4))
                .until(() -> receiver.received("/progress").size() == 1);
        await().atMost(PATIENCE).until(() -> receiver.received("/progress").size() == 2);
        worker.apply(tasks.get(2), "SUCCEEDED", null, "ANALYST");
        await().atMost(PATIENCE).until(() -> receiver.received("/progress").size() == 3);

        List<Received> received = receiver.received("/progress");
        assertThat(received).allMatch(Received::signatureVerified);
        assertThat(received)
                .extracting(r -> JSON.readTree(r.body()))
                .extracting(body -> body.path("type").asString() + "/"
                        + body.path("data").path("percentDone").asInt())
                .containsExactly("job.progress/33", "job.progress/66", "job.completed/100");
        // The interval is kept between the times the messages are queued, by the database's clock; the
        // times they arrived differ from those by each delivery's own wait and latency.
        List<Instant> progressQueuedAt = deliveries(
                        created.body().path("subscriptionId").asString())
                .valueStream()
                .filter(delivery -> delivery.path("eventType")
                        .asString()
                        .toLowerCase(Locale.ROOT)
                        .contains("progress"))
                .map(delivery -> Instant.parse(delivery.path("createdAt").asString()))
                .sorted()
                .toList();
        assertThat(progressQueuedAt).hasSize(2);
        assertThat(Duration.between(progressQueuedAt.get(0), progressQueuedAt.get(1)))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(10));
        // Each progress message is dated by that clock too, the one that dates the job and its end: the
        // time it was queued. Before, the gateway's clock dated it, later than its queueing (and, on a
        // gateway ahead of the database, after the job's end message).
        assertThat(received.stream()
                        .map(r -> JSON.readTree(r.body()))
                        .filter(body -> body.path("type").asString().equals("job.progress"))
                        .map(body -> Instant.parse(body.path("timestamp").asString()))
                        .sorted()
                        .toList())
                .as("the progress messages' timestamps")
                .containsExactlyElementsOf(progressQueuedAt);
    }

    /**
     * Every gateway queues progress messages about once a second. Eight doing it at the same moment, each
     * held between reading the progress state and writing it (a trigger sleeps on the write), queue one
     * message, not one each.
     */
    @Test
    void gatewaysQueueingProgressAtTheSameMomentQueueOneMessage() throws Exception {
        Answer created = api.post(
                admin(portfolio.id()),
                webhooksPath(),
                null,
                "{\"url\":\"" + receiver.url("/progress") + "\",\"eventTypes\":[\"job.progress\"],"
                        + "\"progressIntervalSeconds\":300}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        UUID jobId = job(3);
        ExecutorService gateways = Executors.newFixedThreadPool(8);
        try (HeldWrites held =
                HeldWrites.on(jdbc, "jobs.webhook_progress", "INSERT OR UPDATE", null, Duration.ofMillis(300))) {
            worker.apply(worker.taskIds(jobId).get(0), "SUCCEEDED", null, "ANALYST");
            CyclicBarrier together = new CyclicBarrier(8);
            List<Future<Integer>> queued = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                queued.add(gateways.submit(() -> {
                    together.await();
                    return fanOut.queueProgress();
                }));
            }
            for (Future<Integer> each : queued) {
                each.get(30, TimeUnit.SECONDS);
            }
        } finally {
            gateways.shutdownNow();
        }

        assertThat(jdbc.sql("""
                                SELECT count(*) FROM jobs.webhook_deliveries
                                WHERE subscription_id = ? AND job_id = ? AND event_type = 'job.progress'
                                """)
                        .params(
                                UUID.fromString(
                                        created.body().path("subscriptionId").asString()),
                                jobId)
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
        await().atMost(PATIENCE).until(() -> receiver.received("/progress").size() == 1);
    }

    private double metric(String prefix) {
        return metrics()
                .lines()
                .filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .max()
                .orElse(Double.NaN);
    }

    private long eventCount(UUID jobId) {
        return jdbc.sql("SELECT count(*) FROM jobs.webhook_events WHERE job_id = :id")
                .param("id", jobId)
                .query(Long.class)
                .single();
    }
}

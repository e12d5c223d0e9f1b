package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.contracts.Quoted;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.gateway.jobs.JobSubmission;
import com.portfoliobulk.gateway.portfolio.AdministrativeChanges;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.CanonicalUuids;
import com.portfoliobulk.gateway.web.InvalidParameterException;
import com.portfoliobulk.gateway.web.PageParameters;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * Webhook subscriptions of a portfolio: signed messages POSTed to the client's URL when a job ends.
 * Every operation needs the Portfolio Owner or User Management EDIT.
 */
@Tag(
        name = "Webhooks",
        description = "Be told when a job ends instead of polling: signed messages (Standard Webhooks) POSTed to"
                + " your HTTPS endpoint, retried for 24 hours.")
@ApiResponse(responseCode = "401", description = "No valid bearer token.")
@ApiResponse(
        responseCode = "403",
        description = "The caller is neither the Portfolio Owner nor holds User Management EDIT.")
@RestController
@RequestMapping(path = "/api/v1/portfolios/{portfolioId}/webhooks", produces = MediaType.APPLICATION_JSON_VALUE)
class WebhookController {

    /** How a message is named in a path. */
    static final String DELIVERY_ID = "The message: its deliveryId, or the webhook-id its receiver got (msg_ and the"
            + " deliveryId without its hyphens).";

    /** A message's webhook-id: {@code msg_} and its id's 32 hexadecimal digits. */
    private static final Pattern WEBHOOK_ID = Pattern.compile("msg_[0-9a-fA-F]{32}");

    private final PortfolioAccess access;

    private final WebhookSubscriptions subscriptions;

    WebhookController(PortfolioAccess access, WebhookSubscriptions subscriptions) {
        this.access = access;
        this.subscriptions = subscriptions;
    }

    @Operation(
            summary = "Subscribe to job events",
            description = "Messages go to `url` (HTTPS, on a public address) for the given event types. The answer"
                    + " carries the signing `secret`, shown this once: keep it to verify the `webhook-signature`."
                    + " With an Idempotency-Key, the same request sent again (after its answer was lost) creates no"
                    + " second subscription: it is answered as the first was, even when the host no longer"
                    + " resolves, the subscription with its secret and `Idempotent-Replayed: true`, as long as the secret has not been rotated since (then"
                    + " 409). The key stays with the subscription until it is deleted.")
    @ApiResponse(
            responseCode = "201",
            description = "Created, with its secret; or, sent again with its Idempotency-Key, the subscription the"
                    + " key created, with its secret.",
            headers = {
                @Header(name = "Location", description = "The subscription's URL."),
                @Header(
                        name = "Idempotent-Replayed",
                        description = "`true` when an earlier request with the Idempotency-Key created it.")
            })
    @ApiResponse(
            responseCode = "400",
            description = "Malformed body, a field of the wrong type, or an event type that is none (`errors` names"
                    + " each, e.g. `eventTypes[1]`). Or an Idempotency-Key that is blank or longer than 255"
                    + " characters.")
    @ApiResponse(
            responseCode = "409",
            description = "The portfolio has as many subscriptions as it may have, or the URL already receives one of"
                    + " the event types through another subscription, however it is spelled (scheme and host in any"
                    + " case, the default port or none, an empty path or /); `errors` names `url`. Or the"
                    + " Idempotency-Key created a subscription whose secret was rotated since (or cannot be read"
                    + " with this gateway's key): no other was created, the problem names it, and `errors` names"
                    + " `Idempotency-Key`; use the rotated secret, or rotate it again.")
    @ApiResponse(
            responseCode = "422",
            description = "A field cannot be used (`invalid-request`, `errors` names every one): `url` is missing,"
                    + " not an https:// URL, holds credentials, or its host does not resolve or resolves to a"
                    + " loopback, private, link-local, metadata or other address that is not public; `eventTypes` is"
                    + " missing or empty, or lists an event type twice; `progressIntervalSeconds` is out of range or"
                    + " sent without job.progress. Gateways of the version before answered these 400. Or the"
                    + " Idempotency-Key created a subscription with another `url`, `eventTypes` or"
                    + " `progressIntervalSeconds` (`idempotency-key-reused`).")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<SubscriptionView> create(
            @Parameter(description = "The portfolio.") @PathVariable UUID portfolioId,
            @Parameter(
                            in = ParameterIn.HEADER,
                            description = "Optional: a unique value per subscription (1-255 characters), e.g. a"
                                    + " UUID; sending the same request again with it answers the subscription it"
                                    + " created, with its secret.")
                    @RequestHeader(name = JobSubmission.IDEMPOTENCY_KEY, required = false)
                    String idempotencyKey,
            @RequestBody SubscriptionRequest request) {
        Caller caller = access.requireCurrentChange(portfolioId);
        JobSubmission.checkOptionalKey(idempotencyKey, "subscription");
        WebhookSubscriptions.Created created = subscriptions.create(caller, portfolioId, idempotencyKey, request);
        ResponseEntity.BodyBuilder answer = ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequestUri()
                .path("/{subscriptionId}")
                .buildAndExpand(created.subscription().subscriptionId())
                .toUri());
        if (created.replayed()) {
            answer.header(JobSubmission.IDEMPOTENT_REPLAYED, "true");
        }
        return answer.body(created.subscription());
    }

    @Operation(summary = "List the portfolio's subscriptions", description = "Oldest first; secrets are not shown.")
    @ApiResponse(responseCode = "200", description = "One page of subscriptions.")
    @ApiResponse(responseCode = "400", description = "The limit or cursor cannot be used.")
    @ApiResponse(responseCode = "404", description = "The portfolio does not exist.")
    @GetMapping
    Page<SubscriptionView> list(@PathVariable UUID portfolioId, @ParameterObject PageParameters page) {
        access.requireChange(portfolioId);
        return subscriptions.list(portfolioId, page.request(WebhookSubscriptions.SUBSCRIPTIONS, portfolioId));
    }

    @Operation(summary = "Get a subscription")
    @ApiResponse(responseCode = "200", description = "The subscription, without its secret.")
    @ApiResponse(responseCode = "404", description = "No such subscription in this portfolio.")
    @GetMapping("/{subscriptionId}")
    SubscriptionView get(@PathVariable UUID portfolioId, @PathVariable UUID subscriptionId) {
        access.requireChange(portfolioId);
        return subscriptions.get(portfolioId, subscriptionId);
    }

    @Operation(
            summary = "Disable a subscription",
            description = "It receives nothing until enabled: jobs ending meanwhile are not sent to it, and retries of"
                    + " earlier messages wait (within their 24 hours).")
    @ApiResponse(responseCode = "200", description = "Disabled.")
    @ApiResponse(responseCode = "404", description = "No such subscription in this portfolio.")
    @PostMapping("/{subscriptionId}/disable")
    SubscriptionView disable(@PathVariable UUID portfolioId, @PathVariable UUID subscriptionId) {
        Caller caller = access.requireCurrentChange(portfolioId);
        SubscriptionView disabled = subscriptions.disable(portfolioId, subscriptionId);
        AdministrativeChanges.made(portfolioId, caller, "webhook subscription " + subscriptionId + " disabled");
        return disabled;
    }

    @Operation(
            summary = "Enable a subscription",
            description = "Also after it was disabled for a day of failed deliveries; its failure streak restarts.")
    @ApiResponse(responseCode = "200", description = "Enabled.")
    @ApiResponse(responseCode = "404", description = "No such subscription in this portfolio.")
    @PostMapping("/{subscriptionId}/enable")
    SubscriptionView enable(@PathVariable UUID portfolioId, @PathVariable UUID subscriptionId) {
        Caller caller = access.requireCurrentChange(portfolioId);
        SubscriptionView enabled = subscriptions.enable(portfolioId, subscriptionId);
        // Logged as the disable is: a restore re-applies the latest line of each subscription.
        AdministrativeChanges.made(portfolioId, caller, "webhook subscription " + subscriptionId + " enabled");
        return enabled;
    }

    @Operation(
            summary = "Rotate the signing secret",
            description = "The new secret signs every message from now on, retries included; it is shown this once."
                    + " The previous secret signs them too for 24 hours (webhook-signature carries a signature"
                    + " by each), so the receiver can switch without refusing a message; so do the newest four"
                    + " secrets rotated out within those hours (a rotation sent again). With keepPrevious=false"
                    + " (a leaked secret) every previous secret stops at once.")
    @ApiResponse(responseCode = "200", description = "The subscription with its new secret.")
    @ApiResponse(responseCode = "404", description = "No such subscription in this portfolio.")
    @PostMapping("/{subscriptionId}/rotate-secret")
    SubscriptionView rotateSecret(
            @PathVariable UUID portfolioId,
            @PathVariable UUID subscriptionId,
            @Parameter(description = "Whether the previous secrets go on signing for 24 hours (default true).")
                    @RequestParam(defaultValue = "true")
                    boolean keepPrevious) {
        Caller caller = access.requireCurrentChange(portfolioId);
        SubscriptionView rotated = subscriptions.rotateSecret(portfolioId, subscriptionId, keepPrevious);
        AdministrativeChanges.made(
                portfolioId,
                caller,
                "webhook subscription " + subscriptionId + " secret rotated"
                        + (keepPrevious ? "" : ", the previous secrets ended at once"));
        return rotated;
    }

    @Operation(summary = "Delete a subscription", description = "With its messages and their attempts.")
    @ApiResponse(responseCode = "204", description = "Deleted.")
    @ApiResponse(responseCode = "404", description = "No such subscription in this portfolio.")
    @DeleteMapping("/{subscriptionId}")
    ResponseEntity<Void> delete(@PathVariable UUID portfolioId, @PathVariable UUID subscriptionId) {
        Caller caller = access.requireCurrentChange(portfolioId);
        subscriptions.delete(portfolioId, subscriptionId);
        AdministrativeChanges.made(portfolioId, caller, "webhook subscription " + subscriptionId + " deleted");
        return ResponseEntity.noContent().build();
    }

    @Operation(
            summary = "List a subscription's messages",
            description =
                    "Newest first, cursor-paged: status, attempts, last response code and duration, next" + " attempt.")
    @ApiResponse(responseCode = "200", description = "One page of messages.")
    @ApiResponse(responseCode = "400", description = "The limit or cursor cannot be used.")
    @ApiResponse(responseCode = "404", description = "No such subscription in this portfolio.")
    @GetMapping("/{subscriptionId}/deliveries")
    Page<DeliveryView> deliveries(
            @PathVariable UUID portfolioId, @PathVariable UUID subscriptionId, @ParameterObject PageParameters page) {
        access.requireChange(portfolioId);
        return subscriptions.deliveries(
                portfolioId, subscriptionId, page.request(WebhookSubscriptions.DELIVERIES, subscriptionId));
    }

    @Operation(
            summary = "Get a message with its attempts",
            description = "`history` holds the newest 100 attempts, oldest first; `attempts` counts every one, so a"
                    + " message with more (redelivered again and again) shows how many older ones are left out.")
    @ApiResponse(
            responseCode = "200",
            description = "The message and its newest 100 attempts (all of them when it has no more), oldest first.")
    @ApiResponse(
            responseCode = "400",
            description = "The deliveryId is neither a UUID nor a webhook-id (msg_ and 32 hexadecimal digits).")
    @ApiResponse(
            responseCode = "404",
            description = "No such subscription in this portfolio, or no such message of it.")
    @GetMapping("/{subscriptionId}/deliveries/{deliveryId}")
    DeliveryView delivery(
            @PathVariable UUID portfolioId,
            @PathVariable UUID subscriptionId,
            @Parameter(description = DELIVERY_ID) @PathVariable String deliveryId) {
        access.requireChange(portfolioId);
        return subscriptions.delivery(portfolioId, subscriptionId, deliveryId(deliveryId));
    }

    @Operation(
            summary = "Send a message again",
            description = "Whatever its state, it is sent again shortly, with the same webhook-id (receivers that"
                    + " deduplicate see it once) and a new 24 hours of retries, starting again from the first"
                    + " back-off interval.")
    @ApiResponse(responseCode = "202", description = "Queued; the message as it is now.")
    @ApiResponse(
            responseCode = "400",
            description = "The deliveryId is neither a UUID nor a webhook-id (msg_ and 32 hexadecimal digits).")
    @ApiResponse(
            responseCode = "404",
            description = "No such subscription in this portfolio, or no such message of it.")
    @ApiResponse(
            responseCode = "409",
            description = "The subscription is disabled, so nothing is sent to it: enable it first.")
    @PostMapping("/{subscriptionId}/deliveries/{deliveryId}/redeliver")
    ResponseEntity<DeliveryView> redeliver(
            @PathVariable UUID portfolioId,
            @PathVariable UUID subscriptionId,
            @Parameter(description = DELIVERY_ID) @PathVariable String deliveryId) {
        access.requireCurrentChange(portfolioId);
        return ResponseEntity.accepted()
                .body(subscriptions.redeliver(portfolioId, subscriptionId, deliveryId(deliveryId)));
    }

    /**
     * The message that {@code text} names: its {@code deliveryId} (a UUID in its canonical spelling, as
     * every other id of a path) or the {@code webhook-id} its receiver got ({@code msg_} and the same UUID
     * as 32 hexadecimal digits, without its hyphens); else a 400 naming {@code deliveryId}.
     */
    static UUID deliveryId(String text) {
        UUID id = CanonicalUuids.parse(text);
        if (id == null && WEBHOOK_ID.matcher(text).matches()) {
            id = new UUID(
                    Long.parseUnsignedLong(text.substring(4, 20), 16), Long.parseUnsignedLong(text.substring(20), 16));
        }
        if (id == null) {
            throw new InvalidParameterException(
                    "deliveryId",
                    Quoted.of(text) + " is not a UUID of 8-4-4-4-12 hexadecimal digits, nor a webhook-id (msg_ and"
                            + " 32 hexadecimal digits)");
        }
        return id;
    }
}

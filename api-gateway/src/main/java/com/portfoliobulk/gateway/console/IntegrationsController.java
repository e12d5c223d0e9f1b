package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.scim.ScimErrors;
import com.portfoliobulk.gateway.webhooks.EventType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;
import org.springframework.web.servlet.support.SessionFlashMapManager;

/**
 * The portfolio's integrations page: its SCIM tokens (for the identity provider) and its job webhook
 * subscriptions with their recent messages, each as the API answers the signed-in administrator, and
 * the API's actions on them. A new SCIM token or signing secret is shown once, on the page the action
 * returns to, from a one-time flash attribute of the session (stored sealed, {@link SealedSessions}):
 * never in an address. Each of the page's two creation forms carries an Idempotency-Key made when the
 * page was shown, so that the form sent again (a double click, Enter twice, without the page script or
 * after its guard) creates nothing more; Rotate secret carries a key of the page's showing too, which
 * the session remembers, so that the form sent again from it rotates nothing more.
 */
@Controller
class IntegrationsController {

    private static final String PAGE = "/console/portfolios/{portfolioId}/integrations";

    /** The header, and the problem's field, of the API's idempotent creations. */
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    /** The session attribute of Spring MVC's flash maps on their way to a page. */
    private static final String FLASH_MAPS = SessionFlashMapManager.class.getName() + ".FLASH_MAPS";

    /** The page's parameter saying that Create SCIM token was sent again from one page. */
    private static final String SCIM_TOKEN_SENT_AGAIN = "scim-token";

    /** The page's parameter saying that Rotate secret was sent again from one page. */
    private static final String ROTATION_SENT_AGAIN = "rotation";

    /**
     * The session attribute of the rotations made from the console's pages, newest last: each the
     * subscription, the form's key and whether the old secret was ended.
     */
    private static final String ROTATIONS = IntegrationsController.class.getName() + ".ROTATIONS";

    /** How many rotations the session remembers. */
    private static final int ROTATIONS_KEPT = 20;

    private final GatewayApi api;

    private final ConsolePages pages;

    private final ConsoleDirectory directory;

    /** How long a rotated-out secret goes on signing. */
    private final Duration previousSecretOverlap;

    /** How long a message is retried before it fails. */
    private final Duration retryPeriod;

    IntegrationsController(
            GatewayApi api,
            ConsolePages pages,
            ConsoleDirectory directory,
            @Value("${bulk.gateway.webhooks.previous-secret-overlap:24h}") Duration previousSecretOverlap,
            @Value("${bulk.gateway.webhooks.retry-period:24h}") Duration retryPeriod) {
        this.api = api;
        this.pages = pages;
        this.directory = directory;
        this.previousSecretOverlap = previousSecretOverlap;
        this.retryPeriod = retryPeriod;
    }

    @GetMapping(PAGE)
    String integrations(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) String tokensCursor,
            @RequestParam(required = false) String webhooksCursor,
            @RequestParam(required = false) String sentAgain,
            Model model) {
        pages.portfolio(model, user, portfolioId, "integrations");
        // A key per form and showing of the page: the form sent again with it creates nothing more.
        model.addAttribute("scimTokenKey", UUID.randomUUID().toString());
        model.addAttribute("webhookKey", UUID.randomUUID().toString());
        model.addAttribute("rotationKey", UUID.randomUUID().toString());
        model.addAttribute("scimTokenSentAgain", SCIM_TOKEN_SENT_AGAIN.equals(sentAgain));
        model.addAttribute("rotationSentAgain", ROTATION_SENT_AGAIN.equals(sentAgain));
        model.addAttribute("previousSecretOverlap", previousSecretOverlap);
        model.addAttribute("retryPeriod", retryPeriod);
        int limit = pages.pageSize();
        // The API decides who may manage each (SCIM tokens: the Owner; webhooks: Owner or EDIT).
        // Each list pages on its own, like the lists of the administration page. A page that shows a
        // new token or secret (the flash is gone once read) is shown whatever the lists' reads answer.
        boolean showsSecret = model.containsAttribute("newToken") || model.containsAttribute("newSecret");
        ConsoleSection tokens =
                read(showsSecret, "The SCIM tokens", () -> api.scimTokens(user, portfolioId, limit, tokensCursor));
        model.addAttribute("scimTokens", tokens.items());
        model.addAttribute("tokensNext", tokens.nextCursor());
        model.addAttribute("tokensRefused", tokens.refusal());
        ConsoleSection webhooks = read(
                showsSecret, "The webhook subscriptions", () -> api.webhooks(user, portfolioId, limit, webhooksCursor));
        model.addAttribute("webhooks", webhooks.items());
        model.addAttribute("webhooksNext", webhooks.nextCursor());
        model.addAttribute("webhooksRefused", webhooks.refusal());
        model.addAttribute("eventTypes", EventType.WIRE_NAMES);
        // The pages of the lists, for the links to a row's confirmation, which comes back to its page.
        model.addAttribute("tokensCursor", StringUtils.hasText(tokensCursor) ? tokensCursor : null);
        model.addAttribute("webhooksCursor", StringUtils.hasText(webhooksCursor) ? webhooksCursor : null);
        return "console/integrations";
    }

    private static ConsoleSection read(boolean showsSecret, String list, Supplier<Map<String, Object>> read) {
        return showsSecret ? ConsoleSection.readOrNotice(read, list) : ConsoleSection.read(read);
    }

    /**
     * Creates a SCIM token; the page it returns to shows the token and the SCIM base URL once. A name
     * the API refuses brings back the page, with its problem next to the form and the name as typed.
     * The form sent again from the same page creates no second token (the API refuses its key, 409):
     * it leads to the page too, which shows the token the first sending created, once, from the flash
     * that sending left in the session, and says the form was sent again.
     */
    @PostMapping(PAGE + "/scim-tokens")
    String createScimToken(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) String name,
            @RequestParam(required = false) String idempotencyKey,
            RedirectAttributes redirect,
            HttpServletResponse response,
            Model model) {
        Map<String, Object> created;
        try {
            created = api.createScimToken(user, portfolioId, name, idempotencyKey);
        } catch (ApiProblem problem) {
            if (problem.status() == 409 && problem.names(IDEMPOTENCY_KEY)) {
                // No flash of its own: written while the first sending's is being stored (a double
                // click), it would take that one's place in the session, and the token with it.
                return page(portfolioId) + "?sentAgain=" + SCIM_TOKEN_SENT_AGAIN;
            }
            if (problem.status() != 400 && problem.status() != 422) {
                throw problem;
            }
            response.setStatus(problem.status());
            model.addAttribute("scimProblem", sentAgainChanged(problem, "created a SCIM token", "create another"));
            model.addAttribute("scimName", name);
            return integrations(user, portfolioId, null, null, null, model);
        }
        Map<String, Object> shown = new LinkedHashMap<>(created);
        shown.put("scimBaseUrl", scimBaseUrl(portfolioId));
        redirect.addFlashAttribute("newToken", shown);
        return page(portfolioId);
    }

    /**
     * Asks before a token is revoked, saying what stops: the identity provider's calls with it, and all
     * of its provisioning when it is the portfolio's last token. Only the page's form revokes.
     */
    @GetMapping(PAGE + "/scim-tokens/{tokenId}/revoke")
    String confirmRevokeScimToken(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID tokenId,
            @RequestParam(required = false) String tokensCursor,
            RedirectAttributes redirect,
            Model model) {
        pages.portfolio(model, user, portfolioId, "integrations");
        Map<String, Object> token;
        try {
            token = api.scimToken(user, portfolioId, tokenId);
        } catch (ApiProblem problem) {
            // Opened again after the token was revoked (Back, another tab): the list, saying so.
            redirect.addFlashAttribute("done", revokedAlready(problem, portfolioId, tokenId));
            return ConsolePages.redirectToList(PAGE, portfolioId, "tokensCursor", tokensCursor);
        }
        boolean last =
                ConsolePages.items(api.scimTokens(user, portfolioId, 2, null)).size() <= 1;
        List<String> losses = new ArrayList<>();
        losses.add("The identity provider's next call with this token is refused (401): it can no longer create,"
                + " change or deactivate the portfolio's users with it.");
        losses.add(
                last
                        ? "It is the portfolio's only SCIM token: the identity provider's provisioning and"
                                + " deprovisioning stop until you create a new token and paste it into the identity"
                                + " provider. A person disabled there meanwhile is not offboarded from the"
                                + " portfolio's accounts."
                        : "Identity providers that use the portfolio's other SCIM tokens go on provisioning.");
        losses.add("A revoked token cannot be used again: a new one has to be created and pasted into the identity"
                + " provider.");
        return confirmation(
                model,
                new Confirmation(
                        "Revoke SCIM token",
                        "Revoke the SCIM token " + token.get("name") + "?",
                        losses,
                        "/console/portfolios/" + portfolioId + "/integrations/scim-tokens/" + tokenId + "/revoke",
                        "Revoke the token",
                        cursorField("tokensCursor", tokensCursor),
                        ConsolePages.listAddress(PAGE, portfolioId, "tokensCursor", tokensCursor)));
    }

    /** Revokes a token; back to the page of tokens it was revoked from. */
    @PostMapping(PAGE + "/scim-tokens/{tokenId}/revoke")
    String revokeScimToken(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID tokenId,
            @RequestParam(required = false) String tokensCursor,
            RedirectAttributes redirect) {
        try {
            api.revokeScimToken(user, portfolioId, tokenId);
        } catch (ApiProblem problem) {
            redirect.addFlashAttribute("done", revokedAlready(problem, portfolioId, tokenId));
            return ConsolePages.redirectToList(PAGE, portfolioId, "tokensCursor", tokensCursor);
        }
        redirect.addFlashAttribute(
                "done", "The SCIM token was revoked: the identity provider's next call with it is refused.");
        return ConsolePages.redirectToList(PAGE, portfolioId, "tokensCursor", tokensCursor);
    }

    /**
     * What the list says when the API answers that the portfolio has no such token that is not revoked
     * (404), and the portfolio's token of that id is revoked: revoked already (the form sent again, from
     * another tab or from the history). Any other problem, a token id the portfolio never had among
     * them, is thrown on. Asked only after the API's 404, which it answers only the Portfolio Owner.
     */
    private String revokedAlready(ApiProblem problem, UUID portfolioId, UUID tokenId) {
        if (problem.status() != 404) {
            throw problem;
        }
        return directory
                .revokedScimTokenName(portfolioId, tokenId)
                .map(name -> "The SCIM token " + name + " was revoked already: the identity provider's calls"
                        + " with it are refused.")
                .orElseThrow(() -> problem);
    }

    /**
     * Subscribes a URL; the page it returns to shows the signing secret once. The form sent again from
     * the same page subscribes nothing more: the API answers the subscription its key created, with its
     * secret, which the page shows as the first sending's would have (once, when that sending's page is
     * still to be shown).
     */
    @PostMapping(PAGE + "/webhooks")
    String createWebhook(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) String url,
            @RequestParam(required = false) List<String> eventTypes,
            @RequestParam(required = false) String progressIntervalSeconds,
            @RequestParam(required = false) String idempotencyKey,
            RedirectAttributes redirect,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        List<String> events = eventTypes == null ? List.of() : eventTypes;
        Map<String, Object> created;
        try {
            created = api.createWebhook(
                    user,
                    portfolioId,
                    url,
                    events,
                    StringUtils.hasText(progressIntervalSeconds) ? progressIntervalSeconds.strip() : null,
                    idempotencyKey);
        } catch (ApiProblem problem) {
            if (problem.status() != 400 && problem.status() != 409 && problem.status() != 422) {
                throw problem;
            }
            // The page again, with the API's problem next to the form and the form as it was filled in.
            response.setStatus(problem.status());
            model.addAttribute("webhookProblem", sentAgainChanged(problem, "added a subscription", "add this one"));
            model.addAttribute("webhookForm", new WebhookForm(url, events, progressIntervalSeconds));
            return integrations(user, portfolioId, null, null, null, model);
        }
        if (!secretOnItsWay(request, created)) {
            redirect.addFlashAttribute("newSecret", created);
            redirect.addFlashAttribute("secretWhy", "created");
        }
        return page(portfolioId);
    }

    /**
     * Whether the session holds this new secret already, on its way to the page: the first sending of
     * the form, answered before this one, left it there; a second copy would show it twice.
     */
    private static boolean secretOnItsWay(HttpServletRequest request, Map<String, Object> created) {
        HttpSession session = request.getSession(false);
        if (session == null || !(session.getAttribute(FLASH_MAPS) instanceof List<?> flashMaps)) {
            return false;
        }
        return flashMaps.stream()
                .filter(Map.class::isInstance)
                .map(flash -> ((Map<?, ?>) flash).get("newSecret"))
                .filter(Map.class::isInstance)
                .map(Map.class::cast)
                .anyMatch(shown -> Objects.equals(shown.get("subscriptionId"), created.get("subscriptionId"))
                        && Objects.equals(shown.get("secret"), created.get("secret")));
    }

    /**
     * The API's refusal of a key that created something from this page already, with another request
     * (the form sent again from the page, changed), in the console's words: the page shown again has a
     * new key, so the form sent from it makes the change. Any other problem as the API worded it.
     */
    private static ApiProblem sentAgainChanged(ApiProblem problem, String madeWhat, String sendTo) {
        if (problem.status() != 422 || !problem.names(IDEMPOTENCY_KEY)) {
            return problem;
        }
        return new ApiProblem(
                problem.status(),
                Map.of(
                        "title",
                        "Sent again with changes",
                        "detail",
                        "This form was sent from this page before, and " + madeWhat + " then. It is filled in"
                                + " as you sent it now: send it again to " + sendTo + "."));
    }

    /**
     * The Add webhook form as it was sent, shown again with the API's refusal.
     *
     * @param url the endpoint URL as typed
     * @param eventTypes the events ticked
     * @param progressIntervalSeconds the progress interval as typed
     */
    record WebhookForm(String url, List<String> eventTypes, String progressIntervalSeconds) {}

    @PostMapping(PAGE + "/webhooks/{subscriptionId}/disable")
    String disable(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID subscriptionId,
            @RequestParam(required = false) String webhooksCursor,
            RedirectAttributes redirect) {
        Map<String, Object> disabled = api.webhookAction(user, portfolioId, subscriptionId, "disable");
        redirect.addFlashAttribute("done", "The subscription of " + disabled.get("url") + " was disabled.");
        return webhooksPage(portfolioId, webhooksCursor);
    }

    /**
     * Enables a subscription; back to the page of subscriptions it was enabled from, or, with {@code
     * backToDeliveries}, to the page of its messages it was enabled from (the API redelivers no message
     * of a disabled subscription, so that page offers Enable in place of Redeliver).
     */
    @PostMapping(PAGE + "/webhooks/{subscriptionId}/enable")
    String enable(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID subscriptionId,
            @RequestParam(required = false) String webhooksCursor,
            @RequestParam(defaultValue = "false") boolean backToDeliveries,
            @RequestParam(required = false) String cursor,
            RedirectAttributes redirect) {
        Map<String, Object> enabled = api.webhookAction(user, portfolioId, subscriptionId, "enable");
        redirect.addFlashAttribute("done", "The subscription of " + enabled.get("url") + " was enabled.");
        if (backToDeliveries) {
            return deliveriesPage(portfolioId, subscriptionId, cursor);
        }
        return webhooksPage(portfolioId, webhooksCursor);
    }

    /**
     * Replaces the signing secret; the page it returns to shows the new one once. The previous one goes
     * on signing for a while unless {@code endPrevious} (a leaked secret). The form sent again from the
     * same showing of the page (its answer lost, a double click without the page script), as it was,
     * rotates nothing more: it leads to the page, which shows the secret the first sending made when it
     * is still on its way there, and says the form was sent again. A rotation's secret replaces any of
     * the subscription's secrets still on their way to the page, which sign no longer (or not alone).
     */
    @PostMapping(PAGE + "/webhooks/{subscriptionId}/rotate-secret")
    String rotateSecret(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID subscriptionId,
            @RequestParam(defaultValue = "false") boolean endPrevious,
            @RequestParam(required = false) String webhooksCursor,
            @RequestParam(required = false) String rotationKey,
            RedirectAttributes redirect,
            HttpServletRequest request) {
        String rotation =
                StringUtils.hasText(rotationKey) ? subscriptionId + " " + rotationKey + " " + endPrevious : null;
        HttpSession session = request.getSession();
        if (rotation != null && rotations(session).contains(rotation)) {
            // No flash of its own: the first sending's, still on its way, shows the secret that signs.
            String back = ConsolePages.listAddress(PAGE, portfolioId, "webhooksCursor", webhooksCursor);
            return "redirect:" + back + (back.contains("?") ? "&" : "?") + "sentAgain=" + ROTATION_SENT_AGAIN;
        }
        Map<String, Object> rotated = api.webhookAction(
                user, portfolioId, subscriptionId, endPrevious ? "rotate-secret?keepPrevious=false" : "rotate-secret");
        if (rotation != null) {
            List<Object> made = new ArrayList<>(rotations(session));
            made.add(rotation);
            session.setAttribute(
                    ROTATIONS, new ArrayList<>(made.subList(Math.max(0, made.size() - ROTATIONS_KEPT), made.size())));
        }
        dropSecretsOnTheirWay(session, subscriptionId);
        redirect.addFlashAttribute("newSecret", rotated);
        redirect.addFlashAttribute("secretWhy", endPrevious ? "rotated-alone" : "rotated");
        return webhooksPage(portfolioId, webhooksCursor);
    }

    /** The rotations the session remembers ({@link #ROTATIONS}). */
    private static List<?> rotations(HttpSession session) {
        return session.getAttribute(ROTATIONS) instanceof List<?> made ? made : List.of();
    }

    /**
     * Drops the subscription's secrets on their way to the page, from an earlier rotation or creation
     * whose page has not been shown yet (another tab's, a lost answer's): the page shows the first of
     * them, which is no longer the one that signs.
     */
    private static void dropSecretsOnTheirWay(HttpSession session, UUID subscriptionId) {
        if (!(session.getAttribute(FLASH_MAPS) instanceof List<?> flashMaps)) {
            return;
        }
        List<Object> kept = new ArrayList<>(flashMaps);
        boolean dropped = kept.removeIf(flash -> flash instanceof Map<?, ?> attributes
                && attributes.get("newSecret") instanceof Map<?, ?> secret
                && subscriptionId.toString().equals(String.valueOf(secret.get("subscriptionId"))));
        if (!dropped) {
            return;
        }
        if (kept.isEmpty()) {
            session.removeAttribute(FLASH_MAPS);
        } else {
            session.setAttribute(FLASH_MAPS, kept);
        }
    }

    /**
     * Asks before a subscription is deleted, saying what is lost: its messages and their delivery
     * history, and the messages still to be sent. Only the page's form deletes.
     */
    @GetMapping(PAGE + "/webhooks/{subscriptionId}/delete")
    String confirmDelete(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID subscriptionId,
            @RequestParam(required = false) String webhooksCursor,
            RedirectAttributes redirect,
            Model model) {
        pages.portfolio(model, user, portfolioId, "integrations");
        Map<String, Object> subscription;
        try {
            subscription = api.webhook(user, portfolioId, subscriptionId);
        } catch (ApiProblem problem) {
            // Opened again after the subscription was deleted (Back, another tab): the list, saying so.
            redirect.addFlashAttribute("done", deletedAlready(problem));
            return webhooksPage(portfolioId, webhooksCursor);
        }
        List<String> losses = new ArrayList<>();
        losses.add("No further job message is sent to " + subscription.get("url")
                + ", also none that is waiting to be sent or retried.");
        losses.add("Its messages and their delivery history (attempts, the receiver's answers) are deleted with it,"
                + " and cannot be redelivered.");
        if ("ACTIVE".equals(subscription.get("status"))) {
            losses.add("To stop the messages for a while and keep the history, disable the subscription instead.");
        }
        return confirmation(
                model,
                new Confirmation(
                        "Delete webhook subscription",
                        "Delete the subscription of " + subscription.get("url") + "?",
                        losses,
                        "/console/portfolios/" + portfolioId + "/integrations/webhooks/" + subscriptionId + "/delete",
                        "Delete the subscription",
                        cursorField("webhooksCursor", webhooksCursor),
                        ConsolePages.listAddress(PAGE, portfolioId, "webhooksCursor", webhooksCursor)));
    }

    private static String confirmation(Model model, Confirmation confirmation) {
        return confirmation.show(model);
    }

    /** The list's cursor as the confirmation's form carries it back, none for the list's first page. */
    private static Map<String, String> cursorField(String name, String cursor) {
        return StringUtils.hasText(cursor) ? Map.of(name, cursor) : Map.of();
    }

    @PostMapping(PAGE + "/webhooks/{subscriptionId}/delete")
    String delete(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID subscriptionId,
            @RequestParam(required = false) String webhooksCursor,
            RedirectAttributes redirect) {
        try {
            api.deleteWebhook(user, portfolioId, subscriptionId);
        } catch (ApiProblem problem) {
            redirect.addFlashAttribute("done", deletedAlready(problem));
            return webhooksPage(portfolioId, webhooksCursor);
        }
        redirect.addFlashAttribute("done", "The subscription was deleted with its messages.");
        return webhooksPage(portfolioId, webhooksCursor);
    }

    /**
     * What the list says when the API answers that the portfolio has no such subscription (404): it was
     * deleted already (the form sent again, from another tab or from the history; a deleted
     * subscription leaves nothing to tell it from an id the portfolio never had). Any other problem is
     * thrown on.
     */
    private static String deletedAlready(ApiProblem problem) {
        if (problem.status() != 404) {
            throw problem;
        }
        return "The subscription was deleted already: the portfolio has no such subscription any more.";
    }

    /** A subscription's messages, newest first, a page at a time. */
    @GetMapping(PAGE + "/webhooks/{subscriptionId}/deliveries")
    String deliveries(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID subscriptionId,
            @RequestParam(required = false) String cursor,
            Model model) {
        pages.portfolio(model, user, portfolioId, "integrations");
        model.addAttribute("subscription", api.webhook(user, portfolioId, subscriptionId));
        Map<String, Object> page = api.webhookDeliveries(user, portfolioId, subscriptionId, pages.pageSize(), cursor);
        List<?> items = ConsolePages.items(page);
        model.addAttribute("deliveries", items);
        model.addAttribute("nextCursor", ConsolePages.nextCursor(page));
        // A message outlives its job by a day or more (a redelivery starts its retry period again).
        model.addAttribute("jobs", directory.jobs(portfolioId, ConsolePages.values(items, "jobId")));
        return "console/webhook-deliveries";
    }

    @PostMapping(PAGE + "/webhooks/{subscriptionId}/deliveries/{deliveryId}/redeliver")
    String redeliver(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID subscriptionId,
            @PathVariable UUID deliveryId,
            @RequestParam(required = false) String cursor,
            RedirectAttributes redirect) {
        api.redeliver(user, portfolioId, subscriptionId, deliveryId);
        redirect.addFlashAttribute("done", "The message is sent again shortly, with the same webhook-id.");
        // Back to the page of messages it was redelivered from.
        return deliveriesPage(portfolioId, subscriptionId, cursor);
    }

    /** Back to the page of a subscription's messages an action was made from. */
    private static String deliveriesPage(UUID portfolioId, UUID subscriptionId, String cursor) {
        return ConsolePages.redirectToList(
                PAGE + "/webhooks/" + subscriptionId + "/deliveries", portfolioId, "cursor", cursor);
    }

    /** Back to the page of webhook subscriptions an action was made on, which shows the changed row. */
    private static String webhooksPage(UUID portfolioId, String webhooksCursor) {
        return ConsolePages.redirectToList(PAGE, portfolioId, "webhooksCursor", webhooksCursor);
    }

    private static String page(UUID portfolioId) {
        return "redirect:/console/portfolios/" + portfolioId + "/integrations";
    }

    /**
     * The SCIM base URL as the identity provider reaches it: the portfolio's SCIM path at the address
     * the administrator reached the console at, under the same context path (the API was called over
     * loopback, or at the configured API base URL, whose address and path the identity provider may
     * not share).
     */
    private static String scimBaseUrl(UUID portfolioId) {
        return ServletUriComponentsBuilder.fromCurrentContextPath()
                .path(ScimErrors.PATHS + "portfolios/{portfolioId}")
                .buildAndExpand(portfolioId)
                .toUriString();
    }
}

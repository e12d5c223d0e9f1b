package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.InvitationLanguages;
import com.portfoliobulk.gateway.web.CanonicalUuids;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.client.RestClientException;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import tools.jackson.databind.json.JsonMapper;

/**
 * Review Changes: every bulk action is previewed first (the API's preview: the changes, the skipped
 * ones with their reasons, paged), and only Confirm submits it. The review page carries an
 * Idempotency-Key derived from the form key of the form it was made from and the request ({@link
 * ReviewKeys}), so a double click on Confirm, a resubmitted Confirm, or the same request reviewed again
 * from the same showing of its form (Back to the review, a second tab) makes one job; and a signature
 * of the request and the key ({@link ReviewSignatures}), so that Confirm submits exactly the request
 * that was reviewed, and nothing when the form was changed.
 */
@Controller
class ReviewController {

    /** Why a review's form may be sent again after the API did not answer it in time (a preview). */
    private static final String REVIEW_CHANGES_NOTHING = "a review changes nothing until it is confirmed";

    /** The job page's notice after a Confirm the API answered with the job an earlier Confirm made. */
    static final String REPLAYED = "This change was confirmed before, from the same form: this is its job, and"
            + " nothing more was submitted. To make it again, open its page again and review it there.";

    static final String BEING_CREATED = "This change was confirmed a moment ago, from the same form, and its job is"
            + " still being created: nothing more was submitted. It appears in this list in a moment; open it"
            + " from here.";

    /** Why a review has no preview when the API did not answer its preview in time. */
    private static final ApiProblem NOT_ANSWERED = new ApiProblem(
            503,
            Map.of(
                    "title",
                    "The review could not be made",
                    "detail",
                    "The service did not answer in time, so nothing is shown to confirm and nothing was changed."
                            + " The form is below as it was sent: review it again in a moment."));

    private final GatewayApi api;

    private final ConsolePages pages;

    private final BulkRequests requests;

    private final ReviewSignatures signatures;

    private final ConsoleErrorPages errorPages;

    private final ConsoleDirectory directory;

    /** The most tasks a job may have ({@code bulk.gateway.jobs.max-tasks-per-job}), said by {@link #inConsoleWords}. */
    private final int maxTasksPerJob;

    ReviewController(
            GatewayApi api,
            ConsolePages pages,
            JsonMapper json,
            ReviewSignatures signatures,
            ConsoleErrorPages errorPages,
            ConsoleDirectory directory,
            @Value("${bulk.gateway.jobs.max-tasks-per-job:200000}") int maxTasksPerJob) {
        this.maxTasksPerJob = maxTasksPerJob;
        this.api = api;
        this.pages = pages;
        this.requests = new BulkRequests(json);
        this.signatures = signatures;
        this.errorPages = errorPages;
        this.directory = directory;
    }

    /**
     * A review is made by a form; its address opened again (a tab restored, Enter in the address bar)
     * goes back to the Users tab, where reviews start, rather than answering that GET is not allowed.
     */
    @GetMapping({
        "/console/portfolios/{portfolioId}/review",
        "/console/portfolios/{portfolioId}/review/invitation",
        "/console/portfolios/{portfolioId}/review/page",
        "/console/portfolios/{portfolioId}/users/{userId}/review"
    })
    String reviewOpenedAgain(@PathVariable UUID portfolioId) {
        return "redirect:/console/portfolios/" + portfolioId + "/users";
    }

    /** The Users tab's bulk bar: an action on the ticked users (and the chosen accounts). */
    @PostMapping("/console/portfolios/{portfolioId}/review")
    @ConsoleAdvice.SafeToSendAgain(REVIEW_CHANGES_NOTHING)
    String review(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam String action,
            @RequestParam(required = false) String[] userIds,
            @RequestParam(required = false) String[] accountIds,
            @RequestParam(required = false) String role,
            @RequestParam(required = false) String formKey,
            Model model) {
        List<String> users = ConsolePages.nonBlank(userIds);
        List<String> accounts = ConsolePages.nonBlank(accountIds);
        String request = switch (action) {
            case "change-role" -> requests.changeRole(users, accounts, role == null ? "" : role);
            case "remove-access" -> requests.removeAccess(users, accounts);
            case "offboard" -> requests.offboard(users);
            default ->
                throw new RequestRefusedException(
                        RequestRefusedException.Reason.INVALID_PARAMETER,
                        "This form is not valid",
                        "'" + action + "' is not an action of the Users page: open the page again and choose"
                                + " Offboard, Change role or Remove access.");
        };
        model.addAttribute("sent", new BulkChange(action, users, accounts, role == null ? "" : role));
        return show(user, portfolioId, request, formKey, model);
    }

    /** Invite users: addresses, language, and a role per chosen account (Support unless changed). */
    @PostMapping("/console/portfolios/{portfolioId}/review/invitation")
    @ConsoleAdvice.SafeToSendAgain(REVIEW_CHANGES_NOTHING)
    String reviewInvitation(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(defaultValue = "") String emails,
            @RequestParam(defaultValue = InvitationLanguages.FALLBACK) String language,
            @RequestParam(required = false) String[] accountIds,
            @RequestParam Map<String, String> form,
            @RequestParam(required = false) String formKey,
            Model model) {
        Map<String, String> roles = new LinkedHashMap<>();
        for (String account : ConsolePages.nonBlank(accountIds)) {
            roles.put(account, form.getOrDefault("role-" + account, "SUPPORT"));
        }
        String request = requests.invite(emails, language, roles);
        model.addAttribute("sent", new Invitation(emails, language, roles));
        return show(user, portfolioId, request, formKey, model);
    }

    /**
     * The form a review was made from, as it was sent: the review offers it back, filled in, to change
     * and review again ("Change the invitation", "Change the role change"...), rather than a Cancel to
     * an empty Users page; and a review the API refuses offers it to correct, with the refusal.
     */
    sealed interface SentForm permits Invitation, BulkChange {

        /** The words of the review's link to the form. */
        String change();

        /** The review page's fragment ({@code review.html}) of the form. */
        String form();
    }

    /**
     * An invitation as the Users page's form sent it.
     *
     * @param emails the addresses as typed
     * @param language the invitation's language
     * @param roles the role on each chosen account, by account id
     */
    record Invitation(String emails, String language, Map<String, String> roles) implements SentForm {

        @Override
        public String change() {
            return "Change the invitation";
        }

        @Override
        public String form() {
            return "invitation-form";
        }
    }

    /**
     * A change of the Users page's bulk bar as it was sent: whatever its action, the bar sends the users
     * ticked, the accounts ticked and the role chosen, which its form offers back as they were.
     *
     * @param action {@code offboard}, {@code change-role} or {@code remove-access}
     * @param userIds the users ticked
     * @param accountIds the accounts ticked
     * @param role the role chosen (blank for none)
     */
    record BulkChange(String action, List<String> userIds, List<String> accountIds, String role) implements SentForm {

        @Override
        public String change() {
            return switch (action) {
                case "change-role" -> "Change the role change";
                case "remove-access" -> "Change the removal";
                default -> "Change the offboarding";
            };
        }

        @Override
        public String form() {
            return "bulk-form";
        }
    }

    /**
     * A user a bulk change's form names, ticked.
     *
     * @param userId the user's id
     * @param email their address; the id for a user the portfolio's Users page does not list
     */
    record SentUser(String userId, String email) {}

    /**
     * An account the refused invitation's form offers: the chosen ones first, ticked, with the role
     * chosen on each, then the other accounts the Users page offers (the first ones by name), to tick.
     *
     * @param accountId the account's id
     * @param name its name (its id when the portfolio has no account by that id)
     * @param chosen whether the invitation named it
     * @param role the role chosen on it, or Support for one not chosen
     */
    record InvitationAccount(String accountId, String name, boolean chosen, String role) {}

    /**
     * The profile page's per-account role selector: a new role, access removed, or an invitation (in
     * the language chosen beside it).
     */
    @PostMapping("/console/portfolios/{portfolioId}/users/{userId}/review")
    @ConsoleAdvice.SafeToSendAgain(REVIEW_CHANGES_NOTHING)
    String reviewProfileChange(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable String userId,
            @RequestParam String accountId,
            @RequestParam String email,
            @RequestParam(defaultValue = "") String currentRole,
            @RequestParam String role,
            @RequestParam(defaultValue = InvitationLanguages.FALLBACK) String language,
            @RequestParam(required = false) String formKey,
            Model model) {
        String request;
        if ("NO_ACCESS".equals(role)) {
            request = requests.removeAccess(List.of(userId), List.of(accountId));
        } else if (currentRole.isBlank()) {
            request = requests.invite(email, language, Map.of(accountId, role));
        } else {
            request = requests.assignRoles(userId, Map.of(accountId, role));
        }
        return show(user, portfolioId, request, formKey, model);
    }

    /** Another page of the same preview, of the reviewed request only; the key made for the first page stays. */
    @PostMapping("/console/portfolios/{portfolioId}/review/page")
    @ConsoleAdvice.SafeToSendAgain(REVIEW_CHANGES_NOTHING)
    String page(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(defaultValue = "") String request,
            @RequestParam(defaultValue = "") String idempotencyKey,
            @RequestParam(required = false) String signature,
            @RequestParam(required = false) String cursor,
            Model model) {
        requireReviewed(user, portfolioId, request, idempotencyKey, signature);
        return show(user, portfolioId, request, idempotencyKey, cursor, model);
    }

    /**
     * Confirm: submits the reviewed request once, whatever the number of clicks or reviews of it from one
     * showing of its form, and only that request. A Confirm the API answers with the job an earlier one
     * made leads to that job's page, which says so (once).
     */
    @PostMapping("/console/portfolios/{portfolioId}/jobs")
    @ConsoleAdvice.SafeToSendAgain("confirming the same review twice never makes two jobs")
    String confirm(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(defaultValue = "") String request,
            @RequestParam(defaultValue = "") String idempotencyKey,
            @RequestParam(required = false) String signature,
            RedirectAttributes redirect) {
        requireReviewed(user, portfolioId, request, idempotencyKey, signature);
        pages.portfolio(new org.springframework.ui.ExtendedModelMap(), user, portfolioId, "jobs");
        GatewayApi.Submitted submitted;
        try {
            submitted = api.submit(user, portfolioId, request, idempotencyKey);
        } catch (ApiProblem problem) {
            if (stillBeingCreated(problem)) {
                // An earlier Confirm of this review is making its job right now: that job is this one.
                redirect.addFlashAttribute("notice", BEING_CREATED);
                return "redirect:/console/portfolios/" + portfolioId + "/jobs";
            }
            throw inConsoleWords(problem);
        }
        if (submitted.replayed()) {
            redirect.addFlashAttribute("notice", REPLAYED);
        }
        return "redirect:/console/portfolios/" + portfolioId + "/jobs/" + submitted.jobId();
    }

    /**
     * Whether the API answered that a job with the Confirm's Idempotency-Key is still being created (409
     * naming the key): an earlier Confirm of the same review, still under way.
     */
    private static boolean stillBeingCreated(ApiProblem problem) {
        return problem.status() == 409 && problem.names("Idempotency-Key");
    }

    /**
     * A change of more tasks than a job may have (413) in words a console user can act on: what to
     * untick, how the tasks add up, and the cap. The API's own words point an API client to its preview
     * endpoint, which a browser user has no use for. Any other problem as the API worded it.
     */
    private ApiProblem inConsoleWords(ApiProblem problem) {
        if (problem.status() != 413) {
            return problem;
        }
        return new ApiProblem(
                problem.status(),
                Map.of(
                        "title",
                        "Too many tasks",
                        "detail",
                        "This change makes more than " + maxTasksPerJob + " tasks, the most one job may have."
                                + " Each user makes one task for every account the change touches (offboarded,"
                                + " one for every account they hold): untick some users or accounts and review"
                                + " again, and make the rest as another change."));
    }

    /**
     * Refuses (400, submitting nothing) a request and key that are not the ones a review page showed
     * this administrator for this portfolio: a changed form, or one from another sign-in or portfolio.
     */
    private void requireReviewed(
            ConsoleUser user, UUID portfolioId, String request, String idempotencyKey, String signature) {
        if (!signatures.verify(portfolioId, user, request, idempotencyKey, signature)) {
            throw new RequestRefusedException(
                    RequestRefusedException.Reason.INVALID_PARAMETER,
                    "Review the change again",
                    "This is not the change that was reviewed (the form was changed, or it comes from another"
                            + " sign-in or portfolio), so nothing was submitted. Review the change again and confirm it.");
        }
    }

    /**
     * The review of a request a form sent, with the form key it sent (a new one if it sent none): its
     * key is the form key's for this request, and the form it offers back carries the same form key.
     */
    private String show(ConsoleUser user, UUID portfolioId, String request, String sentFormKey, Model model) {
        String formKey = ReviewKeys.formKey(sentFormKey);
        model.addAttribute(ReviewKeys.FORM_KEY, formKey);
        return show(
                user,
                portfolioId,
                request,
                ReviewKeys.idempotencyKey(portfolioId, user, formKey, request),
                null,
                model);
    }

    private String show(
            ConsoleUser user, UUID portfolioId, String request, String idempotencyKey, String cursor, Model model) {
        // Confirm sends the request back, as JSON: a review must not show what its Confirm cannot send.
        errorPages.requireConfirmable(request);
        pages.portfolio(model, user, portfolioId, "users");
        model.addAttribute("request", request);
        model.addAttribute("idempotencyKey", idempotencyKey);
        model.addAttribute("signature", signatures.sign(portfolioId, user, request, idempotencyKey));
        model.addAttribute("action", requests.describe(request));
        try {
            Map<String, Object> preview = api.preview(user, portfolioId, request, pages.pageSize(), cursor);
            model.addAttribute("summary", preview.get("summary"));
            model.addAttribute("items", ConsolePages.items(preview));
            model.addAttribute("accountNames", pages.accountNames(portfolioId, ConsolePages.items(preview)));
            pages.roleNames(model, portfolioId);
            model.addAttribute("nextCursor", ConsolePages.nextCursor(preview));
            if (model.getAttribute("sent") instanceof SentForm sent) {
                offerBack(model, user, portfolioId, sent);
            }
        } catch (ApiProblem problem) {
            if (problem.status() == 401 || problem.status() == 403 || problem.status() == 404) {
                throw problem;
            }
            // The request as built cannot be previewed: say why, field by field, and offer no Confirm.
            refused(model, user, portfolioId, inConsoleWords(problem));
        } catch (RestClientException notAnswered) {
            // The API did not answer in time (or at all): as an answer of the API's own failure, the form
            // comes back as it was sent, to review again, with no Confirm.
            refused(model, user, portfolioId, NOT_ANSWERED);
        }
        return "console/review";
    }

    /** The review of a request the API did not preview: why, the form offered back as sent, no Confirm. */
    private void refused(Model model, ConsoleUser user, UUID portfolioId, ApiProblem problem) {
        model.addAttribute("problem", problem);
        if (model.getAttribute("sent") instanceof SentForm sent) {
            offerBack(model, user, portfolioId, sent);
        }
    }

    /**
     * The form the review was made from, filled in as it was sent ({@code sent} in the model, and {@code
     * invitation} or {@code bulkChange} for its fragment), beside the accounts the Users page's forms
     * offer (the first ones by name): to change and review again, or to correct what the API refused.
     */
    private void offerBack(Model model, ConsoleUser user, UUID portfolioId, SentForm sent) {
        pages.accountRoles(model, user, portfolioId);
        Map<String, String> offered = new LinkedHashMap<>();
        try {
            for (Object item :
                    ConsolePages.items(api.accounts(user, portfolioId, null, pages.accountChoices(), null))) {
                if (item instanceof Map<?, ?> account && account.get("accountId") != null) {
                    offered.put(account.get("accountId").toString(), String.valueOf(account.get("name")));
                }
            }
        } catch (ApiProblem | RestClientException problem) {
            // The accounts as chosen are offered all the same.
        }
        switch (sent) {
            case Invitation invitation -> offerToCorrect(model, portfolioId, invitation, offered);
            case BulkChange change -> offerBulkChange(model, portfolioId, change, offered);
        }
    }

    /**
     * The bulk bar's form as it was sent: the users ticked (by address), the accounts ticked first then
     * the others offered, at most as many as the Users page's list holds ({@link
     * ConsolePages#accountList}), the role chosen, and the three actions.
     */
    private void offerBulkChange(Model model, UUID portfolioId, BulkChange change, Map<String, String> offered) {
        model.addAttribute("bulkChange", change);
        List<UUID> ids = change.userIds().stream()
                .map(CanonicalUuids::parse)
                .filter(Objects::nonNull)
                .toList();
        Map<String, String> emails = directory.userEmails(portfolioId, ids);
        model.addAttribute(
                "sentUsers",
                change.userIds().stream()
                        .distinct()
                        .map(id -> {
                            UUID parsed = CanonicalUuids.parse(id);
                            String email = parsed == null ? null : emails.get(parsed.toString());
                            return new SentUser(id, email == null ? id : email);
                        })
                        .toList());
        Map<String, String> ticked = new LinkedHashMap<>();
        change.accountIds().forEach(account -> ticked.put(account, ""));
        model.addAttribute("bulkAccounts", pages.accountList(portfolioId, ticked, offered));
    }

    /**
     * What an invitation's form offers, to change or to correct whatever a refusal names: the language
     * and the accounts with a role on each, as chosen (a role the portfolio no longer has is offered to
     * choose again), beside the accounts the Users page's form offers.
     */
    private void offerToCorrect(Model model, UUID portfolioId, Invitation invitation, Map<String, String> offered) {
        model.addAttribute("invitation", invitation);
        model.addAttribute("invitationLanguages", InvitationLanguages.NAMES);
        List<String> unnamed = invitation.roles().keySet().stream()
                .filter(account -> !offered.containsKey(account) && CanonicalUuids.parse(account) != null)
                .toList();
        Map<String, String> names = pages.accountNames(
                portfolioId,
                unnamed.stream().map(account -> Map.of("accountId", account)).toList());
        List<InvitationAccount> accounts = new ArrayList<>();
        invitation
                .roles()
                .forEach((account, role) -> accounts.add(new InvitationAccount(
                        account, offered.getOrDefault(account, names.getOrDefault(account, account)), true, role)));
        offered.forEach((account, name) -> {
            if (!invitation.roles().containsKey(account)) {
                accounts.add(new InvitationAccount(account, name, false, "SUPPORT"));
            }
        });
        model.addAttribute("invitationAccounts", accounts);
    }
}

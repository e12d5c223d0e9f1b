package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.directory.CustomAccountRoles;
import com.portfoliobulk.gateway.web.Problems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;

/**
 * The page behind the link of an invitation e-mail. Opening it only shows whom the invitation will be
 * accepted as (mail scanners follow links); the invited person accepts with its button, which calls
 * the API's accept with their sign-in. Someone not signed in signs in first and comes back here
 * ({@link SignInReturn}). The pages speak the language of the e-mail that led there
 * ({@link InvitationLanguage}), with the texts of the {@code messages} bundles and the roles' names
 * of {@link AccountRole#displayName(Locale)}.
 */
@Controller
class InvitationPageController {

    private final GatewayApi api;

    private final ConsoleDirectory directory;

    private final CustomAccountRoles customRoles;

    private final InvitationLanguage language;

    InvitationPageController(
            GatewayApi api, ConsoleDirectory directory, CustomAccountRoles customRoles, InvitationLanguage language) {
        this.api = api;
        this.directory = directory;
        this.customRoles = customRoles;
        this.language = language;
    }

    @GetMapping(SignInReturn.INVITATION_PAGE)
    String invitation(ConsoleUser user, @PathVariable String token, HttpServletRequest request, Model model) {
        language.use(token, request);
        model.addAttribute("me", user.email());
        model.addAttribute("token", token);
        model.addAttribute("outcome", "pending");
        return "console/invitation";
    }

    /**
     * Accepts the invitation through the API. Used, expired or revoked (410), another person's
     * invitation and an address not verified yet (403) are explained on the page, in its language (a 403
     * the page does not know is shown as the API worded it); an ended sign-in (401) and anything else are shown
     * as on every console page ({@link ConsoleAdvice}). A sign-in whose ID token said the address is not
     * verified is refused here, with the API's answer to a token saying so: the access token the API
     * sees need not carry the claim. The language is read before accepting: a single invitation's
     * token, once accepted, finds it no more.
     */
    @PostMapping(SignInReturn.INVITATION_PAGE)
    @ConsoleAdvice.SafeToSendAgain("accepting the invitation again gives the same access")
    String accept(
            ConsoleUser user,
            @PathVariable String token,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        Locale locale = language.use(token, request);
        model.addAttribute("me", user.email());
        model.addAttribute("token", token);
        if (user.addressUnverified()) {
            model.addAttribute("outcome", "unverified");
            response.setStatus(HttpServletResponse.SC_FORBIDDEN);
            return "console/invitation";
        }
        try {
            model.addAttribute("memberships", memberships(api.acceptInvitation(user, token), locale));
            model.addAttribute("outcome", "accepted");
        } catch (ApiProblem problem) {
            if (problem.status() == 410) {
                model.addAttribute("outcome", "gone");
            } else if (problem.status() == 403) {
                // The invitee's own address, not verified yet, is not someone else's invitation.
                if (Problems.ADDRESS_NOT_VERIFIED.equals(problem.title())) {
                    model.addAttribute("outcome", "unverified");
                } else {
                    model.addAttribute("outcome", "forbidden");
                    if (!Problems.INVITATION_FOR_ANOTHER_ADDRESS.equals(problem.title())) {
                        model.addAttribute("detail", problem.detail());
                    }
                }
            } else {
                throw problem;
            }
            response.setStatus(problem.status());
        }
        return "console/invitation";
    }

    /**
     * The memberships the acceptance activated, with the accounts' names where they are known and the
     * roles' names: a custom role's as the portfolio configured it (one name for every language; read once
     * per portfolio, and an invitation names one), a standard role's in the page's language.
     */
    private List<Membership> memberships(Map<String, Object> accepted, Locale locale) {
        List<Map<?, ?>> answered = new ArrayList<>();
        if (accepted.get("memberships") instanceof List<?> all) {
            all.stream().filter(Map.class::isInstance).map(Map.class::cast).forEach(answered::add);
        }
        if (answered.isEmpty()) {
            answered.add(accepted);
        }
        List<UUID> ids = answered.stream()
                .map(membership -> accountId(membership.get("accountId")))
                .filter(Objects::nonNull)
                .toList();
        Map<UUID, ConsoleDirectory.Account> accounts = directory.accounts(ids);
        Map<UUID, Map<String, String>> roleNames = new HashMap<>();
        return answered.stream()
                .map(membership -> {
                    UUID accountId = accountId(membership.get("accountId"));
                    ConsoleDirectory.Account account = accountId == null ? null : accounts.get(accountId);
                    String role = membership.get("role") == null
                            ? null
                            : membership.get("role").toString();
                    String roleName = account == null || account.portfolioId() == null || role == null
                            ? null
                            : roleNames
                                    .computeIfAbsent(account.portfolioId(), customRoles::names)
                                    .get(role);
                    return new Membership(
                            String.valueOf(membership.get("accountId")),
                            account == null ? null : account.name(),
                            role,
                            roleName != null || role == null ? roleName : roleName(role, locale));
                })
                .toList();
    }

    /**
     * A standard role's name in the page's language, as the e-mail names it
     * ({@link AccountRole#displayName(Locale)}); another's code in words.
     */
    private static String roleName(String role, Locale locale) {
        return new AccountRole(role).displayName(locale);
    }

    private static UUID accountId(Object value) {
        try {
            return value == null ? null : UUID.fromString(value.toString());
        } catch (IllegalArgumentException ex) {
            return null;
        }
    }

    /**
     * An activated membership: the account (its name when known) and the role now held (its name: a
     * custom role's as configured, a standard one's in the page's language).
     */
    record Membership(String accountId, String accountName, String role, String roleName) {}
}

package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.directory.CustomAccountRoles;
import com.portfoliobulk.gateway.web.Problems;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 * ({@link SignInReturn}).
 */
@Controller
class InvitationPageController {

    private final GatewayApi api;

    private final ConsoleDirectory directory;

    private final CustomAccountRoles customRoles;

    InvitationPageController(GatewayApi api, ConsoleDirectory directory, CustomAccountRoles customRoles) {
        this.api = api;
        this.directory = directory;
        this.customRoles = customRoles;
    }

    @GetMapping(SignInReturn.INVITATION_PAGE)
    String invitation(ConsoleUser user, @PathVariable String token, Model model) {
        model.addAttribute("me", user.email());
        model.addAttribute("token", token);
        model.addAttribute("outcome", "pending");
        return "console/invitation";
    }

    /**
     * Accepts the invitation through the API. Used, expired or revoked (410), another person's
     * invitation and an address not verified yet (403) are explained on the page; an ended sign-in (401) and anything else are shown
     * as on every console page ({@link ConsoleAdvice}). A sign-in whose ID token said the address is not
     * verified is refused here, with the API's answer to a token saying so: the access token the API
     * sees need not carry the claim.
     */
    @PostMapping(SignInReturn.INVITATION_PAGE)
    String accept(ConsoleUser user, @PathVariable String token, HttpServletResponse response, Model model) {
        model.addAttribute("me", user.email());
        model.addAttribute("token", token);
        if (user.addressUnverified()) {
            model.addAttribute("outcome", "unverified");
            model.addAttribute("detail", Problems.addressNotVerified(user.email()));
            response.setStatus(HttpServletResponse.SC_FORBIDDEN);
            return "console/invitation";
        }
        try {
            model.addAttribute("memberships", memberships(api.acceptInvitation(user, token)));
            model.addAttribute("outcome", "accepted");
        } catch (ApiProblem problem) {
            if (problem.status() == 410) {
                model.addAttribute("outcome", "gone");
            } else if (problem.status() == 403) {
                // The invitee's own address, not verified yet, is not someone else's invitation.
                model.addAttribute(
                        "outcome", Problems.ADDRESS_NOT_VERIFIED.equals(problem.title()) ? "unverified" : "forbidden");
                model.addAttribute("detail", problem.detail());
            } else {
                throw problem;
            }
            response.setStatus(problem.status());
        }
        return "console/invitation";
    }

    /**
     * The memberships the acceptance activated, with the accounts' names where they are known and a
     * custom role's configured name (read once per portfolio, and an invitation names one).
     */
    private List<Membership> memberships(Map<String, Object> accepted) {
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
                            roleName);
                })
                .toList();
    }

    private static UUID accountId(Object value) {
        try {
            return value == null ? null : UUID.fromString(value.toString());
        } catch (IllegalArgumentException ex) {
            return null;
        }
    }

    /**
     * An activated membership: the account (its name when known) and the role now held (a custom
     * role's configured name, when it is one).
     */
    record Membership(String accountId, String accountName, String role, String roleName) {}
}

package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.security.PortfolioPermission;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;

/**
 * The sign-in page: a link per configured identity provider ({@code oauth2Login}) and, when
 * {@code bulk.gateway.console.demo-sign-in} is on (the {@code local} profile), the demo sign-in. In the
 * invitation's language when the sign-in will come back to an invitation page ({@link InvitationLanguage};
 * the demo sign-in, for local runs, stays in English).
 */
@Controller
class SignInController {

    static final String DEMO_EMAIL = "admin@demo.example";

    /**
     * How many portfolios a demo token names at most without a chosen one: every portfolio adds to
     * the token, which travels in a header of every API call (Tomcat takes 8 KB of headers).
     */
    static final int DEMO_PORTFOLIO_LIMIT = 50;

    private final ConsoleProperties properties;

    private final ConsoleDirectory directory;

    private final ObjectProvider<JwtDecoder> decoders;

    private final PortfolioAccess access;

    private final ObjectProvider<ConsoleIdentityProviders> identityProviders;

    private final SecurityContextRepository contexts;

    private final Environment environment;

    private final OAuth2ResourceServerProperties resourceServer;

    private final InvitationLanguage invitationLanguage;

    SignInController(
            ConsoleProperties properties,
            ConsoleDirectory directory,
            ObjectProvider<JwtDecoder> decoders,
            PortfolioAccess access,
            ObjectProvider<ConsoleIdentityProviders> identityProviders,
            SecurityContextRepository consoleSecurityContextRepository,
            Environment environment,
            OAuth2ResourceServerProperties resourceServer,
            InvitationLanguage invitationLanguage) {
        this.properties = properties;
        this.directory = directory;
        this.decoders = decoders;
        this.access = access;
        this.identityProviders = identityProviders;
        this.contexts = consoleSecurityContextRepository;
        this.environment = environment;
        this.resourceServer = resourceServer;
        this.invitationLanguage = invitationLanguage;
    }

    /** A form the console refused for its CSRF token while signed in (see {@link ConsoleAccessDenied}). */
    @RequestMapping(ConsoleAccessDenied.PAGE)
    @ResponseStatus(HttpStatus.FORBIDDEN)
    String outOfDate(Model model) {
        model.addAttribute("title", "This page is out of date");
        model.addAttribute(
                "detail",
                "The form was sent from a page of an earlier sign-in, so nothing was changed. Open the page again"
                        + " from the console and send it from there.");
        return "console/error";
    }

    /**
     * The sign-in page. {@code ?portfolio=<id>} offers the demo sign-in to that portfolio alone (a
     * link to one portfolio's console, whatever the number of portfolios).
     */
    @GetMapping(ConsoleSecurityConfiguration.SIGN_IN)
    String signIn(
            @RequestParam(name = "portfolio", required = false) String portfolio,
            @RequestParam(name = "signedOut", required = false) String signedOut,
            HttpServletRequest request,
            Model model) {
        invitationLanguage.useForSignIn(request);
        model.addAttribute("demo", demoAvailable());
        model.addAttribute(
                "demoPortfolio", demoAvailable() ? chosenPortfolio(portfolio).orElse(null) : null);
        model.addAttribute("demoPortfolioLimit", DEMO_PORTFOLIO_LIMIT);
        model.addAttribute("demoEmail", DEMO_EMAIL);
        model.addAttribute("demoPermission", PortfolioPermission.OWNER.name());
        model.addAttribute("providers", providers(signedOut != null));
        return "console/sign-in";
    }

    @PostMapping(ConsoleSecurityConfiguration.SIGN_IN)
    @ConsoleAdvice.SafeToSendAgain("signing in again changes nothing")
    String demoSignIn(
            @RequestParam String email,
            @RequestParam(defaultValue = "OWNER") PortfolioPermission permission,
            @RequestParam(name = "portfolio", required = false) String portfolio,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        if (!demoAvailable()) {
            response.setStatus(HttpServletResponse.SC_NOT_FOUND);
            return signIn(portfolio, null, request, model);
        }
        // As the directory stores it (a Unicode domain in its xn-- form), so that the demo signs in as
        // that user; an address the rule refuses is taken lower-cased as before.
        String address =
                EmailAddresses.stored(email.strip()).orElse(email.strip().toLowerCase(Locale.ROOT));
        if (!address.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
            response.setStatus(422);
            model.addAttribute("emailError", "Enter an e-mail address such as " + DEMO_EMAIL);
            String page = signIn(portfolio, null, request, model);
            // The form again as it was sent: a second click must not sign in as the demo Owner instead.
            model.addAttribute("demoEmail", email);
            model.addAttribute("demoPermission", permission.name());
            return page;
        }
        UUID userId = directory
                .userId(address)
                .orElseGet(() -> UUID.nameUUIDFromBytes(address.getBytes(StandardCharsets.UTF_8)));
        String token = demoTokens()
                .mint(
                        userId,
                        address,
                        chosenPortfolio(portfolio)
                                .map(chosen -> List.of(chosen.id()))
                                .orElseGet(() -> directory.firstPortfolioIds(DEMO_PORTFOLIO_LIMIT)),
                        permission,
                        Instant.now().plus(properties.demoTokenValidity()));
        Jwt decoded = decoders.getObject().decode(token);
        ConsoleSession.start(
                ConsoleUser.of(access.named(decoded), decoded, false),
                request,
                response,
                contexts,
                properties.sessionTimeout());
        return "redirect:" + SignInReturn.path(request, response);
    }

    private Optional<ConsoleDirectory.Portfolio> chosenPortfolio(String portfolio) {
        if (portfolio == null || portfolio.isBlank()) {
            return Optional.empty();
        }
        try {
            return directory.portfolios(List.of(UUID.fromString(portfolio.strip()))).stream()
                    .findFirst();
        } catch (IllegalArgumentException ex) {
            return Optional.empty();
        }
    }

    private boolean demoAvailable() {
        return properties.demoSignIn() && StringUtils.hasText(hs256Secret());
    }

    private DemoTokens demoTokens() {
        List<String> audiences = resourceServer.getJwt().getAudiences();
        return new DemoTokens(hs256Secret(), audiences == null ? List.of() : audiences);
    }

    private String hs256Secret() {
        return environment.getProperty("bulk.gateway.security.hs256-secret", "");
    }

    /**
     * The configured identity providers. Right after signing out, their links ask the provider to let
     * the person choose the account ({@link IdentityProviderRequests}): someone who signed out to sign
     * in as someone else would otherwise be signed in again as themselves by the provider. Listing them
     * asks no provider for its configuration: the page shows while a provider cannot be reached.
     */
    private List<Provider> providers(boolean signedOut) {
        List<Provider> providers = new ArrayList<>();
        ConsoleIdentityProviders configured = identityProviders.getIfAvailable();
        if (configured != null) {
            configured
                    .names()
                    .forEach((registrationId, name) -> providers.add(new Provider(
                            IdentityProviderRequests.BASE_URI
                                    + "/"
                                    + registrationId
                                    + (signedOut ? "?" + IdentityProviderRequests.CHOOSE_ACCOUNT : ""),
                            name)));
        }
        return providers;
    }

    /** A configured identity provider to sign in with. */
    record Provider(String url, String name) {}
}

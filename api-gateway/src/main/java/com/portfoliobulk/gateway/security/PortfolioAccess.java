package com.portfoliobulk.gateway.security;

import com.portfoliobulk.contracts.EmailAddresses;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AuthenticationCredentialsNotFoundException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/**
 * Resolves the {@link Caller} of the current request and checks their permission on a portfolio.
 * The token identifies the caller; their permissions are the portfolio users and roles stored in the
 * database ({@link StoredPermissions}, briefly cached), or the token's {@code portfolios} claim when
 * {@code bulk.gateway.permissions.source=identity-provider}. A caller without the needed permission
 * gets 403. Resources are always looked up within the
 * portfolio of the path, so another portfolio's job, user, account or log answers 404 and its
 * existence does not leak.
 */
@Component
public class PortfolioAccess {

    /** The claim with the caller's e-mail address. */
    static final String EMAIL_CLAIM = "email";

    /** The claim with the caller's permissions: portfolio id to a list of permission names. */
    static final String PORTFOLIOS_CLAIM = "portfolios";

    private final StoredPermissions stored;

    private final PermissionProperties.Source source;

    PortfolioAccess(StoredPermissions stored, PermissionProperties properties) {
        this.stored = stored;
        this.source = properties.source();
    }

    /**
     * The caller of the current request; 403 when the token's {@code sub} is not a user id of the
     * product ({@link #named}).
     */
    public Caller caller() {
        return withPermissions(named(bearerToken()));
    }

    /**
     * The e-mail address of the current request's caller ({@link #email(Jwt)}), for what needs no user
     * id of the product: accepting an invitation.
     */
    public String callerEmail() {
        return email(bearerToken());
    }

    private static Jwt bearerToken() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication == null || !(authentication.getPrincipal() instanceof Jwt jwt)) {
            throw new AuthenticationCredentialsNotFoundException("A bearer token is required");
        }
        return jwt;
    }

    /**
     * The caller with the permissions of the configured source: the token's own ({@code
     * identity-provider}), except on closed portfolios, or the stored ones ({@code database}, read
     * through the short cache; a closed portfolio has none). The console resolves its signed-in
     * administrator this way on each page, so it shows what the API allows. A caller named by no user id
     * (the console's sign-in of an invitee whose token's {@code sub} is not one) holds none.
     */
    public Caller withPermissions(Caller fromToken) {
        if (fromToken.userId() == null) {
            return new Caller(null, fromToken.email(), Map.of());
        }
        if (source == PermissionProperties.Source.IDENTITY_PROVIDER) {
            if (fromToken.permissions().isEmpty()) {
                return fromToken;
            }
            Set<UUID> closed = stored.closedPortfolios();
            if (Collections.disjoint(closed, fromToken.permissions().keySet())) {
                return fromToken;
            }
            Map<UUID, Set<PortfolioPermission>> open = new HashMap<>(fromToken.permissions());
            open.keySet().removeAll(closed);
            return new Caller(fromToken.userId(), fromToken.email(), open);
        }
        return new Caller(fromToken.userId(), fromToken.email(), stored.of(fromToken.userId()));
    }

    /** The caller, if they hold {@code permission} on the portfolio (the Owner holds all); otherwise 403. */
    public Caller require(UUID portfolioId, PortfolioPermission permission) {
        Caller caller = caller();
        if (!caller.has(portfolioId, permission)) {
            throw lacking(portfolioId, permission);
        }
        return caller;
    }

    /**
     * The caller with their permissions on the portfolio as they stand now, if they hold {@code
     * permission} there; otherwise 403. Where the database is the source, it is read past the cache
     * {@link #caller} answers from, so that a caller whose role was lowered moments ago (through
     * another gateway instance) cannot use the permissions they had: for changes to who administers
     * the portfolio, inside the transaction that makes them. The token's own permissions are never
     * cached, so they are the caller's as they are.
     */
    public Caller requireCurrent(Caller caller, UUID portfolioId, PortfolioPermission permission) {
        Caller current = current(caller, portfolioId);
        if (!current.has(portfolioId, permission)) {
            throw lacking(portfolioId, permission);
        }
        return current;
    }

    /**
     * The caller, if they are the Portfolio Owner by the database as it stands, not by the cache; otherwise
     * 403. As {@link #requireCurrent}: for the transaction of an Owner's change, after it locked the
     * caller's portfolio user row, so that a transfer of ownership committed on another gateway a moment
     * ago is not missed.
     */
    public Caller requireCurrentOwner(Caller caller, UUID portfolioId) {
        Caller current = current(caller, portfolioId);
        if (!current.isOwner(portfolioId)) {
            throw notOwner(portfolioId);
        }
        return current;
    }

    /** The caller with their stored permissions on the portfolio read now, when those are the source. */
    private Caller current(Caller caller, UUID portfolioId) {
        if (source != PermissionProperties.Source.DATABASE) {
            return caller;
        }
        Map<UUID, Set<PortfolioPermission>> permissions = new HashMap<>(caller.permissions());
        permissions.put(portfolioId, stored.current(caller.userId(), portfolioId));
        return new Caller(caller.userId(), caller.email(), permissions);
    }

    private static AccessDeniedException notOwner(UUID portfolioId) {
        return new AccessDeniedException("Only the Portfolio Owner of portfolio " + portfolioId + " may do this");
    }

    private static AccessDeniedException lacking(UUID portfolioId, PortfolioPermission permission) {
        return new AccessDeniedException("This needs the " + permission + " permission on portfolio " + portfolioId
                + " (the Portfolio Owner holds every permission)");
    }

    /** The caller, if they are the Portfolio Owner; otherwise 403. */
    public Caller requireOwner(UUID portfolioId) {
        Caller caller = caller();
        if (!caller.isOwner(portfolioId)) {
            throw notOwner(portfolioId);
        }
        return caller;
    }

    /** The caller, if they may read the portfolio; otherwise 403. */
    public Caller requireView(UUID portfolioId) {
        Caller caller = caller();
        if (!caller.canView(portfolioId)) {
            throw new AccessDeniedException("Reading the users, accounts, jobs and activity logs of portfolio "
                    + portfolioId + " needs the Portfolio Owner, User Management EDIT or User Management VIEW");
        }
        return caller;
    }

    /** The caller, if they are the Portfolio Owner or hold User Management EDIT; otherwise 403. */
    public Caller requireChange(UUID portfolioId) {
        Caller caller = caller();
        if (!caller.canChange(portfolioId)) {
            throw changeRefused(portfolioId);
        }
        return caller;
    }

    /**
     * In the transaction that stores a job the caller submits, after the request was let in with the
     * permissions cached for a few seconds ({@link #requireChange}): 403 unless they may still submit
     * jobs on the portfolio as the database holds their role now, their portfolio user row locked until
     * the job commits ({@link StoredPermissions#heldForSubmission}). An administrator removed or lowered
     * a moment ago, through this gateway or another, is refused; one removed while their job is being
     * stored waits for it, and their removal then cancels it. Nothing is read where the token's {@code
     * portfolios} claim is the source: those callers are no portfolio users.
     */
    public void requireStillChanging(Caller caller, UUID portfolioId) {
        if (source != PermissionProperties.Source.DATABASE) {
            return;
        }
        Set<PortfolioPermission> now = stored.heldForSubmission(caller.userId(), portfolioId);
        if (now.stream().noneMatch(PortfolioPermission::allowsChanges)) {
            throw changeRefused(portfolioId);
        }
    }

    private static AccessDeniedException changeRefused(UUID portfolioId) {
        return new AccessDeniedException(
                "Changing access in portfolio " + portfolioId + " needs the Portfolio Owner or User Management EDIT");
    }

    /**
     * As {@link #requireChange}, then as the caller's permissions stand now ({@link #requireCurrent}): for
     * a change that hands out something lasting (a webhook's URL or signing secret), so that an Edit user
     * lowered a moment ago through another gateway cannot use the seconds their cached permissions last.
     */
    public Caller requireCurrentChange(UUID portfolioId) {
        return requireCurrent(requireChange(portfolioId), portfolioId, PortfolioPermission.USER_MANAGEMENT_EDIT);
    }

    /**
     * The caller a validated token names, with the permissions of its {@code portfolios} claim where the
     * token is the source ({@code identity-provider}). In the database setup the claim counts for nothing,
     * so it is not read: an identity provider may put portfolio names or anything else in it. The console
     * reads its signed-in administrator this way too, so that it signs in with any token the API accepts.
     * The address is taken as the product stores addresses (lower-cased, a Unicode domain in its xn--
     * form, as {@code EmailAddresses.stored} gives it) only when it is one by the product's rule as the
     * token has it: some characters outside ASCII lower-case to ASCII letters (U+212A KELVIN SIGN to k),
     * and would make the caller another address's invitee. Any other address is kept as the token has
     * it, so it is nobody's. An identity provider may write the domain in Unicode ({@code
     * anna@müller.de}) for an invitee invited as {@code anna@xn--mller-kva.de}: the same address.
     * The token's {@code sub} must be the caller's user id in the product (a UUID), else 403.
     */
    public Caller named(Jwt jwt) {
        if (!namesUser(jwt)) {
            throw new AccessDeniedException("The token's 'sub' claim is not a user id of this product (a UUID):"
                    + " such a token can accept invitations sent to its 'email', nothing else");
        }
        UUID userId = UUID.fromString(jwt.getSubject());
        String email = email(jwt);
        Map<UUID, Set<PortfolioPermission>> permissions = new HashMap<>();
        Object claim = source == PermissionProperties.Source.IDENTITY_PROVIDER
                ? jwt.getClaims().get(PORTFOLIOS_CLAIM)
                : null;
        if (claim instanceof Map<?, ?> portfolios) {
            portfolios.forEach((portfolio, granted) ->
                    permissions.put(parseUuid(String.valueOf(portfolio), PORTFOLIOS_CLAIM), parsePermissions(granted)));
        }
        return new Caller(userId, email, permissions);
    }

    /**
     * Whether the token's {@code sub} is a user id of the product (a UUID), as everything but accepting
     * an invitation needs. Identity providers name people by ids of their own, often no UUID (Auth0's
     * {@code auth0|...}, Google's digits), and an invitee need not be a user yet.
     */
    public static boolean namesUser(Jwt jwt) {
        try {
            UUID.fromString(String.valueOf(jwt.getSubject()));
            return true;
        } catch (IllegalArgumentException ex) {
            return false;
        }
    }

    /**
     * The e-mail address a validated token names, as {@link #named} reads it, whatever its {@code sub}:
     * all that accepting an invitation needs.
     */
    public String email(Jwt jwt) {
        String email = jwt.getClaimAsString(EMAIL_CLAIM);
        if (email == null || email.isBlank()) {
            throw new AccessDeniedException("The token has no 'email' claim");
        }
        return EmailAddresses.stored(email.strip()).orElse(email);
    }

    private static Set<PortfolioPermission> parsePermissions(Object granted) {
        Set<PortfolioPermission> permissions = EnumSet.noneOf(PortfolioPermission.class);
        if (granted instanceof Collection<?> names) {
            for (Object name : names) {
                for (PortfolioPermission permission : PortfolioPermission.values()) {
                    if (permission.name().equals(String.valueOf(name))) {
                        permissions.add(permission);
                    }
                }
            }
        }
        return permissions;
    }

    private static UUID parseUuid(String value, String claim) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException | NullPointerException ex) {
            throw new AccessDeniedException("The token's '" + claim + "' claim is not a valid id");
        }
    }
}

package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.security.PortfolioPermission;
import com.portfoliobulk.gateway.web.CallerKey;
import com.portfoliobulk.servicesupport.digests.Sha256;
import java.io.Serial;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * The administrator signed in to the console, kept in the server-side session: who they are, their
 * permissions, the bearer token the console calls the API with, and whether their sign-in said that
 * their address is not verified. The token never reaches the browser.
 */
final class ConsoleUser extends AbstractAuthenticationToken implements CallerKey {

    @Serial
    private static final long serialVersionUID = 1L;

    private final UUID userId;

    private final String email;

    private final HashMap<UUID, EnumSet<PortfolioPermission>> permissions;

    private final String bearerToken;

    /**
     * The ID token of the sign-in said {@code email_verified} false. A session stored before this field
     * existed reads as {@code false}, as a sign-in that said nothing of it.
     */
    private final boolean addressUnverified;

    /**
     * Who the user is to the request bodies' budget and its log ({@link #callerKey}). A session stored
     * before this field existed reads it as {@code null}.
     */
    private final String callerKey;

    private ConsoleUser(Caller caller, Jwt token, boolean addressUnverified) {
        super(List.of(new SimpleGrantedAuthority("ROLE_CONSOLE")));
        this.userId = caller.userId();
        this.email = caller.email();
        this.permissions = new HashMap<>();
        caller.permissions()
                .forEach((portfolio, granted) -> this.permissions.put(
                        portfolio,
                        granted.isEmpty() ? EnumSet.noneOf(PortfolioPermission.class) : EnumSet.copyOf(granted)));
        this.bearerToken = token.getTokenValue();
        this.addressUnverified = addressUnverified;
        this.callerKey = callerKey(userId, token.getSubject());
        setAuthenticated(true);
    }

    /**
     * The administrator a token names, once the API's own decoder has validated it: {@code caller} is the
     * one {@link PortfolioAccess#named} reads from it, as the API does. Also whether the identity
     * provider's sign-in said that their address is not verified (the ID token's {@code email_verified}
     * false), which the access token need not say.
     */
    static ConsoleUser of(Caller caller, Jwt token, boolean addressUnverified) {
        return new ConsoleUser(caller, token, addressUnverified);
    }

    /**
     * Someone whose token's {@code sub} is not a user id of the product (the identity provider's own
     * id), named by the token's address as the API reads it ({@link PortfolioAccess#email}): they hold no
     * permission and can accept the invitations sent to that address, as the API lets such a token.
     */
    static ConsoleUser invitee(String email, Jwt token, boolean addressUnverified) {
        return new ConsoleUser(new Caller(null, email, Map.of()), token, addressUnverified);
    }

    /**
     * The administrator as their token names them, with the token's own permissions where it is the
     * source (none otherwise); {@link PortfolioAccess#withPermissions} gives the ones the API applies.
     */
    Caller caller() {
        return new Caller(userId, email, new HashMap<>(permissions));
    }

    UUID userId() {
        return userId;
    }

    String email() {
        return email;
    }

    String bearerToken() {
        return bearerToken;
    }

    /** Whether the sign-in said that the address is not verified: such a user accepts no invitation. */
    boolean addressUnverified() {
        return addressUnverified;
    }

    /**
     * Who the user is to the request bodies' budget, which counts their console forms together, and to its
     * log line: {@code console:} and their user id, or for an invitee (whose token names no user id)
     * {@code console-invitee:} and a digest of their token's {@code sub}; never their address, which is
     * their name ({@link #getName}). A session stored before this existed counts by a digest of its token.
     */
    @Override
    public String callerKey() {
        return callerKey != null ? callerKey : callerKey(userId, bearerToken);
    }

    private static String callerKey(UUID userId, String subject) {
        return userId != null
                ? "console:" + userId
                : "console-invitee:" + Sha256.hex(String.valueOf(subject)).substring(0, 16);
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Object getPrincipal() {
        return email;
    }

    @Override
    public String getName() {
        return email;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConsoleUser user && user.bearerToken.equals(bearerToken);
    }

    @Override
    public int hashCode() {
        return bearerToken.hashCode();
    }
}

package com.portfoliobulk.contracts;

import java.util.Objects;
import java.util.UUID;

/**
 * Who requested a job: a portfolio administrator, or the portfolio's identity provider.
 *
 * @param userId the administrator's user id (the token's {@code sub}); for the identity provider,
 *     the id of the SCIM token it used
 * @param email the administrator's e-mail address; for the identity provider,
 *     {@value #IDENTITY_PROVIDER_NAME}
 * @param kind an administrator or the identity provider; absent in records written before it
 *     existed, which all came from administrators
 */
public record Actor(UUID userId, String email, ActorKind kind) {

    /** The name the identity provider acts under in jobs and activity entries. */
    public static final String IDENTITY_PROVIDER_NAME = "identity provider";

    public Actor {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(email, "email");
        kind = kind == null ? ActorKind.ADMINISTRATOR : kind;
    }

    /** An administrator. */
    public Actor(UUID userId, String email) {
        this(userId, email, ActorKind.ADMINISTRATOR);
    }

    /** The portfolio's identity provider, calling with the SCIM token {@code tokenId}. */
    public static Actor identityProvider(UUID tokenId) {
        return new Actor(tokenId, IDENTITY_PROVIDER_NAME, ActorKind.IDENTITY_PROVIDER);
    }

    /** The actor of a stored job: the identity provider for SCIM jobs, else the administrator. */
    public static Actor of(UUID userId, String email, JobOrigin origin) {
        return new Actor(userId, email, origin == null ? ActorKind.ADMINISTRATOR : origin.actorKind());
    }
}

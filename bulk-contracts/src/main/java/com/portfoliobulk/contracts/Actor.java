package com.portfoliobulk.contracts;

import java.util.Objects;
import java.util.UUID;

/**
 * The portfolio administrator who requested a job.
 *
 * @param userId the administrator's user id (the token's {@code sub})
 * @param email the administrator's e-mail address
 */
public record Actor(UUID userId, String email) {

    public Actor {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(email, "email");
    }
}

package com.portfoliobulk.contracts;

import java.util.UUID;

/**
 * A user as named in messages: by id, by e-mail, or both. An invitation for an address that has no
 * user yet carries only the e-mail.
 *
 * @param userId the user id, or {@code null} when not known yet
 * @param email the e-mail address, or {@code null} when only the id is known
 */
public record UserRef(UUID userId, String email) {

    public UserRef {
        if (userId == null && (email == null || email.isBlank())) {
            throw new IllegalArgumentException("A user needs an id or an e-mail address");
        }
    }
}

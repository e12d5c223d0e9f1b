package com.portfoliobulk.gateway.scim;

import java.time.Instant;
import java.util.UUID;

/**
 * A directory user as the portfolio's identity provider sees it.
 *
 * @param id the directory user id (the SCIM {@code id})
 * @param userName the user's e-mail address
 * @param externalId the identity provider's id for the user; absent until it sets one
 * @param displayName the name the identity provider gave; absent until it sets one
 * @param active false once the identity provider deactivated the user in this portfolio
 * @param created when the identity provider created the user here, or, for a user in view through
 *     their access or portfolio role, when they appeared in the directory
 * @param lastModified when the identity provider last changed the user; {@code created} before
 * @param version bumped by every change the identity provider makes (the SCIM {@code meta.version}
 *     and weak ETag)
 * @param lastOffboardingJobId the job of the latest deactivation; absent when none or nothing was to do
 */
record ScimUser(
        UUID id,
        String userName,
        String externalId,
        String displayName,
        boolean active,
        Instant created,
        Instant lastModified,
        long version,
        UUID lastOffboardingJobId) {}

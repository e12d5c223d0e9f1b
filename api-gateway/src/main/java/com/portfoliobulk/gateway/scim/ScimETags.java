package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.contracts.Quoted;
import org.springframework.http.HttpStatus;

/**
 * The weak entity tags of users (RFC 7644 section 3.14): {@code W/"<version>"}, the version that
 * every change the identity provider makes bumps (also {@code meta.version}). {@code If-Match} on
 * PUT, PATCH and DELETE and {@code If-None-Match} on GET compare the versions, {@code W/} prefix or
 * not; {@code *} matches any user that exists.
 */
final class ScimETags {

    /**
     * What {@code If-Match: *} requires: any version of a user that exists. It claims none, so that a
     * change committed between the request's read of the user and its hold on them does not fail it.
     */
    static final long ANY = -1;

    private ScimETags() {}

    static String of(long version) {
        return "W/\"" + version + "\"";
    }

    /** Whether the header (one tag, a comma-separated list of them, or {@code *}) names this version. */
    static boolean matches(String header, long version) {
        String wanted = String.valueOf(version);
        for (String tag : header.split(",")) {
            String value = tag.strip();
            if (value.equals("*")) {
                return true;
            }
            if (value.startsWith("W/")) {
                value = value.substring(2);
            }
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            if (value.equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The version an {@code If-Match} header requires of the user as read: null without the header,
     * {@link #ANY} when it has {@code *} (RFC 7232 section 3.1: any current representation). A header
     * sent empty is a condition all the same, one that no version meets: the client meant the change to
     * be conditional, so it is not made unconditionally.
     *
     * @throws ScimException 412 when the header names another version, or none
     */
    static Long required(String ifMatch, ScimUser current) {
        if (ifMatch == null) {
            return null;
        }
        if (ifMatch.isBlank()) {
            throw new ScimException(
                    HttpStatus.PRECONDITION_FAILED,
                    null,
                    "'If-Match' is empty, so no version of the user meets it; send the user's ETag (read it with"
                            + " GET), or * for any version, or leave the header out.");
        }
        for (String tag : ifMatch.split(",")) {
            if (tag.strip().equals("*")) {
                return ANY;
            }
        }
        if (!matches(ifMatch, current.version())) {
            throw changed(ifMatch, current.version());
        }
        return current.version();
    }

    static ScimException changed(String ifMatch, long version) {
        return new ScimException(
                HttpStatus.PRECONDITION_FAILED,
                null,
                "'If-Match' is " + Quoted.of(ifMatch.strip()) + " but the user's version is " + of(version)
                        + ": the user"
                        + " changed since it was read. Read the user again (GET) and retry with its ETag.");
    }
}

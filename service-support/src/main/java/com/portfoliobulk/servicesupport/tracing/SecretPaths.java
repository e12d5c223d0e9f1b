package com.portfoliobulk.servicesupport.tracing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The secrets that travel in URL paths, and how they are left out of what the services record. An
 * invitation token is the path segment after {@code /invitations/}: the console's page
 * {@code /invitations/{token}}, the API's {@code /api/v1/invitations/{token}/accept} and the worker's
 * {@code /internal/invitations/{token}/accept}. The services store only a token's digest, so that a
 * copy of the database lets no one accept an invitation; a span or a log line that holds such a path
 * would.
 */
public final class SecretPaths {

    /** What stands for a token: the path variable of the mappings, as in the {@code uri} tag of the metrics. */
    public static final String TOKEN = "{token}";

    private static final String INVITATIONS = "/invitations/";

    /** The segment after {@code /invitations/}, up to the next path, query or fragment delimiter or quote. */
    private static final Pattern INVITATION_TOKEN = Pattern.compile("(?<=/invitations/)[^/?#\\s\"]+");

    private SecretPaths() {}

    /**
     * {@code text} (a path, a URL, a message naming one) with every segment after {@code /invitations/}
     * replaced by {@value #TOKEN}; {@code text} itself when it has none.
     */
    public static String redact(String text) {
        if (text == null || !text.contains(INVITATIONS)) {
            return text;
        }
        return INVITATION_TOKEN.matcher(text).replaceAll(Matcher.quoteReplacement(TOKEN));
    }
}

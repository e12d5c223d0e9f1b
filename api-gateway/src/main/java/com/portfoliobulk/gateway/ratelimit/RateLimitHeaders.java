package com.portfoliobulk.gateway.ratelimit;

import java.time.Duration;
import org.springframework.http.HttpHeaders;

/**
 * The IETF rate limit header fields (draft-ietf-httpapi-ratelimit-headers) on a 429 answer, beside
 * {@code Retry-After}: {@code RateLimit-Policy} names the policy with its quota ({@code q}) and window
 * in seconds ({@code w}); {@code RateLimit} tells what is left ({@code r}) and the seconds until it
 * resets ({@code t}). The earlier drafts' {@code RateLimit-Limit}, {@code RateLimit-Remaining} and
 * {@code RateLimit-Reset} are sent too, for clients that read those.
 */
final class RateLimitHeaders {

    static final String POLICY = "RateLimit-Policy";

    static final String RATE_LIMIT = "RateLimit";

    private RateLimitHeaders() {}

    /** Sets the fields of a policy whose quota is used up for {@code resetSeconds} more seconds. */
    static void exhausted(HttpHeaders headers, String policy, int quota, Duration window, long resetSeconds) {
        headers.set(POLICY, "\"" + policy + "\";q=" + quota + ";w=" + window.toSeconds());
        headers.set(RATE_LIMIT, "\"" + policy + "\";r=0;t=" + resetSeconds);
        headers.set("RateLimit-Limit", String.valueOf(quota));
        headers.set("RateLimit-Remaining", "0");
        headers.set("RateLimit-Reset", String.valueOf(resetSeconds));
    }
}

package com.portfoliobulk.gateway.web;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * @param maxRequestBody the largest request body accepted; a larger one is answered with 413
 * @param maxScimRequestBody the largest request body accepted under the SCIM base path ({@code
 *     /scim/v2/}), at most {@code maxRequestBody}; a larger one is answered with a SCIM 413 ({@link
 *     RequestBodyLimit})
 * @param maxBodyBytesInFlight how many bytes of large request bodies (over 64 KiB) the gateway handles
 *     at once; all bodies together, small ones included, a quarter more; a request that finds them used
 *     up waits briefly, then is answered 503 ({@link RequestBodyBudget})
 * @param maxBodyBytesInFlightPerCaller how many of those bytes the bodies of one caller (the token's
 *     subject), small and large, may hold at once; unset, half of {@code maxBodyBytesInFlight} ({@link
 *     RequestBodyBudget} refuses to start with less than 1 byte or more than the whole)
 * @param streamingTimeout how long a streamed download (such as a job's tasks as CSV) may take
 * @param bodyReadTimeout how long, in all, the gateway waits for the bytes of a request's body; a body
 *     still incomplete after it is answered with 408 ({@link RequestBodyLimit})
 */
@ConfigurationProperties("bulk.gateway.web")
record WebProperties(
        @DefaultValue("5MB") DataSize maxRequestBody,
        @DefaultValue("64KB") DataSize maxScimRequestBody,
        @DefaultValue("20MB") DataSize maxBodyBytesInFlight,
        DataSize maxBodyBytesInFlightPerCaller,
        @DefaultValue("10m") Duration streamingTimeout,
        @DefaultValue("30s") Duration bodyReadTimeout) {

    WebProperties {
        if (maxBodyBytesInFlightPerCaller == null && maxBodyBytesInFlight != null) {
            maxBodyBytesInFlightPerCaller = DataSize.ofBytes(Math.max(1, maxBodyBytesInFlight.toBytes() / 2));
        }
    }

    /**
     * The most bytes a request body under the SCIM base path may have: {@code maxScimRequestBody}, never
     * more than {@code maxRequestBody}.
     */
    long scimBodyCap() {
        return Math.min(maxRequestBody.toBytes(), maxScimRequestBody.toBytes());
    }
}

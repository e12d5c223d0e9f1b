package com.portfoliobulk.gateway.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The one check of every setting that says where the gateway calls another service: an absolute
 * {@code http://} or {@code https://} URL with a host. Without a scheme ({@code bulk-worker:8081}) the
 * value bound, and then every call through it failed with a client error that is no network failure,
 * answered 500 while the gateway reported itself ready; so such a value stops the start instead.
 */
public final class BaseUrls {

    private BaseUrls() {}

    /**
     * The URL the setting names.
     *
     * @param setting how the operator knows the setting, e.g. {@code BULK_WORKER_URL
     *     (bulk.gateway.worker-base-url)}
     * @param value its value
     * @param example a good value, for the refusal
     * @throws IllegalArgumentException naming the setting, the value and the example, when the value is
     *     not an absolute http(s) URL with a host
     */
    public static URI require(String setting, String value, String example) {
        URI url;
        try {
            url = value == null ? null : new URI(value.strip());
        } catch (URISyntaxException ex) {
            url = null;
        }
        String scheme =
                url == null || url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (url == null || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException(setting + " must be an absolute http:// or https:// URL with a host,"
                    + " such as " + example + "; not '" + value + "'");
        }
        return url;
    }
}

package com.portfoliobulk.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * Reads the bearer token of {@code Authorization: Bearer <token>} without a regular expression:
 * Spring Security's resolver matches the header against one on every request (a few percent of a
 * status poll's CPU). Accepts exactly what that resolver accepts on its usual path, the scheme
 * {@code Bearer} and a token of {@code A-Z a-z 0-9 - . _ ~ + /} optionally followed by {@code =}
 * padding; anything else (another spelling of the scheme, a malformed token, no header) goes to
 * Spring's resolver, which answers or refuses it exactly as before. Tokens in query or form
 * parameters stay refused, as Spring's default.
 */
final class HeaderBearerTokens implements BearerTokenResolver {

    private static final String PREFIX = "Bearer ";

    private final DefaultBearerTokenResolver fallback = new DefaultBearerTokenResolver();

    @Override
    public String resolve(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header != null && header.startsWith(PREFIX) && isToken(header, PREFIX.length())) {
            return header.substring(PREFIX.length());
        }
        return fallback.resolve(request);
    }

    /** Whether {@code value} from {@code start} is {@code [A-Za-z0-9-._~+/]+=*}. */
    static boolean isToken(String value, int start) {
        int i = start;
        int length = value.length();
        while (i < length && isTokenChar(value.charAt(i))) {
            i++;
        }
        if (i == start) {
            return false;
        }
        while (i < length && value.charAt(i) == '=') {
            i++;
        }
        return i == length;
    }

    private static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '.'
                || c == '_'
                || c == '~'
                || c == '+'
                || c == '/';
    }
}

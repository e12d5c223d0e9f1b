package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.InvitationLanguages;
import com.portfoliobulk.servicesupport.digests.Sha256;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The language of the invitation flow's pages (the invitation page and what accepting says, and the
 * sign-in page that comes back to it): that of the e-mail that led there. That is the language stored
 * with the invitation the link's token finds (the e-mail's, or a single invitation's), by its primary
 * subtag ({@code de-CH} reads German), when invitations are written in it
 * ({@link InvitationLanguages}), else English. A token that finds none (made up, its e-mail deleted by
 * the retention, a single invitation's token once that invitation ended) reads in the first of those
 * languages the browser asks for ({@code Accept-Language}), else English. The rest of the console is
 * in English ({@link ConsoleLocaleResolver}).
 */
@Component
class InvitationLanguage {

    private static final Logger log = LoggerFactory.getLogger(InvitationLanguage.class);

    private final JdbcClient jdbc;

    InvitationLanguage(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Renders the request's page in the language of the invitation the token finds; returns it. */
    Locale use(String token, HttpServletRequest request) {
        Locale locale = stored(token)
                .map(InvitationLanguage::supported)
                .orElseGet(() -> requested(request.getHeader(HttpHeaders.ACCEPT_LANGUAGE)));
        ConsoleLocaleResolver.use(request, locale);
        return locale;
    }

    /**
     * The sign-in page in the language of the invitation page it will come back to, when it will
     * (see {@link SignInReturn}); in the console's otherwise.
     */
    void useForSignIn(HttpServletRequest request) {
        String token = SignInReturn.invitationToken(request);
        if (token != null) {
            use(token, request);
        }
    }

    /**
     * The language stored with the invitation e-mail or the single invitation whose token this is; a
     * single invitation without one was made in English. Nothing when the directory cannot be read: the
     * page is still shown, as for a token that finds nothing.
     */
    private Optional<String> stored(String token) {
        String digest = Sha256.hex(token);
        try {
            return jdbc.sql("""
                            SELECT language FROM directory.invitation_mails WHERE token_digest = :digest
                            UNION ALL
                            SELECT coalesce(invitation_language, :fallback) FROM directory.memberships
                             WHERE invitation_token = :digest
                            LIMIT 1
                            """)
                    .param("digest", digest)
                    .param("fallback", InvitationLanguages.FALLBACK)
                    .query(String.class)
                    .optional();
        } catch (DataAccessException ex) {
            log.debug("The language of an invitation could not be read", ex);
            return Optional.empty();
        }
    }

    /** The invitation language of a stored tag: its primary language when invitations are written in it, else English. */
    static Locale supported(String tag) {
        String primary = Locale.forLanguageTag(tag.strip()).getLanguage();
        return Locale.forLanguageTag(
                InvitationLanguages.NAMES.containsKey(primary) ? primary : InvitationLanguages.FALLBACK);
    }

    /**
     * The first language of an {@code Accept-Language} header, by preference, that invitations are written
     * in (its primary subtag: {@code fr-CH} reads French), else English.
     */
    static Locale requested(String acceptLanguage) {
        if (acceptLanguage != null && !acceptLanguage.isBlank()) {
            try {
                for (Locale.LanguageRange range : Locale.LanguageRange.parse(acceptLanguage)) {
                    String primary = range.getRange().split("-", 2)[0];
                    if (range.getWeight() > 0 && InvitationLanguages.NAMES.containsKey(primary)) {
                        return Locale.forLanguageTag(primary);
                    }
                }
            } catch (IllegalArgumentException malformed) {
                // A header that is not a list of language ranges asks for nothing.
            }
        }
        return Locale.forLanguageTag(InvitationLanguages.FALLBACK);
    }
}

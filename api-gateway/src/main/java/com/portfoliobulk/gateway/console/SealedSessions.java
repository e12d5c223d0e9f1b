package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.security.AesGcm;
import com.portfoliobulk.gateway.web.DerivedKeys;
import com.portfoliobulk.internalauth.SharedKeys;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.support.GenericConversionService;
import org.springframework.core.serializer.support.DeserializingConverter;
import org.springframework.core.serializer.support.SerializingConverter;
import org.springframework.session.web.http.SessionRepositoryFilter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The console's sessions are stored in PostgreSQL ({@code jobs.console_sessions}), and what they hold
 * is sensitive: the administrator's bearer token, and for one page a new SCIM token or webhook signing
 * secret (which the API itself keeps only hashed or encrypted). So every session attribute is stored
 * sealed, serialized and then encrypted with AES-256-GCM under a key derived from the secret every
 * gateway shares ({@code BULK_INTERNAL_TOKEN_SECRET}): the database, its write-ahead log and its
 * backups never hold them readable, and whichever gateway serves the next request opens them. An
 * attribute that cannot be opened (sealed under another shared secret, before it was rotated without
 * {@code BULK_INTERNAL_TOKEN_ACCEPTED_SECRET}) reads as absent: its administrator signs in again.
 *
 * <p>While the shared secret is rotated, an attribute sealed under the key of the accepted secret
 * ({@link SharedKeys}) opens too, and is sealed again under the current key at the end of the first
 * console request that reads it ({@link #sessionResealing}): a session in use is soon sealed under the
 * current key alone, and one that is not expires within the session timeout.
 */
@Configuration(proxyBeanMethods = false)
class SealedSessions {

    private static final Logger LOG = LoggerFactory.getLogger(SealedSessions.class);

    /** What the shared secret is used for here, so that the key is this use's alone. */
    static final String PURPOSE = "portfolio-bulk console: stored sessions";

    private static final byte VERSION = 1;

    @Bean
    AttributeCipher sessionAttributeCipher(DerivedKeys keys) {
        return new AttributeCipher(keys.aesKeys(PURPOSE).map(AesGcm::new));
    }

    /** Spring Session JDBC reads and writes session attributes through the bean of this name. */
    @Bean
    ConversionService springSessionConversionService(AttributeCipher cipher) {
        SerializingConverter serialize = new SerializingConverter();
        DeserializingConverter deserialize = new DeserializingConverter(SealedSessions.class.getClassLoader());
        GenericConversionService conversions = new GenericConversionService();
        conversions.addConverter(Object.class, byte[].class, value -> cipher.seal(serialize.convert(value)));
        conversions.addConverter(byte[].class, Object.class, stored -> {
            byte[] serialized = cipher.open((byte[]) stored);
            return serialized == null ? null : deserialize.convert(serialized);
        });
        return conversions;
    }

    /**
     * Only while an accepted secret is set: before anything else of a console request reads its stored
     * session (just after Spring Session's filter), reads each of the session's attributes; when one of
     * them opened only with the accepted secret's key, sets them all again, so that the request's end
     * stores them sealed under the current key.
     */
    @Bean
    FilterRegistrationBean<Resealing> sessionResealing(AttributeCipher cipher) {
        FilterRegistrationBean<Resealing> registration = new FilterRegistrationBean<>(new Resealing(cipher));
        registration.addUrlPatterns("/console/*", "/invitations/*", "/oauth2/*", "/login/oauth2/*");
        registration.setOrder(SessionRepositoryFilter.DEFAULT_ORDER + 1);
        registration.setEnabled(cipher.hasAcceptedKey());
        return registration;
    }

    /** Reseals the request's session where it has an attribute sealed under the accepted secret's key. */
    static final class Resealing extends OncePerRequestFilter {

        private final AttributeCipher cipher;

        Resealing(AttributeCipher cipher) {
            this.cipher = cipher;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            cipher.resealOpenedWithAcceptedKey(request);
            chain.doFilter(request, response);
        }
    }

    /** A version byte, then the attribute sealed by {@link AesGcm} under the current key. */
    static final class AttributeCipher {

        /** Set when an attribute opened only with the accepted secret's key, on the thread that opened it. */
        private static final ThreadLocal<Boolean> OPENED_WITH_ACCEPTED_KEY = new ThreadLocal<>();

        private final SharedKeys<AesGcm> keys;

        AttributeCipher(SharedKeys<AesGcm> keys) {
            this.keys = keys;
        }

        byte[] seal(byte[] plain) {
            byte[] sealed = keys.current().seal(plain);
            return ByteBuffer.allocate(1 + sealed.length)
                    .put(VERSION)
                    .put(sealed)
                    .array();
        }

        /** The serialized value, or null when it was not sealed under an accepted key. */
        byte[] open(byte[] stored) {
            if (stored.length == 0 || stored[0] != VERSION) {
                LOG.warn("A stored console session attribute is not sealed: it is read as absent");
                return null;
            }
            byte[] sealed = Arrays.copyOfRange(stored, 1, stored.length);
            for (AesGcm key : keys.all()) {
                Optional<byte[]> opened = key.open(sealed);
                if (opened.isPresent()) {
                    if (key != keys.current()) {
                        OPENED_WITH_ACCEPTED_KEY.set(Boolean.TRUE);
                    }
                    return opened.get();
                }
            }
            LOG.warn("A stored console session attribute could not be opened (was BULK_INTERNAL_TOKEN_SECRET"
                    + " changed without BULK_INTERNAL_TOKEN_ACCEPTED_SECRET?): it is read as absent, and its"
                    + " administrator signs in again");
            return null;
        }

        boolean hasAcceptedKey() {
            return keys.all().size() > 1;
        }

        /**
         * Reads every attribute of the request's stored session, if it has one; when one opened only
         * with the accepted secret's key, sets every attribute again, to be stored sealed under the
         * current key when the session is saved at the request's end.
         */
        void resealOpenedWithAcceptedKey(HttpServletRequest request) {
            OPENED_WITH_ACCEPTED_KEY.remove();
            try {
                HttpSession session = request.getSession(false);
                if (session == null) {
                    return;
                }
                Map<String, Object> values = new LinkedHashMap<>();
                for (String name : Collections.list(session.getAttributeNames())) {
                    Object value = session.getAttribute(name);
                    if (value != null) {
                        values.put(name, value);
                    }
                }
                if (Boolean.TRUE.equals(OPENED_WITH_ACCEPTED_KEY.get())) {
                    values.forEach(session::setAttribute);
                }
            } finally {
                OPENED_WITH_ACCEPTED_KEY.remove();
            }
        }
    }
}

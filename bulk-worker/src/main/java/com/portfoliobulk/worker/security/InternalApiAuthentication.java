package com.portfoliobulk.worker.security;

import com.portfoliobulk.internalauth.InternalTokenFilter;
import com.portfoliobulk.internalauth.InternalTokens;
import com.portfoliobulk.internalauth.SharedKeys;
import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Only the other services may call the invitation API ({@code /internal/*}): each call must carry an internal token
 * signed with {@code bulk.internal-auth.token-secret} ({@code BULK_INTERNAL_TOKEN_SECRET}), or with
 * {@code bulk.internal-auth.accepted-token-secret} ({@code BULK_INTERNAL_TOKEN_ACCEPTED_SECRET}) while
 * that secret is being rotated, and naming this service as its audience ({@code "bulk-worker"}; or, from
 * a gateway of the previous version, {@code "portfolio-bulk-internal"} alone), or it is answered 401. A
 * token the gateway signed for the other internal service is refused. The service refuses to start
 * without the secret, or with a short one, naming it in its failure report. Health and metrics are not guarded here: they are on the management port, which
 * is not published.
 */
@Configuration(proxyBeanMethods = false)
class InternalApiAuthentication {

    static final String PATHS = "/internal/*";

    @Bean
    FilterRegistrationBean<InternalTokenFilter> internalTokenFilter(
            @Value("${bulk.internal-auth.token-secret:}") String secret,
            @Value("${bulk.internal-auth.accepted-token-secret:}") String acceptedSecret) {
        FilterRegistrationBean<InternalTokenFilter> registration =
                new FilterRegistrationBean<>(new InternalTokenFilter(InternalTokens.forAudience(
                        InternalTokens.BULK_WORKER,
                        InvalidSettingException.reading(
                                SharedKeys.SECRET_VARIABLE,
                                SharedKeys.SECRET_ACTION,
                                () -> SharedKeys.of(secret, acceptedSecret)),
                        "bulk-worker")));
        registration.addUrlPatterns(PATHS);
        // Before any filter that reads the body: a call without the token is answered before its body is read.
        registration.setOrder(InternalTokenFilter.ORDER);
        return registration;
    }
}

package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.gateway.web.CanonicalUuids;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keeps a SCIM token to its own portfolio as the endpoint sees it: the {@code portfolioId} the chosen
 * endpoint was given, decoded, is compared with the token's before anything else runs (the rate limit
 * included). The security filter compares the path as it was written; this compares what the endpoint
 * reads, so no spelling of the path ({@code %70ortfolios}, an encoded id) can name another portfolio;
 * the id is compared as an id, in either case, and any other spelling of it is refused.
 * It runs ahead of every other interceptor.
 */
@Configuration(proxyBeanMethods = false)
class ScimPortfolioGuard implements WebMvcConfigurer {

    private final JsonMapper json;

    ScimPortfolioGuard(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new OwnPortfolioOnly()).order(Ordered.HIGHEST_PRECEDENCE);
    }

    private final class OwnPortfolioOnly implements HandlerInterceptor {

        @Override
        public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
                throws IOException {
            if (!(SecurityContextHolder.getContext().getAuthentication() instanceof ScimClient client)) {
                return true;
            }
            Object portfolio =
                    request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE) instanceof Map<?, ?> path
                            ? path.get("portfolioId")
                            : null;
            if (portfolio == null || client.portfolioId().equals(CanonicalUuids.parse(portfolio.toString()))) {
                // No portfolio in the path (an unknown path, answered 404): nothing to keep it from.
                return true;
            }
            ScimErrors.write(
                    response,
                    json,
                    HttpStatus.FORBIDDEN,
                    "This SCIM token provisions another portfolio; use the SCIM base URL shown when it was created.");
            return false;
        }
    }
}

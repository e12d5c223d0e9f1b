package com.portfoliobulk.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.Resource;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.resource.AbstractResourceResolver;
import org.springframework.web.servlet.resource.ResourceResolverChain;

/**
 * Serves under {@code /webjars/} only the webjar the console's pages load (htmx, {@link #PATH}), in
 * place of Spring Boot's mapping of every webjar on the classpath. Swagger UI's files are served by
 * the API description's own mappings while it is switched on ({@code BULK_API_DOCS_ENABLED}); switched
 * off, {@code /webjars/swagger-ui/**} answers the API's 404 problem like the rest of it.
 */
@Configuration(proxyBeanMethods = false)
@Order(Ordered.HIGHEST_PRECEDENCE) // before Spring Boot's (order 0), which then leaves /webjars/** alone
class ConsoleWebJars implements WebMvcConfigurer {

    /** The console's webjar, which its pages load without signing in. */
    static final String PATH = "/webjars/htmx.org/**";

    private static final String WEBJAR = "htmx.org/";

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler("/webjars/**")
                .addResourceLocations("classpath:/META-INF/resources/webjars/")
                .resourceChain(true)
                .addResolver(new ConsoleWebJarOnly());
    }

    /**
     * Passes on only paths of the console's webjar; the chain then finds its version (webjars-locator)
     * and the file, as Spring Boot's mapping does.
     */
    private static final class ConsoleWebJarOnly extends AbstractResourceResolver {

        @Override
        protected Resource resolveResourceInternal(
                HttpServletRequest request,
                String requestPath,
                List<? extends Resource> locations,
                ResourceResolverChain chain) {
            return requestPath.startsWith(WEBJAR) ? chain.resolveResource(request, requestPath, locations) : null;
        }

        @Override
        protected String resolveUrlPathInternal(
                String resourceUrlPath, List<? extends Resource> locations, ResourceResolverChain chain) {
            return resourceUrlPath.startsWith(WEBJAR) ? chain.resolveUrlPath(resourceUrlPath, locations) : null;
        }
    }
}

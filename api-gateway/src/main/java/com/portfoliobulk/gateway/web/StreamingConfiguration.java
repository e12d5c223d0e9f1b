package com.portfoliobulk.gateway.web;

import java.util.List;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Streamed downloads run asynchronously; give them {@code bulk.gateway.web.streaming-timeout}, and
 * have an error after their first bytes (that timeout among them) fail the transfer ({@link
 * CommittedAnswers}).
 */
@Configuration(proxyBeanMethods = false)
class StreamingConfiguration implements WebMvcConfigurer {

    private final WebProperties properties;

    StreamingConfiguration(WebProperties properties) {
        this.properties = properties;
    }

    @Override
    public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
        configurer.setDefaultTimeout(properties.streamingTimeout().toMillis());
    }

    /** Ahead of the API's problem answers ({@code ProblemAdvice}) and Spring MVC's own. */
    @Override
    public void extendHandlerExceptionResolvers(List<HandlerExceptionResolver> resolvers) {
        resolvers.addFirst(new CommittedAnswers());
    }

    /** Closes the connection of a cut-off answer at once ({@link CommittedAnswers.CloseCutOffConnections}). */
    @Bean
    static WebServerFactoryCustomizer<TomcatServletWebServerFactory> closeCutOffConnections() {
        return factory -> factory.addContextValves(new CommittedAnswers.CloseCutOffConnections());
    }
}

package com.portfoliobulk.gateway.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Streamed downloads run asynchronously; give them {@code bulk.gateway.web.streaming-timeout}. */
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
}

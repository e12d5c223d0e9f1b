package com.portfoliobulk.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The properties Spring Boot documents in the configuration metadata of the jars on the classpath
 * (the services' own dependencies), as the environment variables that set them by relaxed binding:
 * {@code management.server.port} is {@code MANAGEMENT_SERVER_PORT}.
 */
final class SpringProperties {

    private static final String METADATA = "META-INF/spring-configuration-metadata.json";

    private SpringProperties() {}

    static Set<String> environmentNames() {
        Set<String> names = new TreeSet<>();
        JsonMapper json = JsonMapper.builder().build();
        try {
            Enumeration<URL> files = SpringProperties.class.getClassLoader().getResources(METADATA);
            while (files.hasMoreElements()) {
                try (InputStream in = files.nextElement().openStream()) {
                    JsonNode metadata = json.readTree(in);
                    for (JsonNode property : metadata.path("properties")) {
                        names.add(environmentName(property.path("name").asString()));
                    }
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return names;
    }

    static String environmentName(String property) {
        return property.replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT);
    }
}

package com.portfoliobulk.gateway.web;

import io.swagger.v3.oas.models.media.Schema;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The rules every operation of the API shares, written into the served description once rather than
 * on each operation.
 */
@Configuration(proxyBeanMethods = false)
class ApiDescription {

    static final String NEXT_CURSOR = "nextCursor";

    @Bean
    OpenApiCustomizer sharedRules() {
        return openApi -> {
            if (openApi.getComponents() == null || openApi.getComponents().getSchemas() == null) {
                return;
            }
            openApi.getComponents().getSchemas().values().forEach(ApiDescription::pagingRule);
        };
    }

    /** Every page's {@code nextCursor} is always present: a string, or null on the last page. */
    @SuppressWarnings("rawtypes")
    private static void pagingRule(Schema schema) {
        Map<String, Schema> properties = schema.getProperties();
        if (properties == null || !properties.containsKey(NEXT_CURSOR)) {
            return;
        }
        Schema nextCursor = properties.get(NEXT_CURSOR);
        nextCursor.setTypes(new LinkedHashSet<>(List.of("string", "null")));
        if (nextCursor.getDescription() == null) {
            nextCursor.setDescription("Pass as `cursor` to get the next page; null on the last page.");
        }
        for (String required : List.of("items", NEXT_CURSOR)) {
            if (properties.containsKey(required)
                    && (schema.getRequired() == null || !schema.getRequired().contains(required))) {
                schema.addRequiredItem(required);
            }
        }
    }
}

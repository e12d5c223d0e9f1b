package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import io.swagger.v3.oas.models.media.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The request types in the API description: {@code UPDATE_ROLES} has two forms ({@link
 * UpdateRolesByAssignment}, {@link UpdateRolesBySelection}) and a discriminator maps a value to one
 * schema, so both forms are one {@value #UPDATE_ROLES} schema (one of the two), mapped from {@code
 * UPDATE_ROLES} like every other job type to its request's schema.
 */
@Configuration(proxyBeanMethods = false)
class JobRequestDescription {

    static final String UPDATE_ROLES = "UpdateRoles";

    private static final String SCHEMAS = "#/components/schemas/";

    @Bean
    @SuppressWarnings("rawtypes")
    OpenApiCustomizer updateRolesForms() {
        return openApi -> {
            Map<String, Schema> schemas = openApi.getComponents() == null
                    ? null
                    : openApi.getComponents().getSchemas();
            Schema jobRequest = schemas == null ? null : schemas.get(JobRequest.class.getSimpleName());
            if (jobRequest == null || jobRequest.getOneOf() == null || jobRequest.getDiscriminator() == null) {
                return;
            }
            List<String> forms = List.of(
                    SCHEMAS + UpdateRolesByAssignment.class.getSimpleName(),
                    SCHEMAS + UpdateRolesBySelection.class.getSimpleName());
            schemas.put(
                    UPDATE_ROLES,
                    new Schema<>()
                            .description("`UPDATE_ROLES`, in one of its two forms: `assignments`, or `userIds`,"
                                    + " `accountIds` and `role`.")
                            .oneOf(forms.stream()
                                    .map(form -> (Schema) new Schema<>().$ref(form))
                                    .toList()));
            List<Schema> alternatives = new ArrayList<>();
            for (Object alternative : jobRequest.getOneOf()) {
                Schema schema = (Schema) alternative;
                if (!forms.contains(schema.get$ref())) {
                    alternatives.add(schema);
                } else if (alternatives.stream().noneMatch(added -> (SCHEMAS + UPDATE_ROLES).equals(added.get$ref()))) {
                    alternatives.add(new Schema<>().$ref(SCHEMAS + UPDATE_ROLES));
                }
            }
            jobRequest.setOneOf(alternatives);
            jobRequest.getDiscriminator().mapping(JobType.UPDATE_ROLES.name(), SCHEMAS + UPDATE_ROLES);
        };
    }
}

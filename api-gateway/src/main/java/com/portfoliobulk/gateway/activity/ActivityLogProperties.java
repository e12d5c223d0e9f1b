package com.portfoliobulk.gateway.activity;

import jakarta.validation.constraints.NotNull;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param auditBaseUrl where the audit-consumer's internal activity log API is
 *     ({@code bulk.gateway.audit-base-url})
 */
@Validated
@ConfigurationProperties("bulk.gateway")
record ActivityLogProperties(
        @DefaultValue("http://localhost:8082") @NotNull URI auditBaseUrl) {}

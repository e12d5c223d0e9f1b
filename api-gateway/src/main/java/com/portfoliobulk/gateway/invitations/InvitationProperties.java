package com.portfoliobulk.gateway.invitations;

import jakarta.validation.constraints.NotNull;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param workerBaseUrl where the bulk-worker's internal invitation API is
 *     ({@code bulk.gateway.worker-base-url})
 */
@Validated
@ConfigurationProperties("bulk.gateway")
record InvitationProperties(
        @DefaultValue("http://localhost:8081") @NotNull URI workerBaseUrl) {}

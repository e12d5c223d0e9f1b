package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.gateway.web.InternalClients;
import com.portfoliobulk.gateway.web.InternalService;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Creates directory users through the bulk-worker's internal API ({@code POST /internal/users}),
 * because only the worker writes the directory. Creation is idempotent per address there, so a
 * retried call answers the same user. An unreachable or failing worker is a 503 with
 * {@code Retry-After}, which the SCIM endpoints pass on to the identity provider (which retries).
 */
@Component
class WorkerUsers {

    private final InternalService worker;

    WorkerUsers(
            @Value("${bulk.gateway.worker-base-url:http://localhost:8081}") URI workerBaseUrl,
            InternalClients clients) {
        this.worker = clients.service(workerBaseUrl, "Users cannot be created right now");
    }

    /** The directory user with this address, created (IdP-managed, with no access) when there is none. */
    UUID provision(String email) {
        return worker.call(http -> http.post()
                .uri(UriComponentsBuilder.fromUri(worker.baseUrl())
                        .path("/internal/users")
                        .build()
                        .toUri())
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
                .body(Map.of("email", email))
                .exchange((request, response) -> {
                    int status = response.getStatusCode().value();
                    if (status == HttpStatus.OK.value() || status == HttpStatus.CREATED.value()) {
                        ProvisionedUser user = response.bodyTo(ProvisionedUser.class);
                        if (user == null || user.userId() == null) {
                            throw worker.unavailable(new IllegalStateException("The worker answered no user"));
                        }
                        return user.userId();
                    }
                    if (status == HttpStatus.BAD_REQUEST.value()) {
                        throw ScimException.invalidValue(
                                "'userName' must be an e-mail address of 3 to 254 characters.");
                    }
                    throw worker.unavailable(new IllegalStateException("The worker answered " + status));
                }));
    }

    /**
     * @param userId the user
     * @param email their address
     * @param created whether the call created them
     */
    record ProvisionedUser(UUID userId, String email, boolean created) {}
}

package com.portfoliobulk.gateway.scim;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.gateway.web.InternalService;
import com.portfoliobulk.gateway.web.InternalServiceUrls;
import com.portfoliobulk.gateway.web.InternalServices;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;

/**
 * Creates directory users through the bulk-worker's internal API ({@code POST /internal/users}),
 * because only the worker writes the directory. Creation is idempotent per address there, so a
 * retried call answers the same user. An unreachable or failing worker is a 503 with
 * {@code Retry-After}, which the SCIM endpoints pass on to the identity provider (which retries).
 */
@Component
class WorkerUsers {

    private final InternalService<WorkerUsersApi> worker;

    WorkerUsers(InternalServiceUrls urls, InternalServices services) {
        this.worker = services.connect(
                InternalServices.Callee.BULK_WORKER,
                urls.worker(),
                WorkerUsersApi.class,
                "Users cannot be created right now");
    }

    /** The directory user with this address, created (with no access) when there is none. */
    UUID provision(String email) {
        return worker.call(api -> {
            ProvisionedUser user;
            try {
                user = api.provision(Map.of("email", email));
            } catch (HttpClientErrorException refused) {
                if (refused.getStatusCode().value() == 400) {
                    throw ScimException.invalidValue(
                            "'userName' must be an e-mail address: " + EmailAddresses.refusal(email) + ".");
                }
                throw worker.unavailable(refused);
            }
            if (user == null || user.userId() == null) {
                throw worker.unavailable(new IllegalStateException("The worker answered no user"));
            }
            return user.userId();
        });
    }

    /**
     * The worker's answer, ignoring fields a newer worker may add.
     *
     * @param userId the user
     * @param email their address
     * @param created whether the call created them
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ProvisionedUser(UUID userId, String email, boolean created) {}
}

package com.portfoliobulk.worker.provisioning;

import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.servicesupport.web.InvalidParametersException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The worker's internal user provisioning API, called by the api-gateway for a SCIM user creation
 * once it has authenticated the identity provider (this service has no authentication of its own:
 * only the gateway may reach its port). Only the worker writes the directory. Answers 201 with the
 * new user, 200 with the user the address already has, 400 for a missing or malformed address.
 */
@RestController
class UserProvisioningController {

    private final UserProvisioning provisioning;

    UserProvisioningController(UserProvisioning provisioning) {
        this.provisioning = provisioning;
    }

    @PostMapping(
            path = "/internal/users",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<UserProvisioning.ProvisionedUser> provision(@RequestBody ProvisionUserRequest request) {
        String email = request.email() == null ? "" : request.email().strip();
        if (!EmailAddresses.isValid(email)) {
            throw InvalidParametersException.of("email", "must be an e-mail address: " + EmailAddresses.refusal(email));
        }
        UserProvisioning.ProvisionedUser user = provisioning.provision(email);
        return ResponseEntity.status(user.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(user);
    }

    /** @param email the address of the user to create */
    record ProvisionUserRequest(String email) {}
}

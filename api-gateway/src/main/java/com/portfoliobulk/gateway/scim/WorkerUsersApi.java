package com.portfoliobulk.gateway.scim;

import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.service.annotation.PostExchange;

/** The bulk-worker's internal user provisioning API. */
interface WorkerUsersApi {

    /** The user with {@code {"email": ...}}, created (with no access) when there is none; 400 for a bad address. */
    @PostExchange(
            url = "/internal/users",
            contentType = MediaType.APPLICATION_JSON_VALUE,
            accept = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    WorkerUsers.ProvisionedUser provision(@RequestBody Map<String, String> email);
}

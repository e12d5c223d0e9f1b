package com.portfoliobulk.gateway.invitations;

import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.service.annotation.PostExchange;

/** The bulk-worker's internal invitation API. */
interface WorkerInvitationsApi {

    /** Accepts the invitation for {@code {"email": ...}}, the address of the caller. */
    @PostExchange(
            url = "/internal/invitations/{token}/accept",
            contentType = MediaType.APPLICATION_JSON_VALUE,
            accept = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    AcceptedInvitation accept(@PathVariable String token, @RequestBody Map<String, String> email);
}

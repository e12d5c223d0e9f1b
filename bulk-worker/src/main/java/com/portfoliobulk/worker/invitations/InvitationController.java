package com.portfoliobulk.worker.invitations;

import com.portfoliobulk.servicesupport.web.InvalidParametersException;
import com.portfoliobulk.servicesupport.web.ProblemException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The worker's internal invitation API, called by the api-gateway once it has authenticated the
 * caller; each call carries the gateway's internal token (see {@code InternalApiAuthentication};
 * without one: 401).
 * Answers 200 with the membership, 403 when the caller is not the invitee, 404 when no pending
 * invitation has the token, 410 when it expired; the gateway turns these into the public answers.
 */
@RestController
class InvitationController {

    private final InvitationAcceptance acceptance;

    InvitationController(InvitationAcceptance acceptance) {
        this.acceptance = acceptance;
    }

    @PostMapping(
            path = "/internal/invitations/{token}/accept",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> accept(@PathVariable String token, @RequestBody AcceptInvitationRequest request) {
        if (request.email() == null || request.email().isBlank()) {
            throw InvalidParametersException.of("email", "is required: the address of the caller who accepts");
        }
        InvitationAcceptance.Outcome outcome = acceptance.accept(token, request.email());
        return switch (outcome.result()) {
            case ACCEPTED -> ResponseEntity.ok(outcome.membership());
            case UNKNOWN -> throw new ProblemException(HttpStatus.NOT_FOUND, "No pending invitation has this token.");
            case EXPIRED -> throw new ProblemException(HttpStatus.GONE, "The invitation has expired.");
            case ANOTHER_ADDRESS ->
                throw new ProblemException(HttpStatus.FORBIDDEN, "The invitation was sent to another address.");
        };
    }
}

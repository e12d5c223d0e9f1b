package com.portfoliobulk.worker.invitations;

import com.portfoliobulk.servicesupport.web.InvalidParametersException;
import com.portfoliobulk.servicesupport.web.ProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.http.HttpHeaders;
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
 * invitation has the token, 410 when it expired, 503 with {@code Retry-After} when its invitations stay
 * locked longer than {@link InvitationAcceptance#LOCK_WAIT} (their e-mail is being handed to a slow SMTP
 * server, say); the gateway turns these into the public answers.
 */
@RestController
class InvitationController {

    private static final Logger log = LoggerFactory.getLogger(InvitationController.class);

    /** When to try again after a 503, as the worker says for an unavailable database. */
    private static final int RETRY_AFTER_SECONDS = 5;

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
        InvitationAcceptance.Outcome outcome;
        try {
            outcome = acceptance.accept(token, request.email());
        } catch (CannotAcquireLockException busy) {
            log.info(
                    "Answering 503 to an invitation acceptance: its invitations stayed locked for more than {} ms"
                            + " (their e-mail being sent, a job or another acceptance changing them)",
                    InvitationAcceptance.LOCK_WAIT.toMillis());
            ProblemException unavailable = new ProblemException(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "The invitation is being changed or its e-mail sent right now; try again shortly.");
            unavailable.getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(RETRY_AFTER_SECONDS));
            throw unavailable;
        }
        return switch (outcome.result()) {
            case ACCEPTED -> ResponseEntity.ok(outcome.membership());
            case UNKNOWN -> throw new ProblemException(HttpStatus.NOT_FOUND, "No pending invitation has this token.");
            case EXPIRED -> throw new ProblemException(HttpStatus.GONE, "The invitation has expired.");
            case ANOTHER_ADDRESS ->
                throw new ProblemException(HttpStatus.FORBIDDEN, "The invitation was sent to another address.");
        };
    }
}

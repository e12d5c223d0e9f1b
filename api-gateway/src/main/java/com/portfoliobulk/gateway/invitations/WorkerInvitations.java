package com.portfoliobulk.gateway.invitations;

import com.portfoliobulk.gateway.web.InternalService;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.RequestRefusedException.Reason;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Accepts invitations through the bulk-worker's internal API, because only the worker writes the
 * directory. Its answers become the public ones: accepted (200), sent to another address (403), no
 * such invitation or expired (410, the same for both: a revoked invitation leaves no trace to tell
 * it from a token that never existed); an unreachable or failing worker is a 503 with
 * {@code Retry-After}.
 */
@Component
class WorkerInvitations {

    private static final String PATH = "/internal/invitations/{token}/accept";

    private final InternalService worker;

    WorkerInvitations(InvitationProperties properties) {
        this.worker = new InternalService(properties.workerBaseUrl(), "Invitations cannot be accepted right now");
    }

    AcceptedInvitation accept(String token, String email) {
        return worker.call(http -> http.post()
                .uri(UriComponentsBuilder.fromUri(worker.baseUrl())
                        .path(PATH)
                        .buildAndExpand(token)
                        .encode()
                        .toUri())
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
                .body(Map.of("email", email))
                .exchange((request, response) -> {
                    HttpStatusCode status = response.getStatusCode();
                    if (status.value() == HttpStatus.OK.value()) {
                        return response.bodyTo(AcceptedInvitation.class);
                    }
                    throw switch (status.value()) {
                        case 403 ->
                            new RequestRefusedException(
                                    Reason.FORBIDDEN,
                                    "Invitation for another address",
                                    "This invitation was sent to another e-mail address. Sign in as the person it was"
                                            + " sent to.");
                        case 404, 410 -> gone();
                        default -> worker.unavailable(new IllegalStateException("The worker answered " + status));
                    };
                }));
    }

    static RequestRefusedException gone() {
        return new RequestRefusedException(
                Reason.GONE,
                "Invitation expired or revoked",
                "This invitation cannot be accepted any more: it expired, was revoked or was accepted already. Ask"
                        + " for a new one.");
    }
}

package com.portfoliobulk.gateway.invitations;

import com.portfoliobulk.gateway.web.InternalService;
import com.portfoliobulk.gateway.web.InternalServiceUrls;
import com.portfoliobulk.gateway.web.InternalServices;
import com.portfoliobulk.gateway.web.Problems;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.RequestRefusedException.Reason;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;

/**
 * Accepts invitations through the bulk-worker's internal API, because only the worker writes the
 * directory. Its answers become the public ones: accepted (200), sent to another address (403), no
 * such invitation or expired (410, the same for both: a revoked invitation leaves no trace to tell
 * it from a token that never existed); an unreachable or failing worker is a 503 with
 * {@code Retry-After}.
 */
@Component
class WorkerInvitations {

    private final InternalService<WorkerInvitationsApi> worker;

    WorkerInvitations(InternalServiceUrls urls, InternalServices services) {
        this.worker = services.connect(
                InternalServices.Callee.BULK_WORKER,
                urls.worker(),
                WorkerInvitationsApi.class,
                "Invitations cannot be accepted right now");
    }

    AcceptedInvitation accept(String token, String email) {
        return worker.call(api -> {
            try {
                return api.accept(token, Map.of("email", email));
            } catch (HttpClientErrorException refused) {
                throw switch (refused.getStatusCode().value()) {
                    case 403 ->
                        new RequestRefusedException(
                                Reason.FORBIDDEN,
                                Problems.INVITATION_FOR_ANOTHER_ADDRESS,
                                "This invitation was sent to another e-mail address. Sign in as the person it was"
                                        + " sent to.");
                    case 404, 410 -> gone();
                    default -> worker.unavailable(refused);
                };
            }
        });
    }

    static RequestRefusedException gone() {
        return new RequestRefusedException(
                Reason.GONE,
                "Invitation expired or revoked",
                "This invitation cannot be accepted any more: it expired, was revoked or was used, or the access it"
                        + " gave was removed since. Ask for a new one.");
    }
}

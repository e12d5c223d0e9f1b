package com.portfoliobulk.gateway.invitations;

import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.Problems;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The invited person accepts an invitation. No portfolio permission is needed (the invitee is an
 * ordinary user), only a valid token whose {@code email} is the address the invitation was sent to
 * and, when the token carries the {@code email_verified} claim, a verified one. Its {@code sub} need
 * not be a user id of the product: the invitee may not be a user yet, and the identity provider may
 * name them by an id of its own.
 */
@Tag(name = "Invitations", description = "Accept an invitation to an account.")
@RestController
class InvitationController {

    /** What invitation tokens look like (URL-safe Base64); anything else cannot be one. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{16,128}");

    private final PortfolioAccess access;

    private final WorkerInvitations invitations;

    InvitationController(PortfolioAccess access, WorkerInvitations invitations) {
        this.access = access;
        this.invitations = invitations;
    }

    @Operation(
            summary = "Accept an invitation",
            description = "The invited person, signed in with the e-mail address the invitation was sent to, accepts"
                    + " it: the membership becomes ACTIVE with the role the invitation offered. Accepting an"
                    + " e-mail's link again answers the access it gave that is still the invitee's (the first"
                    + " answer may have been lost); a single invitation's token is used up (410).")
    @ApiResponse(responseCode = "200", description = "Accepted; the membership it became.")
    @ApiResponse(responseCode = "401", description = "No valid bearer token.")
    @ApiResponse(
            responseCode = "403",
            description = "The invitation was sent to another e-mail address than the token's, or the token says"
                    + " that its address is not verified (email_verified false).")
    @ApiResponse(
            responseCode = "410",
            description = "The invitation expired or was revoked, its single-invitation token was used, the access"
                    + " an e-mail's link gave was removed since, or it never existed.")
    @ApiResponse(
            responseCode = "503",
            description = "Invitations cannot be accepted right now; retry after Retry-After seconds.")
    @PostMapping(path = "/api/v1/invitations/{token}/accept", produces = MediaType.APPLICATION_JSON_VALUE)
    AcceptedInvitation accept(
            @Parameter(description = "The invitation token from the invitation e-mail.") @PathVariable String token) {
        String email = access.callerEmail();
        if (addressUnverified()) {
            throw new RequestRefusedException(
                    RequestRefusedException.Reason.FORBIDDEN,
                    Problems.ADDRESS_NOT_VERIFIED,
                    Problems.addressNotVerified(email));
        }
        if (!TOKEN.matcher(token).matches()) {
            throw WorkerInvitations.gone();
        }
        return invitations.accept(token, email);
    }

    /** Whether the bearer token carries {@code email_verified} and it is false. */
    private static boolean addressUnverified() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof Jwt jwt) {
            Object verified = jwt.getClaims().get("email_verified");
            return verified != null && !Boolean.parseBoolean(String.valueOf(verified));
        }
        return false;
    }
}

package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.gateway.jobs.JobSubmission;
import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.RequestRefusedException.Reason;
import java.util.List;

/**
 * The refusals of a SCIM token's creation sent with an {@code Idempotency-Key} the portfolio has
 * already: the key created a token, and the request creates no other. The key is not quoted (the
 * client sent it, and the token's name may be long); the token is named by its id, name and creation
 * time, as the list shows it.
 */
final class ScimTokenProblems {

    private ScimTokenProblems() {}

    /**
     * 409: the same request sent again. The token's secret is stored only as its digest, so the answer
     * that showed it cannot be given again; the client learns which token the key made and what to do
     * when it never saw that answer.
     */
    static RequestRefusedException alreadyCreated(ScimTokenRepository.Row token) {
        String path = ScimTokenController.PATH.replace(
                        "{portfolioId}", token.portfolioId().toString()) + "/" + token.id();
        String detail = "This Idempotency-Key created " + describe(token) + " already; no other token was created.";
        if (token.revokedAt() != null) {
            detail += " That token was revoked at " + token.revokedAt() + ", and the key stays with it: create a new"
                    + " token with a new Idempotency-Key.";
        } else {
            detail += " Its secret was shown only in the answer to that request and cannot be shown again. If that"
                    + " answer was lost, revoke the token (DELETE " + path + ") and create a new one with a new"
                    + " Idempotency-Key.";
        }
        return new RequestRefusedException(
                Reason.CONFLICT,
                "SCIM token already created",
                detail,
                List.of(new FieldProblem(
                        JobSubmission.IDEMPOTENCY_KEY,
                        "created SCIM token " + token.id() + " already; use a new key for a new token")),
                null,
                null);
    }

    /** 422, as for a job: the key created a token of another name, so this is another request. */
    static RequestRefusedException keyReused(ScimTokenRepository.Row token) {
        return new RequestRefusedException(
                Reason.IDEMPOTENCY_KEY_REUSED,
                "Idempotency-Key reused",
                "This Idempotency-Key created " + describe(token) + " in this portfolio, so it cannot create a token"
                        + " of another name; use a new key for a new request.",
                List.of(new FieldProblem(
                        JobSubmission.IDEMPOTENCY_KEY,
                        "was used for a different request (SCIM token " + token.id()
                                + "); use a new key for a new request")),
                null,
                null);
    }

    private static String describe(ScimTokenRepository.Row token) {
        return "SCIM token " + token.id() + " (\"" + token.name() + "\", created at " + token.createdAt() + ")";
    }
}

package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import java.util.List;

/**
 * A job request that parsed but cannot be carried out as asked, its {@code errors} naming every
 * offending field. Nothing has been created when it is thrown.
 */
public class InvalidJobRequestException extends RequestRefusedException {

    public InvalidJobRequestException(String detail, List<FieldProblem> errors) {
        super(Reason.INVALID_CONTENT, "Invalid job request", detail, errors, null, null);
    }
}

package com.portfoliobulk.gateway.web;

import java.util.List;

/** A query parameter or header that cannot be used: 400, its {@code errors} naming it. */
public class InvalidParameterException extends RequestRefusedException {

    static final String TITLE = "Invalid request parameter";

    public InvalidParameterException(String parameter, String message) {
        this(List.of(new FieldProblem(parameter, message)));
    }

    /** Every parameter that cannot be used, each with what is wrong with it; at least one. */
    public InvalidParameterException(List<FieldProblem> errors) {
        super(
                Reason.INVALID_PARAMETER,
                TITLE,
                errors.size() == 1
                        ? "Invalid '" + errors.getFirst().field() + "': "
                                + errors.getFirst().message()
                        : "Invalid parameters: "
                                + String.join(
                                        ", ",
                                        errors.stream().map(FieldProblem::field).toList()),
                errors,
                null,
                null);
    }
}

package com.portfoliobulk.gateway.web;

/**
 * One entry of a problem's {@code errors}: what is wrong with which part of the request. Both texts
 * are bounded in length, as they may quote what the client sent.
 *
 * @param field the offending field (a JSON path such as {@code accounts[2].accountId}), query
 *     parameter or header
 * @param message what is wrong with it
 */
public record FieldProblem(String field, String message) {

    static final int MAX_FIELD_LENGTH = 200;

    static final int MAX_MESSAGE_LENGTH = 500;

    public FieldProblem {
        field = Problems.bounded(field, MAX_FIELD_LENGTH);
        message = Problems.bounded(message, MAX_MESSAGE_LENGTH);
    }
}

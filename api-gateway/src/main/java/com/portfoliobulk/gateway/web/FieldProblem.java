package com.portfoliobulk.gateway.web;

/**
 * One entry of a problem's {@code errors}: what is wrong with which part of the request.
 *
 * @param field the offending field (a JSON path such as {@code accounts[2].accountId}), query
 *     parameter or header
 * @param message what is wrong with it
 */
public record FieldProblem(String field, String message) {}

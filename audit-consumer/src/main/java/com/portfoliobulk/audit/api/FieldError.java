package com.portfoliobulk.audit.api;

/**
 * What is wrong with one request parameter, as an item of a problem's {@code errors}.
 *
 * @param field the parameter
 * @param message what it must be
 */
record FieldError(String field, String message) {}

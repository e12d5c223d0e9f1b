package com.portfoliobulk.servicesupport.web;

/**
 * What is wrong with one request parameter, header or body field, as an item of a problem's {@code
 * errors}.
 *
 * @param field the parameter, header or body field
 * @param message what it must be
 */
public record FieldError(String field, String message) {}

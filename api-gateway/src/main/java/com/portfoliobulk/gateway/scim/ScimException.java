package com.portfoliobulk.gateway.scim;

import org.springframework.http.HttpStatus;

/**
 * A SCIM request that cannot be carried out, answered in the SCIM error format (RFC 7644 section
 * 3.12) with the status and, for 400 and 409, a {@code scimType}.
 */
class ScimException extends RuntimeException {

    private final HttpStatus status;

    private final String scimType;

    ScimException(HttpStatus status, String scimType, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.scimType = scimType;
    }

    HttpStatus status() {
        return status;
    }

    String scimType() {
        return scimType;
    }

    static ScimException invalidValue(String detail) {
        return new ScimException(HttpStatus.BAD_REQUEST, "invalidValue", detail);
    }

    static ScimException invalidSyntax(String detail) {
        return new ScimException(HttpStatus.BAD_REQUEST, "invalidSyntax", detail);
    }

    static ScimException notFound(String detail) {
        return new ScimException(HttpStatus.NOT_FOUND, null, detail);
    }
}

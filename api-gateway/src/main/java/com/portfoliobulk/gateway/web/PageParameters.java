package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.paging.PageRequest;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The paging query parameters of every list, as sent; {@link #request(String)} checks them with the
 * one paging contract.
 *
 * @param limit the page size
 * @param cursor the {@code nextCursor} of the previous page
 */
public record PageParameters(
        @Parameter(
                description = "Page size, in plain digits: no sign, spaces or decimal point (leading zeros are"
                        + " read as decimal).",
                schema =
                        @Schema(
                                type = "integer",
                                minimum = "1",
                                maximum = "" + PageRequest.MAX_LIMIT,
                                defaultValue = "" + PageRequest.DEFAULT_LIMIT))
        String limit,

        @Parameter(description = "The `nextCursor` of the previous page of the same list; omit for the first page.")
        String cursor) {

    /**
     * The page of {@code list} asked for.
     *
     * @throws com.portfoliobulk.contracts.paging.InvalidPageRequestException naming {@code limit} or
     *     {@code cursor} when it cannot be used (400)
     */
    public PageRequest request(String list) {
        return PageRequest.of(limit, cursor, list);
    }
}

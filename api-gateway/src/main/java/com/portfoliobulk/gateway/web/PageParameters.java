package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.PageRequest;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.UUID;

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

    /**
     * The page asked for of the list of {@code kind} that belongs to {@code owners} ({@link
     * Cursor#list}), such as the tasks of one job: a cursor of another owner's list is refused.
     *
     * @throws com.portfoliobulk.contracts.paging.InvalidPageRequestException naming {@code limit} or
     *     {@code cursor} when it cannot be used (400)
     */
    public PageRequest request(String kind, UUID... owners) {
        return request(Cursor.list(kind, owners));
    }
}

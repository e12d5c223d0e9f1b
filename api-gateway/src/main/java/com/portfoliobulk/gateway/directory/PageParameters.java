package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.gateway.web.InvalidParameterException;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The paging query parameters of every directory list, as sent; {@link #paging()} checks them.
 *
 * @param limit the page size
 * @param cursor the {@code nextCursor} of the previous page
 */
record PageParameters(
        @Parameter(
                description = "Page size.",
                schema =
                        @Schema(
                                type = "integer",
                                minimum = "1",
                                maximum = "" + Paging.MAX_LIMIT,
                                defaultValue = "" + Paging.DEFAULT_LIMIT))
        String limit,

        @Parameter(description = "The `nextCursor` of the previous page; omit for the first page.")
        String cursor) {

    /**
     * The page asked for.
     *
     * @throws InvalidParameterException naming {@code limit} or {@code cursor} when it cannot be used
     */
    Paging paging() {
        return Paging.of(limit, cursor);
    }
}

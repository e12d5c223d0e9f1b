package com.portfoliobulk.gateway.directory;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a cursor-paged list.
 *
 * @param items the items of this page, in list order
 * @param nextCursor pass as {@code cursor} to get the next page; {@code null} on the last page
 */
record CursorPage<T>(
        List<T> items,

        @Schema(
                description = "Pass as `cursor` to get the next page; null on the last page.",
                nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED)
        @JsonInclude(JsonInclude.Include.ALWAYS)
        String nextCursor) {

    CursorPage {
        items = List.copyOf(items);
    }

    /**
     * The page of {@code fetched} rows, read with {@link Paging#fetchSize()}: a row beyond the limit
     * only tells that another page follows, which starts after the page's last item.
     */
    static <T> CursorPage<T> of(List<T> fetched, Paging paging, Function<T, PageCursor> position) {
        if (fetched.size() <= paging.limit()) {
            return new CursorPage<>(fetched, null);
        }
        List<T> items = fetched.subList(0, paging.limit());
        return new CursorPage<>(items, position.apply(items.getLast()).encode());
    }
}

package com.portfoliobulk.contracts.paging;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a list, as every list answers it.
 *
 * @param items this page's items, in list order
 * @param nextCursor pass as {@code cursor} to get the next page; always present, {@code null} on
 *     the last page
 */
public record Page<T>(
        List<T> items,
        @JsonInclude(JsonInclude.Include.ALWAYS) String nextCursor) {

    public Page {
        items = List.copyOf(items);
    }

    /** This page with each item mapped, the cursor kept. */
    public <R> Page<R> map(Function<? super T, ? extends R> mapping) {
        return new Page<>(items.stream().<R>map(mapping).toList(), nextCursor);
    }
}

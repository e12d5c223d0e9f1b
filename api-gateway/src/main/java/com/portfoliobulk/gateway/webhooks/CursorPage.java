package com.portfoliobulk.gateway.webhooks;

import java.util.List;

/**
 * One page of a list, shaped as every list of the API.
 *
 * @param items the page's items
 * @param nextCursor pass as {@code cursor} for the next page; absent on the last page
 */
record CursorPage<T>(List<T> items, String nextCursor) {}

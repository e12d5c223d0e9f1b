/**
 * The one paging contract of every list of the API: a {@link com.portfoliobulk.contracts.paging.PageRequest}
 * read from the {@code limit} and {@code cursor} query parameters, a
 * {@link com.portfoliobulk.contracts.paging.Page} whose {@code nextCursor} is always present ({@code
 * null} on the last page), and the opaque {@link com.portfoliobulk.contracts.paging.Cursor} that
 * carries where a page ended. A bad limit or cursor is an {@link
 * com.portfoliobulk.contracts.paging.InvalidPageRequestException}, which each service answers with
 * its one 400 problem.
 */
package com.portfoliobulk.contracts.paging;

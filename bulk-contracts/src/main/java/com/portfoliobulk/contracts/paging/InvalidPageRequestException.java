package com.portfoliobulk.contracts.paging;

/**
 * A {@code limit} or {@code cursor} query parameter that cannot be used. Services answer it with
 * their one 400 problem, naming {@link #parameter()} and quoting {@link #getMessage()} as the fix.
 */
public class InvalidPageRequestException extends IllegalArgumentException {

    private final String parameter;

    /**
     * @param parameter the offending query parameter: {@code limit} or {@code cursor}
     * @param message what it must be, in words a client can act on
     */
    public InvalidPageRequestException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    /** The offending query parameter. */
    public String parameter() {
        return parameter;
    }

    static InvalidPageRequestException limit() {
        return new InvalidPageRequestException(
                PageRequest.LIMIT,
                "must be a whole number from 1 to " + PageRequest.MAX_LIMIT + ", in plain digits (no sign or spaces)");
    }

    /** A cursor that is not one of the list asked for: any text, or a cursor another list made. */
    public static InvalidPageRequestException cursor() {
        return new InvalidPageRequestException(
                PageRequest.CURSOR, "is not a cursor of this list; send the nextCursor of the previous page");
    }

    /**
     * An {@link Cursor#ofItem} cursor whose item no longer exists, so there is no place to continue
     * from: the client starts the list again.
     */
    public static InvalidPageRequestException itemGone() {
        return new InvalidPageRequestException(
                PageRequest.CURSOR,
                "points at an item that no longer exists; start again at the first page, without cursor");
    }
}

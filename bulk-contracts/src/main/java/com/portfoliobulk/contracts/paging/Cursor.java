package com.portfoliobulk.contracts.paging;

import com.portfoliobulk.contracts.ControlCharacters;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Where a page of a list ended: the name of the list and the values of the last item's sort key
 * (keyset paging, so the next page is stable while items are added or removed). On the wire it is
 * opaque: each part base64url-encoded, joined with {@code .}. A cursor of one list is refused by
 * another, including a list of the same kind of another owner, such as the tasks of another job
 * ({@link #list}).
 *
 * <p>Opaque is not secret: cursors end up in URLs, browser history and access logs. A list sorted by
 * a personal value (an e-mail address, a name) therefore keeps that value out of its cursor: the
 * cursor names the last item by id ({@link #ofItem}), and the list seeks from that item's sort key,
 * read again by id in the page's own statement. Such a cursor is signed by the list that made it: an
 * id alone would let a client name any item of any list and learn where its value sorts.
 *
 * @param list the list the cursor belongs to, such as {@code jobs} or {@code users}
 * @param values the last item's sort key, in the list's order
 */
public record Cursor(String list, List<String> values) {

    /** The longest cursor read: anything longer was not made by a list. */
    static final int MAX_ENCODED_LENGTH = 1024;

    private static final String SEPARATOR = ".";

    public Cursor {
        values = List.copyOf(values);
    }

    /**
     * The list of {@code kind} that belongs to {@code owners}, such as the tasks of one job: a cursor
     * of it is refused by the same list of any other owner, whose items it does not name.
     */
    public static String list(String kind, UUID... owners) {
        StringBuilder list = new StringBuilder(kind);
        for (UUID owner : owners) {
            list.append('/').append(owner);
        }
        return list.toString();
    }

    /** The cursor after an item of {@code list} whose sort key is {@code values} (printed with {@code toString}). */
    public static Cursor of(String list, Object... values) {
        List<String> texts = new ArrayList<>(values.length);
        for (Object value : values) {
            texts.add(String.valueOf(value));
        }
        return new Cursor(list, texts);
    }

    /**
     * The cursor after an item of {@code list} sorted newest first by a time and then its id: the time
     * in whole microseconds since the epoch, the precision PostgreSQL keeps. Read back with {@link
     * #micros(int)} and {@link #uuid(int)}.
     */
    public static Cursor ofTime(String list, Instant time, UUID id) {
        return of(list, ChronoUnit.MICROS.between(Instant.EPOCH, time), id);
    }

    /**
     * The cursor after the item {@code id} of {@code list}, a list sorted by a personal value: it
     * carries the item's id only, never the value, and {@code signature}, the list's keyed signature
     * of the list and the id. The list checks the signature before it reads the item, so a cursor it
     * did not make is refused like any other text, whatever item it names.
     */
    public static Cursor ofItem(String list, UUID id, String signature) {
        return of(list, id, signature);
    }

    /** The text on the wire. */
    public String encode() {
        StringBuilder encoded = new StringBuilder(part(list));
        for (String value : values) {
            encoded.append(SEPARATOR).append(part(value));
        }
        return encoded.toString();
    }

    /**
     * The cursor a page of {@code list} returned. A part with a control character was made by no
     * list (sort keys never hold one), so it is refused like any other text before it reaches a query.
     *
     * @throws InvalidPageRequestException naming {@code cursor} when it is not one of that list's
     */
    public static Cursor decode(String encoded, String list) {
        if (encoded.length() > MAX_ENCODED_LENGTH) {
            throw InvalidPageRequestException.cursor();
        }
        String[] parts = encoded.split("\\.", -1);
        try {
            List<String> values = new ArrayList<>(parts.length - 1);
            for (int i = 1; i < parts.length; i++) {
                values.add(text(parts[i]));
            }
            if (!text(parts[0]).equals(list)) {
                throw InvalidPageRequestException.cursor();
            }
            return new Cursor(list, values);
        } catch (IllegalArgumentException ex) {
            throw InvalidPageRequestException.cursor();
        }
    }

    /**
     * The {@code index}th value of the sort key.
     *
     * @throws InvalidPageRequestException naming {@code cursor} when there is none
     */
    public String text(int index) {
        if (index < 0 || index >= values.size()) {
            throw InvalidPageRequestException.cursor();
        }
        return values.get(index);
    }

    /**
     * The {@code index}th value of the sort key as a UUID.
     *
     * @throws InvalidPageRequestException naming {@code cursor} when it is not one
     */
    public UUID uuid(int index) {
        try {
            return UUID.fromString(text(index));
        } catch (IllegalArgumentException ex) {
            throw InvalidPageRequestException.cursor();
        }
    }

    /**
     * The id of the item an {@link #ofItem} cursor names.
     *
     * @throws InvalidPageRequestException naming {@code cursor} when it names none
     */
    public UUID item() {
        if (values.size() != 2) {
            throw InvalidPageRequestException.cursor();
        }
        return uuid(0);
    }

    /**
     * The signature an {@link #ofItem} cursor carries.
     *
     * @throws InvalidPageRequestException naming {@code cursor} when it names no item
     */
    public String signature() {
        item();
        return text(1);
    }

    /**
     * The {@code index}th value of the sort key as a whole number.
     *
     * @throws InvalidPageRequestException naming {@code cursor} when it is not one
     */
    public long number(int index) {
        try {
            return Long.parseLong(text(index));
        } catch (NumberFormatException ex) {
            throw InvalidPageRequestException.cursor();
        }
    }

    /**
     * The {@code index}th value of the sort key as a time written by {@link #ofTime}.
     *
     * @throws InvalidPageRequestException naming {@code cursor} when it is not one
     */
    public Instant micros(int index) {
        return Instant.EPOCH.plus(number(index), ChronoUnit.MICROS);
    }

    /**
     * The {@code index}th value of the sort key as an instant.
     *
     * @throws InvalidPageRequestException naming {@code cursor} when it is not one
     */
    public Instant instant(int index) {
        try {
            return Instant.parse(text(index));
        } catch (DateTimeParseException ex) {
            throw InvalidPageRequestException.cursor();
        }
    }

    private static String part(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(String part) {
        String text = new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
        if (ControlCharacters.in(text)) {
            throw InvalidPageRequestException.cursor();
        }
        return text;
    }
}

package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.gateway.web.InvalidParameterException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * The position after the last item of a page in a list ordered by {@code (sortKey, id)}: the next
 * page starts strictly after it (keyset paging, stable while rows are added or removed). On the
 * wire it is opaque: base64url of the id and the sort key.
 *
 * @param sortKey the last item's sort key (an account name or an e-mail address)
 * @param id the last item's id, which breaks ties between equal sort keys
 */
record PageCursor(String sortKey, UUID id) {

    private static final int ID_LENGTH = 36;

    private static final int MAX_ENCODED_LENGTH = 1024;

    String encode() {
        byte[] raw = (id + ":" + sortKey).getBytes(StandardCharsets.UTF_8);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /**
     * The cursor a previous page returned.
     *
     * @throws InvalidParameterException when it is not one
     */
    static PageCursor decode(String encoded, String parameter) {
        if (encoded.length() > MAX_ENCODED_LENGTH) {
            throw notACursor(parameter);
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
            if (raw.length() <= ID_LENGTH || raw.charAt(ID_LENGTH) != ':') {
                throw notACursor(parameter);
            }
            UUID id = UUID.fromString(raw.substring(0, ID_LENGTH));
            return new PageCursor(raw.substring(ID_LENGTH + 1), id);
        } catch (IllegalArgumentException ex) {
            throw notACursor(parameter);
        }
    }

    private static InvalidParameterException notACursor(String parameter) {
        return new InvalidParameterException(parameter, "is not a cursor returned by this list");
    }
}

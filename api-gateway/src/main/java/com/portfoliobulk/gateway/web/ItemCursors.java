package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.internalauth.SharedKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The cursors of the lists sorted by a personal value (linked accounts, users, a user's profile
 * accounts, portfolio users), which name their last item by id ({@link Cursor#ofItem}). The next
 * page seeks from that item's sort key, read by id wherever the item is, also after it left the list;
 * so a cursor naming any id would tell where another portfolio's user or account sorts, or whether
 * it exists. Each cursor therefore carries a keyed signature of its list and item, with a key of its
 * own ({@link DerivedKeys}, so every gateway instance accepts the cursors of the others, also those
 * signed with the accepted secret's key while the shared secret is rotated), and a cursor without
 * the list's signature is refused before any query reads its item.
 */
@Component
public class ItemCursors {

    /** The purpose of the key of the signatures ({@link DerivedKeys}). */
    static final String PURPOSE = "Portfolio Bulk Access item cursor v1";

    /** 128 bits: not to be guessed, and a short cursor. */
    private static final int SIGNATURE_BYTES = 16;

    private final SharedKeys<DerivedKeys.Key> keys;

    public ItemCursors(DerivedKeys keys) {
        this.keys = keys.key(PURPOSE);
    }

    /**
     * Refuses a cursor of {@code paging} that does not carry its list's signature of its item; called
     * before any query reads the item.
     *
     * @throws InvalidPageRequestException naming {@code cursor}, the paging 400 of any cursor that is
     *     not one of the list
     */
    public void check(PageRequest paging) {
        Cursor after = paging.after();
        if (after != null
                && keys.accepting(key -> MessageDigest.isEqual(
                                signature(key, after.list(), after.item()).getBytes(StandardCharsets.US_ASCII),
                                after.signature().getBytes(StandardCharsets.US_ASCII)))
                        .isEmpty()) {
            throw InvalidPageRequestException.cursor();
        }
    }

    /** The cursor after the item {@code id} of {@code list}, signed. */
    public Cursor after(String list, UUID id) {
        return Cursor.ofItem(list, id, signature(keys.current(), list, id));
    }

    private static String signature(DerivedKeys.Key key, String list, UUID id) {
        return key.digest(SIGNATURE_BYTES, list, id.toString());
    }
}

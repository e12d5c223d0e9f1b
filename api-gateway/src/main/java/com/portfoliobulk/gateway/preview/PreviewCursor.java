package com.portfoliobulk.gateway.preview;

import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.jobs.PlannedTarget;
import com.portfoliobulk.gateway.jobs.ValidatedJobRequest;
import com.portfoliobulk.gateway.web.DerivedKeys;
import com.portfoliobulk.internalauth.SharedKeys;
import java.util.UUID;

/**
 * Where the previous page of a plan ended: the last item's position in plan order and who it was.
 * The next page starts after that item, found again by who it was, so that a plan that gained or
 * lost items in between (an offboarding whose memberships changed) continues where the client was;
 * only when that item left the plan does it continue at the position. A cursor belongs to one
 * request in one portfolio: with another body it is refused. On the wire it is a {@link Cursor} of
 * the list {@value #LIST}.
 *
 * <p>Cursors travel in URLs and so into browser histories and access logs: the item and the request
 * are named by digests keyed with the gateway's {@link #PURPOSE} key, which no one can match against a
 * list of known e-mail addresses without it. A cursor is made with the current key; one made with the
 * accepted secret's key, while the shared secret is rotated, is read with that key ({@link SharedKeys}).
 *
 * @param position the last item's 1-based position in the plan
 * @param accountId the last item's account
 * @param userKey a keyed digest of the last item's e-mail address
 * @param planKey a keyed digest of the portfolio and the normalized request the cursor was made for
 * @param key the key of its digests
 */
record PreviewCursor(long position, UUID accountId, String userKey, String planKey, DerivedKeys.Key key) {

    static final String LIST = "preview";

    /** The purpose of the key of the digests ({@link DerivedKeys}). */
    static final String PURPOSE = "Portfolio Bulk Access preview cursor v1";

    private static final int DIGEST_BYTES = 8;

    /** The cursor after {@code last}, an item of the plan of {@code planKey}. */
    static PreviewCursor after(PlannedTarget last, String planKey, DerivedKeys.Key key) {
        return new PreviewCursor(last.position(), last.accountId(), userKey(last, key), planKey, key);
    }

    /**
     * Where the page asked for starts, if it is made for the plan of {@code request} in the portfolio
     * with one of {@code keys}; {@code null} for the first page.
     *
     * @throws InvalidPageRequestException naming {@code cursor} when it is not a preview's or belongs
     *     to another request
     */
    static PreviewCursor of(
            PageRequest paging, UUID portfolioId, ValidatedJobRequest request, SharedKeys<DerivedKeys.Key> keys) {
        Cursor cursor = paging.after();
        if (cursor == null) {
            return null;
        }
        long position = cursor.number(0);
        UUID accountId = cursor.uuid(1);
        String userKey = cursor.text(2);
        String planKey = cursor.text(3);
        DerivedKeys.Key key = keys.accepting(
                        candidate -> planKey(portfolioId, request, candidate).equals(planKey))
                .orElseThrow(() -> new InvalidPageRequestException(
                        PageRequest.CURSOR,
                        "belongs to the preview of another request; send the same body to get the next page"));
        return new PreviewCursor(position, accountId, userKey, planKey, key);
    }

    /** Whether {@code target} is the item this cursor was made after. */
    boolean names(PlannedTarget target) {
        return accountId.equals(target.accountId()) && userKey.equals(userKey(target, key));
    }

    String encode() {
        return Cursor.of(LIST, position, accountId, userKey, planKey).encode();
    }

    /** A digest of the portfolio and the normalized request: the same for the same plan request. */
    static String planKey(UUID portfolioId, ValidatedJobRequest request, DerivedKeys.Key key) {
        return key.digest(DIGEST_BYTES, "plan", portfolioId.toString(), request.toString());
    }

    private static String userKey(PlannedTarget target, DerivedKeys.Key key) {
        return key.digest(DIGEST_BYTES, "user", target.email());
    }
}

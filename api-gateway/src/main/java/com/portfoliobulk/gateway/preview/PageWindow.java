package com.portfoliobulk.gateway.preview;

import com.portfoliobulk.gateway.jobs.PlannedTarget;
import com.portfoliobulk.gateway.web.DerivedKeys;
import com.portfoliobulk.rules.Decision;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks one page out of a plan streaming by in plan order, holding at most two pages of items
 * whatever the plan's size: the items after the item the cursor names, and the items from the
 * cursor's position on. The first wins when that item is still in the plan, so items that joined or
 * left the plan before it since the previous page (an offboarding whose memberships changed) neither
 * repeat nor go missing. When it has left the plan, the page starts at its position, where the item
 * after it now is unless others before it left too.
 */
final class PageWindow {

    private final int limit;

    private final PreviewCursor after;

    private final String planKey;

    private final DerivedKeys.Key key;

    private final List<Entry> afterPosition = new ArrayList<>();

    private final List<Entry> afterNamedItem = new ArrayList<>();

    private boolean namedItemSeen;

    /**
     * @param limit the page size
     * @param after where the previous page ended; {@code null} for the first page
     * @param planKey the plan the next page's cursor is made for
     * @param key the key of the next page's cursor (the cursor {@code after} has its own)
     */
    PageWindow(int limit, PreviewCursor after, String planKey, DerivedKeys.Key key) {
        this.limit = limit;
        this.after = after;
        this.planKey = planKey;
        this.key = key;
    }

    /** Offers the next item of the plan, in plan order. */
    void offer(PlannedTarget target, Decision decision) {
        if (after == null) {
            keep(afterPosition, target, decision);
            return;
        }
        if (namedItemSeen) {
            keep(afterNamedItem, target, decision);
        } else if (after.names(target)) {
            namedItemSeen = true;
        }
        if (target.position() >= after.position()) {
            keep(afterPosition, target, decision);
        }
    }

    /** The page's items and the cursor of the page after it, if any. */
    Page page() {
        List<Entry> candidates = namedItemSeen ? afterNamedItem : afterPosition;
        if (candidates.size() <= limit) {
            return new Page(candidates, null);
        }
        List<Entry> items = candidates.subList(0, limit);
        return new Page(items, PreviewCursor.after(items.getLast().target(), planKey, key));
    }

    /** Keeps one item beyond the page, to tell whether another page follows. */
    private void keep(List<Entry> entries, PlannedTarget target, Decision decision) {
        if (entries.size() <= limit) {
            entries.add(new Entry(target, decision));
        }
    }

    /** An item of the plan with its decision. */
    record Entry(PlannedTarget target, Decision decision) {}

    /**
     * A page of the plan.
     *
     * @param entries its items in plan order
     * @param next where the next page starts; {@code null} on the last page
     */
    record Page(List<Entry> entries, PreviewCursor next) {}
}

package com.portfoliobulk.gateway.preview;

import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.rules.Decision;
import java.util.EnumMap;

/** Counts the decisions of a plan as they stream by: a few counters, whatever the plan's size. */
final class PlanTally {

    private final EnumMap<ReasonCode, Long> skippedByReason = new EnumMap<>(ReasonCode.class);

    private long changes;

    private long skipped;

    void count(Decision decision) {
        if (decision.isChange()) {
            changes++;
        } else {
            skipped++;
            skippedByReason.merge(decision.reason(), 1L, Long::sum);
        }
    }

    /** Every task of the plan walked so far, changes and skips. */
    long total() {
        return changes + skipped;
    }

    /** The counts so far; reasons in the order of {@link ReasonCode}. */
    PreviewSummary summary() {
        return new PreviewSummary(changes, skipped, skippedByReason, null);
    }
}

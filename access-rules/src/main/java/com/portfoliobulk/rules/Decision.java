package com.portfoliobulk.rules;

import com.portfoliobulk.contracts.ReasonCode;
import java.util.Objects;

/**
 * The outcome of the rules for one task: change, or skip with a reason.
 *
 * @param outcome change or skip
 * @param reason why it is skipped; {@code null} for a change
 */
public record Decision(Outcome outcome, ReasonCode reason) {

    /** Whether the task changes the directory. */
    public enum Outcome {
        CHANGE,
        SKIP
    }

    private static final Decision CHANGE = new Decision(Outcome.CHANGE, null);

    public Decision {
        Objects.requireNonNull(outcome, "outcome");
        if ((outcome == Outcome.SKIP) != (reason != null)) {
            throw new IllegalArgumentException("A skip needs a reason and a change has none");
        }
    }

    public static Decision change() {
        return CHANGE;
    }

    public static Decision skip(ReasonCode reason) {
        return new Decision(Outcome.SKIP, Objects.requireNonNull(reason, "reason"));
    }

    public boolean isChange() {
        return outcome == Outcome.CHANGE;
    }
}

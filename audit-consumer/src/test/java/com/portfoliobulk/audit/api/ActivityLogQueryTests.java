package com.portfoliobulk.audit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ActivityLogQueryTests {

    private final UUID portfolio = UUID.randomUUID();

    private final UUID account = UUID.randomUUID();

    @Test
    void defaultsToTheFirstPageOfFifty() {
        ActivityLogQuery query = ActivityLogQuery.parse(portfolio, account, null, null, null);

        assertThat(query).isEqualTo(new ActivityLogQuery(portfolio, account, null, 50, null));
    }

    @Test
    void readsSinceWithAnyOffsetAsAnInstant() {
        ActivityLogQuery query = ActivityLogQuery.parse(portfolio, account, "2026-01-31T11:30:00+02:00", "500", null);

        assertThat(query.since()).isEqualTo(Instant.parse("2026-01-31T09:30:00Z"));
        assertThat(query.limit()).isEqualTo(500);
    }

    @Test
    void cursorRoundTrips() {
        ActivityLogCursor cursor =
                new ActivityLogCursor(Instant.parse("2026-01-31T09:30:00.123456Z"), UUID.randomUUID());

        ActivityLogQuery query = ActivityLogQuery.parse(portfolio, account, null, null, cursor.encode());

        assertThat(query.after()).isEqualTo(cursor);
        assertThat(cursor.encode()).doesNotContain(cursor.entryId().toString());
    }

    @Test
    void namesEveryInvalidParameter() {
        assertThatThrownBy(() -> ActivityLogQuery.parse(portfolio, account, "yesterday", "501", "bm9wZQ"))
                .isInstanceOfSatisfying(
                        InvalidParametersException.class,
                        ex -> assertThat(ex.errors())
                                .extracting(FieldError::field)
                                .containsExactly("since", "limit", "cursor"));
        assertThatThrownBy(() -> ActivityLogQuery.parse(portfolio, account, "2026-01-31T09:30:00", "0", "%%"))
                .isInstanceOfSatisfying(
                        InvalidParametersException.class,
                        ex -> assertThat(ex.errors())
                                .extracting(FieldError::field)
                                .containsExactly("since", "limit", "cursor"));
    }
}

package com.portfoliobulk.audit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.contracts.ActivityLogPageRequest;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.servicesupport.web.FieldError;
import com.portfoliobulk.servicesupport.web.InvalidParametersException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ActivityLogQueryTests {

    private final UUID portfolio = UUID.randomUUID();

    private final UUID account = UUID.randomUUID();

    @Test
    void defaultsToTheFirstPageOfFifty() {
        ActivityLogQuery query = ActivityLogQuery.parse(portfolio, account, null, null, null);

        assertThat(query).isEqualTo(new ActivityLogQuery(portfolio, account, null, new PageRequest(50, null)));
    }

    @Test
    void readsSinceWithAnyOffsetAsAnInstant() {
        ActivityLogQuery query = ActivityLogQuery.parse(portfolio, account, "2026-01-31T11:30:00+02:00", "500", null);

        assertThat(query.since()).isEqualTo(Instant.parse("2026-01-31T09:30:00Z"));
        assertThat(query.paging().limit()).isEqualTo(500);
    }

    @Test
    void cursorRoundTrips() {
        Instant occurredAt = Instant.parse("2026-01-31T09:30:00.123456Z");
        UUID entryId = UUID.randomUUID();
        String cursor = Cursor.of(ActivityLogPageRequest.list(portfolio, account), occurredAt, entryId)
                .encode();

        ActivityLogQuery query = ActivityLogQuery.parse(portfolio, account, null, null, cursor);

        assertThat(query.afterOccurredAt()).isEqualTo(occurredAt);
        assertThat(query.afterEntryId()).isEqualTo(entryId);
        assertThat(cursor).doesNotContain(entryId.toString());
    }

    @Test
    void aCursorOfAnotherListAccountOrPortfolioOrWithoutAnEntryIsNotOneOfThisList() {
        for (String cursor : List.of(
                Cursor.of("jobs", Instant.now(), UUID.randomUUID()).encode(),
                Cursor.of("activity-log", Instant.now(), UUID.randomUUID()).encode(),
                Cursor.of(ActivityLogPageRequest.list(UUID.randomUUID(), account), Instant.now(), UUID.randomUUID())
                        .encode(),
                Cursor.of(ActivityLogPageRequest.list(portfolio, UUID.randomUUID()), Instant.now(), UUID.randomUUID())
                        .encode(),
                Cursor.of(ActivityLogPageRequest.list(portfolio, account), "yesterday", UUID.randomUUID())
                        .encode(),
                Cursor.of(ActivityLogPageRequest.list(portfolio, account), Instant.now())
                        .encode())) {
            assertThatThrownBy(() -> ActivityLogQuery.parse(portfolio, account, null, null, cursor))
                    .isInstanceOfSatisfying(
                            InvalidParametersException.class,
                            ex -> assertThat(ex.errors())
                                    .extracting(FieldError::field)
                                    .containsExactly("cursor"));
        }
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

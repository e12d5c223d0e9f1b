package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.servicesupport.ids.TimeOrderedIds;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Where new job ids come from: time-ordered ({@link TimeOrderedIds}), so that a new job's tasks,
 * whose ids begin with the job id's first 80 bits, go in at the end of the task indexes led by the
 * job. A test may draw them otherwise.
 */
@Component
class JobIds {

    UUID next() {
        return TimeOrderedIds.next();
    }
}

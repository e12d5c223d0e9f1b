package com.portfoliobulk.servicesupport.scheduling;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.task.ThreadPoolTaskSchedulerBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * The services' scheduled work (the sweeps, retention, the invitation e-mails' poll) runs on a small
 * pool of its own. With virtual threads on, Spring Boot's scheduler runs every fixed-delay task on its
 * one scheduler thread, so one long run (retention working through a backlog for an hour) held every
 * other fixed-delay task of the service (the stuck-task sweep, the e-mails) until it ended. Here each
 * task keeps its fixed delay (a run never overlaps the task's next), and tasks do not wait for each
 * other while fewer than {@link #THREADS} run at once. {@code spring.task.scheduling.shutdown.*} still
 * applies. An interval of a scheduled task set to 0 or less stops the start, naming its property
 * ({@link ScheduledIntervals}).
 */
// After the task executor's: a scheduler is an Executor too, and Spring Boot makes its
// applicationTaskExecutor (request-bound async work, such as the CSV download) only while none exists.
@AutoConfiguration(before = TaskSchedulingAutoConfiguration.class, after = TaskExecutionAutoConfiguration.class)
@ConditionalOnBean(name = "org.springframework.scheduling.config.internalScheduledAnnotationProcessor")
public final class ScheduledTasksAutoConfiguration {

    /** More than the scheduled tasks of any service, so that none waits for a thread. */
    public static final int THREADS = 8;

    @Bean(name = "taskScheduler")
    @ConditionalOnMissingBean(TaskScheduler.class)
    ThreadPoolTaskScheduler taskScheduler(ThreadPoolTaskSchedulerBuilder builder) {
        return builder.poolSize(THREADS).threadNamePrefix("scheduled-").build();
    }

    @Bean
    static ScheduledIntervals scheduledIntervals() {
        return new ScheduledIntervals();
    }
}

package com.portfoliobulk.servicesupport.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * With virtual threads on, as in the services, a fixed-delay task that runs long (retention over a
 * backlog) does not hold the service's other fixed-delay tasks (the stuck-task sweep, the e-mails).
 */
class ScheduledTasksAutoConfigurationTests {

    private final ApplicationContextRunner service = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    TaskExecutionAutoConfiguration.class,
                    TaskSchedulingAutoConfiguration.class,
                    ScheduledTasksAutoConfiguration.class))
            .withPropertyValues("spring.threads.virtual.enabled=true")
            .withUserConfiguration(TwoTasks.class);

    @Test
    void aLongFixedDelayTaskDoesNotHoldTheOthers() {
        service.run(context -> {
            TwoTasks tasks = context.getBean(TwoTasks.class);
            try {
                assertThat(tasks.longStarted.await(10, TimeUnit.SECONDS)).isTrue();

                assertThat(tasks.threeShortRunsMeanwhile.await(5, TimeUnit.SECONDS))
                        .as("three runs of the short task while the long one runs")
                        .isTrue();
            } finally {
                tasks.release.countDown();
            }
        });
    }

    /** The scheduler is an Executor too; Spring Boot's task executor for request-bound async work stays. */
    @Test
    void theApplicationTaskExecutorStays() {
        service.run(context -> {
            try {
                assertThat(context).hasBean("applicationTaskExecutor").hasBean("taskScheduler");
            } finally {
                context.getBean(TwoTasks.class).release.countDown();
            }
        });
    }

    /**
     * An interval set to 0 or less stopped the start with the scheduler's {@code IllegalArgumentException}
     * and no message, naming nothing; now the start fails naming the property and what it takes.
     */
    @Test
    void anIntervalOfZeroOrLessStopsTheStartNamingItsProperty() {
        ApplicationContextRunner sweeping = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        TaskExecutionAutoConfiguration.class,
                        TaskSchedulingAutoConfiguration.class,
                        ScheduledTasksAutoConfiguration.class))
                .withUserConfiguration(Sweep.class);

        sweeping.run(context -> assertThat(context).hasNotFailed());
        sweeping.withPropertyValues("example.sweep.interval=2m", "example.sweep.initial-delay=0")
                .run(context -> assertThat(context).hasNotFailed());
        for (String refused : new String[] {"0", "-1s", "0s", "often"}) {
            sweeping.withPropertyValues("example.sweep.interval=" + refused)
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .isInstanceOfSatisfying(
                                    InvalidSettingException.class,
                                    invalid -> assertThat(invalid.setting()).isEqualTo("example.sweep.interval"))
                            .hasMessage("example.sweep.interval is '" + refused + "'; it must be a positive"
                                    + " duration of at least 1ms, such as 30s or 1m (it schedules Sweep.sweep)"));
        }
        sweeping.withPropertyValues("example.sweep.initial-delay=-1m")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessage("example.sweep.initial-delay is '-1m'; it must be 0 or a positive duration,"
                                + " such as 30s or 1m (it schedules Sweep.sweep)"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableScheduling
    static class Sweep {

        @Scheduled(
                fixedDelayString = "${example.sweep.interval:1m}",
                initialDelayString = "${example.sweep.initial-delay:1m}")
        void sweep() {}
    }

    @Configuration(proxyBeanMethods = false)
    @EnableScheduling
    static class TwoTasks {

        final CountDownLatch longStarted = new CountDownLatch(1);

        final CountDownLatch release = new CountDownLatch(1);

        final CountDownLatch threeShortRunsMeanwhile = new CountDownLatch(3);

        @Scheduled(fixedDelay = 10)
        void runsLong() throws InterruptedException {
            longStarted.countDown();
            release.await(30, TimeUnit.SECONDS);
        }

        @Scheduled(fixedDelay = 10)
        void runsShort() {
            if (longStarted.getCount() == 0 && release.getCount() > 0) {
                threeShortRunsMeanwhile.countDown();
            }
        }
    }
}

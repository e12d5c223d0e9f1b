package com.portfoliobulk.worker.expiry;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.servicesupport.scheduling.ScheduledTasksAutoConfiguration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The expiry sweep as the worker schedules it. Before, {@code bulk.worker.invitation-expiry-sweep=0}
 * (or less) stopped the start with the scheduler's {@code IllegalArgumentException} and no message,
 * naming no setting; now the start fails naming it. The worker's other intervals (the e-mails' poll,
 * the activity log's entries, retention) are read and refused the same way.
 */
class InvitationExpirySweepSettingTests {

    private final ApplicationContextRunner worker = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    TaskExecutionAutoConfiguration.class,
                    TaskSchedulingAutoConfiguration.class,
                    ScheduledTasksAutoConfiguration.class))
            .withUserConfiguration(Sweeping.class)
            .withBean(JdbcClient.class, () -> JdbcClient.create(new SimpleDriverDataSource()))
            .withBean(
                    DataSourceTransactionManager.class,
                    () -> new DataSourceTransactionManager(new SimpleDriverDataSource()));

    @ParameterizedTest
    @ValueSource(strings = {"0", "0s", "-1m"})
    void anIntervalOfZeroOrLessStopsTheStartNamingTheSetting(String interval) {
        worker.run(context -> assertThat(context).hasNotFailed().hasSingleBean(InvitationExpirySweep.class));
        worker.withPropertyValues("bulk.worker.invitation-expiry-sweep=" + interval)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessage("bulk.worker.invitation-expiry-sweep is '" + interval + "'; it must be a"
                                + " positive duration of at least 1ms, such as 30s or 1m (it schedules"
                                + " InvitationExpirySweep.scheduled)"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableScheduling
    @Import(InvitationExpirySweep.class)
    static class Sweeping {}
}

package com.portfoliobulk.servicesupport.scheduling;

import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.format.annotation.DurationFormat;
import org.springframework.format.datetime.standard.DurationFormatterUtils;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.annotation.Schedules;

/**
 * The intervals of the services' scheduled tasks, as the operator sets them ({@code fixedDelayString},
 * {@code fixedRateString} and {@code initialDelayString} of {@link Scheduled}, read from a property):
 * an interval of 0 or less, or a negative initial delay, stops the start with a message naming the
 * property, before the task is scheduled. Without this check the scheduler's own refusal named
 * nothing ({@code IllegalArgumentException: null}), and the operator had to guess which of the
 * service's intervals was wrong.
 */
final class ScheduledIntervals implements BeanPostProcessor, BeanFactoryAware {

    private ConfigurableBeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory instanceof ConfigurableBeanFactory configurable ? configurable : null;
    }

    /** Before initialization: the scheduling of the tasks comes after it. */
    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        Class<?> type = AopUtils.getTargetClass(bean);
        if (!AnnotationUtils.isCandidateClass(type, List.of(Scheduled.class, Schedules.class))) {
            return bean;
        }
        Map<Method, Set<Scheduled>> scheduled =
                MethodIntrospector.selectMethods(type, (MethodIntrospector.MetadataLookup<Set<Scheduled>>) method -> {
                    Set<Scheduled> found = AnnotatedElementUtils.getMergedRepeatableAnnotations(
                            method, Scheduled.class, Schedules.class);
                    return found.isEmpty() ? null : found;
                });
        scheduled.forEach((method, annotations) -> {
            for (Scheduled annotation : annotations) {
                String task = type.getSimpleName() + "." + method.getName();
                DurationFormat.Unit unit =
                        DurationFormat.Unit.fromChronoUnit(annotation.timeUnit().toChronoUnit());
                check(task, annotation.fixedDelayString(), unit, false);
                check(task, annotation.fixedRateString(), unit, false);
                check(task, annotation.initialDelayString(), unit, true);
            }
        });
        return bean;
    }

    private void check(String task, String declared, DurationFormat.Unit unit, boolean initialDelay) {
        if (declared == null || declared.isEmpty()) {
            return;
        }
        String setting = setting(declared, task);
        String value = beanFactory == null ? declared : beanFactory.resolveEmbeddedValue(declared);
        String wanted = initialDelay
                ? "0 or a positive duration, such as 30s or 1m"
                : "a positive duration of at least 1ms, such as 30s or 1m";
        Duration duration;
        try {
            duration = DurationFormatterUtils.detectAndParse(value == null ? "" : value.strip(), unit);
        } catch (RuntimeException unreadable) {
            throw refused(setting, value, wanted, task);
        }
        if (initialDelay ? duration.isNegative() : duration.compareTo(Duration.ofMillis(1)) < 0) {
            throw refused(setting, value, wanted, task);
        }
    }

    private static InvalidSettingException refused(String setting, String value, String wanted, String task) {
        return new InvalidSettingException(
                setting,
                setting + " is '" + value + "'; it must be " + wanted + " (it schedules " + task + ")",
                "Set " + setting + " to " + wanted + ", or leave it unset for its default.");
    }

    /** The property of a {@code ${property:default}} placeholder; else the task's own (a fixed value). */
    private static String setting(String declared, String task) {
        String text = declared.strip();
        if (text.startsWith("${") && text.endsWith("}")) {
            int end = text.indexOf(':');
            return text.substring(2, end < 0 ? text.length() - 1 : end);
        }
        return "the schedule of " + task;
    }
}

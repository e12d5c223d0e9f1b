package com.portfoliobulk.servicesupport.settings;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * A start that failed on an {@link InvalidSettingException}, wherever in the cause chain of the bean
 * creation it is, reports that setting: the description says which setting and what is wrong, the
 * action what to set (registered in {@code META-INF/spring.factories}).
 */
class InvalidSettingFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSettingException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidSettingException cause) {
        return new FailureAnalysis(
                "Invalid setting " + cause.setting() + ": " + cause.getMessage(), cause.action(), cause);
    }
}

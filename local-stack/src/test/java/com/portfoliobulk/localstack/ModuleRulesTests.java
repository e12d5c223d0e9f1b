package com.portfoliobulk.localstack;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The module rules (the README's "Modules"), checked over the production code of every module. */
class ModuleRulesTests {

    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("com.portfoliobulk");

    private static final JavaClasses ALL = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("com.portfoliobulk");

    @Test
    void servicesDoNotDependOnEachOther() {
        noClasses()
                .that()
                .resideInAPackage("com.portfoliobulk.gateway..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("com.portfoliobulk.worker..", "com.portfoliobulk.audit..")
                .check(ALL);
        noClasses()
                .that()
                .resideInAPackage("com.portfoliobulk.worker..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("com.portfoliobulk.gateway..", "com.portfoliobulk.audit..")
                .check(ALL);
        noClasses()
                .that()
                .resideInAPackage("com.portfoliobulk.audit..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("com.portfoliobulk.gateway..", "com.portfoliobulk.worker..")
                .check(ALL);
    }

    @Test
    void theSharedServicePlumbingKnowsNoService() {
        noClasses()
                .that()
                .resideInAPackage("com.portfoliobulk.servicesupport..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "com.portfoliobulk.gateway..",
                        "com.portfoliobulk.worker..",
                        "com.portfoliobulk.audit..",
                        "com.portfoliobulk.localstack..",
                        "com.portfoliobulk.testsupport..")
                .check(ALL);
    }

    @Test
    void contractsAndRulesArePlainJavaAndDependOnNothingOfOurs() {
        classes()
                .that()
                .resideInAPackage("com.portfoliobulk.contracts..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("java..", "com.fasterxml.jackson.annotation..", "com.portfoliobulk.contracts..")
                .check(ALL);
        classes()
                .that()
                .resideInAPackage("com.portfoliobulk.rules..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("java..", "com.portfoliobulk.contracts..", "com.portfoliobulk.rules..")
                .check(ALL);
    }

    @Test
    void controllersDoNotTouchJdbc() {
        noClasses()
                .that()
                .areAnnotatedWith(org.springframework.web.bind.annotation.RestController.class)
                .or()
                .areAnnotatedWith(org.springframework.stereotype.Controller.class)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.springframework.jdbc..", "javax.sql..", "java.sql..")
                .allowEmptyShould(true)
                .check(ALL);
    }

    @Test
    void onlyTheProblemAdviceTurnsRefusalsIntoHttp() {
        noClasses()
                .that()
                .resideInAPackage("com.portfoliobulk.gateway..")
                .should()
                .dependOnClassesThat()
                .areAssignableTo(org.springframework.web.ErrorResponseException.class)
                .because("services throw domain exceptions (RequestRefusedException); the problem advice maps them")
                .check(ALL);
        noClasses()
                .that()
                .resideInAnyPackage("com.portfoliobulk.gateway..", "com.portfoliobulk.audit..")
                .should()
                .dependOnClassesThat()
                .areAssignableTo(org.springframework.web.server.ResponseStatusException.class)
                .check(ALL);
    }

    @Test
    void theRunnableLocalStackUsesNoTestLibrary() {
        noClasses()
                .that()
                .resideInAPackage("com.portfoliobulk.localstack..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "com.portfoliobulk.testsupport..",
                        "org.testcontainers..",
                        "org.springframework.test..",
                        "org.springframework.kafka.test..",
                        "org.junit..")
                .check(ALL);
    }

    @Test
    void theFeaturesOfEachServiceDependOnEachOtherWithoutCycles() {
        for (String service : List.of("gateway", "worker", "audit")) {
            slices().matching("com.portfoliobulk." + service + ".(*)..")
                    .should()
                    .beFreeOfCycles()
                    .check(ALL);
        }
    }

    @Test
    void thePreviewPlansThroughTheJobsPlanningApiOnly() {
        noClasses()
                .that()
                .resideInAPackage("com.portfoliobulk.gateway.preview..")
                .should()
                .dependOnClassesThat()
                .haveSimpleNameEndingWith("Submission")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("com.portfoliobulk.gateway.jobs.Jobs")
                .because("the preview plans with JobPlanning, as the submission does, and stores nothing")
                .check(ALL);
    }

    @Test
    void noFieldInjection() {
        com.tngtech.archunit.library.GeneralCodingRules.NO_CLASSES_SHOULD_USE_FIELD_INJECTION.check(PRODUCTION);
    }
}

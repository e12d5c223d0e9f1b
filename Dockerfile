# syntax=docker/dockerfile:1.7
# One image per service, from one multi-stage build (see README.md, "Run with Docker Compose"):
#   docker build --build-arg MODULE=api-gateway -t portfolio-bulk-access/api-gateway .
# MODULE is api-gateway, bulk-worker or audit-consumer. docker-compose.yml builds all three; the
# build stage is the same for each, so it runs once.

FROM eclipse-temurin:25.0.3_9-jdk AS build
WORKDIR /src
# The Maven repository (and the Maven the wrapper downloads) stays in a build cache between builds.
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q package -pl api-gateway,bulk-worker,audit-consumer -am \
        -Dmaven.test.skip=true -Dspotless.check.skip=true \
    && mkdir -p /out \
    && for module in api-gateway bulk-worker audit-consumer; do \
         cp "$module/target/$module-"*-exec.jar "/out/$module.jar"; \
       done

FROM eclipse-temurin:25.0.3_9-jre
ARG MODULE
RUN test -n "$MODULE" || (echo "Set --build-arg MODULE=api-gateway|bulk-worker|audit-consumer" >&2; exit 1) \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY ops/docker/ready.sh /opt/healthcheck/ready.sh
COPY --from=build /out/${MODULE}.jar /app/app.jar
# A numeric user, so that a platform can check it is not root (Kubernetes' runAsNonRoot).
USER 10001:10001
# The heap is 75 % of the container's memory limit. G1 always: with under 2 CPUs or 1792 MB the JVM
# would pick the serial collector itself. No class unloading in G1's remark pauses (the services make
# no classes once warm; README, Benchmark). A JVM out of memory exits (and restarts) rather than run
# on half-broken while its health check may still pass.
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+UseG1GC -XX:-ClassUnloadingWithConcurrentMark -XX:+ExitOnOutOfMemoryError"
# The API ports (gateway, worker, audit-consumer) and the management port Compose gives them.
EXPOSE 8080 8081 8082 8090
# exec: the JVM gets SIGTERM from "docker stop" and shuts down gracefully.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/app.jar"]

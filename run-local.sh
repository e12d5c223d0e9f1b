#!/usr/bin/env bash
# Runs the whole product on this machine with only a JDK 21 or newer (see README.md, "Quick start"):
# builds the modules, then runs embedded PostgreSQL 17, a KRaft Kafka broker, the three services and
# the demo data in one JVM. Data stays in .local-stack/ between runs. Ctrl-C stops everything.
#
#   ./run-local.sh                      build, start, seed the demo portfolio (once)
#   ./run-local.sh --reset              wipe .local-stack/ first
#   ./run-local.sh --seed-large 5000x20 also seed a load-test portfolio (5,000 accounts x 20 users)
#   ./run-local.sh --no-build           start without building first
#   ./run-local.sh --help               every option
set -euo pipefail
cd "$(dirname "$0")"

. ./.mvn/select-jdk.sh
select_jdk

build=true
help=false
args=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=false ;;
    --help|-h) help=true; args+=("$arg") ;;
    *) args+=("$arg") ;;
  esac
done

java_options=()
while IFS= read -r option; do java_options+=("$option"); done < <(local_stack_java_options)
if [ "$(java_major "$JAVA_HOME/bin/java")" -ge 24 ]; then
  # The build's own JVM: Maven's libraries use sun.misc.Unsafe too.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi

jar=$(local_stack_jar)

# The usage lives in the jar: --help builds only when there is none yet.
if [ "$help" = true ] && [ -f "$jar" ]; then
  build=false
fi

if [ "$build" = true ]; then
  echo "Building with the JDK at $JAVA_HOME (the first build downloads dependencies) ..."
  ./mvnw -B -q -pl local-stack -am package -Dmaven.test.skip=true -Dspotless.check.skip=true
fi

if [ ! -f "$jar" ]; then
  echo "No $jar (the project's version); run without --no-build once." >&2
  exit 1
fi

# exec: Ctrl-C reaches the JVM, whose shutdown hook stops the services, then Kafka, then PostgreSQL.
exec "$JAVA_HOME/bin/java" ${java_options[@]+"${java_options[@]}"} -jar "$(running_copy "$jar")" ${args[@]+"${args[@]}"}

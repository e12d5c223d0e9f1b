#!/usr/bin/env bash
# The benchmark (see bench/README.md): starts a fresh local stack with durable PostgreSQL on free
# ports and its own data directory (bench/.stack), measures the raw limits of its PostgreSQL and
# Kafka, seeds 5,000 accounts x 20 users, runs the benchmark jobs and the status polls, prints one
# table and writes Markdown + JSON to bench/results/. Not part of ./mvnw verify.
#
#   ./bench/run.sh                  build, then run everything (10 to 15 minutes on 2 cores)
#   ./bench/run.sh --no-build       use the last build of the local stack
#   ./bench/run.sh --help           every option
set -euo pipefail
cd "$(dirname "$0")/.."

build=true
help=false
args=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=false ;;
    --help|-h) help=true ;;
    *) args+=("$arg") ;;
  esac
done

# The usage text is Bench.java's USAGE text block: --help prints it from the source, with nothing
# built or started.
if [ "$help" = true ]; then
  awk '/static final String USAGE = """/ { inside = 1; next } inside && /^ *""";/ { exit }
    inside { sub(/^            /, ""); print }' bench/src/Bench.java
  exit 0
fi

. ./.mvn/select-jdk.sh
select_jdk

java_options=()
if [ "$(java_major "$JAVA_HOME/bin/java")" -ge 24 ]; then
  java_options+=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
# The local stack runs with the JVM options ./run-local.sh gives it.
stack_options=()
while IFS= read -r option; do stack_options+=(--default-stack-option "$option"); done < <(local_stack_java_options)

jar=$(local_stack_jar)

if [ "$build" = true ]; then
  echo "Building the local stack with the JDK at $JAVA_HOME ..."
  ./mvnw -B -q -pl local-stack -am package -Dmaven.test.skip=true -Dspotless.check.skip=true
fi

if [ ! -f "$jar" ]; then
  echo "No $jar (the project's version); run without --no-build once." >&2
  exit 1
fi

# The benchmark client needs only the PostgreSQL driver and the Kafka client (with its compression
# libraries): taken from the local stack's own jar, so both sides use the same versions.
lib=bench/.work/lib
if [ ! -d "$lib" ] || [ "$jar" -nt "$lib" ]; then
  rm -rf "$lib" && mkdir -p "$lib"
  (cd "$lib" && "$JAVA_HOME/bin/jar" xf "../../../$jar" \
    $("$JAVA_HOME/bin/jar" tf "../../../$jar" \
      | grep -E '^BOOT-INF/lib/(postgresql|kafka-clients|lz4-java|snappy-java|zstd-jni|slf4j-api)-[0-9]' ) \
    && mv BOOT-INF/lib/*.jar . && rm -rf BOOT-INF)
  touch "$lib"
fi

exec "$JAVA_HOME/bin/java" ${java_options[@]+"${java_options[@]}"} -Xmx1g -cp "$lib/*" \
  bench/src/Bench.java --jar "$(running_copy "$jar")" ${stack_options[@]+"${stack_options[@]}"} ${args[@]+"${args[@]}"}

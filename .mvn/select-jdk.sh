# Sourced by mvnw, run-local.sh, bench/run.sh and .ci/run: exports JAVA_HOME (and PATH) for a JDK 21 or
# newer; also names the local stack's JVM options and jar for run-local.sh and the benchmark.
# Keeps JAVA_HOME when it is new enough; otherwise takes the newest JDK >= 21 installed next to the
# default java (e.g. /usr/lib/jvm/*). Returns non-zero when there is none.

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

select_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(java_major "$JAVA_HOME/bin/java")" -ge 21 ]; then
    export PATH="$JAVA_HOME/bin:$PATH"
    return 0
  fi
  local default_java jdk_dir best="" best_major=0 candidate major
  default_java=$(readlink -f "$(command -v java)" 2>/dev/null || true)
  if [ -z "$default_java" ]; then
    echo "No java found; install a JDK 21 or newer and set JAVA_HOME." >&2
    return 1
  fi
  jdk_dir=$(dirname "$(dirname "$(dirname "$default_java")")")
  for candidate in "$jdk_dir"/*/bin/java; do
    [ -x "$candidate" ] || continue
    major=$(java_major "$candidate" || echo 0)
    if [ "${major:-0}" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best=$(dirname "$(dirname "$candidate")"); best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "No JDK 21 or newer found (default java: $default_java); set JAVA_HOME." >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
}

# The local stack's JVM options, one per line: one list for run-local.sh and the benchmark. On JDK 24+,
# Kafka, Maven and compression libraries still use sun.misc.Unsafe and JNI; keep the console quiet.
# The collector stays the JVM's default, G1: README.md, "Benchmark", has what others measured. Classes
# are not unloaded at the end of G1's concurrent cycles: that remark pause then took 15 ms (median)
# to 58 ms in the one JVM of all services and the broker, against 1.6 to 7 ms without; the services
# make no classes once warm, so their metaspace stays flat (README.md, "Benchmark", seventh round).
local_stack_java_options() {
  printf '%s\n' -XX:-ClassUnloadingWithConcurrentMark
  if [ "$(java_major "$JAVA_HOME/bin/java")" -ge 24 ]; then
    printf '%s\n' --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED
  fi
}

# The local stack's jar of the project's version (pom.xml's own <version>, not its parent's), relative to
# the project's root, for run-local.sh and the benchmark: local-stack/target/ may still hold the jar of
# an earlier version, which must not run.
local_stack_jar() {
  local version
  version=$(awk '/<parent>/ { in_parent = 1 } /<\/parent>/ { in_parent = 0; next }
    !in_parent && /<version>/ { sub(/.*<version>[[:space:]]*/, ""); sub(/[[:space:]]*<\/version>.*/, ""); print; exit }' pom.xml)
  if [ -z "$version" ]; then
    echo "No version found in pom.xml." >&2
    return 1
  fi
  printf '%s\n' "local-stack/target/local-stack-$version.jar"
}

# A copy of the local stack's jar to run, local-stack/target/run/<the jar's name>: the build writes its jar
# in place, so a build while a stack runs (a second run-local.sh, the benchmark, ./mvnw verify) would change
# the file under the running JVM, whose classes not loaded yet would then fail to load. The copy is moved
# into place, so a stack running from the copy before keeps its own file.
running_copy() {
  local jar=$1 dir
  dir=$(dirname "$jar")/run
  mkdir -p "$dir"
  cp "$jar" "$dir/.copy.$$"
  mv -f "$dir/.copy.$$" "$dir/$(basename "$jar")"
  printf '%s\n' "$dir/$(basename "$jar")"
}

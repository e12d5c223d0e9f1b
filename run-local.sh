#!/usr/bin/env bash
# Builds the services and runs the whole product in one process (see README.md).
set -euo pipefail
cd "$(dirname "$0")"
./mvnw -B -q install -DskipTests
exec ./mvnw -B -q -pl local-stack spring-boot:run -Dspring-boot.run.arguments="$*"

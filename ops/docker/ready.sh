#!/usr/bin/env bash
# The containers' health check: exits 0 when http://127.0.0.1:PORT/actuator/health/readiness answers
# 200 within 3 seconds, 1 otherwise. Bash alone, through its /dev/tcp: no curl or wget (the JRE image
# has neither) and no JVM started for each probe (about 0.7 s of CPU each, every 10 s, per service).
# Usage: ready.sh [PORT]   (default 8090, the management port in Compose)
port=${1:-8090}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /actuator/health/readiness HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 3 status <&3 || exit 1
[[ $status =~ ^HTTP/1\.[01]\ 200 ]]

#!/bin/sh
# Stub: behaves like a JVM older than Jitogen needs. No JDK older than 17 can be installed here, so this runs the
# real java but raises the first stage's required version (its last argument) above it: the first stage's own
# version check then fails exactly as it would on Java 11.
# Usage (as a java path): /bin/sh stub-java-older-than-required.sh REAL_JAVA ARGS...
real=$1; shift
n=$#; i=0
for a in "$@"; do
  i=$((i + 1))
  if [ "$i" -eq 1 ]; then set --; fi
  if [ "$i" -eq "$n" ]; then set -- "$@" 99; else set -- "$@" "$a"; fi
done
exec "$real" "$@"

#!/bin/sh
# Stub: a target whose login prints a banner on stdout before java runs (a chatty profile script).
echo "Welcome to the machine"
real=$1; shift
exec "$real" "$@"

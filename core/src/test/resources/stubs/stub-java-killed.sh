#!/bin/sh
# Stub: a java that is killed by SIGKILL before it is ready (the OOM killer, an operator's kill -9).
echo "stub java: about to be killed" >&2
kill -9 $$

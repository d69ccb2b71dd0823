#!/bin/sh
# Stub: a java that never starts (a hung NFS mount, a prompt nobody answers). Used to test the connect timeout.
echo "stub java: pretending to hang" >&2
exec sleep 600

#!/bin/sh
# Stands in for a tool that cannot run on the test machine (docker, podman, buildah, kubectl, lxc-attach, lxc,
# incus, jexec, doas), in the manner of Mitogen's tests/data/stubs: it records how it was called, one line per
# call in $JITOGEN_STUB_LOG ("NAME [arg] [arg]..."), then runs the "/bin/sh -c SCRIPT" at the end of its command
# line here, as the real tool would inside the container, so a real child JVM answers behind it.
# Settings come from stub.env beside the stub (a test writes it): JITOGEN_STUB_LOG, JITOGEN_STUB_PID,
# JITOGEN_STUB_PASSWORD.
name=$(basename "$0")
[ -f "$(dirname "$0")/stub.env" ] && . "$(dirname "$0")/stub.env"
if [ -n "$JITOGEN_STUB_LOG" ]; then
    { printf '%s' "$name"; for a in "$@"; do printf ' [%s]' "$a"; done; printf '\n'; } >> "$JITOGEN_STUB_LOG"
fi
# setns asks the container manager for the container's root process
if [ "$name" = docker ] && [ "$1" = inspect ]; then echo "${JITOGEN_STUB_PID:?}"; exit 0; fi
if [ "$name" = lxc-info ]; then echo "${JITOGEN_STUB_PID:?}"; exit 0; fi
# doas: -n fails when a password is needed; otherwise ask on the terminal, as doas does
if [ "$name" = doas ] && [ -n "$JITOGEN_STUB_PASSWORD" ]; then
    if [ "$1" = -n ]; then echo "doas: Authorization required" >&2; exit 1; fi
    printf 'doas (%s@stub) password: ' "$(id -un)" > /dev/tty
    stty -echo < /dev/tty
    read -r typed < /dev/tty
    stty echo < /dev/tty
    printf '\n' > /dev/tty
    if [ "$typed" != "$JITOGEN_STUB_PASSWORD" ]; then echo "doas: authentication failed" > /dev/tty; exit 1; fi
fi
while [ $# -gt 0 ]; do
    if [ "$1" = /bin/sh ] && [ "$2" = -c ]; then exec "$@"; fi
    shift
done
echo "$name stub: no /bin/sh -c in its command line" >&2
exit 2

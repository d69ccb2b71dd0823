package dev.jitogen.plugins.service;

/**
 * Who made a service call, as the router verified it: the context the message came from, the authority it carries,
 * and whether that authority is this context's or one of its parents'. Declare it as the first parameter of an
 * exposed method to receive it.
 *
 * <p>Threads: a value; any thread.
 *
 * @param contextId  the calling context (the message's source)
 * @param authId     the context whose authority the message carries
 * @param privileged true if {@code authId} is this context or one of its parents
 */
public record Caller(int contextId, int authId, boolean privileged) {}

package dev.jitogen.plugins.service;

/** A second service for the tests, never activated by a parent. */
public final class OtherService {
    @Expose(policy = Expose.Policy.ANY)
    public String hello() {
        return "hello";
    }
}

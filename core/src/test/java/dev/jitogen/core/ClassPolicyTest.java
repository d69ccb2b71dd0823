package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ClassPolicyTest {
    @Test
    void permissiveServesEverything() {
        assertNull(ClassPolicy.permissive().refusal("com.acme.Anything"));
    }

    @Test
    void longestRuleWins() {
        ClassPolicy p = ClassPolicy.builder().deny("com.acme").allow("com.acme.open").build();
        assertNotNull(p.refusal("com.acme.secret.Key"));
        assertNull(p.refusal("com.acme.open.Door"));
        assertNull(p.refusal("com.acmeish.Other"), "a prefix covers whole package names only");
    }

    @Test
    void refusalNamesTheClassTheRuleAndTheOverride() {
        String r = ClassPolicy.builder().deny("com.acme").build().refusal("com.acme.secret.Key");
        assertTrue(r.contains("com.acme.secret.Key"), r);
        assertTrue(r.contains("denies \"com.acme\""), r);
        assertTrue(r.contains("allow(\"com.acme.secret\")"), r);
    }

    @Test
    void denyByDefaultStillServesJitogensOwnRuntime() {
        ClassPolicy p = ClassPolicy.builder().denyByDefault().allow("com.acme").build();
        assertNull(p.refusal("com.acme.App"));
        assertNotNull(p.refusal("org.other.Lib"));
        assertNull(p.refusal("dev.jitogen.core.Router"));
        assertNull(p.refusal("com.esotericsoftware.kryo.Kryo"));
    }

    @Test
    void aMoreSpecificRuleOverridesTheBuiltInRuntimeRule() {
        ClassPolicy p = ClassPolicy.builder().deny("com").deny("dev.jitogen.core.fixtures.secret").build();
        assertNull(p.refusal("com.esotericsoftware.kryo.Kryo"), "deny(\"com\") must not break the child's runtime");
        assertNotNull(p.refusal("dev.jitogen.core.fixtures.secret.Vault"));
    }
}

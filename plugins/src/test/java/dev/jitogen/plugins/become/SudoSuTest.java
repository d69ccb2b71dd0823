package dev.jitogen.plugins.become;

import dev.jitogen.core.Context;
import dev.jitogen.core.PasswordError;
import dev.jitogen.core.Router;
import dev.jitogen.core.StreamError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.jitogen.plugins.become.TestAccounts.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Real sudo and su, with throwaway accounts: the master (root) becomes jitogen-a with sudo; from there, sudo and su
 * as other accounts need passwords, which are typed when asked, refused when wrong, and fail fast when missing.
 */
class SudoSuTest {
    static TestAccounts accounts;
    static Router router;
    static Context a;

    @BeforeAll
    static void start() throws Exception {
        accounts = new TestAccounts();
        router = Router.create();
        a = Sudo.as(A).name("a").connect(router);
    }

    @AfterAll
    static void stop() throws Exception {
        if (router != null) router.close();
        if (accounts != null) accounts.close();
    }

    @Test
    void sudoStartsTheChildAsTheOtherUser() {
        assertEquals(A, a.call(() -> System.getProperty("user.name")));
        assertEquals("sudo", a.method());
    }

    @Test
    void sudoWithoutAPasswordThroughAContextUnderNopasswd() {
        Context b = Sudo.as(B).via(a).connect(router);
        assertEquals(B, b.call(() -> System.getProperty("user.name")));
        assertSame(a, b.via());
        b.shutdown();
    }

    @Test
    void sudoTypesThePasswordWhenAskedAndRefusesAWrongOrMissingOne() {
        Context c = Sudo.as(C).password(A_PASSWORD).via(a).connect(router);
        assertEquals(C, c.call(() -> System.getProperty("user.name")));
        c.shutdown();
        PasswordError wrong = assertThrows(PasswordError.class,
                () -> Sudo.as(C).password("not-it").via(a).connect(router));
        assertTrue(wrong.getMessage().contains("refused the password"), wrong.getMessage());
        long t0 = System.nanoTime();
        PasswordError missing = assertThrows(PasswordError.class, () -> Sudo.as(C).via(a).connect(router));
        assertTrue(missing.getMessage().contains("none was given"), missing.getMessage());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos(), "fails fast, not at the timeout");
        assertEquals(1, a.call(() -> 1), "the intermediate is unharmed");
    }

    @Test
    void suViaSudoViaLocalTypesTheTargetsPassword() {
        Context local = router.local();
        Context sudoA = Sudo.as(A).via(local).connect(router);
        Context b = Su.as(B).password(B_PASSWORD).via(sudoA).connect(router);
        assertEquals(B, b.call(() -> System.getProperty("user.name")));
        assertSame(sudoA, b.via());
        assertEquals(local.name(), router.routes().get(b.id()), "the master reaches b through local");
        PasswordError wrong = assertThrows(PasswordError.class,
                () -> Su.as(B).password("not-it").via(sudoA).connect(router));
        assertTrue(wrong.getMessage().contains("refused the password"), wrong.getMessage());
        PasswordError missing = assertThrows(PasswordError.class, () -> Su.as(B).via(sudoA).connect(router));
        assertTrue(missing.getMessage().contains("none was given"), missing.getMessage());
        local.shutdown();
    }

    @Test
    void whatTheRunningChildPrintsOnStderrIsNotTakenForAPrompt() throws Exception {
        Context c = Sudo.as(A).connect(router);
        c.call(() -> {
            var err = new java.io.FileOutputStream(java.io.FileDescriptor.err); // fd 2: what sudo's stderr was
            err.write("sudo: a password is required\n[jitogen-sudo] password:\nSorry, try again.\n".getBytes());
            err.flush();
            return null;
        });
        Thread.sleep(300);
        assertEquals(1, c.call(() -> 1), "the context was not killed as if sudo had asked again");
        c.shutdown();
    }

    @Test
    void sudoArgsAreParsedAndUnknownOnesNamed() {
        Context b = Sudo.as("root").sudoArgs(List.of("-u", B, "-H")).via(a).connect(router);
        assertEquals("/home/" + B, b.call(() -> System.getenv("HOME")));
        StreamError e = assertThrows(StreamError.class, () -> Sudo.as("root").sudoArgs(List.of("--login")));
        assertTrue(e.getMessage().contains("--login"), e.getMessage());
        b.shutdown();
    }
}

package org.sparsescope.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HugePagesTest {

    @Test
    void theRequestReachesTheEnvironmentLibtorchReadsAndKeepsTheUsersOwnSetting() {
        String users = System.getenv(HugePages.VARIABLE);
        boolean asked = HugePages.requestForLibtorch();
        if (users == null) {
            assertTrue(asked);
            assertEquals("1", HugePages.current());
        } else {
            assertEquals(users, HugePages.current());
            assertEquals(!users.equals("0"), asked);
        }
    }
}

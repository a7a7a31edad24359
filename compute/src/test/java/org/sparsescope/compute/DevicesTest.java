package org.sparsescope.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DevicesTest {
    @AfterEach
    void backToTheDefault() {
        Devices.choose(Devices.Choice.AUTO);
    }

    @Test
    void theCpuBuildSaysSoAndAskingForACpuNeedsNoNotice() {
        assertEquals("cpu", Devices.libtorchFlavor(), "CI builds the CPU flavour");
        assertNull(Devices.choose(Devices.Choice.CPU));
        assertEquals(Device.cpu(), Devices.preferred());
        assertTrue(Devices.describe().startsWith("CPU, PyTorch "), Devices.describe());
        assertTrue(Devices.describe().contains("(cpu build)"), Devices.describe());
    }

    @Test
    void askingForAGpuWhereThereIsNoneFallsBackToTheCpuWithOneLine() {
        String notice = Devices.choose(Devices.Choice.GPU);
        if (Engine.getInstance().getGpuCount() == 0) {
            assertEquals(Device.cpu(), Devices.preferred());
            assertTrue(notice.endsWith(": running on the CPU") && !notice.contains("\n"), notice);
            assertTrue(notice.contains("-Pcuda"), "the CPU build names the build that has a GPU: " + notice);
        } else {
            assertNull(notice);
            assertEquals(Device.gpu(), Devices.preferred());
        }
    }
}

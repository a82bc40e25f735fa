/*
 * bcryptprimitives.dll for Wine 8 (Debian 12), which lacks it: Rust's standard library takes its
 * random numbers from `ProcessPrng` (Windows 10 and later), and a program that imports it does
 * not start without it. This one forwards to `RtlGenRandom` (advapi32's SystemFunction036),
 * which Wine has. Built from this source by `cargo xtask ci` (xtask/src/windows.rs) into the
 * test-only Wine prefix; never shipped, never committed as a binary.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

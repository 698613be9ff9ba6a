/* Test-only stand-in for Windows's bcryptprimitives.dll, which Wine 8 (Debian bookworm) lacks.
 *
 * Rust's standard library on Windows imports ProcessPrng from it for its random seeds. Under
 * Wine 8 the Windows builds would not start without it. `cargo xtask windows` builds this with
 * MinGW into the folder of the binaries it runs under Wine; it is never shipped: real Windows
 * (10 and later) has the DLL. It fills the buffer from RtlGenRandom (advapi32's
 * SystemFunction036), which Wine has.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

/*
 * awscred-ctrl-c.exe: the test aid that presses Ctrl-C for the Windows tests of `awscred exec`
 * and `awscred serve` (crates/cli/tests/ctrl_c_windows.rs). Sending a console control event
 * takes the console API (AttachConsole, GenerateConsoleCtrlEvent), which Rust reaches only
 * through `unsafe`, which the workspace forbids; so it is this C program, built from this
 * source by `cargo xtask ci` (xtask/src/windows.rs) into the test-only Wine prefix's system32,
 * like the bridge DLL beside it. Never shipped, never committed as a binary.
 *
 *   awscred-ctrl-c.exe --to PID      attach to the console of process PID (started with
 *                                    CREATE_NEW_CONSOLE) and send Ctrl-C to every process
 *                                    on it, this one excepted; exit 0 when sent, else 1.
 *   awscred-ctrl-c.exe --wait CODE   a command that prints "ready" once it listens for Ctrl-C,
 *                                    then ends with CODE on Ctrl-C, or with 3 after 60 s.
 *
 * Wine 8 delivers CTRL_C_EVENT to group 0 (the whole console); CTRL_BREAK_EVENT fails there
 * (ERROR_INVALID_HANDLE): docs/platforms.md.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static DWORD exit_code = 3;

static BOOL WINAPI on_ctrl(DWORD event)
{
    if (event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT)
        ExitProcess(exit_code);
    return FALSE;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--wait") == 0) {
        exit_code = (DWORD)strtoul(argv[2], NULL, 10);
        if (!SetConsoleCtrlHandler(on_ctrl, TRUE)) {
            fprintf(stderr, "SetConsoleCtrlHandler: error %lu\n", GetLastError());
            return 2;
        }
        printf("ready\n");
        fflush(stdout);
        Sleep(60000);
        return 3;
    }
    if (argc == 3 && strcmp(argv[1], "--to") == 0) {
        DWORD pid = (DWORD)strtoul(argv[2], NULL, 10);
        FreeConsole();
        if (!AttachConsole(pid)) {
            fprintf(stderr, "AttachConsole(%lu): error %lu\n", pid, GetLastError());
            return 1;
        }
        /* This process is on that console now: it ignores the event it sends. */
        SetConsoleCtrlHandler(NULL, TRUE);
        if (!GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0)) {
            fprintf(stderr, "GenerateConsoleCtrlEvent: error %lu\n", GetLastError());
            return 1;
        }
        return 0;
    }
    fprintf(stderr, "usage: awscred-ctrl-c.exe --to PID | --wait CODE\n");
    return 2;
}

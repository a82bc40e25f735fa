"""Runs a command on a pseudo-terminal and plays a person at it, for tests/configure_sso.rs.

    python pty_drive.py STEPS_JSON COMMAND [ARGS...]

STEPS_JSON is a list of steps, each one of:
  {"expect": TEXT}   wait (30 s at most) until TEXT has appeared in the output since the last
                     expect (the output with its terminal escape sequences removed); fails the
                     run when it does not;
  {"send": TEXT}     type TEXT (arrow keys as escape sequences, "\r" for Enter, "\x03" Ctrl-C);
  {"browse": true}   play the browser: open the last http://127.0.0.1.../authorize URL printed
                     and follow its redirect to the command's loopback listener;
  {"paste_code": true}  play `login --remote`'s user: open the last .../v1/authorize URL, read
                     the code on the page it leads to, and type it with Enter.
Cursor position requests are answered (prompt_toolkit, which the AWS CLI v2 prompts with, asks).
Prints one JSON object: {"transcript": everything the terminal showed, "status": the exit
status, or minus the signal that ended the command, "failed": the step that failed, or null}.
"""

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
import urllib.request


ESCAPES = re.compile(rb"\x1b\[[0-9;?>=]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def clean(raw):
    return ESCAPES.sub(b"", bytes(raw))


def main():
    steps = json.loads(sys.argv[1])
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    out = bytearray()
    mark = 0
    failed = None

    def pump(timeout):
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        if b"\x1b[6n" in data:
            os.write(fd, b"\x1b[1;1R")
        out.extend(data)
        return True

    for step in steps:
        if "expect" in step:
            want = step["expect"].encode()
            deadline = time.time() + 30
            while want not in clean(out)[mark:] and time.time() < deadline:
                if not pump(0.2):
                    break
            found = clean(out).find(want, mark)
            if found < 0:
                failed = step
                break
            mark = found + len(want)
        elif "send" in step:
            os.write(fd, step["send"].encode())
        elif "browse" in step:
            urls = re.findall(rb"http://127\.0\.0\.1:\d+/authorize\?\S+", bytes(out))
            if not urls:
                failed = step
                break
            urllib.request.urlopen(urls[-1].decode(), timeout=30).read()
        elif "paste_code" in step:
            urls = re.findall(rb"http://127\.0\.0\.1:\d+/v1/authorize\?\S+", clean(out))
            page = urllib.request.urlopen(urls[-1].decode(), timeout=30).read() if urls else b""
            code = re.search(rb'<code id="verification-code">([^<]+)</code>', page)
            if not code:
                failed = step
                break
            os.write(fd, code.group(1) + b"\r")
    # The rest of the output until the command ends (60 s at most; then it is killed).
    deadline = time.time() + (60 if failed is None else 2)
    status = None
    while time.time() < deadline:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
        if not pump(0.5):
            _, status = os.waitpid(pid, 0)
            break
    if status is None:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    while select.select([fd], [], [], 0)[0] and pump(0):
        pass
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
    print(json.dumps({
        "transcript": out.decode("utf-8", "replace"),
        "status": code,
        "failed": failed,
    }))


main()

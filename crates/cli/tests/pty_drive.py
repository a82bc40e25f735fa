"""Runs a command on a pseudo-terminal and plays a person at it, for tests/configure_sso.rs.

    python pty_drive.py STEPS_JSON COMMAND [ARGS...]

STEPS_JSON is a list of steps, each one of:
  {"expect": TEXT}   wait (30 s at most) until TEXT has appeared in the output since the last
                     expect; fails the run when it does not;
  {"send": TEXT}     type TEXT (arrow keys as escape sequences, "\r" for Enter, "\x03" Ctrl-C);
  {"browse": true}   play the browser: open the last http://127.0.0.1.../authorize URL printed
                     and follow its redirect to the command's loopback listener.
Prints one JSON object: {"transcript": everything the terminal showed, "status": the exit
status, or minus the signal that ended the command, "failed": the step that failed, or null}.
"""

import fcntl
import json
import os
import pty
import re
import select
import struct
import sys
import termios
import time
import urllib.request


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
        out.extend(data)
        return True

    for step in steps:
        if "expect" in step:
            want = step["expect"].encode()
            deadline = time.time() + 30
            while want not in out[mark:] and time.time() < deadline:
                if not pump(0.2):
                    break
            found = out.find(want, mark)
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
    deadline = time.time() + 60
    while time.time() < deadline and pump(0.5):
        pass
    _, status = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
    print(json.dumps({
        "transcript": out.decode("utf-8", "replace"),
        "status": code,
        "failed": failed,
    }))


main()

#!/usr/bin/env python3
"""Runs one local service (mariadbd, s3rver, the AWS rehearsal) in a process group of its own, and
stops exactly that group: when asked, when the service exits, or when the owner process dies.

  service-guard.py run --pidfile FILE [--owner PID] [--grace SECONDS] -- COMMAND [ARG...]
      Becomes a session and process-group leader, writes FILE ("PID STARTTIME": its own pid and
      the kernel's start time of that pid), runs COMMAND as its child and waits. COMMAND gets
      PR_SET_PDEATHSIG=SIGKILL, so it cannot outlive the guard. On SIGTERM, SIGINT or SIGHUP, or
      when the owner PID exits (a ctest run killed on timeout or by Ctrl-C, a test process killed
      by ctest): SIGTERM to the whole group (the service and whatever it started), up to GRACE
      seconds (default 30), then SIGKILL. When COMMAND exits first, the rest of the group is
      stopped the same way. Exit status: COMMAND's (128 + signal when a signal ended it).
  service-guard.py stop --pidfile FILE [--grace SECONDS]
      Stops the group of the guard FILE names (SIGTERM, GRACE seconds, SIGKILL) and removes FILE.
      The pid is only signalled after checking it still is that guard: the same start time, and a
      command line that is this script's `run --pidfile FILE`. A stale FILE (its guard gone, the
      pid reused by anything else: another user's MariaDB or s3rver, on other ports and dirs) is
      removed and nothing is signalled.
  service-guard.py alive --pidfile FILE
      Exit status 0 when the guard FILE names is running, 1 otherwise.

Linux only (pidfd_open, /proc, prctl).
"""

import argparse
import ctypes
import errno
import os
import select
import signal
import sys
import time

kPrSetPdeathsig = 1
kSelf = os.path.realpath(__file__)


def log(message):
    print(f"service-guard: {message}", file=sys.stderr, flush=True)


def proc_stat(pid):
    """(state, pgrp, session, starttime) of pid, or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[2]), int(fields[3]), int(fields[19])


def running(pid, starttime=None):
    """pid exists, is not a zombie and, when given, started at starttime (not a reused pid)."""
    stat = proc_stat(pid)
    if stat is None or stat[0] in ("Z", "X"):
        return False
    return starttime is None or stat[3] == starttime


def group_members(pgid, exclude=None):
    """The live processes of process group pgid in session pgid (the guard's own session)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == exclude:
            continue
        stat = proc_stat(int(entry))
        if stat and stat[0] not in ("Z", "X") and stat[1] == pgid and stat[2] == pgid:
            members.append(int(entry))
    return members


def signal_members(pgid, sig, exclude):
    for pid in group_members(pgid, exclude):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def read_pidfile(path):
    try:
        with open(path, encoding="utf-8") as f:
            parts = f.read().split()
        return int(parts[0]), int(parts[1])
    except (OSError, ValueError, IndexError):
        return None


def is_our_guard(pid, starttime, pidfile):
    """pid is still the guard that wrote pidfile: same start time, this script, `run --pidfile`."""
    if not running(pid, starttime):
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode("utf-8", "replace") for a in f.read().split(b"\0")]
    except OSError:
        return False
    # [python3] SCRIPT run --pidfile FILE ... -- COMMAND...: the options are read up to "--" only.
    for i, arg in enumerate(argv):
        if arg.endswith("service-guard.py") and os.path.realpath(arg) == kSelf:
            options = argv[i + 1 : argv.index("--")] if "--" in argv else []
            return (options[:1] == ["run"] and "--pidfile" in options[:-1]
                    and os.path.abspath(options[options.index("--pidfile") + 1])
                    == os.path.abspath(pidfile))
    return False


def cmd_run(args):
    if not args.command:
        log("run: no command after --")
        return 2
    try:
        os.setsid()
    except PermissionError:
        pass  # already a process-group leader (started by setsid): the group is ours
    if os.getpgrp() != os.getpid():
        log("run: cannot become a process-group leader")
        return 2
    me = os.getpid()

    owner_fd = None
    if args.owner:
        try:
            owner_fd = os.pidfd_open(args.owner)
        except ProcessLookupError:
            log(f"run: owner process {args.owner} is not running; not starting {args.command[0]}")
            return 3

    tmp = f"{args.pidfile}.tmp{me}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{me} {proc_stat(me)[3]}\n")
    os.replace(tmp, args.pidfile)

    stop_requested = []
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: stop_requested.append(s))

    child = os.fork()
    if child == 0:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(kPrSetPdeathsig, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != me:  # the guard died before prctl took effect
                os._exit(127)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE,
                        signal.SIGXFSZ):
                signal.signal(sig, signal.SIG_DFL)
            signal.set_wakeup_fd(-1)
            os.execvp(args.command[0], args.command)
        except OSError as e:
            log(f"run: cannot execute {args.command[0]}: {e}")
        os._exit(127)
    child_fd = os.pidfd_open(child)

    poller = select.poll()
    poller.register(wake_r, select.POLLIN)
    poller.register(child_fd, select.POLLIN)
    if owner_fd is not None:
        poller.register(owner_fd, select.POLLIN)
    reason = None
    while reason is None:
        try:
            ready = {fd for fd, _ in poller.poll()}
        except InterruptedError:
            ready = set()
        if child_fd in ready:
            reason = "exited"
        elif owner_fd is not None and owner_fd in ready:
            reason = f"owner {args.owner} exited"
        elif stop_requested:
            reason = f"signal {stop_requested[0]}"
        if wake_r in ready:
            try:
                os.read(wake_r, 512)
            except BlockingIOError:
                pass

    if reason != "exited":
        log(f"{reason}: stopping {args.command[0]} (group {me})")
    signal_members(me, signal.SIGTERM, exclude=me)
    deadline = time.monotonic() + args.grace
    while group_members(me, exclude=me) and time.monotonic() < deadline:
        time.sleep(0.05)
    if group_members(me, exclude=me):
        log(f"group {me} still running after {args.grace} s: SIGKILL")
        signal_members(me, signal.SIGKILL, exclude=me)
    _, status = os.waitpid(child, 0)
    if read_pidfile(args.pidfile) == (me, proc_stat(me)[3]):
        os.unlink(args.pidfile)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def cmd_stop(args):
    entry = read_pidfile(args.pidfile)
    if entry is None:
        if os.path.exists(args.pidfile):
            log(f"stop: {args.pidfile} holds no 'PID STARTTIME'; removed, nothing signalled")
            os.unlink(args.pidfile)
        return 0
    pid, starttime = entry
    if not is_our_guard(pid, starttime, args.pidfile):
        if running(pid):
            log(f"stop: pid {pid} of {args.pidfile} is another process now; left alone")
        os.unlink(args.pidfile)
        return 0
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.grace + 5
    while running(pid, starttime) and time.monotonic() < deadline:
        time.sleep(0.05)
    if running(pid, starttime):
        log(f"stop: group {pid} did not stop within {args.grace} s: SIGKILL")
        signal_members(pid, signal.SIGKILL, exclude=None)
        while running(pid, starttime):
            time.sleep(0.05)
    # A guard killed before it could stop its group leaves members behind: same group, same session.
    signal_members(pid, signal.SIGKILL, exclude=None)
    try:
        os.unlink(args.pidfile)
    except FileNotFoundError:
        pass
    return 0


def cmd_alive(args):
    entry = read_pidfile(args.pidfile)
    return 0 if entry and is_our_guard(entry[0], entry[1], args.pidfile) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run")
    run.add_argument("--pidfile", required=True)
    run.add_argument("--owner", type=int, default=0)
    run.add_argument("--grace", type=float, default=30)
    run.add_argument("command", nargs=argparse.REMAINDER)
    stop = sub.add_parser("stop")
    stop.add_argument("--pidfile", required=True)
    stop.add_argument("--grace", type=float, default=30)
    alive = sub.add_parser("alive")
    alive.add_argument("--pidfile", required=True)
    args = parser.parse_args()
    args.pidfile = os.path.abspath(args.pidfile)
    if args.action == "run":
        if args.command and args.command[0] == "--":
            args.command = args.command[1:]
        return cmd_run(args)
    if args.action == "stop":
        return cmd_stop(args)
    return cmd_alive(args)


if __name__ == "__main__":
    sys.exit(main())

"""An independent engine for the cycle model's semantics, on SimPy: every kernel is a process in simulated time.

It follows the same rules as inrarch's cycle model (iteration g of a kernel issues at least `ii` cycles after the
previous one, once every access of the iteration can proceed; a token is readable the cycle after its write; a
slot is writable the cycle after the read that frees it) but computes them the way hardware runs: processes
advancing a shared clock and waiting on events, instead of solving the equations in dependence order.
"""

from __future__ import annotations

import simpy


def simpy_run(kernels, streams, samples):
    """(total cycles, or None on deadlock; set of kernels that never finished)."""
    env = simpy.Environment()
    written = [dict() for _ in streams]
    read = [dict() for _ in streams]
    waiters: dict[tuple, simpy.Event] = {}
    finished: set[str] = set()
    last_time = [0]

    def wait_for(kind: str, stream: int, token: int) -> simpy.Event:
        key = (kind, stream, token)
        if key not in waiters:
            waiters[key] = env.event()
        return waiters[key]

    def stamp(kind: str, stream: int, token: int, table) -> None:
        table[stream][token] = env.now
        event = waiters.pop((kind, stream, token), None)
        if event is not None:
            event.succeed()

    def plan(kernel):
        steps: dict[int, list] = {}
        for is_write, accesses in ((False, kernel.reads), (True, kernel.writes)):
            for stream, offsets in accesses:
                for s in range(samples):
                    for t, off in enumerate(offsets):
                        steps.setdefault(s * kernel.steps + off, []).append((stream, is_write, s * len(offsets) + t))
        return sorted(steps.items())

    def process(kernel):
        previous = None
        for g, accesses in plan(kernel):
            earliest = g * kernel.ii if previous is None else previous[1] + (g - previous[0]) * kernel.ii
            if env.now < earliest:
                yield env.timeout(earliest - env.now)
            while True:  # every access must be able to proceed in the same cycle
                blocker = None
                for stream, is_write, token in accesses:
                    if is_write:
                        depth = streams[stream].depth
                        if token >= depth:
                            freed = read[stream].get(token - depth)
                            if freed is None:
                                blocker = wait_for("read", stream, token - depth)
                            elif freed + 1 > env.now:
                                blocker = env.timeout(freed + 1 - env.now)
                    else:
                        at = written[stream].get(token)
                        if at is None:
                            blocker = wait_for("write", stream, token)
                        elif at + 1 > env.now:
                            blocker = env.timeout(at + 1 - env.now)
                    if blocker is not None:
                        break
                if blocker is None:
                    break
                yield blocker
            for stream, is_write, token in accesses:
                stamp("write" if is_write else "read", stream, token, written if is_write else read)
            previous = (g, env.now)
        if previous is not None:
            last_time[0] = max(last_time[0], previous[1])
        finished.add(kernel.name)

    for kernel in kernels:
        env.process(process(kernel))
    env.run()
    unfinished = {k.name for k in kernels} - finished
    return (None if unfinished else last_time[0] + 1), unfinished

#!/usr/bin/env python3
"""The peer bothive replaces: a dict shared through multiprocessing.Manager
(what botogram's shared memory is), and Manager().Lock().

Prints "RESULT bench=manager op=get|set|incr|lock ns=N": nanoseconds per
operation, the median of several runs, keys walked in a random order.
incr is a get then a set (the dict has no atomic increment), lock is an
acquire plus a release. Usage: manager_bench.py [--quick]
"""
import multiprocessing
import random
import statistics
import sys
import time


def timed(fn, n):
    t0 = time.perf_counter_ns()
    fn(n)
    return (time.perf_counter_ns() - t0) / n


def main():
    quick = "--quick" in sys.argv
    nkeys = 1000 if quick else 10000
    n = 500 if quick else 20000
    runs = 1 if quick else 5
    keys = ["k%07d" % i for i in range(nkeys)]
    rng = random.Random(99)
    order = [keys[i] for i in rng.sample(range(nkeys), nkeys)]

    with multiprocessing.Manager() as mgr:
        d = mgr.dict()
        d.update({k: i for i, k in enumerate(keys)})
        lock = mgr.Lock()

        def get(count):
            for i in range(count):
                d[order[i % nkeys]]

        def set_(count):
            for i in range(count):
                d[order[i % nkeys]] = i

        def incr(count):
            for i in range(count):
                k = order[i % nkeys]
                d[k] = d[k] + 1

        def lock_release(count):
            for _ in range(count):
                lock.acquire()
                lock.release()

        for name, fn in (("get", get), ("set", set_), ("incr", incr), ("lock", lock_release)):
            ns = statistics.median(timed(fn, n) for _ in range(runs))
            print("RESULT bench=manager op=%s ns=%.1f" % (name, ns), flush=True)


if __name__ == "__main__":
    main()

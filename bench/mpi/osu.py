# The mpi4py side of bench/mpi.ts: the same measurements as osu.ts with mpi4py's buffer methods (Send,
# Recv, Allreduce, Bcast on numpy-free bytearrays) or its object methods (send, recv, allreduce, bcast on
# pickled objects). Usage: osu.py buffer|object p2p|collectives ROUNDS [--quick]
import json
import sys

from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
style, kind, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
scale = 0.2 if "--quick" in sys.argv else 1.0


def n(x):
    return max(2, round(x * scale))


def report(name, metric, unit, value):
    if rank == 0:
        print(json.dumps({"case": name, "metric": metric, "unit": unit, "value": value}), flush=True)


def ping_pong(size, iterations, warmup):
    buf = bytearray(size)
    started = 0.0
    for i in range(warmup + iterations):
        if i == warmup:
            started = MPI.Wtime()
        if rank == 0:
            if style == "buffer":
                comm.Send(buf, 1, 1)
                comm.Recv(buf, 1, 1)
            else:
                comm.send(buf, 1, 1)
                buf = comm.recv(source=1, tag=1)
        elif rank == 1:
            if style == "buffer":
                comm.Recv(buf, 0, 1)
                comm.Send(buf, 0, 1)
            else:
                buf = comm.recv(source=0, tag=1)
                comm.send(buf, 0, 1)
    return (MPI.Wtime() - started) * 1e6 / (2 * iterations)


def bandwidth(size, window, iterations, warmup):
    buf = bytearray(size)
    started = 0.0
    for i in range(warmup + iterations):
        if i == warmup:
            started = MPI.Wtime()
        if rank == 0:
            if style == "buffer":
                MPI.Request.Waitall([comm.Isend(buf, 1, 2) for _ in range(window)])
            else:
                MPI.Request.waitall([comm.isend(buf, 1, 2) for _ in range(window)])
            comm.recv(source=1, tag=3)
        elif rank == 1:
            if style == "buffer":
                bufs = [bytearray(size) for _ in range(window)]
                MPI.Request.Waitall([comm.Irecv(b, 0, 2) for b in bufs])
            else:
                for _ in range(window):
                    comm.recv(source=0, tag=2)
            comm.send(0, 0, 3)
    return size * window * iterations / (MPI.Wtime() - started) / 1e6


def timed(op, iterations, warmup):
    for _ in range(warmup):
        op()
    comm.Barrier()
    started = MPI.Wtime()
    for _ in range(iterations):
        op()
    comm.Barrier()
    return (MPI.Wtime() - started) * 1e3 / iterations


for _ in range(rounds):
    if kind == "p2p":
        for size, label, iterations in ((8, "8B", 2000), (1024, "1KiB", 2000), (64 * 1024, "64KiB", 300), (1024 * 1024, "1MiB", 40)):
            report(f"ping-pong latency {label}", "latency", "µs", ping_pong(size, n(iterations), n(iterations / 10)))
        report("one-way bandwidth 1MiB window 64", "bandwidth", "MB/s", bandwidth(1024 * 1024, 64, n(5), 1))
    else:
        import array

        values = array.array("d", [float(rank)]) * 1_000_000
        out = array.array("d", bytes(8 * 1_000_000))
        block = bytearray(1024 * 1024)
        if style == "buffer":
            report("allreduce 1M float64 (4 ranks)", "time", "ms", timed(lambda: comm.Allreduce(values, out, op=MPI.SUM), n(10), 2))
            report("bcast 1MiB (4 ranks)", "time", "ms", timed(lambda: comm.Bcast(block, 0), n(20), 2))
        else:
            # Object allreduce of a Python list sums element by element in Python: fewer iterations.
            listed = list(values)
            report("allreduce 1M float64 (4 ranks)", "time", "ms", timed(lambda: comm.allreduce(listed, op=MPI.SUM), 2, 1))
            report("bcast 1MiB (4 ranks)", "time", "ms", timed(lambda: comm.bcast(block if rank == 0 else None, 0), n(20), 2))

/* The Open MPI side of bench/mpi.ts: the same measurements as osu.ts, printed the same way (one JSON line
 * per measurement from rank 0). Built by the benchmark with mpicc. Usage: osu p2p|collectives ROUNDS [--quick] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;
static double scale = 1.0;

static int n(double x) { int v = (int)(x * scale + 0.5); return v < 2 ? 2 : v; }

static void report(const char *name, const char *metric, const char *unit, double value) {
  if (rank == 0) printf("{\"case\":\"%s\",\"metric\":\"%s\",\"unit\":\"%s\",\"value\":%.6f}\n", name, metric, unit, value);
  fflush(stdout);
}

static double ping_pong(int bytes, int iterations, int warmup) {
  char *buf = calloc(bytes, 1);
  double started = 0;
  for (int i = 0; i < warmup + iterations; i++) {
    if (i == warmup) started = MPI_Wtime();
    if (rank == 0) {
      MPI_Send(buf, bytes, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
      MPI_Recv(buf, bytes, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(buf, bytes, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buf, bytes, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
    }
  }
  double us = (MPI_Wtime() - started) * 1e6 / (2.0 * iterations);
  free(buf);
  return us;
}

static double bandwidth(int bytes, int window, int iterations, int warmup) {
  char *buf = calloc(bytes, 1);
  MPI_Request *reqs = malloc(sizeof(MPI_Request) * window);
  int ack = 0;
  double started = 0;
  for (int i = 0; i < warmup + iterations; i++) {
    if (i == warmup) started = MPI_Wtime();
    if (rank == 0) {
      for (int w = 0; w < window; w++) MPI_Isend(buf, bytes, MPI_BYTE, 1, 2, MPI_COMM_WORLD, &reqs[w]);
      MPI_Waitall(window, reqs, MPI_STATUSES_IGNORE);
      MPI_Recv(&ack, 1, MPI_INT, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      for (int w = 0; w < window; w++) MPI_Irecv(buf, bytes, MPI_BYTE, 0, 2, MPI_COMM_WORLD, &reqs[w]);
      MPI_Waitall(window, reqs, MPI_STATUSES_IGNORE);
      MPI_Send(&ack, 1, MPI_INT, 0, 3, MPI_COMM_WORLD);
    }
  }
  double seconds = MPI_Wtime() - started;
  free(buf);
  free(reqs);
  return (double)bytes * window * iterations / seconds / 1e6;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const char *kind = argc > 1 ? argv[1] : "p2p";
  int rounds = argc > 2 ? atoi(argv[2]) : 3;
  if (argc > 3 && strcmp(argv[3], "--quick") == 0) scale = 0.2;
  for (int round = 0; round < rounds; round++) {
    if (strcmp(kind, "p2p") == 0) {
      report("ping-pong latency 8B", "latency", "µs", ping_pong(8, n(2000), n(200)));
      report("ping-pong latency 1KiB", "latency", "µs", ping_pong(1024, n(2000), n(200)));
      report("ping-pong latency 64KiB", "latency", "µs", ping_pong(64 * 1024, n(300), n(30)));
      report("ping-pong latency 1MiB", "latency", "µs", ping_pong(1024 * 1024, n(40), n(4)));
      report("one-way bandwidth 1MiB window 64", "bandwidth", "MB/s", bandwidth(1024 * 1024, 64, n(5), 1));
    } else {
      int count = 1000000;
      double *in = malloc(sizeof(double) * count), *out = malloc(sizeof(double) * count);
      for (int i = 0; i < count; i++) in[i] = rank;
      int iterations = n(10);
      for (int i = 0; i < 2; i++) MPI_Allreduce(in, out, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
      MPI_Barrier(MPI_COMM_WORLD);
      double started = MPI_Wtime();
      for (int i = 0; i < iterations; i++) MPI_Allreduce(in, out, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
      MPI_Barrier(MPI_COMM_WORLD);
      report("allreduce 1M float64 (4 ranks)", "time", "ms", (MPI_Wtime() - started) * 1e3 / iterations);
      char *block = calloc(1024 * 1024, 1);
      iterations = n(20);
      for (int i = 0; i < 2; i++) MPI_Bcast(block, 1024 * 1024, MPI_BYTE, 0, MPI_COMM_WORLD);
      MPI_Barrier(MPI_COMM_WORLD);
      started = MPI_Wtime();
      for (int i = 0; i < iterations; i++) MPI_Bcast(block, 1024 * 1024, MPI_BYTE, 0, MPI_COMM_WORLD);
      MPI_Barrier(MPI_COMM_WORLD);
      report("bcast 1MiB (4 ranks)", "time", "ms", (MPI_Wtime() - started) * 1e3 / iterations);
      free(in);
      free(out);
      free(block);
    }
  }
  MPI_Finalize();
  return 0;
}

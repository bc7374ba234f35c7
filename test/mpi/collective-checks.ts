// The checks test/mpi/fixtures/collectives.ts reports, in order; each must appear as `[0] ok NAME`.
export const collectiveChecks = [
  'barrier',
  'collectives never match user messages of the same communicator',
  'bcast',
  'reduce and allreduce with every predefined op',
  'allreduce of large arrays (ring) and large non-commutative values',
  'scatter, gather, allgather',
  'scatterv, gatherv, allgatherv',
  'alltoall, alltoallv',
  'reduceScatter',
  'scan, exscan (commutative and not)',
  'collectives on split communicators do not mix',
];

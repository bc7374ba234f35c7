import { fileURLToPath } from 'node:url';
import { launch } from '../../mpi/launcher.ts';
import type { TourStep } from './step.ts';

const example = (name: string) => fileURLToPath(new URL(`../../../examples/mpi/${name}`, import.meta.url));

export const mpiStep: TourStep = {
  title: 'MPI: a job of 4 ranks, point-to-point around a ring, and a reduction',
  idea:
    'Message passing between the ranks of a parallel job: the launcher starts 4 processes that find each\n' +
    'other through a rendezvous and connect in a full mesh. A token goes around a ring with send and recv\n' +
    '(matched by source and tag); then each rank integrates part of pi and a reduction adds the parts up.',
  async run(say, signal) {
    for (const [name, args] of [['ring.ts', []], ['pi.ts', ['2000000']]] as const) {
      say(`courier run -n 4 examples/mpi/${name} ${args.join(' ')}`.trimEnd());
      const result = await launch({ np: 4, program: example(name), args, signal, killGraceMs: 1000, onLine: (rank, _stream, line) => say(`  [${rank}] ${line}`) });
      if (result.exitCode !== 0) throw new Error(`the job failed: ${result.summary}`);
      say(`  ${result.summary}`);
    }
    say('the same programs run as worker threads talking through shared memory: courier run -n 4 --threads …');
  },
};

import { parseFlags, UsageError, type Command } from '../command.ts';
import { tourSteps } from '../tour/steps.ts';

export const tourCommand: Command = {
  name: 'tour',
  summary: 'a guided run on loopback through every capability, step by step',
  help: `Usage: courier tour [--step N] [--list]

Runs each step on loopback and narrates what happens: UDP datagrams with truncation and timeouts,
TCP message streams with flow control and end-of-stream, and whatever later layers add.

Options:
  --step N   run only step N (1-based)
  --list     list the steps without running them

Example:
  courier tour --step 2`,
  async run(argv, io) {
    const { values } = parseFlags(argv, { step: { type: 'string' }, list: { type: 'boolean' } });
    const chosen = values.step === undefined ? null : Number(values.step);
    if (chosen !== null && !(Number.isInteger(chosen) && chosen >= 1 && chosen <= tourSteps.length)) {
      throw new UsageError(`--step: expected a number from 1 to ${tourSteps.length}, got '${values.step}'`);
    }
    const out = (line: string) => io.stdout.write(line + '\n');
    for (const [i, step] of tourSteps.entries()) {
      if (chosen !== null && chosen !== i + 1) continue;
      const heading = `${i + 1}/${tourSteps.length}  ${step.title}`;
      out(values.list ? heading : `\n${heading}\n${'─'.repeat(heading.length)}\n${step.idea}\n`);
      if (values.list) continue;
      const started = performance.now();
      await step.run((line) => out(`  ${line}`), io.signal);
      out(`  ✓ done in ${(performance.now() - started).toFixed(0)} ms`);
    }
    if (!values.list) out(`\nTour complete: ${chosen === null ? tourSteps.length : 1} step(s) ran on loopback.`);
    return 0;
  },
};

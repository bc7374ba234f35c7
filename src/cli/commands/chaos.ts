import { formatAddress } from '../../net/address.ts';
import { startChaosProxy } from '../../net/chaos/proxy.ts';
import type { ChaosOptions } from '../../net/chaos/options.ts';
import { describeChaosStats } from '../../net/chaos/stats.ts';
import { parseDuration, parseFlags, parseSize, UsageError, type Command } from '../command.ts';

export const chaosCommand: Command = {
  name: 'chaos',
  summary: 'a proxy that forwards UDP or TCP to a service with loss, duplication, reordering, delay, stalls and cuts',
  help: `Usage: courier chaos --listen ADDRESS --target ADDRESS [fault options]

Listens at ADDRESS and forwards to the target, both ways, injecting faults. UDP: every client gets its own
upstream socket, so replies come back through the proxy. TCP: works on the byte stream, whatever the
protocol. Prints a summary of what it forwarded and injected at exit (Ctrl-C), and the counters so far
on SIGUSR1 (kill -USR1 PID).

Options:
  --listen ADDRESS        where clients send or connect: udp://127.0.0.1:9001 or tcp://127.0.0.1:9001
  --target ADDRESS        the real service, same transport
  --seed N                seed of every random choice (default 1)
  --delay DURATION        one-way delay, both directions (default 0; e.g. 5ms)
  --jitter DURATION       extra delay drawn from 0..DURATION (TCP keeps bytes in order)
 UDP:
  --loss P                probability a datagram is dropped (0..1)
  --duplicate P           probability a datagram is sent twice
  --reorder P             probability a datagram is held back so later ones overtake it
  --reorder-delay DURATION  how long it is held back (default 20ms)
 TCP:
  --bandwidth SIZE        bytes per second each way (e.g. 1MiB)
  --stall-every DURATION  stop forwarding periodically ...
  --stall-for DURATION    ... for this long
  --cut-after-bytes SIZE  reset a connection once SIZE bytes were forwarded
  --cut-after DURATION    reset a connection DURATION after it was accepted

Example:
  courier chaos --listen udp://127.0.0.1:9001 --target udp://127.0.0.1:9000 --loss 0.2 --duplicate 0.05 --reorder 0.1 --delay 5ms --jitter 2ms --seed 7
  courier chaos --listen tcp://127.0.0.1:9001 --target tcp://127.0.0.1:9000 --bandwidth 64KiB --cut-after-bytes 1MiB`,
  async run(argv, io) {
    const text = { type: 'string' } as const;
    const { values, positionals } = parseFlags(argv, {
      listen: text,
      target: text,
      seed: text,
      loss: text,
      duplicate: text,
      reorder: text,
      'reorder-delay': text,
      delay: text,
      jitter: text,
      bandwidth: text,
      'stall-every': text,
      'stall-for': text,
      'cut-after-bytes': text,
      'cut-after': text,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (see courier chaos --help)`);
    if (!values.listen || !values.target) throw new UsageError('--listen and --target are both required, e.g. --listen udp://127.0.0.1:9001 --target udp://127.0.0.1:9000');
    const probability = (v: string | undefined, flag: string) => {
      if (v === undefined) return undefined;
      const p = Number(v);
      if (!(v.trim() !== '' && p >= 0 && p <= 1)) throw new UsageError(`${flag}: expected a probability from 0 to 1, got '${v}'`);
      return p;
    };
    const duration = (v: string | undefined, flag: string) => (v === undefined ? undefined : parseDuration(v, flag));
    const size = (v: string | undefined, flag: string) => (v === undefined ? undefined : parseSize(v, flag));
    let seed: number | undefined;
    if (values.seed !== undefined) {
      seed = Number(values.seed);
      if (!Number.isInteger(seed)) throw new UsageError(`--seed: expected an integer, got '${values.seed}'`);
    }
    const stallEvery = duration(values['stall-every'], '--stall-every');
    const stallFor = duration(values['stall-for'], '--stall-for');
    if ((stallEvery === undefined) !== (stallFor === undefined)) throw new UsageError('--stall-every and --stall-for go together');
    // Flags not given stay undefined, so the library's defaults apply to them.
    const options: ChaosOptions = {
      listen: values.listen,
      target: values.target,
      seed,
      loss: probability(values.loss, '--loss'),
      duplicate: probability(values.duplicate, '--duplicate'),
      reorder: probability(values.reorder, '--reorder'),
      reorderDelay: duration(values['reorder-delay'], '--reorder-delay'),
      delay: duration(values.delay, '--delay'),
      jitter: duration(values.jitter, '--jitter'),
      bandwidth: size(values.bandwidth, '--bandwidth'),
      stallEvery,
      stallFor,
      cutAfterBytes: size(values['cut-after-bytes'], '--cut-after-bytes'),
      cutAfter: duration(values['cut-after'], '--cut-after'),
    };

    const out = (line: string) => io.stdout.write(line + '\n');
    await using proxy = await startChaosProxy(options);
    out(`chaos: forwarding ${formatAddress(proxy.address)} -> ${formatAddress(proxy.target)} (pid ${process.pid}; SIGUSR1 prints counters, Ctrl-C stops)`);
    const report = () => {
      out('chaos: counters so far');
      for (const line of describeChaosStats(proxy.stats())) out(`  ${line}`);
    };
    process.on('SIGUSR1', report);
    try {
      if (!io.signal.aborted) await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      process.off('SIGUSR1', report);
    }
    out('chaos: stopped; summary');
    for (const line of describeChaosStats(proxy.stats())) out(`  ${line}`);
    return 0;
  },
};


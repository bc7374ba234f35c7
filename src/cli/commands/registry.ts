import { formatRef, parseRef } from '../../invoke/reference.ts';
import { registryAt, serveRegistry } from '../../invoke/registry.ts';
import { formatAddress, parseInetAddress } from '../../net/address.ts';
import { parseDuration, parseFlags, UsageError, type Command } from '../command.ts';
import { cliObjectEndpoint } from '../invoke-endpoint.ts';

export const registryCommand: Command = {
  name: 'registry',
  summary: 'run a name registry for remote object references, or query one',
  help: `Usage: courier registry serve [--listen ADDRESS]
       courier registry list ADDRESS
       courier registry lookup ADDRESS NAME
       courier registry bind ADDRESS NAME REF
       courier registry unbind ADDRESS NAME

Like rmiregistry: a server binds a name to a reference, clients look the name up. The registry is a
remote object at a well-known reference, so its address (udp:// or tcp://) is all a client needs.
Changes are accepted from this host only.

Options:
  --listen ADDRESS     where to serve (default udp://127.0.0.1:1099)
  --timeout DURATION   for queries (default 5s)

Examples:
  courier registry serve --listen udp://127.0.0.1:1099
  courier registry lookup udp://127.0.0.1:1099 greeter`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { listen: { type: 'string' }, timeout: { type: 'string' } });
    const [action, where, name, refText] = positionals;
    const timeout = values.timeout ? parseDuration(values.timeout, '--timeout') : 5000;
    const out = (line: string) => io.stdout.write(line + '\n');
    if (action === 'serve') {
      const listen = values.listen ?? 'udp://127.0.0.1:1099';
      const address = parseInetAddress(listen, listen.startsWith('tcp') ? 'tcp' : 'udp');
      await using endpoint = await cliObjectEndpoint(address.transport, listen, timeout);
      serveRegistry(endpoint, { onChange: (what, n, ref) => out(`${what} ${n}${ref ? ` → ${formatRef(ref)}` : ''}`) });
      out(`registry serving at ${formatAddress(endpoint.transport.address)}`);
      await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
      return 0;
    }
    if (!where) throw new UsageError('expected ADDRESS of the registry');
    const address = parseInetAddress(where, where.startsWith('tcp') ? 'tcp' : 'udp');
    await using endpoint = await cliObjectEndpoint(address.transport, undefined, timeout);
    const registry = registryAt(endpoint, address);
    switch (action) {
      case 'list':
        for (const n of await registry.list()) out(n);
        return 0;
      case 'lookup':
        if (!name) throw new UsageError('expected NAME');
        out(formatRef(await registry.lookup(name)));
        return 0;
      case 'bind':
        if (!name || !refText) throw new UsageError('expected NAME REF');
        await registry.rebind(name, parseRef(refText));
        return 0;
      case 'unbind':
        if (!name) throw new UsageError('expected NAME');
        await registry.unbind(name);
        return 0;
      default:
        throw new UsageError(`unknown action '${action ?? ''}' (serve, list, lookup, bind, unbind)`);
    }
  },
};

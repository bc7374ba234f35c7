// Which of this host's addresses the kernel would use to reach another host: what to advertise to a peer
// there (a rendezvous address, for instance). Connecting a UDP socket only selects a route; no datagram is sent.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { lookup } from 'node:dns/promises';
import { InvalidAddressError } from '../errors.ts';

/** This host's source address toward `host` (a literal or a name). ERR_INVALID_ADDRESS when there is no route. */
export async function localAddressToward(host: string): Promise<string> {
  const target = isIPv6(host) || /^[\d.]+$/.test(host) ? host : (await lookup(host)).address;
  const socket = createSocket(isIPv6(target) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, target, () => resolve()); // port 9 (discard): any port selects the same route
    });
    return socket.address().address;
  } catch (err) {
    throw new InvalidAddressError(`no route from this host to ${host}: ${err instanceof Error ? err.message : String(err)}`, { input: host });
  } finally {
    socket.close();
  }
}

// Types for the parts of the `bittorrent-dht` npm package (webtorrent's Mainline DHT, which ships no
// types) that courier's interop tests and benchmark drive.
declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events';

  interface DhtNode {
    id: Buffer;
    host: string;
    port: number;
  }
  interface DhtOptions {
    /** false: no bootstrap at all; else a list of 'host:port' or {host, port} (never leave it out: the default is public routers). */
    bootstrap: false | (string | { host: string; port: number })[];
    host?: string;
    nodeId?: Buffer | string;
    k?: number;
    concurrency?: number;
    timeBucketOutdated?: number;
  }
  interface RoutingTable {
    get(id: Buffer): DhtNode | null;
    toArray(): DhtNode[];
    count(): number;
  }

  export default class DHT extends EventEmitter {
    constructor(options: DhtOptions);
    readonly nodeId: Buffer;
    readonly nodes: RoutingTable;
    readonly ready: boolean;
    listen(port: number, host: string, onListening?: () => void): void;
    address(): { address: string; family: string; port: number };
    addNode(node: { host: string; port: number; id?: Buffer }): void;
    lookup(infoHash: Buffer | string, cb?: (err: Error | null, nodesVisited: number) => void): () => void;
    announce(infoHash: Buffer | string, port: number, cb?: (err: Error | null) => void): void;
    destroy(cb?: () => void): void;
  }
}

declare module 'bencode' {
  const bencode: {
    encode(value: unknown): Uint8Array;
    decode(data: Uint8Array): unknown;
  };
  export default bencode;
}

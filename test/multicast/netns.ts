// Test hosts for the multicast tests across hosts: Linux network namespaces named `courier-t-<pid>-…`,
// joined by veth pairs to bridges that live in namespaces of their own, so nothing is added to, or sent
// from, the machine's own interfaces. Addresses (10.77.x.y) exist only inside those namespaces.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { MulticastOptions } from '../../src/multicast/index.ts';

const PREFIX = `courier-t-${process.pid}-`;
const peerScript = fileURLToPath(new URL('./fixtures/peer.ts', import.meta.url));

/** Runs `ip ARGS`; throws with its standard error when it fails. */
export function ip(...args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

/** Why namespaces cannot be used here, or undefined when they can (root, `ip` present, `ip netns add` works). */
export function namespacesUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs as root)';
  const probe = `${PREFIX}probe`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.error) return `the ip command is not available (${r.error.message})`;
  if (r.status !== 0) return `ip netns add failed: ${r.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

/** A peer process (fixtures/peer.ts) running inside a namespace. */
export class Peer {
  private readonly events: Record<string, unknown>[] = [];
  private readonly waiters: (() => void)[] = [];
  private exited = false;
  stderr = '';

  constructor(
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.events.push({ event: 'noise', line }); // not ours (a warning): keep it visible, do not fail on it
      }
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
    child.once('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Waits for (and removes) the first event matching `match`; fails after `timeoutMs` or if the peer exits. */
  async next(match: (e: Record<string, unknown>) => boolean, timeoutMs = 5000, what = 'an event'): Promise<Record<string, unknown>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.events.findIndex(match);
      if (i >= 0) return this.events.splice(i, 1)[0]!;
      const error = this.events.find((e) => e.event === 'error');
      if (error) throw new Error(`${this.name}: ${String(error.code)}: ${String(error.message)}`);
      if (this.exited) throw new Error(`${this.name} exited while waiting for ${what}: ${this.stderr.trim()}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.name}: no ${what} within ${timeoutMs} ms (events: ${JSON.stringify(this.events)}; stderr: ${this.stderr.trim()})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a command and waits for its acknowledgement. */
  async command(c: Record<string, unknown>): Promise<void> {
    this.child.stdin.write(JSON.stringify(c) + '\n');
    await this.next((e) => e.event === 'ok' && e.op === c.op, 5000, `the ack of ${String(c.op)}`);
  }

  /** Asks for the peer's counters: `stats()` and `senderStats()` of its endpoint. */
  async stats(): Promise<{ stats: Record<string, number>; senders: { from: string; received: number; lost: number; missing: number }[] }> {
    this.child.stdin.write(JSON.stringify({ op: 'stats' }) + '\n');
    const e = await this.next((x) => x.event === 'stats', 5000, 'stats');
    return { stats: e.stats as Record<string, number>, senders: e.senders as { from: string; received: number; lost: number; missing: number }[] };
  }

  /** The next datagram's text and sender. */
  async datagram(timeoutMs = 5000): Promise<{ text: string; from: string; seq?: number }> {
    const e = await this.next((x) => x.event === 'datagram', timeoutMs, 'a datagram');
    return { text: String(e.text), from: String(e.from), ...(typeof e.seq === 'number' ? { seq: e.seq } : {}) };
  }

  /** Datagrams already reported and not yet taken. */
  pendingDatagrams(): string[] {
    return this.events.filter((e) => e.event === 'datagram').map((e) => String(e.text));
  }

  /** Writes a command without waiting for its acknowledgement (for one that runs long, such as a stream). */
  write(c: Record<string, unknown>): void {
    this.child.stdin.write(JSON.stringify(c) + '\n');
  }

  /** Every reported event not yet taken that matches `match`, taken now. */
  drain(match: (e: Record<string, unknown>) => boolean): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (let i = this.events.length - 1; i >= 0; i--) if (match(this.events[i]!)) out.unshift(...this.events.splice(i, 1));
    return out;
  }

  stop(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** A set of test namespaces, links and processes, all removed by `destroy()`. */
export class TestNet {
  private readonly namespaces: string[] = [];
  private readonly processes: { stop(): void }[] = [];
  private readonly tmp = mkdtempSync(join(tmpdir(), 'courier-mcast-'));

  /** The full name of a namespace of this test run. */
  ns(name: string): string {
    return PREFIX + name;
  }

  /** Creates a namespace with its loopback up and IPv6 off (no router solicitations or MLD reports to count). */
  addHost(name: string, { ipv6 = false }: { ipv6?: boolean } = {}): string {
    const ns = this.ns(name);
    ip('netns', 'add', ns);
    this.namespaces.push(ns);
    this.exec(name, 'sysctl', '-qw', `net.ipv6.conf.all.disable_ipv6=${ipv6 ? 0 : 1}`);
    this.exec(name, 'sysctl', '-qw', `net.ipv6.conf.default.disable_ipv6=${ipv6 ? 0 : 1}`);
    if (ipv6) {
      // No duplicate address detection: addresses are usable at once, and no tentative period to wait out.
      this.exec(name, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0');
      this.exec(name, 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0');
    }
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** Creates a switch: a namespace holding bridge br0. */
  addSwitch(name: string): void {
    const ns = this.addHost(name);
    ip('-n', ns, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
    ip('-n', ns, 'link', 'set', 'br0', 'up');
  }

  /**
   * Connects `host` to `sw`'s bridge with a veth pair: `ifname` in the host, with `cidr` (and `cidr6` when
   * given), and a port named `port` on the bridge.
   */
  connect(host: string, ifname: string, sw: string, port: string, cidr: string, cidr6?: string): void {
    const hostNs = this.ns(host);
    const swNs = this.ns(sw);
    ip('-n', swNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', ifname, 'netns', hostNs);
    ip('-n', swNs, 'link', 'set', port, 'master', 'br0');
    ip('-n', swNs, 'link', 'set', port, 'up');
    ip('-n', hostNs, 'addr', 'add', cidr, 'dev', ifname);
    if (cidr6) ip('-n', hostNs, 'addr', 'add', cidr6, 'dev', ifname, 'nodad');
    ip('-n', hostNs, 'link', 'set', ifname, 'up');
  }

  /** Runs a command inside a host's namespace and returns its standard output. */
  exec(host: string, command: string, ...args: string[]): string {
    return ip('netns', 'exec', this.ns(host), command, ...args);
  }

  /** Starts a peer process in `host`, and waits until its endpoint is open. */
  async peer(host: string, options: MulticastOptions): Promise<Peer> {
    const child = spawn('ip', ['netns', 'exec', this.ns(host), process.execPath, '--import', 'tsx', peerScript, JSON.stringify(options)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const peer = new Peer(host, child);
    this.processes.push(peer);
    await peer.next((e) => e.event === 'ready', 15_000, 'the endpoint to open');
    return peer;
  }

  /**
   * Starts smcrouted in `host` with `config` (smcroute.conf syntax), and waits until the kernel's
   * multicast routing table of that host shows `expect`.
   */
  async smcroute(host: string, config: string, expect: RegExp): Promise<void> {
    const conf = join(this.tmp, `${host}.conf`);
    writeFileSync(conf, config);
    const daemon = this.daemon(['netns', 'exec', this.ns(host), 'smcrouted', '-n', '-N', '-f', conf, '-i', `courier-${process.pid}-${host}`, '-u', join(this.tmp, `${host}.sock`), '-P', join(this.tmp, `${host}.pid`), '-l', 'notice']);
    for (let i = 0; i < 100; i++) {
      if (expect.test(ip('-n', this.ns(host), 'mroute', 'show'))) return;
      if (daemon.exited()) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`smcrouted in ${host} did not install ${expect} (routes: ${ip('-n', this.ns(host), 'mroute', 'show').trim()}; output: ${daemon.output().trim()})`);
  }

  // Runs `ip ARGS` (a daemon in a namespace) until the namespaces are removed, collecting what it prints.
  private daemon(args: string[]): { output(): string; exited(): boolean } {
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    let exited = false;
    child.once('exit', () => (exited = true));
    this.processes.push({ stop: () => exited || child.kill('SIGKILL') });
    return { output: () => output, exited: () => exited };
  }

  /** Starts a process running `script` (a .ts file) in `host` with `arg`, speaking peer.ts's protocol; waits until it is ready. */
  async spawnIn(host: string, script: string, arg: unknown): Promise<Peer> {
    const child = spawn('ip', ['netns', 'exec', this.ns(host), process.execPath, '--import', 'tsx', script, JSON.stringify(arg)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new Peer(host, child);
    this.processes.push(peer);
    await peer.next((e) => e.event === 'ready', 15_000, 'the process to start');
    return peer;
  }

  /**
   * Starts pimd in `host` with `config` (pimd.conf syntax), in the foreground, in a mount namespace of its
   * own with a private /run (pimd keeps its pid file and socket there, which would collide across hosts).
   * Returns a function giving everything it logged so far.
   */
  pimd(host: string, config: string): () => string {
    const conf = join(this.tmp, `${host}-pimd.conf`);
    writeFileSync(conf, config);
    return this.daemon(['netns', 'exec', this.ns(host), 'unshare', '-m', 'sh', '-c', `mount -t tmpfs tmpfs /run && exec pimd -f -c ${conf} --loglevel=notice --debug=${process.env.PIMD_DEBUG ?? "pim_register,pim_jp"}`]).output;
  }

  /** Packets counted on an interface of a host (received and transmitted). */
  counters(host: string, ifname: string): { rx: number; tx: number } {
    const [link] = JSON.parse(ip('-n', this.ns(host), '-s', '-j', 'link', 'show', ifname)) as { stats64: { rx: { packets: number }; tx: { packets: number } } }[];
    return { rx: link!.stats64.rx.packets, tx: link!.stats64.tx.packets };
  }

  /** Stops every process, deletes every namespace (and with them their links and bridges). Safe to call twice. */
  destroy(): void {
    for (const p of this.processes.splice(0)) p.stop();
    for (const ns of this.namespaces.splice(0).reverse()) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/**
 * Deletes test namespaces left by earlier runs whose process is gone (killed before its cleanup ran).
 * Only names of the form `courier-t-<pid>-…` with a dead pid are touched. Returns what was deleted.
 */
export function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^courier-t-(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    spawnSync('ip', ['netns', 'del', name]);
    removed.push(name);
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is not ours to signal; only ESRCH means it is gone.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces a run of this file left behind (after a crash): `ip netns list` names with our prefix. */
export function leftoverNamespaces(): string[] {
  return ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(PREFIX));
}

// The source side of registering (RFC 7761 section 4.4.1): the node a source sends from encapsulates its
// data to the RP (Join state) until the RP answers Register-Stop; then it stays quiet (Prune state) for
// about Register_Suppression_Time, probes with a null Register (Join-Pending), and registers again unless
// another Register-Stop arrives within Register_Probe_Time. The RP's side is in router.ts.

/** Join: registering; Prune: stopped by the RP; JoinPending: probing with a null Register. */
export type RegisterStateName = 'join' | 'prune' | 'join-pending';

/** What the state machine asks its owner to do when its timer fires. */
export type RegisterAction = 'none' | 'send-null-register' | 'resume';

/** One source's register state for one group. */
export class RegisterState {
  state: RegisterStateName = 'join';
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly suppressionMs: number,
    private readonly probeMs: number,
  ) {}

  /** Whether data is Register-encapsulated to the RP now. */
  get registering(): boolean {
    return this.state === 'join';
  }

  /** A Register-Stop arrived at `now`; `jitter` in [0, 1) spreads the timer over 0.5..1.5 × the suppression time, as the RFC asks. */
  onRegisterStop(now: number, jitter: number): void {
    if (this.state === 'prune') return;
    this.state = 'prune';
    this.timerAt = now + (0.5 + jitter) * this.suppressionMs - this.probeMs;
  }

  /** Advances the timer to `now`. */
  tick(now: number): RegisterAction {
    if (now < this.timerAt) return 'none';
    if (this.state === 'prune') {
      this.state = 'join-pending';
      this.timerAt = now + this.probeMs;
      return 'send-null-register';
    }
    if (this.state === 'join-pending') {
      // No Register-Stop answered the probe: the RP wants the data again (or a new RP took over).
      this.state = 'join';
      this.timerAt = Number.POSITIVE_INFINITY;
      return 'resume';
    }
    return 'none';
  }
}

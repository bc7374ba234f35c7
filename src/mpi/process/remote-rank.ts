// Preloaded (`node --import`) into a rank that the launcher started over ssh. ssh without a terminal does
// not forward signals and does not end the remote command when the session closes, so the rank listens to
// its standard input instead: `signal NAME` lines are signals from the launcher, and the end of input means
// the launcher is gone (or ended the session), so the rank ends too rather than run on as an orphan.
import { createInterface } from 'node:readline';
import { constants } from 'node:os';

const SIGHUP_EXIT = 128 + constants.signals.SIGHUP;

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  const m = /^signal (SIG[A-Z0-9]+)$/.exec(line.trim());
  if (m && m[1]! in constants.signals) process.kill(process.pid, m[1] as NodeJS.Signals);
});
lines.on('close', () => process.exit(SIGHUP_EXIT));
// Listening must not keep a finished rank alive: the rank exits when its program is done, as locally.
process.stdin.unref();

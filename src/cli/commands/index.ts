// Every `courier` subcommand, in the order `courier --help` lists them. Each file holds one command.
import type { Command } from '../command.ts';
import { tourCommand } from './tour.ts';
import { listenCommand } from './listen.ts';
import { sendCommand } from './send.ts';
import { callCommand } from './call.ts';
import { registryCommand } from './registry.ts';
import { encodeCommand } from './encode.ts';
import { decodeCommand } from './decode.ts';
import { schemaCommand } from './schema.ts';
import { inspectCommand } from './inspect.ts';
import { chaosCommand } from './chaos.ts';
import { mcastCommand } from './mcast.ts';
import { mpirunCommand, runCommand } from './run.ts';
import { overlayCommand } from './overlay.ts';

export const commands: readonly Command[] = [tourCommand, listenCommand, sendCommand, callCommand, registryCommand, encodeCommand, decodeCommand, inspectCommand, schemaCommand, chaosCommand, mcastCommand, runCommand, mpirunCommand, overlayCommand];

// Every `courier` subcommand, in the order `courier --help` lists them. Each file holds one command.
import type { Command } from '../command.ts';
import { tourCommand } from './tour.ts';

export const commands: readonly Command[] = [tourCommand];

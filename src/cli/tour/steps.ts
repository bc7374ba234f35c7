// The steps of `courier tour`, in the order the chapter tells them. Each layer adds its own file here.
import type { TourStep } from './step.ts';
import { udpStep } from './udp.ts';
import { tcpStep } from './tcp.ts';
import { multicastStep } from './multicast.ts';
import { marshalStep } from './marshal.ts';
import { faultsStep } from './faults.ts';
import { invokeStep } from './invoke.ts';
import { mpiStep } from './mpi.ts';
import { overlayStep } from './overlay.ts';

export const tourSteps: readonly TourStep[] = [udpStep, tcpStep, multicastStep, marshalStep, invokeStep, faultsStep, mpiStep, overlayStep];

// The steps of `courier tour`, in the order the chapter tells them: sockets, testing them under faults,
// external data representation, remote invocation, multicast (IP, then application-level), overlays, and MPI. Each layer adds its own file.
import type { TourStep } from './step.ts';
import { udpStep } from './udp.ts';
import { tcpStep } from './tcp.ts';
import { faultsStep } from './faults.ts';
import { marshalStep } from './marshal.ts';
import { invokeStep } from './invoke.ts';
import { multicastStep } from './multicast.ts';
import { almStep } from './alm.ts';
import { overlayStep } from './overlay.ts';
import { mpiStep } from './mpi.ts';

export const tourSteps: readonly TourStep[] = [udpStep, tcpStep, faultsStep, marshalStep, invokeStep, multicastStep, almStep, overlayStep, mpiStep];

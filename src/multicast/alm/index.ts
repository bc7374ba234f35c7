// Public API of application-level multicast: endpoints on overlay nodes, their routers, options, events and wire format.
export { AlmEndpoint, type AlmDatagram, type AlmSenderStats, type AlmStats } from './endpoint.ts';
export { AlmRouter, type AlmRouterStats, type GroupSnapshot, type SourceSnapshot } from './router.ts';
export { ALM_DEFAULTS, scaledTimers, type AlmLimits, type AlmOptions, type RpMapping } from './options.ts';
export { AlmEvents, type AlmEvent, type AlmEventListener, type AlmEventType } from './events.ts';
export { describePolicy, type SwitchPolicy } from './spt-policy.ts';
export { groupKey } from './rp.ts';
export { decodeAlm, encodeAlm, isAlmPayload, type AlmMessage } from './messages.ts';
export { crawlTree, drawTrees, type DrawOptions } from './tree.ts';
export { buildOverlay, runAlmSim, type AlmSimOptions, type AlmSimResult, type TreeFigures } from './sim.ts';

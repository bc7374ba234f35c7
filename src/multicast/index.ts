// Public API of the multicast layer: group addresses and their scopes, and the IP multicast endpoint.
export {
  classifyGroup,
  isMulticastAddress,
  parseGroupAddress,
  sourceSpecificRange,
  IPV4_MULTICAST_BLOCKS,
  IPV6_SCOPES,
  type GroupAddress,
  type GroupInfo,
  type MulticastScope,
} from './group.ts';
export { resolveInterface } from './interface.ts';
export { MULTICAST_DEFAULTS, type Membership, type MembershipOptions, type MulticastOptions } from './options.ts';
export { MulticastEndpoint, openMulticast } from './endpoint.ts';
// Application-level multicast on the overlay: rendezvous point, shared tree, the switch to the source's tree.
export {
  AlmEndpoint,
  AlmRouter,
  ALM_DEFAULTS,
  groupKey,
  scaledTimers,
  describePolicy,
  crawlTree,
  drawTrees,
  runAlmSim,
  type AlmSimOptions,
  type AlmSimResult,
  type DrawOptions,
  type AlmDatagram,
  type AlmEvent,
  type AlmEventListener,
  type AlmEventType,
  type AlmLimits,
  type AlmOptions,
  type AlmRouterStats,
  type AlmSenderStats,
  type AlmStats,
  type GroupSnapshot,
  type RpMapping,
  type SourceSnapshot,
  type SwitchPolicy,
} from './alm/index.ts';

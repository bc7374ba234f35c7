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

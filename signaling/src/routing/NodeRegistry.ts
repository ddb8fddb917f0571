import type { NodeInfo } from '@classbridge/sfu';

/**
 * The SFU nodes of the deployment with their region and load, as placement sees them. The
 * embedded server is its own only node (LocalNodeRegistry); a cluster reads the nodes'
 * heartbeats from Redis (RedisNodeRegistry).
 */
export interface NodeRegistry {
  /** Nodes whose heartbeat is current. */
  list(): Promise<NodeInfo[]>;
}

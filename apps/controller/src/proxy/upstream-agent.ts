import { Agent } from 'node:http';
import type { ProxyConfig } from '../config/proxy.config';

/**
 * The one keep-alive agent for every backend: bounded sockets per backend, idle sockets closed
 * before the backend would close them (its own `Keep-Alive: timeout=N` hint is honoured by Node
 * too), LIFO so the warmest socket is reused and surplus ones age out.
 */
export function createUpstreamAgent(config: ProxyConfig): Agent {
  return new Agent({
    keepAlive: true,
    maxSockets: config.agentMaxSockets,
    maxFreeSockets: config.agentMaxFreeSockets,
    timeout: config.agentIdleTimeoutMs,
    scheduling: 'lifo',
  });
}

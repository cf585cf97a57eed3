import { createHmac } from 'node:crypto';
import type { RTCIceServerConfig } from '../src/signaling/protocol.js';

/** A TURN username and password, as coturn's `--use-auth-secret` (its "TURN REST API") expects them. */
export interface TurnCredentials {
  /** `expiry:peerId`, expiry in seconds since the epoch. */
  username: string;
  /** base64(HMAC-SHA1(secret, username)). */
  credential: string;
}

/**
 * Short-lived TURN credentials for one peer: valid for `ttl` seconds from `now`, checked by coturn started with
 * `--use-auth-secret --static-auth-secret=SECRET` without any call to the relay.
 *
 * @example
 * const { username, credential } = turnCredentials('s3cret', 'peer-id', 3600);
 */
export function turnCredentials(
  secret: string,
  peerId: string,
  ttl: number,
  now: () => number = Date.now,
): TurnCredentials {
  const expiry = Math.floor(now() / 1000) + ttl;
  const username = `${expiry}:${peerId}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** What {@link iceServersFor} reads from the relay's options. */
export interface IceOptions {
  stunUrls: string[];
  turnUrls: string[];
  turnSecret: string;
  turnTtl: number;
  iceServers: RTCIceServerConfig[];
}

/**
 * The `iceServers` of one peer's `welcome`: the STUN servers, the TURN servers with fresh credentials for that
 * peer, then the configured static list.
 *
 * @example
 * iceServersFor({ stunUrls: ['stun:turn.example:3478'], turnUrls: [], turnSecret: '', turnTtl: 3600, iceServers: [] }, id);
 */
export function iceServersFor(options: IceOptions, peerId: string, now: () => number = Date.now): RTCIceServerConfig[] {
  const servers: RTCIceServerConfig[] = [];
  if (options.stunUrls.length > 0) servers.push({ urls: options.stunUrls });
  if (options.turnUrls.length > 0)
    servers.push({ urls: options.turnUrls, ...turnCredentials(options.turnSecret, peerId, options.turnTtl, now) });
  return servers.length > 0 ? [...servers, ...options.iceServers] : options.iceServers;
}

import { errors, jwtVerify, SignJWT } from 'jose';
import { ROOM_PATTERN } from '../src/signaling/protocol.js';

/** What a verified token grants. */
export interface TokenClaims {
  /** The room it may join, or `*` for any. */
  room: string;
  /** A stable identity, shown to the others as `meta.sub`. */
  sub?: string;
  /** Expiry, in seconds since the epoch. */
  exp: number;
}

/** Why a token was refused: none given, expired, or not valid (bad signature, algorithm or claims). */
export type TokenFailure = 'missing' | 'expired' | 'invalid';

/** Options of {@link mintToken}. */
export interface MintOptions {
  /** The room the token grants, or `*` for every room. */
  room: string;
  /** Seconds until it expires. */
  ttl: number;
  /** A stable identity for the holder, e.g. your user id. */
  sub?: string;
  /** Seconds since the epoch to count from; now by default. */
  now?: number;
}

const key = (secret: string): Uint8Array => new TextEncoder().encode(secret);

/**
 * Mints an HS256 token that `rtc-relay --secret` accepts. Call it on your server, after your own login check,
 * and hand the token to the page (`<rtc-call token="…">`): never ship the secret to browsers.
 *
 * @example
 * import { mintToken } from 'rtc-kit/relay';
 * const token = await mintToken(process.env.RTC_RELAY_SECRET, { room: 'standup', ttl: 3600, sub: user.id });
 */
export async function mintToken(secret: string, { room, ttl, sub, now }: MintOptions): Promise<string> {
  if (room !== '*' && !ROOM_PATTERN.test(room)) throw new TypeError(`"${room}" is not a room name or *`);
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw new TypeError('ttl must be a positive number of seconds');
  const iat = now ?? Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ room }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(iat);
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.setExpirationTime(iat + ttl).sign(key(secret));
}

/**
 * Checks a token: HS256 only, signed with `secret`, not expired, with a `room` claim (a room name or `*`) and
 * an `exp`. Resolves with its claims, or with why it was refused; never rejects.
 *
 * @example
 * const result = await verifyToken(secret, token);
 * if (!result.ok) reject(401);
 */
export async function verifyToken(
  secret: string,
  token: string | null | undefined,
): Promise<{ ok: true; claims: TokenClaims } | { ok: false; reason: TokenFailure }> {
  if (!token) return { ok: false, reason: 'missing' };
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'], requiredClaims: ['exp'] });
    const { room, sub, exp } = payload;
    if (typeof room !== 'string' || (room !== '*' && !ROOM_PATTERN.test(room)) || typeof exp !== 'number')
      return { ok: false, reason: 'invalid' };
    if (sub !== undefined && (typeof sub !== 'string' || sub.length > 256)) return { ok: false, reason: 'invalid' };
    return { ok: true, claims: sub === undefined ? { room, exp } : { room, sub, exp } };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}

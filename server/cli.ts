import { parseArgs } from 'node:util';
import { mintToken } from './auth.js';
import {
  DEFAULT_OPTIONS,
  OPTION_SPECS,
  parseDuration,
  parseOptionValue,
  RelayOptionsError,
  type RelayOptions,
} from './options.js';
import { Relay } from './relay.js';

/** The `rtc-relay token --help` text. */
export function tokenHelpText(): string {
  return [
    'rtc-relay token: print a token for a relay started with --secret',
    '',
    'Usage: rtc-relay token --room ROOM [--ttl 1h] [--sub ID] [--secret S]',
    '',
    '  --room     the room it grants, or * for every room',
    '  --ttl      lifetime: seconds, or 90s, 15m, 1h, 1d (default 1h)',
    '  --sub      a stable identity, shown to the others as meta.sub',
    '  --secret   the relay secret (default: $RTC_RELAY_SECRET)',
    '',
    'For development and scripts; mint tokens on your server with mintToken() from rtc-kit/relay.',
  ].join('\n');
}

/**
 * Runs `rtc-relay token`: prints a signed token on stdout. Returns the exit code.
 *
 * @example
 * await tokenCommand(['--room', 'standup', '--ttl', '1h'], { RTC_RELAY_SECRET: '…32+ characters…' });
 */
export async function tokenCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
          help: { type: 'boolean', short: 'h' },
          room: { type: 'string' },
          ttl: { type: 'string', default: '1h' },
          sub: { type: 'string' },
          secret: { type: 'string' },
        },
      }));
    } catch (error) {
      throw new RelayOptionsError((error as Error).message);
    }
    if (values.help) {
      console.log(tokenHelpText());
      return 0;
    }
    const secret = values.secret ?? env.RTC_RELAY_SECRET ?? '';
    if (secret.length < 32) throw new RelayOptionsError('token needs --secret or RTC_RELAY_SECRET, 32+ characters');
    if (!values.room) throw new RelayOptionsError('token needs --room (a room name, or * for all)');
    const ttl = parseDuration(values.ttl);
    if (!ttl) throw new RelayOptionsError(`--ttl must be a duration such as 3600, 15m or 1h, got "${values.ttl}"`);
    try {
      console.log(await mintToken(secret, { room: values.room, ttl, sub: values.sub }));
    } catch (error) {
      throw new RelayOptionsError((error as Error).message);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof RelayOptionsError)) throw error;
    console.error(`rtc-relay token: ${error.message}\nRun rtc-relay token --help for the options.`);
    return 2;
  }
}

/** The `rtc-relay --help` text, generated from {@link OPTION_SPECS}. */
export function helpText(): string {
  const flagWidth = Math.max(...OPTION_SPECS.map((spec) => spec.flag.length)) + 2;
  const envWidth = Math.max(...OPTION_SPECS.map((spec) => spec.env.length));
  const rows = OPTION_SPECS.map((spec) => {
    const fallback = JSON.stringify(DEFAULT_OPTIONS[spec.key]);
    return `  ${`--${spec.flag}`.padEnd(flagWidth)} ${spec.env.padEnd(envWidth)} ${spec.help} (default ${fallback})`;
  });
  return [
    'rtc-relay: the rtc-kit signaling relay',
    '',
    'Usage: rtc-relay [options]',
    '       rtc-relay token --room ROOM [--ttl 1h] [--sub ID]   print a token (see rtc-relay token --help)',
    '',
    'Each option can also be set by its environment variable; a flag wins over the variable.',
    '',
    `  ${'option'.padEnd(flagWidth)} ${'environment'.padEnd(envWidth)} meaning`,
    ...rows,
    `  ${'--help'.padEnd(flagWidth)} ${''.padEnd(envWidth)} print this help`,
    '',
    'HTTP: GET /healthz answers {"ok":true,"rooms":N,"peers":N} (503 while shutting down',
    'or while Redis is out of reach); GET /metrics is Prometheus text (with --metrics-token:',
    'Authorization: Bearer TOKEN); WebSocket signaling at /signal (with --secret: /signal?token=JWT);',
    'a plain GET /signal answers whether an upgrade would be admitted, and why not (docs/protocol.md).',
  ].join('\n');
}

/**
 * Reads options from `argv` and `env`; flags win over environment variables, which win over defaults.
 *
 * @throws {RelayOptionsError} for an unknown flag or a value of the wrong type.
 * @example
 * parseCommandLine(['--port', '0'], { RTC_RELAY_HOST: '0.0.0.0' }); // { options: { port: 0, host: '0.0.0.0' } }
 */
export function parseCommandLine(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { help: boolean; options: Partial<RelayOptions> } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(OPTION_SPECS.map((spec) => [spec.flag, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    throw new RelayOptionsError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const options: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const text = values[spec.flag] ?? env[spec.env];
    if (typeof text === 'string' && text !== '') options[spec.key] = parseOptionValue(spec, text);
  }
  return { help: values.help === true, options };
}

/**
 * Runs the `rtc-relay` command: parses arguments, starts the relay, and closes it on SIGINT/SIGTERM.
 * Returns the process exit code for argument errors (and for `rtc-relay token`), or the running relay.
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  defaults: Partial<RelayOptions> = {},
): Promise<Relay | number> {
  if (argv[0] === 'token') return tokenCommand(argv.slice(1), env);
  let relay: Relay;
  try {
    const { help, options } = parseCommandLine(argv, env);
    if (help) {
      console.log(helpText());
      return 0;
    }
    relay = new Relay({ ...defaults, ...options });
  } catch (error) {
    if (!(error instanceof RelayOptionsError)) throw error;
    console.error(`rtc-relay: ${error.message}\nRun rtc-relay --help for the options.`);
    return 2;
  }
  try {
    const address = await relay.listen();
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    console.error(`rtc-relay listening on http://${host === '127.0.0.1' ? 'localhost' : host}:${address.port}`);
  } catch (error) {
    // Redis unreachable after its bounded retry (redisStartTimeout), or the port taken: say which, and exit.
    const what = (error as Error).name === 'BackplaneUnavailableError' ? 'cannot start' : 'cannot listen';
    console.error(`rtc-relay: ${what}: ${(error as Error).message}`);
    return 1;
  }
  const stop = (): void => {
    void relay.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return relay;
}

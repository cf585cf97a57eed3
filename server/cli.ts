import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS, OPTION_SPECS, parseOptionValue, RelayOptionsError, type RelayOptions } from './options.js';
import { Relay } from './relay.js';

/** The `rtc-relay --help` text, generated from {@link OPTION_SPECS}. */
export function helpText(): string {
  const rows = OPTION_SPECS.map((spec) => {
    const fallback = JSON.stringify(DEFAULT_OPTIONS[spec.key]);
    return `  --${spec.flag.padEnd(18)} ${spec.env.padEnd(28)} ${spec.help} (default ${fallback})`;
  });
  return [
    'rtc-relay: the rtc-kit signaling relay',
    '',
    'Usage: rtc-relay [options]',
    '',
    'Each option can also be set by its environment variable; a flag wins over the variable.',
    '',
    `  ${'option'.padEnd(20)} ${'environment'.padEnd(28)} meaning`,
    ...rows,
    `  --${'help'.padEnd(18)} ${''.padEnd(28)} print this help`,
    '',
    'HTTP: GET /healthz answers {"ok":true,"rooms":N,"peers":N}; WebSocket signaling at /signal.',
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
 * Returns the process exit code for argument errors, or the running relay.
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  defaults: Partial<RelayOptions> = {},
): Promise<Relay | number> {
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
    console.error(`rtc-relay: cannot listen: ${(error as Error).message}`);
    return 1;
  }
  const stop = (): void => {
    void relay.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return relay;
}

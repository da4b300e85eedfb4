import { pino } from 'pino';
import type { Logger, LogLevel } from '../ports/log';


/** JSON lines on stdout (pino): `{"level":"info","time":"…","msg":"…",…}`. */
export function createLogger(opts: { level: LogLevel; name?: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: opts.name ? { service: opts.name } : undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // an Error under `err` is written with its type, message and stack
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination as never,
  ) as unknown as Logger;
}

import type { Logger } from '../../src/ports/log';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message?: string;
}

/** A logger that keeps every line (tests read what the service logged). */
export function recordingLogger(lines: LogLine[] = [], bound: Record<string, unknown> = {}): Logger & { lines: LogLine[] } {
  const at = (level: LogLine['level']) => (fields: object, message?: string) => void lines.push({ level, fields: { ...bound, ...(fields as Record<string, unknown>) }, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => recordingLogger(lines, { ...bound, ...(f as Record<string, unknown>) }) };
}

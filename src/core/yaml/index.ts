/**
 * YAML streams (the manifests users submit) parsed in time linear in their size, with limits.
 *
 * `parseYamlStream` reads each document with the fast path (./fast: block and flow
 * collections, every scalar style, comments, markers; some 50 times faster than the `yaml`
 * package, about twice the time of JSON.parse) and hands what it does not take to the `yaml`
 * package (./fallback: anchors and aliases, tags, complex keys, directives, invalid YAML),
 * document by document (a document the package finds invalid sends it the whole stream, so
 * that its errors are attributed to the documents it attributes them to). Either way a
 * document's value is what `parseAllDocuments(text)[i].toJS()` of the `yaml` package gives,
 * its errors are that package's errors (one line each, `at line L, column C`), and:
 *
 * - duplicate keys are an error in the document (found with a hash lookup, not the package's
 *   quadratic check), and `__proto__` keys are own properties, never a prototype change;
 * - a limit exceeded (documents, keys or items per collection, nesting depth, alias expansions)
 *   stops the parse with one LIMIT_EXCEEDED issue naming the limit and its value;
 * - an alias that makes a collection contain itself is an error (the package returns a cycle).
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { Bail, fastParseStream, type FastDocument } from './fast';
import { fallbackParse } from './fallback';
import {
  DUPLICATE_KEY_MESSAGE,
  LimitExceeded,
  LineIndex,
  resolveLimits,
  type YamlDocument,
  type YamlIssue,
  type YamlLimits,
  type YamlStream,
} from './types';

export {
  DEFAULT_YAML_LIMITS,
  MAX_SUPPORTED_DEPTH,
  type YamlDocument,
  type YamlIssue,
  type YamlIssueCode,
  type YamlLimits,
  type YamlStream,
} from './types';

/**
 * Whether the fast path leaves the text to the fallback for its characters: a lone CR, a BOM
 * past the start, or one of the C0 controls the `yaml` package's lexer uses as markers of its
 * own (\x02, \x18, \x1f), whose handling there is its own. (indexOf: some 40 times faster than
 * a regular expression over a large text.)
 */
function unusual(work: string): boolean {
  return (
    work.indexOf('\r') !== -1 ||
    work.indexOf('\ufeff', 1) !== -1 ||
    work.indexOf('\x02') !== -1 ||
    work.indexOf('\x18') !== -1 ||
    work.indexOf('\x1f') !== -1
  );
}

/** Parses a YAML stream into its documents' values and errors. */
export function parseYamlStream(text: string, limits?: Partial<YamlLimits>): YamlStream {
  return parseDetailed(typeof text === 'string' ? text : '', resolveLimits(limits)).stream;
}

/** How a stream was read: by the fast path alone, some documents by the fallback, or all of it by the fallback. */
export type YamlPath = 'fast' | 'mixed' | 'fallback';

/** parseYamlStream, also saying which path read the stream (for tests and the benchmark). */
export function parseDetailed(text: string, limits: YamlLimits): { stream: YamlStream; path: YamlPath } {
  let work = text;
  if (work.includes('\r')) work = work.replace(/\r\n/g, '\n');
  let lineIndex: LineIndex | null = null;
  const lines = () => (lineIndex ??= new LineIndex(work));
  if (unusual(work)) return { stream: fallbackStream(work, limits, lines), path: 'fallback' };
  let path: YamlPath = 'fast';
  try {
    let fast: FastDocument[];
    try {
      fast = fastParseStream(work, limits);
    } catch (e) {
      if (e instanceof Bail) return { stream: fallbackStream(work, limits, lines), path: 'fallback' };
      throw e;
    }
    const documents: YamlDocument[] = [];
    for (let d = 0; d < fast.length; d++) {
      const doc = fast[d];
      if (doc.kind === 'fast') {
        documents.push({
          value: doc.value,
          errors: doc.duplicates.map((pos) => ({
            code: 'INVALID_YAML' as const,
            message: `Invalid YAML: ${DUPLICATE_KEY_MESSAGE}${lines().at(pos)}`,
            document: d,
          })),
        });
        continue;
      }
      path = 'mixed';
      const part = fallbackParse(work, doc.start, doc.end, d, limits, lines);
      if (part.documents.length !== 1 || part.errors.length > 0 || part.documents[0].errors.length > 0) {
        // Invalid YAML: the package reads the whole stream, so that its errors land in the
        // documents it attributes them to (after a broken `...`, say, the previous one).
        return { stream: fallbackStream(work, limits, lines), path: 'fallback' };
      }
      documents.push(part.documents[0]);
    }
    return { stream: { documents, errors: [] }, path };
  } catch (e) {
    if (e instanceof LimitExceeded) return { stream: limitExceeded(e, work, lines), path };
    throw e;
  }
}

function fallbackStream(work: string, limits: YamlLimits, lines: () => LineIndex): YamlStream {
  try {
    return fallbackParse(work, 0, work.length, 0, limits, lines);
  } catch (e) {
    if (e instanceof LimitExceeded) return limitExceeded(e, work, lines);
    throw e;
  }
}

function limitExceeded(e: LimitExceeded, work: string, lines: () => LineIndex): YamlStream {
  const issue: YamlIssue = {
    code: 'LIMIT_EXCEEDED',
    message: `YAML limit exceeded: ${e.describe()}${e.offset >= 0 ? lines().at(Math.min(e.offset, work.length)) : ''}`,
  };
  if (e.document !== undefined) issue.document = e.document;
  return { documents: [], errors: [issue] };
}

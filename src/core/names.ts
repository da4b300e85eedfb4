/**
 * Kubernetes naming rules: RFC 1123 labels and subdomains, label/annotation keys
 * (qualified names) and label values. Every validator returns a list of human-readable
 * problems, empty when the input is valid.
 *
 * Pure: no I/O, no clock, no randomness.
 */
import { kindInfo } from './kinds';

const DNS1123_LABEL_MAX = 63;
const DNS1123_SUBDOMAIN_MAX = 253;
const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;

const DNS1123_LABEL_PART = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_PART}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_LABEL_PART}(\\.${DNS1123_LABEL_PART})*$`);
const QUALIFIED_NAME_PART = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_PART}$`);

export const DNS1123_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
  "and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')";

export const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
  "and must start and end with an alphanumeric character (e.g. 'example.com')";

const QUALIFIED_NAME_PART_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', " +
  "and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc')";

export const QUALIFIED_NAME_MESSAGE =
  "a qualified name must consist of alphanumeric characters, '-', '_' or '.', " +
  "and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' " +
  "(e.g. 'MyName', or 'my.name', or 'example.com/MyName')";

export const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
  "and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345')";

function tooLong(max: number): string {
  return `must be no more than ${max} characters`;
}

/** A DNS-1123 label: at most 63 characters of `[a-z0-9]([-a-z0-9]*[a-z0-9])?` (container, namespace names). */
export function validateDns1123Label(s: string): string[] {
  const errs: string[] = [];
  if (s.length > DNS1123_LABEL_MAX) errs.push(tooLong(DNS1123_LABEL_MAX));
  if (!DNS1123_LABEL_RE.test(s)) errs.push(DNS1123_LABEL_MESSAGE);
  return errs;
}

/** A DNS-1123 subdomain: at most 253 characters, dot-separated DNS-1123 labels (most object names). */
export function validateDns1123Subdomain(s: string): string[] {
  const errs: string[] = [];
  if (s.length > DNS1123_SUBDOMAIN_MAX) errs.push(tooLong(DNS1123_SUBDOMAIN_MAX));
  if (!DNS1123_SUBDOMAIN_RE.test(s)) errs.push(DNS1123_SUBDOMAIN_MESSAGE);
  return errs;
}

/**
 * A label or annotation key, i.e. a Kubernetes "qualified name": an optional DNS-1123
 * subdomain prefix and '/', then a name of at most 63 characters (`app`, `example.com/tier`).
 */
export function validateLabelKey(s: string): string[] {
  const errs: string[] = [];
  const parts = s.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const [prefix] = parts;
    name = parts[1];
    if (prefix.length === 0) {
      errs.push('prefix part must be non-empty');
    } else {
      for (const e of validateDns1123Subdomain(prefix)) errs.push(`prefix part ${e}`);
    }
  } else {
    errs.push(QUALIFIED_NAME_MESSAGE);
    return errs;
  }
  if (name.length === 0) {
    errs.push('name part must be non-empty');
  } else {
    if (name.length > QUALIFIED_NAME_MAX) errs.push(`name part ${tooLong(QUALIFIED_NAME_MAX)}`);
    if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${QUALIFIED_NAME_PART_MESSAGE}`);
  }
  return errs;
}

/** A label value: empty, or at most 63 characters of `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`. */
export function validateLabelValue(s: string): string[] {
  if (s.length === 0) return [];
  const errs: string[] = [];
  if (s.length > LABEL_VALUE_MAX) errs.push(tooLong(LABEL_VALUE_MAX));
  if (!QUALIFIED_NAME_RE.test(s)) errs.push(LABEL_VALUE_MESSAGE);
  return errs;
}

/**
 * The resource name kubectl prints for a kind: `deployment.apps`, `jobs.batch` (plural),
 * `priorityclasses.scheduling.k8s.io`, `pod` (the core group has none).
 */
export function resourceName(kind: string, plural = false): string {
  const info = kindInfo(kind);
  if (!info) return `${kind.toLowerCase()}${plural ? 's' : ''}`;
  return `${plural ? info.plural : info.singular}${info.group ? `.${info.group}` : ''}`;
}

/**
 * Namespace (v1): nothing but its metadata. Cluster-scoped, and its name is a DNS-1123 label.
 */
import type { KindHandler } from '../handler';

export const namespaceHandler: KindHandler = {
  kind: 'Namespace',
  nameRule: 'label',
  parse(_c, _value, _path, metadata, source) {
    return metadata ? { apiVersion: 'v1', kind: 'Namespace', metadata, source } : undefined;
  },
};

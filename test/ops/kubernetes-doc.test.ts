/**
 * The README's Kubernetes example (issue 15 point 6): a Secret, a one-replica StatefulSet with
 * probes and a securityContext, and a ClusterIP Service; the probes need no Host header, because
 * /healthz and /readyz are exempt from the Host guard (tested against a real daemon in chain-auth).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('### Health probes (Kubernetes)');
const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const docs = yaml.split(/^---$/m).map((d) => d.trim());

describe('README Kubernetes example', () => {
  it('has a Secret, a StatefulSet and a Service', () => {
    expect(docs.map((d) => /^kind: (\w+)$/m.exec(d)?.[1])).toEqual(['Secret', 'StatefulSet', 'Service']);
  });

  it('runs one writer per keystore, with probes that need no Host header, as non-root', () => {
    const sts = docs[1]!;
    expect(sts).toMatch(/^\s+replicas: 1\b/m);
    expect(sts).toMatch(/livenessProbe:\n\s+httpGet: \{ path: \/healthz, port: rpc \}/);
    expect(sts).toMatch(/readinessProbe:\n\s+httpGet: \{ path: \/readyz, port: rpc \}/);
    expect(sts).not.toContain('httpHeaders');
    expect(sts).toMatch(/securityContext: \{ runAsNonRoot: true, runAsUser: 10001/);
    expect(sts).toContain('secretName: walletd');
    expect(sts).toMatch(/_FILE, value: \/run\/secrets\/walletd\//);
    expect(section).toMatch(/one writer per keystore/i);
    // The image's ENTRYPOINT is tini: `args` would replace `node bin/walletd.mjs`, so none are given.
    expect(sts).not.toMatch(/^\s+args:/m);
  });

  it('gives the container a memory limit above the heap-capped daemon\'s peak (README Memory)', () => {
    const limit = /limits: \{ memory: (\d+)Mi \}/.exec(docs[1]!)?.[1];
    expect(Number(limit)).toBeGreaterThanOrEqual(512);
  });

  it('keeps the Service in the cluster', () => {
    expect(docs[2]).toMatch(/type: ClusterIP/);
  });
});

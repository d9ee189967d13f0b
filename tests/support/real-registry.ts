/**
 * A real container registry for adapter tests: Debian's `docker-registry` (the CNCF distribution registry, v2 API)
 * on a free loopback port, with images pushed by `skopeo` from a tiny OCI layout written here (a gzipped tar layer,
 * a config, a manifest per tag, and index.json). No auth, no TLS: loopback only.
 * If either binary is missing, `startRealRegistry` throws, naming the apt packages, so the test fails loudly.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
export const REAL_REGISTRY_APT_PACKAGES = ['docker-registry', 'skopeo'];
/** skopeo's signature policy for these pushes: local test images carry no signatures. */
const POLICY = JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] });

export interface RealRegistry {
  url: string;
  /**
   * Pushes `repository` under each tag (each tag a different image); returns the manifest digest of each tag. With
   * `platforms`, each tag is a multi-arch image (an OCI image index of one manifest per architecture, as
   * `docker buildx build --platform` pushes it), and the digest is the index's.
   */
  push(repository: string, tags: string[], options?: { platforms?: string[] }): Promise<Record<string, string>>;
  /** The digest skopeo reads back from the registry. */
  inspectDigest(repository: string, tag: string): Promise<string>;
  stop(): Promise<void>;
}

function missingBinaries(): string[] {
  return ['docker-registry', 'skopeo'].filter((binary) => {
    try {
      execFileSync('which', [binary], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A one-file tar archive (ustar), enough for a layer. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148); // the checksum counts its own field as spaces
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** An OCI layout in `dir` with one image per tag (an index of one per platform, with `platforms`); returns each tag's digest. */
export function writeOciLayout(dir: string, repository: string, tags: string[], platforms?: string[]): Record<string, string> {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const blob = (data: Buffer | string) => {
    const hex = sha256(data);
    writeFileSync(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(data) };
  };
  const digests: Record<string, string> = {};
  const image = (tag: string, architecture: string) => {
    const tar = tarOf('version.txt', Buffer.from(`${repository} ${tag} ${architecture}\n`));
    const layer = blob(gzipSync(tar));
    const config = blob(
      JSON.stringify({
        architecture,
        os: 'linux',
        config: { Labels: { version: tag } },
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] },
      }),
    );
    const manifest = blob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    );
    return manifest;
  };
  const manifests = tags.map((tag) => {
    const ref = { annotations: { 'org.opencontainers.image.ref.name': tag } };
    if (!platforms) {
      const manifest = image(tag, 'amd64');
      digests[tag] = manifest.digest;
      return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, ...ref };
    }
    const index = blob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: platforms.map((architecture) => ({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...image(tag, architecture),
          platform: { os: 'linux', architecture },
        })),
      }),
    );
    digests[tag] = index.digest;
    return { mediaType: 'application/vnd.oci.image.index.v1+json', ...index, ...ref };
  });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  return digests;
}

export async function startRealRegistry(): Promise<RealRegistry> {
  const missing = missingBinaries();
  if (missing.length > 0) {
    throw new Error(
      `the real-registry test needs ${missing.join(' and ')} on PATH: apt-get update && apt-get install -y ${REAL_REGISTRY_APT_PACKAGES.join(' ')}`,
    );
  }
  const work = mkdtempSync(join(tmpdir(), 'turbo-registry-'));
  const port = await freePort();
  const policy = join(work, 'policy.json');
  writeFileSync(policy, POLICY);
  writeFileSync(
    join(work, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(work, 'storage')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const registry: ChildProcess = spawn('docker-registry', ['serve', join(work, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  registry.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (registry.exitCode === null) {
      const exited = new Promise((resolve) => registry.once('exit', resolve));
      registry.kill('SIGTERM');
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      if ((await fetch(`${url}/v2/`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (attempt >= 100 || registry.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry did not start on ${url}: ${stderr.slice(0, 500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let layouts = 0;
  return {
    url,
    async push(repository, tags, options = {}) {
      const layout = join(work, `layout-${(layouts += 1)}`);
      const digests = writeOciLayout(layout, repository, tags, options.platforms);
      for (const tag of tags) {
        await run('skopeo', [
          '--policy',
          policy,
          'copy',
          '--quiet',
          // Every image of an index, not only this machine's platform.
          '--all',
          '--dest-tls-verify=false',
          `oci:${layout}:${tag}`,
          `docker://127.0.0.1:${port}/${repository}:${tag}`,
        ]);
      }
      return digests;
    },
    async inspectDigest(repository, tag) {
      const { stdout } = await run('skopeo', [
        '--policy',
        policy,
        'inspect',
        '--tls-verify=false',
        '--format',
        '{{.Digest}}',
        `docker://127.0.0.1:${port}/${repository}:${tag}`,
      ]);
      return stdout.trim();
    },
    stop,
  };
}
